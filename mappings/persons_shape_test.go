package mappings

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A record whose identity number has the digits of a list entry in a
// shape the parser refuses (a space or an en dash for the hyphen, digits
// of another script, a note after the number) was archived as person_*
// with all its data: an opted-out patient's visit kept in the archive,
// and the run passed because the entry had matched the patient's other
// records. Such a record is the listed person as far as anyone can tell:
// it is excluded, and flagged.
func TestApplyExcludesListedDigitsInAnyShape(t *testing.T) {
	for _, written := range []string{
		"19121212 1212",
		"121212–1212",     // en dash
		"121212 - 1212",   // spaced hyphen
		"1912-12-12-1212", // a dashed date
		"１９１２１２１２－１２１２", // full-width digits and hyphen
		"19121212-1212 (dubbl.)",
	} {
		tp, env := listedPersonProgram(t, "19121212-1212")
		if !wantExcludedByDigits(t, tp, written) {
			continue
		}
		if u := env.OptOut.Unmatched(); len(u) != 0 {
			t.Errorf("%q: entry unmatched %v", written, u)
		}
	}
	// An integer column's number of a person born 2005 lost its leading
	// zero: 512121211, cast to text.
	tp, _ := listedPersonProgram(t, "20051212-1211")
	if o := tp.Apply([]connectors.Value{int64(1), "512121211", nil}); o.Kind != Excluded {
		t.Errorf("the integer 512121211 of a listed 051212-1211: got %v %q, want excluded", o.Kind, o.Reason)
	}
	// Another person's number in a bad shape stays archived for its shape.
	tp, _ = listedPersonProgram(t, "19121212-1212")
	if o := tp.Apply([]connectors.Value{int64(1), "19460101 0301", nil}); o.Kind != Archived || o.Reason != "person_digits" {
		t.Fatalf("a bad shape of a person on no list: got %v %q, want archived person_digits", o.Kind, o.Reason)
	}
}

// The same through a person: expression: pnr() fails on the bad shape,
// and the record was archived before the lists were asked.
func TestApplyExcludesListedDigitsThroughAnExpression(t *testing.T) {
	env := optOutEnv(t, "19121212-1212")
	tp := personProgram(t, env, "{expr: pnr(personnr)}", "{expr: pseudonym(personnr)}")
	o := tp.Apply([]connectors.Value{int64(1), "19121212 1212", nil})
	if o.Kind != Excluded || o.Reason != ReasonOptOut {
		t.Fatalf("got %v %q, want excluded opt_out", o.Kind, o.Reason)
	}
	if o := tp.Apply([]connectors.Value{int64(2), "19460101 0301", nil}); o.Kind != Archived {
		t.Fatalf("a bad shape of a person on no list: got %v %q, want archived", o.Kind, o.Reason)
	}
}

// An identity number kept in a number column that is not an integer (a
// double from a spreadsheet import, a numeric(14,2)) needs cast: text,
// which read 1.91212121212e+11 or 191212121212.00: no identity number,
// and the listed patient's record was archived as person_length, kept
// in the archive with all its data. The lists are asked with the number
// the value holds (and a double is cast to its plain digits, see
// TestFloatToTextIsPlain).
func TestApplyExcludesListedNumbersInNumberColumns(t *testing.T) {
	for _, c := range []struct {
		typ  string
		v    connectors.Value
		want string
	}{
		{"double", float64(191212121212), "excluded opt_out"},
		{"double", float64(512121211), "excluded opt_out"}, // 051212-1211, its leading zero lost
		{"decimal(14,2)", connectors.Decimal("191212121212.00"), "excluded opt_out"},
		{"double", float64(194601010301), "migrated "},
		{"decimal(14,2)", connectors.Decimal("194601010301.00"), "archived person_length"},
		{"decimal(14,2)", connectors.Decimal("191212121212.50"), "archived person_length"},
		// A text column holding a decimal's or a double's copy.
		{"text", "191212121212.00", "excluded opt_out"},
		{"text", "1.91212121212e+11", "excluded opt_out"},
		{"text", "512121211.0", "excluded opt_out"},
		{"text", "194601010301.00", "archived person_length"},
		{"text", "191212121212.01", "archived person_length"},
	} {
		env := optOutEnv(t, "19121212-1212", "20051212-1211")
		tp := besokVisitProgram(t, env, `{from: personnr, cast: text}`, col("personnr", c.typ, true))
		o := tp.Apply([]connectors.Value{int64(1), c.v})
		if got := o.Kind.String() + " " + o.Reason; got != c.want {
			t.Errorf("%s %v: %s, want %s", c.typ, c.v, got, c.want)
		}
	}
}

// A form store reads its person's variable from the first value row of
// it; the others are archived as duplicate_value, and a row under the
// variable's name in another case (Personnr, which MariaDB's case-blind
// collation takes for personnr) as variable_not_mapped. An opted-out
// patient's form whose first personnr row was empty (an autosave before
// the number was typed) or another number therefore migrated, and the
// listed number went to the archive. Any left-out value of the person's
// variable that holds a listed number excludes the form.
func TestApplyEntityExcludesListedLeftOutPersonValues(t *testing.T) {
	env := optOutEnv(t, "19121212-1212")
	prog := compileInline(t, eavSchema, `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, version: ver}
    person: personnr
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {varde_id: the value row's own number, ver: no versions here}
`, eavCatalog(), env)
	tp := prog.Tables[0]
	entity := []connectors.Value{int64(1), "2024-03-01"}
	for _, c := range []struct {
		name   string
		values [][]connectors.Value
		want   string
	}{
		{"an empty first value", [][]connectors.Value{val(1, "personnr", nil, 1), val(2, "personnr", "19121212-1212", 1), val(3, "vikt", "70", 1)}, "excluded"},
		{"another number first", [][]connectors.Value{val(1, "personnr", "19460101-0301", 1), val(2, "personnr", "121212-1212", 1), val(3, "vikt", "70", 1)}, "excluded"},
		{"another case", [][]connectors.Value{val(1, "Personnr ", "19121212-1212", 1), val(3, "vikt", "70", 1)}, "excluded"},
		{"a repeat with a note holding a digit", [][]connectors.Value{val(1, "personnr", "19460101-0301", 1), val(2, "personnr", "19121212-1212 (nr 2)", 1)}, "excluded"},
		{"a listed number under another variable", [][]connectors.Value{val(1, "personnr", "19460101-0301", 1), val(2, "anhorig", "19121212-1212", 1)}, "migrated"},
		{"a repeat of another person", [][]connectors.Value{val(1, "personnr", nil, 1), val(2, "personnr", "19460101-0301", 1)}, "migrated"},
	} {
		o := tp.ApplyEntity(entity, c.values)
		if o.Entity.Kind.String() != c.want {
			t.Errorf("%s: form %v %q, want %s", c.name, o.Entity.Kind, o.Entity.Reason, c.want)
			continue
		}
		if c.want != "excluded" {
			continue
		}
		if o.Entity.Reason != ReasonOptOut || len(o.Entity.Warnings) == 0 || o.Entity.Warnings[len(o.Entity.Warnings)-1] != WarnExclusionByLeftOutValue {
			t.Errorf("%s: %q %v, want opt_out with %s", c.name, o.Entity.Reason, o.Entity.Warnings, WarnExclusionByLeftOutValue)
		}
		for i, v := range o.Values {
			if v.Kind != Excluded {
				t.Errorf("%s: value row %d %v %q, want excluded with its form", c.name, i, v.Kind, v.Reason)
			}
		}
	}
}

// A person value holding a listed number beside other digits (a note
// with a digit, a second number, a duplicate's serial: "19121212-1212
// (nr 2)", "121212-1212, 194601010301") has more than twelve digits, so
// neither the parser nor the digits alone read a number, and the record
// was archived as person_length with the listed number in it: when the
// patient's other records matched the entry, the run passed with an
// opted-out patient's record in the archive. So was a CHAR column's copy
// of an integer that lost its leading zero ("512121211 ", blank-padded)
// and a 12-digit number whose century was mistyped into the future. Each
// run of 10 or 12 digits the value holds is asked as a number.
func TestApplyExcludesListedDigitsAmongOtherDigits(t *testing.T) {
	for _, written := range []string{
		"19121212-1212 (nr 2)",
		"19121212-1212#2",
		"121212-1212, 194601010301",
		"194601010301/121212-1212",
		"2) 121212-1212",
		"512121211 ",    // 051212-1211 from a char(10) column
		" 512121211",    // right-aligned
		"20501212-1231", // 19501212-1231 with its century mistyped: a birth after the reference date
	} {
		tp, _ := listedPersonProgram(t, "19121212-1212", "20051212-1211", "19501212-1231")
		wantExcludedByDigits(t, tp, written)
	}
	// Both numbers of a value naming two listed patients count as
	// matched: an entry left unmatched would fail the run for nothing.
	tp, env := listedPersonProgram(t, "19121212-1212", "19460101-0301")
	if o := tp.Apply([]connectors.Value{int64(1), "121212-1212, 194601010301", nil}); o.Kind != Excluded {
		t.Fatalf("two listed numbers: got %v %q, want excluded", o.Kind, o.Reason)
	}
	if u := env.OptOut.Unmatched(); len(u) != 0 {
		t.Errorf("entries unmatched %v, want both matched", u)
	}
	// Other digits around a number on no list stay archived for their
	// shape: nothing is excluded that no entry names.
	for _, written := range []string{"19460101-0301 (nr 2)", "121212-1213, 194601010301", "512121212 "} {
		tp, _ := listedPersonProgram(t, "19121212-1212", "20051212-1211")
		if o := tp.Apply([]connectors.Value{int64(1), written, nil}); o.Kind != Archived {
			t.Errorf("%q, on no list: got %v %q, want archived", written, o.Kind, o.Reason)
		}
	}
}

// A number split over two columns (the birth date, as a date, and the
// last four) is joined by the person: expression; one that joins them
// wrong (string() of a date writes its time too) gave no number, and
// every record, a listed patient's among them, was archived for its
// shape with the number in the archive: when the patient's visits in
// another table matched the entry, the run passed. The columns the
// person: reads are asked joined, in either order, by their digits.
func TestApplyExcludesListedNumberSplitOverColumns(t *testing.T) {
	for _, c := range []struct {
		expr string
		want string
	}{
		{`string(fodd) + "-" + sista4`, "excluded opt_out"},
		{`sista4 + string(fodd)`, "excluded opt_out"},
	} {
		env := optOutEnv(t, "19121212-1212")
		tp := besokVisitProgram(t, env, "{expr: '"+c.expr+"'}", col("fodd", "date", true), col("sista4", "varchar(4)", true))
		// A date column's birth date, and a legacy datetime column's at
		// midnight.
		for _, born := range []connectors.Value{time.Date(1912, 12, 12, 0, 0, 0, 0, time.UTC), connectors.LocalDateTime{Date: connectors.Date{Year: 1912, Month: 12, Day: 12}}} {
			o := tp.Apply([]connectors.Value{int64(1), born, "1212"})
			if got := o.Kind.String() + " " + o.Reason; got != c.want || len(o.Warnings) != 1 || o.Warnings[0] != WarnExclusionByDigits {
				t.Errorf("%s, born %T: %s %v, want %s with %s", c.expr, born, got, o.Warnings, c.want, WarnExclusionByDigits)
			}
		}
		// Another person's parts stay archived for the shape.
		if o := tp.Apply([]connectors.Value{int64(2), time.Date(1946, 1, 1, 0, 0, 0, 0, time.UTC), "0301"}); o.Kind != Archived {
			t.Errorf("%s: a person on no list: %v %q, want archived", c.expr, o.Kind, o.Reason)
		}
	}
}

// Two written centuries that differ are two people, and the record
// migrates; but a legacy system that widened ten-digit numbers to twelve
// wrote 20121212-1212 for the 1912 patient the list names, and that
// record migrated without a word. It is counted as
// list_century_differs, for the registry holder to decide.
func TestApplyCountsAListEntryACenturyApart(t *testing.T) {
	tp, _ := listedPersonProgram(t, "191212121212")
	o := tp.Apply([]connectors.Value{int64(1), "201212121212", nil})
	if o.Kind != Migrated || len(o.Warnings) != 1 || o.Warnings[0] != WarnListCenturyDiffers {
		t.Fatalf("a century apart: got %v %q %v, want migrated with %s", o.Kind, o.Reason, o.Warnings, WarnListCenturyDiffers)
	}
	for _, c := range []struct{ person, want string }{
		{"191212121212", "excluded"},
		{"121212-1212", "excluded"},     // ten digits: matched, flagged ambiguous
		{"194601010301", "migrated []"}, // another person: nothing to say
	} {
		o := tp.Apply([]connectors.Value{int64(2), c.person, nil})
		got := o.Kind.String()
		if o.Kind == Migrated {
			got += fmt.Sprint(" ", o.Warnings)
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.person, got, c.want)
		}
	}
}

// A record whose number has a list entry's ten digits with another
// written century is flagged list_century_differs however it is kept:
// archived for another column's failure, it holds the number in the
// archive package, which an opt-out or erasure keeps the listed patient
// out of as much as the target.
func TestApplyCountsAListEntryACenturyApartWhenArchived(t *testing.T) {
	env := optOutEnv(t, "191212121212")
	tp := personProgram(t, env, "personnr", "{expr: personnr + personnr + personnr}")
	o := tp.Apply([]connectors.Value{int64(1), "201212121212", nil})
	if o.Kind != Archived {
		t.Fatalf("premise: got %v %q, want archived for the patient column", o.Kind, o.Reason)
	}
	if !slices.Contains(o.Warnings, WarnListCenturyDiffers) {
		t.Fatalf("archived a century apart: warnings %v, want %s", o.Warnings, WarnListCenturyDiffers)
	}
}

// A listed ten-digit number with a note of two digits has twelve digits
// in all, which LooseNumber reads as one number when they make one (here
// of a birth on 1205-10-10): the listed number they hold was then never
// asked, and the record was archived as person_* with it.
func TestApplyExcludesListedDigitsBesideANoteOfTwoDigits(t *testing.T) {
	tp, _ := listedPersonProgram(t, "19120510-1007")
	o := tp.Apply([]connectors.Value{int64(1), "120510-1007 nr 04", nil})
	if o.Kind != Excluded || o.Reason != ReasonOptOut || !slices.Contains(o.Warnings, WarnExclusionByDigits) {
		t.Fatalf("got %v %q %v, want excluded opt_out flagged %s", o.Kind, o.Reason, o.Warnings, WarnExclusionByDigits)
	}
}

// The last four kept in an integer column lost their leading zero (0301
// is 301): joined with the birth date they made eleven digits, and the
// listed patient's record was archived for its shape with the number.
func TestApplyExcludesListedNumberSplitWithIntegerLastFour(t *testing.T) {
	env := optOutEnv(t, "19460101-0301")
	tp := besokVisitProgram(t, env, `{expr: 'string(fodd) + "-" + string(sista4)'}`, col("fodd", "date", true), col("sista4", "integer", true))
	o := tp.Apply([]connectors.Value{int64(1), time.Date(1946, 1, 1, 0, 0, 0, 0, time.UTC), int64(301)})
	if got := o.Kind.String() + " " + o.Reason; got != "excluded opt_out" || len(o.Warnings) != 1 || o.Warnings[0] != WarnExclusionByDigits {
		t.Errorf("the listed patient's record: %s %v, want excluded opt_out with %s", got, o.Warnings, WarnExclusionByDigits)
	}
	// Another person's parts stay archived for the shape.
	if o := tp.Apply([]connectors.Value{int64(2), time.Date(1946, 1, 1, 0, 0, 0, 0, time.UTC), int64(302)}); o.Kind != Archived {
		t.Errorf("a person on no list: %v %q, want archived", o.Kind, o.Reason)
	}
}

// wantExcludedByDigits applies tp to a record whose person is written and
// reports whether it was excluded opt_out; t fails unless it was, flagged
// exclusion_by_digits alone.
func wantExcludedByDigits(t *testing.T, tp *TableProgram, written string) bool {
	t.Helper()
	o := tp.Apply([]connectors.Value{int64(1), written, nil})
	if o.Kind != Excluded || o.Reason != ReasonOptOut {
		t.Errorf("%q: got %v %q, want excluded opt_out (the listed digits)", written, o.Kind, o.Reason)
		return false
	}
	if len(o.Warnings) != 1 || o.Warnings[0] != WarnExclusionByDigits {
		t.Errorf("%q: warnings %v, want [%s]", written, o.Warnings, WarnExclusionByDigits)
	}
	return true
}

// optOutEnv is testEnv with an opt-out list of entries.
func optOutEnv(t *testing.T, entries ...string) *Env {
	t.Helper()
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, entries...)
	return env
}

// listedPersonProgram is personProgram reading personnr, pseudonymised
// as the patient, with an opt-out list of entries.
func listedPersonProgram(t *testing.T, entries ...string) (*TableProgram, *Env) {
	t.Helper()
	env := optOutEnv(t, entries...)
	return personProgram(t, env, "personnr", "{expr: pseudonym(personnr)}"), env
}

// besokVisitProgram compiles a mapping of besok (id and cols) to visit
// (visit_id, from id) whose person: is the given YAML.
func besokVisitProgram(t *testing.T, env *Env, person string, cols ...connectors.Column) *TableProgram {
	t.Helper()
	src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: append([]connectors.Column{col("id", "integer", false)}, cols...)}}
	prog := compileInline(t, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
`, `tables:
  - target: visit
    source: besok
    person: `+person+`
    columns:
      visit_id: id
`, src, env)
	return prog.ForSource("besok")
}

// A samordningsnummer has 60 added to the day (19121272-1219 for a
// person born 1912-12-12), and a legacy form that refused day 72 had
// the real day typed (19121212-1219); a personnummer typed with the 60
// added is the same mistake the other way. Either fails the check digit
// (the day's tens digit is doubled by the Luhn sum, so adding 6 to it
// moves the sum by 3), and the listed patient's record was archived as
// person_checksum, kept in the archive with all its data. Read with the
// day moved back by 60, or on by 60, it is the listed number: excluded,
// flagged exclusion_by_digits. Another person's number so mistyped stays
// archived for its check digit.
func TestApplyExcludesAListedNumberWithItsDaySixtyApart(t *testing.T) {
	for _, c := range []struct{ listed, written string }{
		{"19121272-1219", "19121212-1219"},
		{"19121272-1219", "121212-1219"},
		{"19121272-1219", "１９１２１２１２－１２１９"},
		{"19121212-1212", "19121272-1212"},
		{"19121212-1212", "1212721212"},
	} {
		tp, _ := listedPersonProgram(t, c.listed)
		if !wantExcludedByDigits(t, tp, c.written) {
			t.Logf("listed %s", c.listed)
		}
	}
	tp, _ := listedPersonProgram(t, "19121212-1212")
	if o := tp.Apply([]connectors.Value{int64(1), "19460161-0301", nil}); o.Kind != Archived || o.Reason != "person_checksum" {
		t.Errorf("another person's number with its day 60 apart: got %v %q, want archived person_checksum", o.Kind, o.Reason)
	}
}
