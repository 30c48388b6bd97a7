package verify

import (
	"bytes"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// The row hash encodes the hashed columns straight from the row
// (appendHashed): it must be byte for byte connectors.AppendRow of those
// columns picked into a row of their own, the encoding the targets'
// pushed-down checksums hash, for every edge value in every position.
func TestAppendHashedIsAppendRow(t *testing.T) {
	tbl := &connectors.Table{Name: "e", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
		{Name: "k", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "x", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
		{Name: "a", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	c, err := NewContent(tbl, 16)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range conformance.Edges() {
		for _, row := range [][]connectors.Value{
			{int64(7), 1.5, e.Value, nil},
			{e.Value, nil, "n", e.Value},
		} {
			got, err := c.appendHashed(nil, row)
			if err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			want, err := connectors.AppendRow(nil, []connectors.Value{row[0], row[2], row[3]})
			if err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: appendHashed %x, AppendRow %x", e.Name, got, want)
			}
			_, _, h, err := c.record(row)
			if err != nil {
				t.Fatal(err)
			}
			if wh, _ := connectors.HashRow([]connectors.Value{row[0], row[2], row[3]}); h != wh {
				t.Errorf("%s: row hash %x, connectors.HashRow %x", e.Name, h, wh)
			}
		}
	}
}
