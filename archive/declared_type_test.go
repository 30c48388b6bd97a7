package archive

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// A SIARD tool creates each column in the SQL:2008 type metadata.xml
// declares and loads the cells into it. SQLite bounds nothing it is told
// (VARCHAR(4) holds 'abcde', NUMERIC(5,2) the integer 123456789, a
// DATETIME(0) '10:00:00.5'), and such a record is just what a run
// archives: its value was written in the natural cell of a column
// declared too small, the package passed Verify and xmllint, and the
// tool truncated or refused it. PostgreSQL's numeric(5,-2) was declared
// DECIMAL(5,-2), which metadata.xsd refuses. Each natural cell is read
// here as a SIARD tool would, independently of Reader, against its
// column's declared type.
func TestNaturalCellsHoldInTheirDeclaredType(t *testing.T) {
	ldt := connectors.LocalDateTime{Date: connectors.Date{Year: 2019, Month: 5, Day: 1}, Hour: 10, Nanosecond: 500_000_000}
	cases := []struct {
		name  string
		typ   connectors.Type
		value connectors.Value
	}{
		{"varchar_4_over", connectors.Type{Kind: connectors.KindText, Length: 4}, "abcde"},
		{"varchar_4_fits", connectors.Type{Kind: connectors.KindText, Length: 4}, "åäöü"},
		{"numeric_5_2_integer", connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 2}, connectors.Decimal("123456789")},
		{"numeric_5_2_long_text", connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 2}, connectors.Decimal("1.2345678901234567890")},
		{"numeric_5_2_fits", connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 2}, connectors.Decimal("-123.45")},
		{"numeric_5_minus_2", connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: -2}, connectors.Decimal("1234500")},
		{"numeric_2_5", connectors.Type{Kind: connectors.KindDecimal, Precision: 2, Scale: 5}, connectors.Decimal("0.00012")},
		{"numeric_unbounded", connectors.Type{Kind: connectors.KindDecimal}, connectors.Decimal("-12.5")},
		{"datetime_0_half_second", connectors.Type{Kind: connectors.KindDateTime}, ldt},
		{"datetime_3_fits", connectors.Type{Kind: connectors.KindDateTime, Precision: 3}, ldt},
		{"timestamptz_3_nanos", connectors.Type{Kind: connectors.KindTimestamp, Precision: 3}, time.Date(2019, 5, 1, 10, 0, 0, 123456789, time.UTC)},
		{"time_0_half_second", connectors.Type{Kind: connectors.KindTime}, connectors.Duration(10*time.Hour + 500*time.Millisecond)},
		{"varbinary_3_over", connectors.Type{Kind: connectors.KindBytes, Length: 3}, []byte{1, 2, 3, 4}},
		{"bigint_above_int64", connectors.Type{Kind: connectors.KindInt, Bits: 64}, uint64(1 << 63)},
		{"smallint_over", connectors.Type{Kind: connectors.KindInt, Bits: 16}, int64(70000)},
	}
	tbl := &connectors.Table{Name: "sqlite_t", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, SourceType: "INTEGER"}}}
	row := []connectors.Value{int64(1)}
	for _, c := range cases {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.name, Type: c.typ, SourceType: c.typ.String(), Nullable: true})
		row = append(row, c.value)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(tbl, Record{Key: []connectors.Value{int64(1)}, Reason: "text_length", Values: row}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("Verify: %v", probs)
	}
	validateIfPossible(t, dir)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, tbl.Name)
	for i, c := range cases {
		if !sameValue(got[0].Values[i+1], c.value) {
			t.Errorf("%s: reads back %#v, want %#v", c.name, got[0].Values[i+1], c.value)
		}
	}
	declared := map[string]string{}
	for _, col := range p.tableMeta(schemaRecords, 0).Columns {
		declared[col.Name] = col.Type
	}
	cells := siardToolCells(t, filepath.Join(dir, "data/content/schema0/table0/table0.xml"))
	for i, c := range cases {
		text, natural := cells[fmt.Sprintf("c%d", i+2)]
		if !natural {
			continue // raw: kind and bytes in the companion cells
		}
		if why := heldBy(declared[c.name], text); why != "" {
			t.Errorf("%s: the natural cell %q in a column declared %s: %s", c.name, text, declared[c.name], why)
		}
	}
	// Verify reads a natural cell only where its type holds it: one
	// edited to hold more is not what regflytt writes.
	const records = "data/content/schema0/table0/table0.xml"
	editAndRebag(t, dir, records, "<c3>åäöü</c3>", "<c3>åäöüx</c3>")
	if !hasProblem(Verify(dir), records, RuleRows) {
		t.Errorf("a VARCHAR(4) cell edited to five characters: want %s: %s, got %v", records, RuleRows, Verify(dir))
	}
	// A package written before such values were written raw holds them
	// so: Verify names it, but it is still read (extracted, erased from).
	if p, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, p, tbl.Name); got[0].Values[2] != "åäöüx" {
		t.Errorf("the five characters read as %#v", got[0].Values[2])
	}
}

// siardToolCells reads the first row of a table XML with encoding/xml
// alone, undoing SIARD's \uXXXX escapes, as any SIARD tool reads it.
func siardToolCells(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rows []struct {
			Cells []struct {
				XMLName xml.Name
				Text    string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"row"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil || len(doc.Rows) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	esc := regexp.MustCompile(`\\u[0-9A-Fa-f]{4}`)
	for _, c := range doc.Rows[0].Cells {
		out[c.XMLName.Local] = esc.ReplaceAllStringFunc(c.Text, func(m string) string {
			n, _ := strconv.ParseUint(m[2:], 16, 32)
			return string(rune(n))
		})
	}
	return out
}

// heldBy says why a SQL:2008 type cannot hold a cell's text, or "".
func heldBy(sqlType, text string) string {
	args := func() []int {
		var out []int
		if i := strings.IndexByte(sqlType, '('); i >= 0 {
			for _, a := range strings.Split(strings.Trim(sqlType[i:], "()"), ",") {
				n, _ := strconv.Atoi(strings.TrimSpace(a))
				out = append(out, n)
			}
		}
		return out
	}()
	fracDigits := func(s string) int {
		if _, f, ok := strings.Cut(s, "."); ok {
			return len(strings.TrimRight(f, "Z"))
		}
		return 0
	}
	base, _, _ := strings.Cut(sqlType, "(")
	switch strings.TrimSpace(base) {
	case "VARCHAR":
		if n := utf8.RuneCountInString(text); n > args[0] {
			return fmt.Sprintf("%d characters", n)
		}
	case "VARBINARY":
		if n := len(text) / 2; n > args[0] {
			return fmt.Sprintf("%d bytes", n)
		}
	case "DECIMAL":
		p, s := 18, 0 // SQL:2008: no scale is scale 0
		if len(args) > 0 {
			p = args[0]
		}
		if len(args) > 1 {
			s = args[1]
		}
		if s < 0 || s > p {
			return "no SQL:2008 DECIMAL"
		}
		ip, fp, _ := strings.Cut(strings.TrimLeft(strings.TrimPrefix(text, "-"), "0"), ".")
		if len(ip) > p-s || len(fp) > s {
			return fmt.Sprintf("%d integer and %d fraction digits", len(ip), len(fp))
		}
	case "SMALLINT", "INTEGER", "BIGINT":
		bits := map[string]int{"SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}[base]
		if _, err := strconv.ParseInt(text, 10, bits); err != nil {
			return "out of range"
		}
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIME":
		p := 0
		if len(args) > 0 {
			p = args[0]
		}
		if n := fracDigits(text); n > p {
			return fmt.Sprintf("%d fractional digits", n)
		}
	}
	return ""
}

// PostgreSQL's numeric and SQLite's NUMERIC bound nothing, and were
// declared DECIMAL, which SQL:2008 reads as scale 0: a SIARD tool created
// the column so and rounded 12.5 to 13. The column is declared the
// DECIMAL(p,s) its natural cells need, and a cell edited beyond it is
// not what regflytt writes.
func TestUnboundedDecimalIsDeclaredWhatItsCellsNeed(t *testing.T) {
	tbl := &connectors.Table{Name: "lab", Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, SourceType: "bigint"},
		{Name: "value", Type: connectors.Type{Kind: connectors.KindDecimal}, SourceType: "numeric", Nullable: true},
		{Name: "none", Type: connectors.Type{Kind: connectors.KindDecimal}, SourceType: "numeric", Nullable: true},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []connectors.Value{connectors.Decimal("123456.7"), connectors.Decimal("-0.00001"), nil} {
		if err := w.Add(tbl, Record{Key: []connectors.Value{int64(i)}, Reason: "r", Values: []connectors.Value{int64(i), v, nil}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("Verify: %v", probs)
	}
	validateIfPossible(t, dir)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	cols := p.tableMeta(schemaRecords, 0).Columns
	if cols[1].Type != "DECIMAL(11,5)" || cols[2].Type != "DECIMAL" {
		t.Fatalf("declared %s and %s, want DECIMAL(11,5) and DECIMAL", cols[1].Type, cols[2].Type)
	}
	const records = "data/content/schema0/table0/table0.xml"
	editAndRebag(t, dir, records, "<c2>-0.00001</c2>", "<c2>-0.000001</c2>")
	if !hasProblem(Verify(dir), records, RuleRows) {
		t.Errorf("a cell edited to six decimals under DECIMAL(11,5): want %s: %s, got %v", records, RuleRows, Verify(dir))
	}
}
