package synth

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// The demo registry's writer: it writes receiving-style tables through a
// plain connectors.Target, for `regflytt demo` and the plans tests.

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

// fillStep fills one legacy table.
type fillStep struct {
	table string
	fill  func(*connectors.Table) error
}

// fillTables runs the steps in order: parents before the tables that
// refer to them.
func fillTables(t map[string]*connectors.Table, steps []fillStep) error {
	for _, s := range steps {
		if err := s.fill(t[s.table]); err != nil {
			return err
		}
	}
	return nil
}
