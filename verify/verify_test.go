package verify_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/verify"
)

// fixture is a source with 3 rows, a target with 2 migrated rows and an
// archive with the third: a run that accounted for everything.
type fixture struct {
	src, tgt *sqlite.DB
	arcDir   string
	ledger   *verify.Ledger
	table    connectors.Table
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	open := func(name string) *sqlite.DB {
		loc, _ := connectors.ParseLocation("sqlite://" + filepath.Join(dir, name))
		db, err := sqlite.OpenTarget(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	f := &fixture{src: open("src.db"), tgt: open("tgt.db"), arcDir: filepath.Join(dir, "archive"), ledger: verify.NewLedger()}
	f.table = connectors.Table{Name: "p", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	rows := [][]connectors.Value{{int64(1)}, {int64(2)}, {int64(3)}}
	for _, db := range []*sqlite.DB{f.src, f.tgt} {
		if err := db.Create(ctx, []connectors.Table{f.table}); err != nil {
			t.Fatal(err)
		}
	}
	f.write(t, f.src, rows)
	f.write(t, f.tgt, rows[:2])
	arc, err := archive.Create(f.arcDir, archive.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := arc.Add(&f.table, archive.Record{Key: rows[2], Reason: "int_range", Values: rows[2]}); err != nil {
		t.Fatal(err)
	}
	if _, err := arc.Close(time.Now()); err != nil {
		t.Fatal(err)
	}
	tl := f.ledger.Table("p", "p")
	tl.Migrate()
	tl.Migrate()
	tl.Archive("int_range")
	f.ledger.Written["p"] = 2
	return f
}

func (f *fixture) write(t *testing.T, db *sqlite.DB, rows [][]connectors.Value) {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(context.Background(), &f.table, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) check(t *testing.T) *verify.Report {
	t.Helper()
	ctx := context.Background()
	snap, err := f.src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var r verify.Report
	if err := verify.Counts(ctx, snap, f.tgt, f.arcDir, f.ledger, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestCountsPass(t *testing.T) {
	f := newFixture(t)
	if r := f.check(t); !r.Pass {
		t.Fatalf("an accounted run failed: %v", r.Problems)
	}
}

func TestCountsFail(t *testing.T) {
	cases := map[string]struct {
		tamper func(t *testing.T, f *fixture)
		want   string
	}{
		"an extra target row":               {func(t *testing.T, f *fixture) { f.write(t, f.tgt, [][]connectors.Value{{int64(9)}}) }, "target table p holds 3 rows, the run wrote 2"},
		"a source row the run did not read": {func(t *testing.T, f *fixture) { f.write(t, f.src, [][]connectors.Value{{int64(4)}}) }, "source table p: 4 rows"},
		"a record counted but not archived": {func(t *testing.T, f *fixture) { f.ledger.Tables[0].Archive("int_range") }, "archive holds 1 records of p, the run archived 2"},
		"a value lost":                      {func(t *testing.T, f *fixture) { f.ledger.Tables[0].LoseValue("weight") }, "source table p: 1 values lost (weight: 1)"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			c.tamper(t, f)
			r := f.check(t)
			if r.Pass {
				t.Fatal("verification passed a run that does not add up")
			}
			if !strings.Contains(strings.Join(r.Problems, "\n"), c.want) {
				t.Fatalf("problems %q lack %q", r.Problems, c.want)
			}
			var b strings.Builder
			if err := r.WriteText(&b); err != nil || !strings.Contains(b.String(), "FAIL") {
				t.Fatalf("summary does not say FAIL:\n%s", b.String())
			}
		})
	}
}
