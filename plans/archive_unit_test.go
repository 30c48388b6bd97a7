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
	rewritePackage(t, dir, packageEdit{record: edit})
}

// packageEdit says what rewritePackage changes: the package's
// description, a source table's description, each record's outcome, each
// value archived alone, which records it leaves out (nil: nothing), and
// when the new package is closed: zero keeps the old package's creation
// time, as whoever rewrites a package to pass it as the run's would
// (verify holds a creation after the run to be another package's).
type packageEdit struct {
	closed time.Time
	meta   func(*archive.Meta)
	table  func(*connectors.Table)
	record func(table string, o *archive.Record)
	value  func(table string, v *archive.Value)
	drop   func(table string, o *archive.Record) bool
}

// rewritePackage is rewriteArchive with what edit says changed.
func rewritePackage(t *testing.T, dir string, edit packageEdit) {
	t.Helper()
	old, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	next := dir + ".new"
	m := old.Summary.Meta
	if edit.meta != nil {
		edit.meta(&m)
	}
	w, err := archive.Create(next, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range old.Tables() {
		tbl := &connectors.Table{Name: ts.Table, PrimaryKey: ts.PrimaryKey}
		for _, c := range ts.Columns {
			tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.Name, Type: c.Type.Type(), SourceType: c.SourceType, Charset: c.Charset, Nullable: c.Nullable})
		}
		if edit.table != nil {
			edit.table(tbl)
		}
		recs, err := old.Records(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		for recs.Next() {
			rec := recs.Record()
			o := rec.Outcome
			o.KeyText, o.Values = rec.KeyText, rec.Values
			if edit.record != nil {
				edit.record(ts.Table, &o)
			}
			if edit.drop != nil && edit.drop(ts.Table, &o) {
				continue
			}
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
			if edit.value != nil {
				edit.value(ts.Table, &v.Value)
			}
			if err := w.AddValue(tbl, v.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	closed := edit.closed
	if closed.IsZero() {
		if closed, err = time.Parse(time.RFC3339, old.Summary.Created); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(closed); err != nil {
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

// runDemo runs the demo plan over a demo registry of the given number of
// patients, from SQLite into SQLite in a new directory, and gives the
// run's options, the plan and the archive package's directory.
func runDemo(t *testing.T, patients int, toolVersion string) (plans.Options, *plans.Plan, string) {
	t.Helper()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	p := loadPlan(t, demoPlan)
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir, ToolVersion: toolVersion}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	return opts, p, filepath.Join(dir, "archive")
}

// archiveExceptions verifies, holds the verification to FAIL (what says
// how the package differs) and gives its archive exceptions as "table
// kind key columns", sorted.
func archiveExceptions(t *testing.T, p *plans.Plan, opts plans.Options, what string) []string {
	t.Helper()
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatalf("verify gave no summary: %v", err)
	}
	if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a package %s", what)
	}
	var got []string
	for _, d := range sum.ArchiveExceptions {
		got = append(got, strings.TrimSpace(d.Table+" "+d.Kind+" "+strings.Join(d.Key, ",")+" "+strings.Join(d.Columns, ",")))
	}
	sort.Strings(got)
	return got
}

// The care unit an archived record's outcome names is whose record it is
// in the archive (the CPUA hands archived history to the unit that
// reported it): a package that names another unit for a record must fail
// verification, as a changed value does. Verify takes the unit from the
// source, not from the run.
func TestVerifyFindsAnArchivedRecordOfAnotherUnit(t *testing.T) {
	opts, p, arc := runDemo(t, 80, "")
	var key string
	rewriteArchive(t, arc, func(table string, o *archive.Record) {
		if table == "besok" && o.CareUnit != "" && key == "" {
			key, o.CareUnit = o.KeyText, o.CareUnit+"9"
		}
	})
	if key == "" {
		t.Fatal("no archived visit names a care unit")
	}
	// The drill-down names the one record: changed, not missing and
	// foreign.
	if got := archiveExceptions(t, p, opts, "whose archived visit names another care unit"); strings.Join(got, ",") != "besok archive_changed "+key {
		t.Errorf("archive exceptions %v", got)
	}
}

// The receiving and source column an archived record's outcome names are
// where it failed, what a person reads to decide about it: a package that
// names another column for a record fails verification, as the values
// archived alone already do (their hash holds both columns).
func TestVerifyFindsAnArchivedRecordOfAnotherColumn(t *testing.T) {
	t.Parallel()
	for _, edit := range []struct {
		name  string
		apply func(o *archive.Record) bool
	}{
		{"column", func(o *archive.Record) bool { o.Column += "_x"; return true }},
		{"source column", func(o *archive.Record) bool { o.SourceColumn += "_x"; return true }},
	} {
		t.Run(edit.name, func(t *testing.T) {
			opts, p, arc := runDemo(t, 80, "")
			edited := 0
			rewriteArchive(t, arc, func(table string, o *archive.Record) {
				if table == "besok" && o.Column != "" && o.SourceColumn != "" && edited == 0 && edit.apply(o) {
					edited++
				}
			})
			if edited == 0 {
				t.Fatal("no archived visit names a column")
			}
			archiveExceptions(t, p, opts, "whose archived visit names another "+edit.name)
		})
	}
}

// The key an archived record's outcome names is how a person finds the
// record (archive extract, an erasure's review, the drill-down): a package
// that names another key for a record, rewritten and re-bagged so that its
// manifests agree, fails verification; the drill-down names the key the
// mappings archive as missing and the package's as foreign.
func TestVerifyFindsAnArchivedRecordUnderAnotherKey(t *testing.T) {
	t.Parallel()
	opts, p, arc := runDemo(t, 80, "")
	var was string
	rewriteArchive(t, arc, func(table string, o *archive.Record) {
		if table == "besok" && was == "" {
			was, o.KeyText = o.KeyText, `["999999"]`
		}
	})
	if was == "" {
		t.Fatal("no archived visit")
	}
	got := archiveExceptions(t, p, opts, "whose archived visit "+was+` names the key ["999999"]`)
	if want := "besok archive_foreign [\"999999\"],besok archive_missing " + was; strings.Join(got, ",") != want {
		t.Errorf("archive exceptions %v, want %s", got, want)
	}
}

// The detail of an archived record's outcome is why it was archived, in
// words: what the registry holder and the CPUA read to decide about the
// record. A package rewritten and re-bagged with a detail edited, or two
// records' details swapped, fails verification, naming each record and
// the detail; so does a value archived alone with another detail.
func TestVerifyFindsAnArchivedRecordWithAnotherDetail(t *testing.T) {
	t.Parallel()
	t.Run("edited", func(t *testing.T) {
		opts, p, arc := runDemo(t, 80, "")
		var key string
		rewriteArchive(t, arc, func(table string, o *archive.Record) {
			if table == "besok" && key == "" && o.Detail != "" {
				key, o.Detail = o.KeyText, "the patient asked for it"
			}
		})
		if key == "" {
			t.Fatal("no archived visit has a detail")
		}
		if got, want := strings.Join(archiveExceptions(t, p, opts, "whose archived records give other details"), "|"), "besok archive_changed "+key+" detail"; got != want {
			t.Errorf("archive exceptions %q, want %q", got, want)
		}
	})
	t.Run("swapped", func(t *testing.T) {
		opts, p, arc := runDemo(t, 80, "")
		// Two records of one table with different details: each keeps
		// its reason code, only the words tell.
		first := map[string]*archive.Record{}
		var pair []string
		details := map[string]string{}
		pkg, err := archive.Open(arc)
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range pkg.Tables() {
			recs, err := pkg.Records(ts.Table)
			if err != nil {
				t.Fatal(err)
			}
			for recs.Next() && pair == nil {
				rec := recs.Record()
				o := rec.Outcome
				o.KeyText = rec.KeyText
				k := ts.Table
				if f := first[k]; f != nil && f.Detail != o.Detail {
					pair = []string{ts.Table, f.KeyText, o.KeyText}
					details[f.KeyText], details[o.KeyText] = o.Detail, f.Detail
				} else if f == nil {
					first[k] = &o
				}
			}
			if err := errors.Join(recs.Err(), recs.Close()); err != nil {
				t.Fatal(err)
			}
		}
		if pair == nil {
			t.Fatal("no two archived records of one table with different details")
		}
		rewriteArchive(t, arc, func(table string, o *archive.Record) {
			if d, ok := details[o.KeyText]; ok && table == pair[0] {
				o.Detail = d
			}
		})
		want := []string{pair[0] + " archive_changed " + pair[1] + " detail", pair[0] + " archive_changed " + pair[2] + " detail"}
		sort.Strings(want)
		if got := archiveExceptions(t, p, opts, "whose archived records give other details"); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("archive exceptions %q, want %q", got, want)
		}
	})
	t.Run("value archived alone", func(t *testing.T) {
		ctx := context.Background()
		dir := t.TempDir()
		src := "sqlite://" + filepath.Join(dir, "legacy.db")
		writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("langd")}}},
			map[string][][]connectors.Value{"besok": {{int64(1), "172"}, {int64(2), "ca 180"}}})
		write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: length_cm, type: \"decimal(5,1)\"}\n")
		write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    granularity: value\n    columns:\n      id: {from: id}\n      length_cm: {expr: decimal(langd)}\n")
		p := loadPlan(t, writePlan(t, dir, ""))
		opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
		if _, err := plans.Run(ctx, p, opts); err != nil {
			t.Fatal(err)
		}
		edited := 0
		rewritePackage(t, filepath.Join(dir, "archive"), packageEdit{value: func(table string, v *archive.Value) {
			v.Detail, edited = "the patient asked for it", edited+1
		}})
		if edited != 1 {
			t.Fatalf("%d values archived alone, want 1", edited)
		}
		sum, err := plans.Verify(ctx, p, opts)
		if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
			t.Fatalf("verify passes a package whose value archived alone gives another detail: %v", err)
		}
		if want := "values archived alone of besok"; !strings.Contains(strings.Join(sum.Problems, "\n"), want) {
			t.Errorf("no problem names the %s: %q", want, sum.Problems)
		}
		// The drill-down names the value: its record's key and column.
		var got []string
		for _, d := range sum.ArchiveExceptions {
			got = append(got, d.Table+" "+d.Kind+" "+strings.Join(d.Key, ",")+" "+strings.Join(d.Columns, ","))
		}
		if want := `besok archive_value_changed ["2"] length_cm`; strings.Join(got, "|") != want {
			t.Errorf("archive exceptions %q, want %q", got, want)
		}
	})
}

// A package another regflytt version wrote is verified as any other: one
// that holds what the mappings give passes; one that differs fails, and
// the verification names the version that wrote it and the one verifying,
// since the difference may be a rule or a detail's wording that changed
// between them (verify with the version that ran it to tell).
func TestVerifyNamesTheVersionThatWroteADifferingPackage(t *testing.T) {
	t.Parallel()
	opts, p, arc := runDemo(t, 80, "v0.9.0")
	const named = "written by regflytt v0.9.0"
	later := opts
	later.ToolVersion = "v1.0.0"
	sum, err := plans.Verify(context.Background(), p, later)
	if err != nil || !sum.Pass {
		t.Fatalf("a later version fails a package that holds what the mappings give: %v", err)
	}
	rewriteArchive(t, arc, func(table string, o *archive.Record) {
		if table == "besok" && o.Detail != "" {
			o.Detail += " (worded otherwise)"
		}
	})
	for _, c := range []struct {
		version string
		named   bool
	}{{"v1.0.0", true}, {"v0.9.0", false}} {
		o := opts
		o.ToolVersion = c.version
		sum, err := plans.Verify(context.Background(), p, o)
		if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
			t.Fatalf("regflytt %s passes a package that differs: %v", c.version, err)
		}
		problems := strings.Join(sum.Problems, "\n")
		if strings.Contains(problems, named) != c.named || c.named && !strings.Contains(problems, "verified by regflytt v1.0.0") {
			t.Errorf("regflytt %s: problems name the writing version %v, want %v:\n%s", c.version, !c.named, c.named, problems)
		}
	}
}

// The package says whose it is (the new CPUA, in package.json, metadata.xml
// and bag-info.txt), whose it was, and which register and platforms it
// came from: what an auditor and portfolio status read of it. A package
// rewritten to name another owner, register or platform than the plan
// fails verification, naming the field; one that agrees passes.
func TestVerifyHoldsThePackagesDescriptionToThePlan(t *testing.T) {
	t.Parallel()
	opts, p, arc := runDemo(t, 30, "")
	for _, c := range []struct {
		field string
		edit  func(m *archive.Meta)
	}{
		{"owner", func(m *archive.Meta) { m.Owner = "Region Halland" }},
		{"former owner", func(m *archive.Meta) { m.FormerOwner = "Region Halland" }},
		{"register", func(m *archive.Meta) { m.Register = "other" }},
		{"RCO", func(m *archive.Meta) { m.RCO = "RCO Väst" }},
		{"source platform", func(m *archive.Meta) { m.SourceSystem = "other" }},
	} {
		var was archive.Meta
		rewritePackage(t, arc, packageEdit{meta: func(m *archive.Meta) { was = *m; c.edit(m) }})
		sum, err := plans.Verify(context.Background(), p, opts)
		if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
			t.Errorf("%s: verify passes a package that names another %s than the plan: %v", c.field, c.field, err)
		} else if !strings.Contains(strings.Join(sum.Problems, "\n"), "names "+c.field) {
			t.Errorf("%s: no problem names the %s: %q", c.field, c.field, sum.Problems)
		}
		rewritePackage(t, arc, packageEdit{meta: func(m *archive.Meta) { *m = was }})
		if sum, err := plans.Verify(context.Background(), p, opts); err != nil || !sum.Pass {
			t.Fatalf("%s restored: %v %v", c.field, err, sum.Problems)
		}
	}
}

// The package describes each source table's columns (names, source
// types, canonical types), in package.json and in metadata.xml, which
// every SIARD tool and archive extract label the cells by. Two columns'
// names swapped, or a source type changed, in both alike and re-bagged,
// passed: the cells read back the same. Verification holds the
// description to the source table the mappings read.
func TestVerifyHoldsThePackagesColumnsToTheSource(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		edit func(tb *connectors.Table)
	}{
		{"names swapped", func(tb *connectors.Table) {
			tb.Columns[1].Name, tb.Columns[2].Name = tb.Columns[2].Name, tb.Columns[1].Name
		}},
		{"source type", func(tb *connectors.Table) { tb.Columns[1].SourceType = "TEXT" }},
		{"nullable", func(tb *connectors.Table) { tb.Columns[1].Nullable = !tb.Columns[1].Nullable }},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts, p, arc := runDemo(t, 80, "")
			edited := false
			rewritePackage(t, arc, packageEdit{table: func(tb *connectors.Table) {
				if tb.Name == "besok" {
					c.edit(tb)
					edited = true
				}
			}})
			if !edited {
				t.Fatal("the package holds no visit")
			}
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("verify passes a package whose table besok is described otherwise than the source: %v", err)
			}
			if want := "table besok is described otherwise"; !strings.Contains(strings.Join(sum.Problems, "\n"), want) {
				t.Errorf("no problem says %s: %q", want, sum.Problems)
			}
		})
	}
}
