// Package synth generates synthetic legacy registries: faithful stand-ins
// for databases that cannot leave their CPUA, for regflytt's own tests,
// for benchmarks, and for RCO teams to rehearse a migration. Generation is
// deterministic from a seed and streams through a connectors.Target, so it
// writes to every dialect and its memory does not grow with size.
//
// Neighbours: cmd/regflytt's demo and synth commands call it; it writes
// through connectors and knows nothing of mappings.
package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

// writer batches rows into target transactions.
type writer struct {
	ctx   context.Context
	tgt   connectors.Target
	table *connectors.Table
	rows  [][]connectors.Value
	size  int
	n     int64
}

func newWriter(ctx context.Context, tgt connectors.Target, t *connectors.Table) *writer {
	return &writer{ctx: ctx, tgt: tgt, table: t, size: connectors.DefaultBatchSize}
}

func (w *writer) add(row ...connectors.Value) error {
	w.rows = append(w.rows, row)
	if len(w.rows) >= w.size {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if len(w.rows) == 0 {
		return nil
	}
	tx, err := w.tgt.Begin(w.ctx)
	if err != nil {
		return fmt.Errorf("synth %s: %w", w.table.Name, err)
	}
	n, err := tx.Write(w.ctx, w.table, w.rows)
	if err != nil {
		tx.Rollback()
		return fmt.Errorf("synth %s: %w", w.table.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("synth %s: %w", w.table.Name, err)
	}
	w.n += n
	w.rows = w.rows[:0]
	return nil
}

// table declares a legacy table from "name type" pairs; the first column
// is the primary key. Types use connectors.ParseType's notation, with a
// trailing " null" for nullable columns.
func table(name string, cols ...string) connectors.Table {
	t := connectors.Table{Name: name, RowEstimate: -1}
	for i := 0; i+1 < len(cols); i += 2 {
		typ, nullable := cols[i+1], false
		if len(typ) > 5 && typ[len(typ)-5:] == " null" {
			typ, nullable = typ[:len(typ)-5], true
		}
		ct, err := connectors.ParseType(typ)
		if err != nil {
			panic(fmt.Sprintf("synth: table %s: %v", name, err)) // a bug in this package's own declarations
		}
		t.Columns = append(t.Columns, connectors.Column{Name: cols[i], Type: ct, Nullable: nullable})
	}
	t.PrimaryKey = []string{t.Columns[0].Name}
	return t
}

// personnummer makes a valid identity number YYYYMMDD-NNNC for a birth
// date, with the Luhn check digit computed over YYMMDDNNN.
func personnummer(r *rand.Rand, year, month, day int) string {
	serial := r.IntN(1000)
	ten := fmt.Sprintf("%02d%02d%02d%03d", year%100, month, day, serial)
	return fmt.Sprintf("%04d%02d%02d-%03d%d", year, month, day, serial, luhn(ten))
}

// luhn gives the check digit for nine digits.
func luhn(digits string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		d := int(digits[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

func itoa(n int) string { return strconv.Itoa(n) }
