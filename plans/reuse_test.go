package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A run reuses the slices its batches travel in (the read-ahead's, and
// the target rows' once a batch has committed), never a row in them.
// With batches of two, hundreds of batches cycle through those slices
// while the archive holds its records' source rows: the target must hold
// every migrated row with its own values and the archive every archived
// record with its own, compared with the source itself rather than with
// the run's own end check (which hashes the same slices it writes, and
// would agree with a row overwritten in both).
func TestRunReusedBatchesKeepEveryRow(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	const n = 301
	var rows [][]connectors.Value
	wantTarget := map[int64]string{}
	var wantArchived []string
	for i := int64(1); i <= n; i++ {
		kod := fmt.Sprintf("K%d", i)
		if i%17 == 0 {
			kod = "X"
			wantArchived = append(wantArchived, fmt.Sprint(i))
		} else {
			wantTarget[i] = fmt.Sprintf("namn %d|%s|%d", i, kod, i*3)
		}
		rows = append(rows, []connectors.Value{i, fmt.Sprintf("namn %d", i), kod, i * 3})
	}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("namn"), textCol("kod"), intCol("v")}},
	}, map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: name, type: text}
      - {name: code, type: text}
      - {name: n, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    rules: [{when: 'src.kod == "X"', archive: marked}]
    columns: {visit_id: id, name: namn, code: kod, n: v}
`)
	p := loadPlan(t, writePlan(t, dir, "run: {batch_size: 2}\n"))
	runOnSQLite(t, p, srcURL, dir, nil)

	got := map[int64]string{}
	inTarget(t, "sqlite://"+filepath.Join(dir, "t.db"), func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != "visit" {
				continue
			}
			rs, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for rs.Next() {
				r := rs.Row()
				got[r[0].(int64)] = fmt.Sprintf("%s|%s|%d", r[1], r[2], r[3])
			}
			if err := rs.Err(); err != nil {
				t.Fatal(err)
			}
			rs.Close()
		}
	})
	if len(got) != len(wantTarget) {
		t.Errorf("%d target rows, want %d", len(got), len(wantTarget))
	}
	for id, w := range wantTarget {
		if got[id] != w {
			t.Errorf("visit %d: %q, want %q", id, got[id], w)
		}
	}

	pkg, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records("besok")
	if err != nil {
		t.Fatal(err)
	}
	var archived []string
	for recs.Next() {
		r := recs.Record()
		if len(r.Values) != 4 {
			t.Fatalf("archived record %s: %d values, want 4", r.KeyText, len(r.Values))
		}
		id, _ := r.Values[0].(int64)
		archived = append(archived, fmt.Sprint(id))
		if got, want := fmt.Sprint(r.Values), fmt.Sprintf("[%d namn %d X %d]", id, id, id*3); got != want {
			t.Errorf("archived record %s: values %s, want %s", r.KeyText, got, want)
		}
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(archived, " ") != strings.Join(wantArchived, " ") {
		t.Errorf("archived %v, want %v", archived, wantArchived)
	}
}
