package verify_test

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// A legacy log table without a primary key (a MariaDB table with only a
// unique key over nullable columns) migrates into a receiving table
// without one, whose records verify keys by every hashed column. A
// record that differed was named by that "key": the patient's name, birth
// date and the free-text note ("diabetes typ 2, ringde om insulin")
// printed on the terminal and written into verify-report.json and .html
// and the run's report.json, which name records "never by a value". Such
// a record is now named by no value: its table, kind and counts.
func TestContentWithoutPrimaryKeyShowsNoValue(t *testing.T) {
	logg := connectors.Table{Name: "logg", Columns: []connectors.Column{
		{Name: "namn", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "anteckning", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	exp := [][]connectors.Value{
		{"Åsa Öberg", connectors.Date{Year: 1950, Month: 3, Day: 4}, "diabetes typ 2, ringde om insulin"},
		{"Sven Svensson", connectors.Date{Year: 1961, Month: 7, Day: 8}, "ok"},
	}
	act := [][]connectors.Value{
		{"Åsa Öberg", connectors.Date{Year: 1950, Month: 3, Day: 4}, "changed"},
		{"Sven Svensson", connectors.Date{Year: 1961, Month: 7, Day: 8}, "ok"},
	}
	cc, _ := compareIn(t, logg, exp, act)
	if cc.OK || len(cc.Differences) != 2 {
		t.Fatalf("want the changed record as missing and foreign: ok %v, %d differences", cc.OK, len(cc.Differences))
	}
	for _, d := range cc.Differences {
		text := d.String() + " " + strings.Join(d.Key, " ")
		for _, v := range []string{"Åsa", "1950", "diabetes", "changed"} {
			if strings.Contains(text, v) {
				t.Errorf("a difference of a table without a primary key shows a value (%q): %s", v, text)
			}
		}
		if !strings.Contains(d.String(), "logg") || !strings.Contains(d.String(), "no primary key") {
			t.Errorf("the difference does not say its table and why it names no record: %s", d.String())
		}
	}
}

// The HTML report says why such a record has no key shown.
func TestHTMLNamesAKeylessRecordByNoValue(t *testing.T) {
	d := verify.Difference{Table: "logg", Kind: "missing", Expected: 1, NoKey: true}
	s := &verify.Summary{Pass: false, Exceptions: []verify.Difference{d}}
	var b strings.Builder
	if err := s.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "no primary key: named by no value") {
		t.Error("the HTML report does not say why the record is named by no key")
	}
}
