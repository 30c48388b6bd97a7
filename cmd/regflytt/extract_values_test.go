package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A registry migrated with granularity: value keeps its records and
// archives alone the values the receiving columns cannot hold (a MariaDB
// zero date, a TIME past 24 hours). archive extract said "extracted 0
// records", exit 0, and wrote an empty CSV, as if the package kept nothing
// of the table. It warns of the values it leaves out, and --values
// writes them.
func TestArchiveExtractValuesArchivedAlone(t *testing.T) {
	tbl := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int(11)"},
		{Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, SourceType: "date", Nullable: true},
		{Name: "dur", Type: connectors.Type{Kind: connectors.KindTime}, SourceType: "time", Nullable: true},
	}}
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-12-07"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []archive.Value{
		{Key: []connectors.Value{int64(1)}, Column: "fodd", SourceColumn: "fodd", Reason: "invalid_date", Value: connectors.InvalidDate{Raw: "0000-00-00"}},
		{Key: []connectors.Value{int64(2)}, Column: "dur", SourceColumn: "dur", Reason: "time_range", Value: connectors.Duration(-(12*3600e9 + 30*60e9))},
	} {
		if err := w.AddValue(tbl, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(at); err != nil {
		t.Fatal(err)
	}

	records := filepath.Join(t.TempDir(), "records.csv")
	code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--to", records, "--purpose", "audit")
	if code != exitOK || !strings.Contains(out, "extracted 0 records") {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "patient also has 2 values archived alone") || !strings.Contains(errs, "--values") {
		t.Errorf("an extract of no records says nothing of the 2 values archived alone:\n%s", errs)
	}

	values := filepath.Join(t.TempDir(), "values.csv")
	code, out, errs = cli(t, "archive", "extract", pkg, "--table", "patient", "--to", values, "--purpose", "audit", "--values")
	if code != exitOK || !strings.Contains(out, "extracted 2 values archived alone of patient") {
		t.Fatalf("extract --values: exit %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(values)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{",fodd,fodd,invalid_date,,,0000-00-00\n", ",dur,dur,time_range,,,-12:30:00\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the values extract lacks %q:\n%s", want, b)
		}
	}

	if code, _, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--to", filepath.Join(t.TempDir(), "x.csv"), "--purpose", "audit", "--values", "--where", "id=1"); code != exitUsage {
		t.Errorf("--values with --where: exit %d, want %d\n%s", code, exitUsage, errs)
	}
	if code, out, errs := cli(t, "archive", "log", pkg); code != exitOK || !strings.Contains(out, "2 values archived alone") {
		t.Errorf("archive log does not show the values extract: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, "archive", "verify", "--no-log", pkg); code != exitOK {
		t.Errorf("the package fails after the extracts:\n%s", errs)
	}
}
