package archive

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A MariaDB registry migrated with granularity: value keeps each record
// and archives alone the values its receiving columns cannot hold: a
// zero birth date, a TIME over 24 hours, a DECIMAL(65,30) beyond
// decimal(38,3). archive extract read the records only, so an extract of
// such a table wrote a CSV of no rows and said "extracted 0 records",
// exit 0, while the package held every one of those values: the one
// place the original dates are kept looked empty. Extract says how many
// values it left out, and with Values writes them, each with its record's
// key, column, reason and the value read back exactly.
func TestExtractValuesArchivedAlone(t *testing.T) {
	tbl := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int(11)"},
		{Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, SourceType: "date", Nullable: true},
		{Name: "dur", Type: connectors.Type{Kind: connectors.KindTime}, SourceType: "time", Nullable: true},
		{Name: "bin", Type: connectors.Type{Kind: connectors.KindBytes}, SourceType: "binary(3)", Nullable: true},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	values := []Value{
		{Key: []connectors.Value{int64(1)}, Column: "fodd", SourceColumn: "fodd", Reason: "invalid_date", Detail: "zero or invalid date", CareUnit: "SU", Value: connectors.InvalidDate{Raw: "0000-00-00"}},
		{Key: []connectors.Value{int64(1)}, Column: "dur", SourceColumn: "dur", Reason: "time_range", Detail: "outside 00:00:00..24:00:00", Value: connectors.Duration(838*3600e9 + 59*60e9 + 59e9)},
		{Key: []connectors.Value{int64(2)}, Column: "bin", SourceColumn: "bin", Reason: "wrong_kind", Value: []byte{0, 0xff, 0}},
	}
	for _, v := range values {
		if err := w.AddValue(tbl, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	records := filepath.Join(t.TempDir(), "records.csv")
	res, err := p.Extract(ctx, records, ExtractRequest{Table: "patient", Purpose: "audit", Who: "t", At: created})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 0 || res.ValuesAlone != 3 {
		t.Errorf("records extract: %d records, %d values left out; want 0 and 3 (the values archived alone are not records)", res.Records, res.ValuesAlone)
	}

	out := filepath.Join(t.TempDir(), "values.csv")
	res, err = p.Extract(ctx, out, ExtractRequest{Table: "patient", Values: true, Purpose: "audit", Who: "t", At: created})
	if err != nil {
		t.Fatal(err)
	}
	if res.Values != 3 || res.Records != 0 || res.ValuesAlone != 0 {
		t.Errorf("values extract: %d values, %d records, %d left out; want 3, 0, 0", res.Values, res.Records, res.ValuesAlone)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("values extract mode %v, want 0600", st.Mode().Perm())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"key", "column", "source_column", "reason", "detail", "care_unit", "value"},
		{`["1"]`, "fodd", "fodd", "invalid_date", "zero or invalid date", "SU", "0000-00-00"},
		{`["1"]`, "dur", "dur", "time_range", "outside 00:00:00..24:00:00", "", "838:59:59"},
		{`["2"]`, "bin", "bin", "wrong_kind", "", "", `\x00ff00`},
	}
	if len(lines) != len(want) {
		t.Fatalf("values extract has %d lines, want %d:\n%q", len(lines), len(want), lines)
	}
	for i := range want {
		if strings.Join(lines[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("line %d = %q, want %q", i+1, lines[i], want[i])
		}
	}

	// Logged as every extract is, counting values.
	logged, err := os.ReadFile(AccessLogPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), `"values":3`) {
		t.Errorf("the access log does not count the values extracted:\n%s", logged)
	}
	entries, err := Accesses(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("%d accesses listed, want the two extracts", len(entries))
	}

	// A filter picks records by a column's value; values archived alone
	// are no records, so it is refused rather than ignored.
	if _, err := p.Extract(ctx, filepath.Join(t.TempDir(), "x.csv"), ExtractRequest{Table: "patient", Values: true, WhereColumn: "id", WhereValue: "1", Purpose: "audit", Who: "t", At: created}); err == nil {
		t.Error("a values extract with a filter was not refused")
	}
}
