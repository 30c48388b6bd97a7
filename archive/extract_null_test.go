package archive

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// An extract wrote NULL and the empty text both as an empty field, and
// text that begins with \x as bytes in hex would be written: a researcher
// could not tell "not recorded" from "recorded empty", nor the text
// "\x41" from the bytes A. NULL is \N now, and text that begins with a
// backslash gets one more.
func TestExtractKeepsNullEmptyAndBackslashApart(t *testing.T) {
	tbl := &connectors.Table{Name: "svar", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int"},
		{Name: "t", Type: connectors.Type{Kind: connectors.KindText}, SourceType: "text", Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}, SourceType: "blob", Nullable: true},
	}}
	rows := [][]connectors.Value{
		{int64(1), nil, nil},
		{int64(2), "", []byte{}},
		{int64(3), `\x41`, []byte("A")},
		{int64(4), `\N`, nil},
		{int64(5), "\xff", nil},
		// A NUL in text ends the field for many CSV readers (and C
		// strings): the text is written in hex, as bytes are.
		{int64(6), "a\x00b", nil},
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Add(tbl, Record{Key: r[:1], Reason: "r", Values: r}); err != nil {
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
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, err := p.Extract(context.Background(), out, ExtractRequest{Table: "svar", Purpose: "test", Who: "t", At: created}); err != nil {
		t.Fatal(err)
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
	want := [][2]string{{`\N`, `\N`}, {"", `\x`}, {`\\x41`, `\x41`}, {`\\N`, `\N`}, {`\xff`, `\N`}, {`\x610062`, `\N`}}
	for i, w := range want {
		if got := [2]string{lines[i+1][1], lines[i+1][2]}; got != w {
			t.Errorf("record %d: t, b = %q, want %q", i+1, got, w)
		}
	}
}

// An extract holds a table's archived records; its values archived alone
// (granularity: value, whose records migrated) are not among them. The
// extract said "extracted 0 records" of a table whose every archived
// value was archived alone, and the researcher took the table for having
// nothing archived: the result counts those values, so the command says
// they are left out.
func TestExtractCountsTheValuesItLeavesOut(t *testing.T) {
	dir := writePackage(t)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Extract(context.Background(), filepath.Join(t.TempDir(), "out.csv"), ExtractRequest{Table: besok.Name, Purpose: "test", Who: "t", At: created})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 3 || res.ValuesAlone != 1 {
		t.Errorf("extract: %d records, %d values archived alone; want 3 and 1", res.Records, res.ValuesAlone)
	}
}
