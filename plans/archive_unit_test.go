package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// rewriteArchive writes the package at dir again through archive.Writer
// (so that it is whole and its manifests agree), each record's outcome
// passed through edit first: what a run that archived a record with the
// wrong outcome would have written.
func rewriteArchive(t *testing.T, dir string, edit func(table string, o *archive.Record)) {
	t.Helper()
	old, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	next := dir + ".new"
	w, err := archive.Create(next, old.Summary.Meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range old.Tables() {
		tbl := &connectors.Table{Name: ts.Table, PrimaryKey: ts.PrimaryKey}
		for _, c := range ts.Columns {
			tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.Name, Type: c.Type.Type(), SourceType: c.SourceType, Charset: c.Charset, Nullable: c.Nullable})
		}
		recs, err := old.Records(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		for recs.Next() {
			rec := recs.Record()
			o := rec.Outcome
			o.KeyText, o.Values = rec.KeyText, rec.Values
			edit(ts.Table, &o)
			if err := w.Add(tbl, o); err != nil {
				t.Fatal(err)
			}
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
			t.Fatal(err)
		}
		vals, err := old.Values(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			v.Value.KeyText = v.KeyText
			if err := w.AddValue(tbl, v.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := w.Close(time.Now()); err != nil {
		t.Fatal(err)
	}
	if probs := archive.Verify(next); len(probs) > 0 {
		t.Fatalf("the rewritten package does not verify: %v", probs)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, dir); err != nil {
		t.Fatal(err)
	}
}

// The care unit an archived record's outcome names is whose record it is
// in the archive (the CPUA hands archived history to the unit that
// reported it): a package that names another unit for a record must fail
// verification, as a changed value does. Verify takes the unit from the
// source, not from the run.
func TestVerifyFindsAnArchivedRecordOfAnotherUnit(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 80)
	p := loadPlan(t, demoPlan)
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	moved := 0
	rewriteArchive(t, filepath.Join(dir, "archive"), func(table string, o *archive.Record) {
		if table == "besok" && o.CareUnit != "" && moved == 0 {
			o.CareUnit += "9"
			moved++
		}
	})
	if moved == 0 {
		t.Fatal("no archived visit names a care unit")
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatalf("verify gave no summary: %v", err)
	}
	if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a package whose archived visit names another care unit")
	}
	// The drill-down names the one record: changed, not missing and
	// foreign.
	var kinds []string
	for _, d := range sum.ArchiveExceptions {
		kinds = append(kinds, d.Table+" "+d.Kind)
	}
	if strings.Join(kinds, ",") != "besok archive_changed" {
		t.Errorf("archive exceptions %v, problems %v", kinds, sum.Problems)
	}
}

// The receiving and source column an archived record's outcome names are
// where it failed, what a person reads to decide about it: a package that
// names another column for a record fails verification, as the values
// archived alone already do (their hash holds both columns).
func TestVerifyFindsAnArchivedRecordOfAnotherColumn(t *testing.T) {
	for _, edit := range []struct {
		name  string
		apply func(o *archive.Record) bool
	}{
		{"column", func(o *archive.Record) bool { o.Column += "_x"; return true }},
		{"source column", func(o *archive.Record) bool { o.SourceColumn += "_x"; return true }},
	} {
		t.Run(edit.name, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := makeDemoSQLite(t, dir, 80)
			p := loadPlan(t, demoPlan)
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
			if _, err := plans.Run(context.Background(), p, opts); err != nil {
				t.Fatal(err)
			}
			edited := 0
			rewriteArchive(t, filepath.Join(dir, "archive"), func(table string, o *archive.Record) {
				if table == "besok" && o.Column != "" && o.SourceColumn != "" && edited == 0 && edit.apply(o) {
					edited++
				}
			})
			if edited == 0 {
				t.Fatal("no archived visit names a column")
			}
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil {
				t.Fatalf("verify gave no summary: %v", err)
			}
			if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("verify passes a package whose archived visit names another %s", edit.name)
			}
		})
	}
}

// The key an archived record's outcome names is how a person finds the
// record (archive extract, an erasure's review, the drill-down): a package
// that names another key for a record, rewritten and re-bagged so that its
// manifests agree, fails verification; the drill-down names the key the
// mappings archive as missing and the package's as foreign.
func TestVerifyFindsAnArchivedRecordUnderAnotherKey(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 80)
	p := loadPlan(t, demoPlan)
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	var was string
	rewriteArchive(t, filepath.Join(dir, "archive"), func(table string, o *archive.Record) {
		if table == "besok" && was == "" {
			was, o.KeyText = o.KeyText, `["999999"]`
		}
	})
	if was == "" {
		t.Fatal("no archived visit")
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatalf("verify gave no summary: %v", err)
	}
	if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a package whose archived visit %s names the key [\"999999\"]", was)
	}
	var kinds []string
	for _, d := range sum.ArchiveExceptions {
		kinds = append(kinds, d.Table+" "+d.Kind+" "+strings.Join(d.Key, ","))
	}
	sort.Strings(kinds)
	if want := "besok archive_foreign [\"999999\"],besok archive_missing " + was; strings.Join(kinds, ",") != want {
		t.Errorf("archive exceptions %v, want %s; problems %v", kinds, want, sum.Problems)
	}
}
