package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

var besok = &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
	{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, SourceType: "int(11)"},
	{Name: "datum", Type: connectors.Type{Kind: connectors.KindDate}, SourceType: "date", Nullable: true},
}}

func writePackage(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, Meta{Register: "demo", Owner: "Region B"})
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range []string{"0000-00-00", "2024-05-00"} {
		rec := Record{Key: []connectors.Value{int64(i + 1)}, Reason: "invalid_date", Column: "visit_date", SourceColumn: "datum",
			Values: []connectors.Value{int64(i + 1), connectors.InvalidDate{Raw: raw}}}
		if err := w.Add(besok, rec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPackageRoundTrip(t *testing.T) {
	dir := writePackage(t)
	sum, err := Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Tables) != 1 || sum.Tables[0].Records != 2 || sum.Tables[0].Reasons["invalid_date"] != 2 || sum.Meta.Owner != "Region B" {
		t.Fatalf("summary %+v", sum)
	}
	counts, err := CountRecords(dir)
	if err != nil || counts["besok"] != 2 {
		t.Fatalf("CountRecords = %v, %v", counts, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "data", "besok.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// The zero date is kept verbatim, in its source shape.
	if !strings.Contains(string(data), `"values":["1","0000-00-00"]`) {
		t.Fatalf("record not kept verbatim:\n%s", data)
	}
}

func TestCheckFindsTampering(t *testing.T) {
	cases := map[string]func(dir string) error{
		"changed record": func(dir string) error {
			p := filepath.Join(dir, "data", "besok.jsonl")
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, []byte(strings.Replace(string(b), "2024-05-00", "2024-05-01", 1)), 0o600)
		},
		"removed file": func(dir string) error { return os.Remove(filepath.Join(dir, "data", "besok.columns.json")) },
		"added file": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data", "extra.jsonl"), []byte("{}\n"), 0o600)
		},
		"no manifest": func(dir string) error { return os.Remove(filepath.Join(dir, manifestName)) },
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writePackage(t)
			if err := tamper(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := Check(dir); err == nil {
				t.Fatal("Check passed a tampered package")
			}
		})
	}
}

func TestCreateRefusesUsedDir(t *testing.T) {
	dir := writePackage(t)
	if _, err := Create(dir, Meta{}); err == nil {
		t.Fatal("Create reused a directory holding a package")
	}
}
