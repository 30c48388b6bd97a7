package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// TestReceivingKeyInjective: only a receiving key copied untransformed
// from the whole source primary key is injective; every transform that
// can merge two source keys into one receiving key is not.
func TestReceivingKeyInjective(t *testing.T) {
	cases := []struct {
		name, visitID, extra string
		want                 bool
	}{
		{"plain copy of the primary key", "id", "", true},
		{"from: spelled out", "{from: id}", "", true},
		{"expression that merges keys", "{expr: id % 10}", "", false},
		{"another column", "langd", "", false}, // id is then dropped below
		{"a default", "{from: id, default: '0'}", "", false},
		{"null_when", "{from: id, null_when: ['7']}", "", false},
		{"a rule", "{from: id, rules: {range: [1, 100]}}", "", false},
		{"a record key other than the primary key", "id", "    key: [langd]\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			drop := ""
			if c.visitID == "langd" {
				drop = ", id: not kept"
			}
			prog, ds := compile(t, `tables:
  - target: visit
    source: besok
`+c.extra+`    columns:
      visit_id: `+c.visitID+`
      visit_date: {from: datum, cast: date}
      height_cm: {from: langd, cast: smallint}
    drop: {vikt: not kept, personnr: not kept`+drop+`}
`)
			if ds.Err() != nil {
				t.Fatalf("compile: %v", ds)
			}
			tp := prog.Tables[0]
			if got := tp.ReceivingKeyInjective(); got != c.want {
				t.Errorf("ReceivingKeyInjective() = %v, want %v", got, c.want)
			}
			// A source primary key that may hold NULL (SQLite allows it)
			// is never unique enough.
			id := tp.Source.Columns[tp.KeyIndex[0]]
			nullable := *tp.Source
			nullable.Columns = append([]connectors.Column(nil), tp.Source.Columns...)
			nullable.Columns[tp.KeyIndex[0]].Nullable = true
			tp.Source = &nullable
			if tp.ReceivingKeyInjective() {
				t.Errorf("ReceivingKeyInjective() with %s nullable = true, want false", id.Name)
			}
		})
	}
}
