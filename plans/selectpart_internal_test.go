package plans

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A select:'s column named like its table's but not checked against it
// (another kind in the result, a float, Latin-1 text) is named in the
// check, not left out in silence: a reader of the report sees which of
// the table's columns the select was not held to.
func TestSelectPartNamesTheColumnsItLeavesOut(t *testing.T) {
	typ := func(s string) connectors.Type {
		ty, err := connectors.ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		return ty
	}
	table := &connectors.Table{Name: "reg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: typ("integer")}, {Name: "vikt", Type: typ("decimal(5,1)")}, {Name: "langd", Type: typ("double")},
		{Name: "namn", Type: typ("varchar(20)"), Charset: "latin1"}, {Name: "note", Type: typ("text")}, {Name: "gone", Type: typ("text")},
	}}
	sel := []connectors.Column{{Name: "id", Type: typ("integer")}, {Name: "vikt", Type: typ("text")}, {Name: "langd", Type: typ("double")},
		{Name: "namn", Type: typ("text")}, {Name: "note", Type: typ("text")}, {Name: "extra", Type: typ("integer")}}
	part, pos, left, why := selectPart(selectOf{table: table, key: []string{"id"}}, sel)
	if why != "" {
		t.Fatal(why)
	}
	var names []string
	for _, c := range part.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "id,note" || len(pos) != 2 || pos[1] != 4 {
		t.Fatalf("checked %v at %v, want id, note at 0, 4", names, pos)
	}
	if strings.Join(left, ",") != "vikt,langd,namn" {
		t.Fatalf("left out %v, want vikt, langd, namn", left)
	}
}
