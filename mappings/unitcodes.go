package mappings

import (
	"maps"
	"slices"

	"golang.org/x/text/unicode/norm"

	"github.com/regflytt/regflytt/connectors"
)

// A receiving platform may name its care units by other ids than the
// legacy one (an HSA-id for a number, a number for a text code). The
// mapping then says so on the unit, by a code list of its own:
//
//	codelists:
//	  - name: enheter
//	    codes: {"0101": SE2321000131-E000000000101, "0102": SE2321000131-E000000000102}
//	tables:
//	  - target: visit
//	    source: besok
//	    unit: {column: vardenhet_id, translate: enheter}
//	    columns:
//	      care_unit_id: {from: vardenhet_id, codelist: enheter}
//
// A code list, not a lookup: it is written in the mapping, where the
// registry holder reviews it, and is the same in every run, so plan check
// proves it one-to-one before any source is opened (a lookup's rows are
// only known in the run's snapshot). Each migrated record is then held to
// the receiving unit its legacy unit translates to; the ledger, the
// archive and the unit reports keep the legacy unit, which is what the
// care provider knows its records by.

// ReasonUnitNotTranslated archives a record whose legacy unit the unit
// translation does not list: it has no receiving unit to belong to, so it
// cannot keep its care provider on the receiving platform.
const ReasonUnitNotTranslated = "unit_not_translated"

// checkUnitTranslation checks the unit: translate: declarations:
//
//	M054  translate: names no single-version code list, one that maps a
//	      unit to null or has another unmapped: policy than archive, one
//	      no receiving column applies, or tables translate differently
//	M056  two legacy units translate to one receiving unit
func checkUnitTranslation(files []*File, target *Schema) Diagnostics {
	var ds Diagnostics
	lists := map[string]*CodeList{}
	for _, f := range files {
		for _, cl := range f.CodeLists {
			if _, dup := lists[cl.Name.Value]; !dup {
				lists[cl.Name.Value] = cl // a second is C002's
			}
		}
	}
	var first *TableMapping
	proven := map[string]bool{}
	eachTable(files, func(tm *TableMapping) {
		u := tm.Unit
		if len(tm.Members) > 0 || u == nil || u.Column.Value == "" {
			return
		}
		if first == nil {
			first = tm
		} else if u.Translate.Value != first.Unit.Translate.Value {
			// The receiving platform names a unit one way; the access
			// proof and the unit reports read every table by one list.
			ds.add(u.Pos, "M054", "table %s %s, but table %s %s (%s): translate every unit column by the same code list, or none",
				tm.Source.Value, translation(u), first.Source.Value, translation(first.Unit), first.Unit.Pos)
		}
		if !u.Translate.IsSet() {
			return
		}
		cl := lists[u.Translate.Value]
		if cl == nil {
			ds.add(u.Translate.Pos, "M054", "unit: translate: names no code list %s: define it under codelists: (legacy unit: receiving unit)", u.Translate.Value)
			return
		}
		if !checkTranslationList(cl, u, &ds) {
			return
		}
		var carrier *ColumnMapping
		for _, c := range tm.Columns {
			if tm.carriesUnit(c, u.Column.Value) && c.CodeList.Value == cl.Name.Value && !c.CodeListVersion.IsSet() {
				carrier = c
				break
			}
		}
		if carrier == nil {
			ds.add(u.Translate.Pos, "M054", "table %s translates its reporting unit by %s, but no receiving column applies it: map one {from: %s, codelist: %s}", tm.Source.Value, cl.Name.Value, u.Column.Value, cl.Name.Value)
			return
		}
		var typ *connectors.Type
		if target != nil {
			if t := target.Table(tm.Target.Value); t != nil {
				if c := t.Column(carrier.Target.Value); c != nil {
					typ = &c.Type
				}
			}
		}
		key := cl.Name.Value
		if typ != nil {
			key += "\x00" + typ.String()
		}
		if !proven[key] {
			proven[key] = true
			checkInjective(cl, typ, &ds)
		}
	})
	return ds
}

func translation(u *UnitSpec) string {
	if u.Translate.IsSet() {
		return "translates its units by " + u.Translate.Value
	}
	return "carries its units as they are"
}

// checkTranslationList refuses a list that could give a record no
// receiving unit, or one for many: it must have one version (a unit's
// receiving id does not depend on a form's version), map no unit to null
// (the record would lose its owner) and archive what it does not list (a
// default would give every unlisted unit's records to one care unit).
func checkTranslationList(cl *CodeList, u *UnitSpec, ds *Diagnostics) bool {
	ok := true
	if _, single := cl.Versions[""]; !single || len(cl.Versions) != 1 {
		ds.add(u.Translate.Pos, "M054", "code list %s (%s) has versions: a unit translation is one list of legacy unit: receiving unit under codes:", cl.Name.Value, cl.Pos)
		return false
	}
	for _, code := range slices.Sorted(maps.Keys(cl.Nulls[""])) {
		ds.add(cl.CodeAt("", code), "M054", "code list %s translates reporting units (%s) but maps unit %q to null: its records would lose their care provider; give it a receiving unit, or archive it on purpose under archive:", cl.Name.Value, u.Translate.Pos, code)
		ok = false
	}
	if cl.Policy() != UnmappedArchive {
		ds.add(cl.Unmapped.Pos, "M054", "code list %s translates reporting units (%s): unmapped: must be archive, so that a unit it does not list is archived (%s), never given another unit or none", cl.Name.Value, u.Translate.Pos, ReasonUnitNotTranslated)
		ok = false
	}
	return ok
}

// checkInjective refuses a translation that gives two legacy units one
// receiving unit: their care providers' records would become one's. Units
// are compared as the receiving column holds them (typ, when the schema
// is known: "0101" and "101" are one unit in an integer column), else as
// text and, for numbers, by value; text as a case-blind collation
// compares it (receivingUnitKey).
func checkInjective(cl *CodeList, typ *connectors.Type, ds *Diagnostics) {
	codes := slices.Collect(maps.Keys(cl.Versions[""]))
	// In the order they are written, so the second is the one reported.
	slices.SortFunc(codes, func(a, b string) int {
		pa, pb := cl.CodeAt("", a), cl.CodeAt("", b)
		if pa.Line != pb.Line {
			return pa.Line - pb.Line
		}
		return pa.Column - pb.Column
	})
	seen := map[string]string{}
	for _, code := range codes {
		to := cl.Versions[""][code]
		k, ok := receivingUnitKey(to, typ)
		if !ok {
			continue // C005 names a code the column cannot hold
		}
		if prev, dup := seen[k]; dup {
			ds.add(cl.CodeAt("", code), "M056", "code list %s translates legacy units %q (%s) and %q to one receiving unit %q: two care providers' records would become one's; give each legacy unit a receiving unit of its own",
				cl.Name.Value, prev, cl.CodeAt("", prev), code, to)
			continue
		}
		seen[k] = code
	}
}

// receivingUnitKey is a receiving unit as the receiving column tells it
// from another. Text is folded (FoldText): a receiving platform on a
// case-blind collation (MariaDB's defaults, PAD SPACE, citext) takes
// "SE…-E1" and "se…-e1 " for one unit, and its care providers would read
// each other's records, while every check here, comparing exact text,
// sees two. It is folded in its compatibility form (NFKC) first: MariaDB's
// utf8mb4_unicode_ci, uca1400 and swedish_ci collations (and PostgreSQL's
// ICU ones at level 1) take a full-width "ＳＥ" for "SE", a no-break space
// for a space and "ﬁ" for "fi" too.
func receivingUnitKey(code string, typ *connectors.Type) (string, bool) {
	if typ != nil {
		v, err := convert(code, *typ)
		if err != nil {
			return "", false
		}
		if k, ok := valueNumberKey(v); ok {
			return k, true
		}
		s, ok := connectors.FormatValue(v)
		return FoldText(norm.NFKC.String(s)), ok
	}
	if k, ok := numberKey(code); ok {
		return k, true
	}
	return FoldText(norm.NFKC.String(code)), true
}

// UnitTranslation gives the receiving unit, as text, that a legacy unit
// (as the ledger keys it, connectors.FormatValue of the source value)
// translates to; ok is false when the table translates no units or the
// list does not list the unit. It is what the records of the unit are
// held to in the receiving unit column, and what reports name beside the
// legacy unit.
func (t *TableProgram) UnitTranslation(unit string) (string, bool) {
	if t.unitCodes == nil || unit == "" {
		return "", false
	}
	code, ok := t.unitCodes.Lookup("", unit)
	if !ok || t.unitCodes.MapsToNull("", unit) {
		// A number column's unit reads as the list writes the number
		// ("0101" for 101), as the code list itself looks it up; a text
		// column's is its own code.
		if _, num := numberKey(unit); !num || t.unitText {
			return "", false
		}
		old := t.unitCodes.CodeOf("", connectors.Decimal(unit))
		if code, ok = t.unitCodes.Lookup("", old); !ok || t.unitCodes.MapsToNull("", old) {
			return "", false
		}
	}
	if t.unitType == nil {
		return code, true
	}
	v, err := convert(code, *t.unitType)
	if err != nil {
		return "", false
	}
	return connectors.FormatValue(v)
}

// TranslatesUnits says whether the table's units are translated
// (unit: {column: …, translate: list}).
func (t *TableProgram) TranslatesUnits() bool { return t.unitCodes != nil }

// compileUnitTranslation keeps the table's unit translation for
// UnitTranslation, and archives a record whose unit the list does not
// list as unit_not_translated rather than code_unmapped (unless the
// column's reasons: name another): the code is a care unit, and the
// record is archived because it cannot keep its owner. Under
// granularity: value too the record is archived, not its unit alone: a
// record migrated without its unit would have lost its care provider.
func (c *compiler) compileUnitTranslation(tp *TableProgram) {
	u := c.tm.Unit
	if u == nil || !u.Translate.IsSet() || u.Column.Value == "" {
		return
	}
	cl := c.lists[u.Translate.Value]
	if cl == nil {
		return // checkUnitTranslation reports it
	}
	target, _ := c.tm.UnitColumn()
	for i := range tp.cols {
		cp := &tp.cols[i]
		if cp.target == nil || cp.target.Name != target || cp.codelist != cl {
			continue
		}
		tp.unitCodes, tp.unitType, cp.owner = cl, &cp.target.Type, true
		if sc := tp.Source.Column(u.Column.Value); sc != nil {
			tp.unitText = sc.Type.Kind == connectors.KindText
		}
		if _, named := cp.reasons["code_unmapped"]; !named {
			if cp.reasons == nil {
				cp.reasons = map[string]string{}
			}
			cp.reasons["code_unmapped"] = ReasonUnitNotTranslated
		}
	}
}
