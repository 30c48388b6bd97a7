package main

import (
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A double's infinities and NaN are INF, -INF and NaN in the archive's
// content XML, as SIARD's xs:double spells them; the CSV extract and the
// raw cell of a double in a column of another type wrote them as Go
// prints them, +Inf and -Inf, so the same value read differently in the
// package and in its extract, and a --where of INF found nothing. Every
// value reads back exactly, the sign of zero and the smallest subnormal
// too.
func TestArchiveFloatsOneSpelling(t *testing.T) {
	tbl := &connectors.Table{Name: "matning", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int"},
		{Name: "varde", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, SourceType: "double precision", Nullable: true},
		{Name: "kod", Type: connectors.Type{Kind: connectors.KindText, Length: 10}, SourceType: "varchar(10)", Nullable: true},
	}}
	negZero := math.Copysign(0, -1)
	rows := [][]connectors.Value{
		{int64(1), math.Inf(1), math.Inf(1)},
		{int64(2), math.Inf(-1), math.Inf(-1)},
		{int64(3), math.NaN(), math.NaN()},
		{int64(4), negZero, negZero},
		{int64(5), 1e21, 5e-324},
	}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: "2026-12-07"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Add(tbl, archive.Record{Reason: "test", Values: r}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli(t, "archive", "verify", "--no-log", pkg); code != exitOK {
		t.Fatalf("archive verify: exit %d\n%s", code, errs)
	}

	// The content XML: the double column in SIARD's spelling, the raw
	// cells (hex) of the text column in the same.
	xmls, _ := filepath.Glob(filepath.Join(pkg, "data", "content", "schema*", "table*", "table*.xml"))
	var content string
	for _, x := range xmls {
		b, _ := os.ReadFile(x)
		content += string(b)
	}
	for _, want := range []string{">INF<", ">-INF<", ">NaN<", ">-0<", ">1e+21<", upperHex("INF") + "<", upperHex("-INF") + "<"} {
		if !strings.Contains(content, want) {
			t.Errorf("the content XML lacks %q", want)
		}
	}
	for _, goSpelling := range []string{"+Inf", "-Inf", upperHex("+Inf"), upperHex("-Inf")} {
		if strings.Contains(content, goSpelling) {
			t.Errorf("the content XML holds Go's spelling %q", goSpelling)
		}
	}

	// The reader gives back every value exactly.
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records("matning")
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for ; recs.Next(); i++ {
		got := recs.Record().Values
		for c := 1; c < 3; c++ {
			g, ok := got[c].(float64)
			want := rows[i][c].(float64)
			if !ok || !(math.Float64bits(g) == math.Float64bits(want) || math.IsNaN(g) && math.IsNaN(want)) {
				t.Errorf("record %d column %d: read %#v, wrote %v", i+1, c, got[c], want)
			}
		}
	}
	recs.Close()
	if err := recs.Err(); err != nil || i != len(rows) {
		t.Fatalf("read %d records: %v", i, err)
	}

	// The CSV extract writes them as the package does.
	out := filepath.Join(t.TempDir(), "out.csv")
	if code, _, errs := cli(t, "archive", "extract", pkg, "--table", "matning", "--to", out, "--purpose", "audit"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\n1,INF,INF,test,", "\n2,-INF,-INF,test,", "\n3,NaN,NaN,test,", "\n4,-0,-0,test,", "\n5,1e+21,5e-324,test,"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the extract lacks %q:\n%s", want, b)
		}
	}
	// A filter names a value as the extract writes it.
	if code, stdout, errs := cli(t, "archive", "extract", pkg, "--table", "matning", "--to", filepath.Join(t.TempDir(), "inf.csv"), "--purpose", "audit", "--where", "varde=INF"); code != exitOK || !strings.Contains(stdout, "extracted 1 record") {
		t.Errorf("extract --where varde=INF: exit %d\n%s%s", code, stdout, errs)
	}
}

// upperHex is hex as the content XML writes it (xs:hexBinary, upper case).
func upperHex(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) }
