package scan

import (
	"fmt"
	"strings"
)

// notCarried says why each kind of catalogue object does not travel.
var notCarried = map[string]string{
	"view":           "a migration carries tables only; recreate or retire them on the receiving platform",
	"trigger":        "a migration carries tables only; recreate or retire them on the receiving platform",
	"routine":        "a migration carries tables only; recreate or retire them on the receiving platform",
	"event":          "a migration carries tables only; recreate or retire them on the receiving platform",
	"sequence":       "a migration carries tables only, not where a sequence has come to: numbering that goes on from it on the receiving platform must start past the last value it gave",
	"foreign_key":    "the proposed receiving schema (--schema-out) declares them and a run creates them after the load; those it leaves out are commented there with the reason",
	"index":          "the proposed receiving schema (--schema-out) declares those over plain columns and a run creates them after the load; prefix, full-text, partial and expression indexes are not carried",
	"default":        "the proposed receiving schema (--schema-out) declares constant and current-time defaults; any other expression is not carried, and new rows need it recreated",
	"schema":         "a plan reads one schema (the source URL's schema=, public by default): scan and migrate each of these with a plan of its own, or acknowledge in the plan why its tables are not the registry's (verify names each as schema_not_read)",
	"auto_increment": "the proposed receiving schema (--schema-out) declares them as identity columns, which a run creates after the load with the numbering past the highest value",
}

// findings lists what a mapping must decide about, from the profiles:
// one Finding per table, column (or EAV attribute) and kind.
func findings(rep *Report) []Finding {
	var out []Finding
	add := func(f Finding) {
		if f.Count > 0 {
			out = append(out, f)
		}
	}
	for _, g := range rep.NotMigrated {
		add(Finding{Code: "not_migrated", Count: int64(g.Count),
			Message: fmt.Sprintf("not migrated: %d %s(s) (%s): %s", g.Count, g.Kind, strings.Join(g.Names, ", "), notCarried[g.Kind])})
	}
	if rep.CatalogueLimited {
		// A new user scanning an unseen registry with an account granted
		// table by table would take the tables listed for the registry.
		add(Finding{Code: "catalogue_limited", Count: 1,
			Message: "the account may see only some tables of the database (on MariaDB and MySQL, SELECT granted table by table; on SQL Server, no VIEW DEFINITION on the schema): the server left the others out of this scan, and a run would leave their records in no outcome (catalogue_limited.source); scan with an account that may see the whole database"})
	}
	for _, lo := range rep.LargeObjects {
		add(Finding{Code: "large_objects", Table: lo.Table, Column: lo.Column, Count: lo.Rows,
			Message: fmt.Sprintf("%d row(s) name large objects, whose content (in pg_largeobject) a read of the table leaves out: only the numbers would migrate (a run names it large_objects_not_read); read the content with lo_get() in a select: source", lo.Rows)})
	}
	for _, tr := range rep.Tables {
		if !tr.Profiled {
			add(Finding{Code: "no_primary_key", Table: tr.Name, Count: tr.Rows,
				Message: fmt.Sprintf("%d rows in a table without a primary key: not profiled; a mapping must name a key to read it in order", tr.Rows)})
		}
		for _, fk := range tr.ForeignKeys {
			how := "inferred from the column names"
			if fk.Declared {
				how = "declared"
			}
			add(Finding{Code: "orphan_rows", Table: tr.Name, Column: strings.Join(fk.Columns, ","), Count: fk.Orphans,
				Message: fmt.Sprintf("%d row(s) refer to no row of %s (%s; reference %s)", fk.Orphans, fk.RefTable, strings.Join(fk.RefColumns, ","), how)})
		}
		for ci, c := range tr.Columns {
			if tr.EAV == nil || c.Name != tr.EAV.Value {
				// an EAV value column's findings are the attributes'
				out = append(out, columnFindings(tr.Name, c, "", rep.ReferenceDate)...)
			}
			if ci < len(tr.proposals) && tr.proposals[ci].problem != "" && tr.Profiled {
				// The skeleton lists such a column under drop:: said here
				// too, since its values would be neither migrated nor
				// archived.
				out = append(out, Finding{Code: "no_receiving_type", Table: tr.Name, Column: c.Name, Count: c.Values,
					Message: "no receiving type holds it as it is (" + tr.proposals[ci].problem + "): the mapping skeleton lists it under drop:, its values neither migrated nor archived, until a mapping reads it"})
			}
			if ci < len(tr.proposals) && tr.proposals[ci].note != "" {
				code := "proposal_note"
				if strings.Contains(tr.proposals[ci].note, "24:00:00") {
					code = "time_beyond_day"
				}
				out = append(out, Finding{Code: code, Table: tr.Name, Column: c.Name, Count: c.Values, Message: tr.proposals[ci].note})
			}
		}
		if tr.EAV != nil {
			e := tr.EAV
			names := make([]string, 0, len(e.Attributes))
			for _, a := range e.Attributes {
				names = append(names, a.Name)
			}
			add(Finding{Code: "eav_table", Table: tr.Name, Count: int64(len(e.Attributes)),
				Message: fmt.Sprintf("entity–attribute–value table: entity %s, attribute %s, value %s; %d attributes: %s", e.Entity, e.Attribute, e.Value, len(names), strings.Join(names, ", "))})
			for _, a := range e.Attributes {
				out = append(out, columnFindings(tr.Name, a, e.Value, rep.ReferenceDate)...)
			}
		}
	}
	return out
}

// columnFindings gives one column's findings; for an EAV attribute, c is
// the attribute's profile and valueCol the column that holds it.
func columnFindings(table string, c *Column, valueCol, ref string) []Finding {
	col, attr := c.Name, ""
	if valueCol != "" {
		col, attr = valueCol, c.Name
	}
	var out []Finding
	add := func(code string, n int64, format string, args ...any) {
		if n > 0 {
			out = append(out, Finding{Code: code, Table: table, Column: col, Attribute: attr, Count: n, Message: fmt.Sprintf(format, args...)})
		}
	}
	if id := c.Identity; id != nil {
		var fs []string
		var total int64
		for _, f := range id.Formats {
			fs = append(fs, fmt.Sprintf("%s %d", f.Value, f.Count))
			total += f.Count
		}
		extra := ""
		if id.Coordination > 0 {
			extra += fmt.Sprintf("; %d co-ordination numbers", id.Coordination)
		}
		if id.Spaced > 0 {
			extra += fmt.Sprintf("; %d with surrounding spaces", id.Spaced)
		}
		add("identity_numbers", total, "%d identity numbers (%s)%s: pseudonymise with pseudonym() and match the opt-out list with person:", total, strings.Join(fs, ", "), extra)
		for _, r := range id.Invalid {
			add("identity_invalid", r.Count, "%d identity number(s) break the rule %q (mappings/pnr)", r.Count, r.Value)
		}
		add("identity_ambiguous_century", id.AmbiguousCentury, "%d 10-digit identity number(s) without a separator: the century is read against %s, and a person aged 100 or more cannot be told apart", id.AmbiguousCentury, ref)
	}
	if d := c.Dates; d != nil {
		add("zero_date", d.Zero, "%d zero date(s) (0000-00-00)", d.Zero)
		add("partial_date", d.Partial, "%d partial date(s) with day or month 00 (2019-05-00)", d.Partial)
		add("impossible_date", d.Impossible, "%d date(s) no calendar holds (2023-02-30)", d.Impossible)
		add("date_out_of_range", d.OutOfRange, "%d date(s) beyond every target's calendar (infinity, -infinity, BC, after 9999): a mapping archives them (invalid_date), or declares infinity NULL with open_ended: [infinity]", d.OutOfRange)
		add("future_date", d.Future, "%d date(s) after the reference date %s", d.Future, ref)
	}
	if t := c.Text; t != nil {
		twice := ""
		if t.GarbledTwice > 0 {
			twice = fmt.Sprintf(", %d of them garbled more than once", t.GarbledTwice)
		}
		add("garbled_text", t.Garbled, "%d text value(s) garbled, UTF-8 read as Latin-1 (\"Ã¤\" for \"ä\")%s: repair() puts them right", t.Garbled, twice)
		add("c1_controls", t.Controls, "%d text value(s) hold C1 control characters (Windows-1252 read as ISO 8859-1): repair() makes them the Windows-1252 characters (U+0096 \"–\", U+0080 \"€\")", t.Controls)
		var amb []string
		if t.Ambiguous > 0 {
			amb = append(amb, fmt.Sprintf("%d text value(s) garbled in part only or cut short in a garbled character: repair() archives them as encoding_ambiguous", t.Ambiguous))
		}
		if t.InvalidAmbiguous > 0 {
			amb = append(amb, fmt.Sprintf("%d value(s) hold UTF-8 beside bytes that are not, or UTF-8 cut in a character: latin1() archives them as encoding_ambiguous", t.InvalidAmbiguous))
		}
		add("ambiguous_text", t.Ambiguous+t.InvalidAmbiguous, "%s; which text was meant, only a person can say", strings.Join(amb, "; "))
		add("text_as_written", t.AsWritten, "%d text value(s) with a capital Å, Ä or É ending a word before a dash, an ellipsis, a closing quote or a no-break space (\"UMEÅ–SUNDSVALL\"): repair() keeps them as written, though the same text is what garbling makes of a Latin Extended letter (\"UMEŖSUNDSVALL\", a Lithuanian \"…IENĖ\"); a person who knows the values should look", t.AsWritten)
		add("invalid_text", t.Invalid, "%d value(s) of bytes that are not UTF-8 (or UTF-8 of characters no text holds there): latin1() reads them as Windows-1252", t.Invalid)
		add("utf8_beside_latin1", t.UTF8BesideInvalid, "%d value(s) beyond ASCII are UTF-8 beside the %d that are not: latin1() reads them as UTF-8, as a column holding both encodings needs; if the column holds Latin-1 only, they are Latin-1 text whose bytes happen to be UTF-8 (C3 A5 is \"Ã¥\", read as \"å\"): a person who knows the column should say which", t.UTF8BesideInvalid, t.Invalid)
	}
	if n := c.Numeric; n != nil {
		add("decimal_comma", n.DecimalComma, "%d number(s) written with a decimal comma: decimal() reads them", n.DecimalComma)
		add("not_a_number", n.NotNumber, "%d value(s) of a column of numbers that no decimal reader accepts", n.NotNumber)
	}
	for _, u := range c.Unfit {
		add("unfit_value", u.Count, "%d value(s) no receiving type holds exactly (rule %s)", u.Count, u.Value)
	}
	return out
}
