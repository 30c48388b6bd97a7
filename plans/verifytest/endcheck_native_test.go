package verifytest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// nativeColumns are besok's columns of every kind the native row sum
// takes in a test of it, with visit's columns they map to.
var nativeColumns = []besokColumn{
	besokNote, besokWeight,
	{connectors.Column{Name: "belopp", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 10, Scale: 2}, Nullable: true}, "amount decimal(10,2)"},
	{connectors.Column{Name: "tid", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 6}, Nullable: true}, "at datetime(6)"},
	{connectors.Column{Name: "data", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true}, "data bytes"},
}

// nativeRows are n visits of besok with nativeColumns: visit 18 has no
// note, visit 19 an empty one, visit 20 weighs 0.
func nativeRows(n int) [][]connectors.Value {
	rows := besokRows(n, func(id int) float64 { return float64(id) + 0.25 })
	for i := range rows {
		id := i + 1
		rows[i] = append(rows[i], connectors.Decimal(fmt.Sprintf("%d.5", id)),
			connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 1 + id%28}, Hour: id % 24, Second: 7, Nanosecond: 123000},
			[]byte{byte(id), 0, 0xff})
		switch id {
		case 18:
			rows[i][1] = nil
		case 19:
			rows[i][1] = ""
		case 20:
			rows[i][2] = 0.0
		case 21:
			rows[i][3] = connectors.Decimal("21.55")
		}
	}
	return rows
}

// A run into PostgreSQL has the server sum its rows for the end check
// (connectors.NativeSummer): the rows never cross the wire. A value the
// target holds otherwise than the run sent it — changed after the move,
// before the end check — fails the run, and the end check, verifying
// again from the source, names the record. Untouched, the run passes on
// the native sums.
func TestRunEndCheckNativeTamper(t *testing.T) {
	pgtest.AdminURL(t)
	for _, c := range []struct {
		name  string
		stmts []string
		// key is the record named ("" for the keyless table's), column
		// its differing column where the kind is "changed".
		key, column string
		keyless     bool
	}{
		{name: "untouched"},
		{"numeric rounded by a narrower column", []string{`ALTER TABLE visit ALTER COLUMN amount TYPE numeric(10,1)`, `ALTER TABLE visit ALTER COLUMN amount TYPE numeric(10,2)`}, "21", "amount", false},
		{"text with a trailing space", []string{`UPDATE visit SET note = note || ' ' WHERE visit_id = 17`}, "17", "note", false},
		{"timestamp one microsecond later", []string{`UPDATE visit SET "at" = "at" + interval '1 microsecond' WHERE visit_id = 17`}, "17", "at", false},
		{"bytea one byte", []string{`UPDATE visit SET data = set_byte(data, 1, 1) WHERE visit_id = 17`}, "17", "data", false},
		{"NULL made empty", []string{`UPDATE visit SET note = '' WHERE visit_id = 18`}, "18", "note", false},
		{"empty made NULL", []string{`UPDATE visit SET note = NULL WHERE visit_id = 19`}, "19", "note", false},
		{"zero made negative zero", []string{`UPDATE visit SET weight = '-0'::float8 WHERE visit_id = 20`}, "20", "weight", false},
		{"row deleted", []string{`DELETE FROM visit WHERE visit_id = 17`}, "17", "", false},
		{"row duplicated", []string{`INSERT INTO visit SELECT * FROM visit WHERE visit_id = 17`}, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := writeBesok(t, dir, nativeRows(60), nativeColumns...)
			key := "visit_id"
			if c.keyless {
				key = ""
			}
			writeVisitSchema(t, dir, key, nativeColumns...)
			writeBesokMapping(t, dir, nativeColumns...)
			p := loadPlan(t, writePlan(t, dir, ""))
			p.BatchSize = 10
			tgt := pgtest.NewDatabase(t)
			tamper := pgAfterChecks(tgt, c.stmts...)
			var tamperErr error
			work := filepath.Join(dir, "w")
			rep, err := plans.Run(t.Context(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
				Moved: func() { tamperErr = tamper.Run() }})
			if tamperErr != nil {
				t.Fatal(tamperErr)
			}
			if c.stmts == nil {
				if err != nil || rep == nil || !rep.Pass {
					t.Fatalf("untouched: run %v, %v", err, rep)
				}
				contents, algorithm := readNativeReport(t, work)
				for _, cc := range contents {
					if cc.Table == "visit" && !cc.Native {
						t.Errorf("visit was not summed natively: %+v", cc)
					}
				}
				// The report's hash algorithm names every hash its sums are
				// of: the native tables' too, not the keyed one alone.
				if !strings.Contains(algorithm, "hash_record_extended") {
					t.Errorf("the report's hash algorithm %q does not name the native row sum", algorithm)
				}
				return
			}
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("the target holds a value the run never wrote, and the run passes: %v", err)
			}
			all := strings.Join(rep.Problems, "\n")
			if !strings.Contains(all, "receiving table visit: the target's native row sum differs from what this run wrote") {
				t.Errorf("the native sum's difference is not among the problems:\n%s", all)
			}
			named := false
			contents, _ := readNativeReport(t, work)
			for _, cc := range contents {
				for _, d := range cc.Differences {
					if cc.Table != "visit" || strings.Join(d.Key, ",") != c.key {
						continue
					}
					if c.column != "" && (d.Kind != "changed" || strings.Join(d.Columns, ",") != c.column) {
						t.Errorf("record %s: %s %v, want changed %s", c.key, d.Kind, d.Columns, c.column)
					}
					named = true
				}
			}
			if !named {
				t.Errorf("no record %q named:\n%s", c.key, all)
			}
		})
	}
}

// nativeCheck is a content check as verify-report.json gives it.
type nativeCheck struct {
	Table       string `json:"table"`
	Native      bool   `json:"native"`
	OK          bool   `json:"ok"`
	Differences []struct {
		Key     []string `json:"key"`
		Kind    string   `json:"kind"`
		Columns []string `json:"columns"`
	} `json:"differences"`
}

func readNativeReport(t *testing.T, work string) ([]nativeCheck, string) {
	t.Helper()
	var r struct {
		Contents      []nativeCheck `json:"contents"`
		HashAlgorithm string        `json:"hash_algorithm"`
	}
	path := filepath.Join(work, "verify-report.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r.Contents, r.HashAlgorithm
}
