package mappings

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

const partialSchema = `platform: test
tables:
  - name: diagnosis
    primary_key: [diagnosis_id]
    columns:
      - {name: diagnosis_id, type: bigint}
      - {name: diagnosed_on, type: date}
      - {name: diagnosed_precision, type: varchar(5)}
      - {name: onset, type: date}
      - {name: onset_precision, type: varchar(5)}
`

func partialSource() connectors.Table {
	return connectors.Table{Name: "diagnos", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("datum", "varchar(10)", true), col("debut", "date", true),
	}}
}

// partial_date keeps a date of which only the year or month is known at
// its precision, in two columns; what it cannot read is archived with the
// reason date() gives.
func TestPartialDateMapping(t *testing.T) {
	tp := programFor(t, partialSource(), partialSchema, `tables:
  - target: diagnosis
    source: diagnos
    columns:
      diagnosis_id: id
      diagnosed_on: {expr: partial_date(datum)}
      diagnosed_precision: {expr: partial_date_precision(datum)}
      onset: {expr: partial_date(debut)}
      onset_precision: {expr: partial_date_precision(debut)}
`)
	day := func(y int, m time.Month, d int) connectors.Date { return connectors.Date{Year: y, Month: m, Day: d} }
	for _, c := range []struct {
		name  string
		datum connectors.Value
		debut connectors.Value
		want  string // the row, or "archived reason column"
	}{
		{"year known", "1980-00-00", nil, fmt.Sprint([]connectors.Value{int64(1), day(1980, 1, 1), "year", nil, nil})},
		{"month known", "2019-05-00", nil, fmt.Sprint([]connectors.Value{int64(1), day(2019, 5, 1), "month", nil, nil})},
		{"whole date", "2019-05-17", nil, fmt.Sprint([]connectors.Value{int64(1), day(2019, 5, 17), "day", nil, nil})},
		{"basic form", "20190500", nil, fmt.Sprint([]connectors.Value{int64(1), day(2019, 5, 1), "month", nil, nil})},
		{"NULL", nil, nil, fmt.Sprint([]connectors.Value{int64(1), nil, nil, nil, nil})},
		{"a DATE column's zero day (MariaDB)", nil, connectors.InvalidDate{Raw: "2019-05-00"}, fmt.Sprint([]connectors.Value{int64(1), nil, nil, day(2019, 5, 1), "month"})},
		{"a DATE column's whole date", nil, day(2019, 5, 17), fmt.Sprint([]connectors.Value{int64(1), nil, nil, day(2019, 5, 17), "day"})},
		{"nothing known", "0000-00-00", nil, "archived zero_date diagnosed_on"},
		{"a DATE column's zero date", nil, connectors.InvalidDate{Raw: "0000-00-00"}, "archived zero_date onset"},
		{"year 0", "0000-05-00", nil, "archived invalid_date diagnosed_on"},
		{"a day without a month", "1980-00-15", nil, "archived invalid_date diagnosed_on"},
		{"month 13", "2019-13-00", nil, "archived invalid_date diagnosed_on"},
		{"no date", "maj 2019", nil, "archived date_format diagnosed_on"},
	} {
		o := tp.Apply([]connectors.Value{int64(1), c.datum, c.debut})
		got := fmt.Sprint(o.Row)
		if o.Kind != Migrated {
			got = fmt.Sprintf("%v %s %s", o.Kind, o.Reason, o.Column)
		}
		if got != c.want {
			t.Errorf("%s: got %s (%s), want %s", c.name, got, o.Detail, c.want)
		}
	}
}

// Without partial_date, date() archives a partial date with its text:
// at record level the whole source row is the archive's, and at value
// level a column read from the source keeps the source value (the
// InvalidDate, whose text is the archive's), never NULL.
func TestPartialDateWithoutPartialDateIsArchivedWithItsText(t *testing.T) {
	for _, granularity := range []string{"record", "value"} {
		tp := programFor(t, partialSource(), partialSchema, `tables:
  - target: diagnosis
    source: diagnos
    granularity: `+granularity+`
    columns:
      diagnosis_id: id
      diagnosed_on: {expr: date(datum)}
      onset: debut
`)
		o := tp.Apply([]connectors.Value{int64(1), "2019-05-00", connectors.InvalidDate{Raw: "1980-00-00"}})
		switch granularity {
		case "record":
			if o.Kind != Archived || o.Reason != "invalid_date" || o.Column != "diagnosed_on" {
				t.Errorf("record: got %v %s %s, want archived invalid_date diagnosed_on", o.Kind, o.Reason, o.Column)
			}
		case "value":
			if o.Kind != Migrated || len(o.Values) != 2 {
				t.Fatalf("value: got %v %s with %d values archived, want migrated with 2", o.Kind, o.Reason, len(o.Values))
			}
			onset := o.Values[1]
			if onset.Column != "onset" || onset.Reason != "invalid_date" || onset.Value != (connectors.InvalidDate{Raw: "1980-00-00"}) {
				t.Errorf("value: onset archived as %+v, want its source text 1980-00-00", onset)
			}
		}
	}
}

// partial_date without partial_date_precision of the same source value in
// another column of the table: a date of which only the year or month was
// known arrived as a whole date (2019-05-00 as 2019-05-01), nothing said
// otherwise, and the run passed. It is M085, unless the precision is kept.
func TestPartialDateWithoutItsPrecision(t *testing.T) {
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", partialSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	for _, c := range []struct {
		columns string
		want    bool
	}{
		{"diagnosed_on: {expr: partial_date(datum)}\n      onset: {expr: date(debut)}", true},
		{"diagnosed_on: {expr: partial_date(datum)}\n      diagnosed_precision: {expr: partial_date_precision(debut)}\n      onset: {expr: date(debut)}", true},
		{"diagnosed_on: {expr: partial_date(datum)}\n      diagnosed_precision: {expr: partial_date_precision(datum)}\n      onset: {expr: date(debut)}", false},
		{"diagnosed_on: {expr: 'partial_date(datum, \"YYYYMMDD\")'}\n      diagnosed_precision: {expr: 'partial_date_precision(datum, \"YYYYMMDD\")'}\n      onset: {expr: date(debut)}", false},
		{"diagnosed_on: {expr: 'let d = datum; partial_date(d)'}\n      diagnosed_precision: {expr: partial_date_precision(datum)}\n      onset: {expr: date(debut)}", false},
	} {
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", "tables:\n  - target: diagnosis\n    source: diagnos\n    columns:\n      diagnosis_id: id\n      "+c.columns+"\n"))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		_, ds = Compile([]*File{f}, []connectors.Table{partialSource()}, schema, nil)
		got := ds.Err() != nil && strings.Contains(ds.Err().Error(), "M085")
		if got != c.want {
			t.Errorf("%s: M085 %v, want %v (%v)", c.columns, got, c.want, ds.Err())
		}
	}
}
