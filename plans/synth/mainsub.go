package synth

import (
	"github.com/regflytt/regflytt/connectors"
)

// The main-and-sub-register platform: a main register (huvudregister)
// holds the patients; two sub-registers (delregister) report visits of
// the same patients, each with its own form, sharing some variables. The
// strategy asks for such registers to be merged before, or during, a
// migration: a visit both sub-registers reported must become one row.
//
//	vardenhet       care units
//	patient         the main register's patients (Latin-1 text, as the oldest part)
//	delreg_kirurgi  sub-register A, surgery: date, unit, weight, height, smoking, procedure
//	delreg_rehab    sub-register B, rehabilitation: date, unit, weight, smoking, pain
//	avregistrerad   patients who opted out
//	anvandare, behorighet, forordnande
//	                users (with HSA-ids), scopes and appointments (access.go);
//	                an account disabled when its aktiv is 0
//
// A visit is reported by A only, by B only or by both; both report its
// date, care unit, weight and smoking status, each smoking code in its own
// code-list version.
type mainsub struct{}

const (
	subA = "delreg_kirurgi"
	subB = "delreg_rehab"
)

var mainsubTables = []ltable{
	{"vardenhet", []lcol{col("id", "integer", 0), col("namn", "varchar(80)", optLatin1), col("region", "varchar(40)", optNull|optLatin1)}},
	{"patient", []lcol{
		col("id", "integer", 0), col("personnr", "varchar(20)", optNull|optLatin1), col("kon", "varchar(1)", optNull|optFixed|optLatin1),
		col("hemort", "varchar(40)", optNull|optLatin1), col("registrerad", "date", optNull|optZero),
	}},
	{subA, []lcol{
		col("id", "integer", 0), col("patient_id", "integer", optNull), col("personnr", "varchar(13)", optNull),
		col("vardenhet_id", "integer", optNull), col("besoksdatum", "date", optNull|optZero), col("vikt", "varchar(10)", optNull),
		col("langd", "smallint", optNull), col("rokning", "varchar(2)", optNull), col("kodversion", "tinyint", optNull),
		col("opkod", "varchar(10)", optNull),
	}},
	{subB, []lcol{
		col("id", "integer", 0), col("patient_id", "integer", optNull), col("personnr", "varchar(13)", optNull),
		col("vardenhet_id", "integer", optNull), col("besoksdatum", "date", optNull|optZero), col("vikt", "varchar(10)", optNull),
		col("rokning", "varchar(2)", optNull), col("kodversion", "tinyint", optNull), col("smarta", "tinyint", optNull),
	}},
	{"avregistrerad", []lcol{col("id", "integer", 0), col("personnummer", "varchar(13)", optLatin1), col("datum", "date", optNull)}},
}

func (mainsub) tables(g *gen) ([]connectors.Table, error) {
	// Users with HSA-ids, text in Latin-1 like the rest of the platform.
	return render(g.dialect, append(mainsubTables[:len(mainsubTables):len(mainsubTables)], accessLTables(true, optLatin1, stateFlag)...)...)
}

// Visit-level defects live in one sub-register's row: A's for most, B's
// for those that need the other register's row to differ from.
func (mainsub) defects() []defectSpec {
	subs := []string{subA, subB}
	a, b := []string{subA}, []string{subB}
	return append(patientDefects("patient", subs, subs, "avregistrerad"),
		defectSpec{PNRTwoFormats, "besok", b},
		defectSpec{MergeConflict, "besok", b},
		defectSpec{ZeroDate, "besok", a},
		defectSpec{FutureDate, "besok", a},
		defectSpec{NullRequired, "besok", a},
		defectSpec{DecimalComma, "besok", a},
		defectSpec{OutOfRange, "besok", a},
		defectSpec{CodeOldVersion, "besok", a},
		defectSpec{CodeUnknown, "besok", a},
		defectSpec{DuplicateExact, "besok", a},

		// Last in their levels, so that the others keep their slices.
		defectSpec{PartialDate, patientLevel, []string{"patient"}},
		defectSpec{DuplicateReceivingKey, patientLevel, []string{"patient"}},
		defectSpec{PNRCenturyFromDate, "besok", b},
		defectSpec{PNRReserve, patientLevel, append([]string{"patient"}, subs...)},
	)
}

// msVisit is one visit, as both sub-registers would report it.
type msVisit struct {
	defect   DefectID
	inA, inB bool
	date     connectors.Date
	unit     int
	weight   int
	height   int
	status   string // smoking: current, never, former, unknown ("" not recorded)
	proc     string
	pain     int
	// What the defect needs besides.
	future connectors.Date
	other  int // B's differing weight
}

// codeFor gives the legacy code of a smoking status in a code-list
// version.
func codeFor(version, status string) string {
	for code, s := range smokingNew[version] {
		if s == status {
			return code
		}
	}
	return ""
}

type msGen struct {
	g      *gen
	ps, vs *stream
	units  int
}

func (mainsub) generate(g *gen, tables []connectors.Table) error {
	w := &msGen{g: g, ps: newStream(), vs: newStream(), units: unitCount(g.cfg.Patients)}
	t := tablesByName(tables)
	return fillTables(t, []fillStep{
		{"vardenhet", func(t *connectors.Table) error { return g.careUnitRows(t, latin1Text) }},
		{"patient", func(t *connectors.Table) error {
			return g.patientRows(t, latin1Text, func(row []connectors.Value, pt *patient, second bool) {
				row[2], row[3], row[4] = pt.p.sex(), latin1Text(pt.town), pt.registeredValue(second)
			})
		}},
		{subA, func(t *connectors.Table) error { return w.sub(t, true) }},
		{subB, func(t *connectors.Table) error { return w.sub(t, false) }},
		{"avregistrerad", func(t *connectors.Table) error { return g.optOutRows(t, person.normal) }},
		{"anvandare", func(*connectors.Table) error { return g.accessRows(t, true, latin1Text, stateFlag) }},
	})
}

func (w *msGen) visit(pt *patient, j int, prev connectors.Date) msVisit {
	g := w.g
	r := w.vs.at(g.cfg.Seed, kindSub, uint64(pt.i), uint64(j))
	v := msVisit{}
	switch n := r.IntN(20); {
	case n < 7:
		v.inA = true
	case n < 10:
		v.inB = true
	default:
		v.inA, v.inB = true, true
	}
	if !pt.formsCarry() {
		v.defect = g.draw("besok", r, func(d DefectID) bool {
			switch d {
			case PNRTwoFormats, PNRCenturyFromDate:
				return v.inB
			case MergeConflict:
				return v.inA && v.inB
			}
			return v.inA
		})
	}
	// A patient's second visit is a month or more from the first, never
	// on its day: two visits on one day would be one registration to
	// merge. Both lie between firstVisit and lastVisit.
	v.date = visitDate(r)
	if j > 0 {
		gap := 30 + r.IntN(900)
		if v.date = dateAt(prev, gap); v.date.Time().After(lastVisit.Time()) {
			v.date = dateAt(prev, -gap)
		}
	}
	if v.defect == PNRCenturyFromDate && !(pt.p.old() && v.date.Time().Before(pt.p.lateBirth().Time())) {
		v.defect = "" // the number's late century would not follow the date: no evidence to resolve it
	}
	v.unit = 1 + r.IntN(w.units)
	v.weight = 450 + r.IntN(850)
	v.height = 150 + r.IntN(51)
	if r.IntN(10) > 0 || v.defect == CodeOldVersion || v.defect == CodeUnknown {
		v.status = smokingNew["2"][pickString(r, smokingV2)]
		if v.defect == CodeOldVersion && v.status == "unknown" {
			v.status = "never" // version 1 had no code for unknown
		}
	}
	v.proc = pickString(r, procedures)
	v.pain = r.IntN(11)
	switch v.defect {
	case FutureDate:
		v.future = futureDate(r)
	case MergeConflict:
		v.other = v.weight + 10 + r.IntN(50) // B weighed again, or typed it wrong
	}
	return v
}

// visits calls fn for each of a patient's visits.
func (w *msGen) visits(pt *patient, fn func(v *msVisit) error) error {
	var prev connectors.Date
	for j := 0; j < pt.forms; j++ {
		v := w.visit(pt, j, prev)
		prev = v.date
		if err := fn(&v); err != nil {
			return err
		}
	}
	return nil
}

// sub writes one sub-register: A (inA) or B.
func (w *msGen) sub(t *connectors.Table, inA bool) error {
	g := w.g
	e := g.emitter(t, int64(g.cfg.Patients))
	id := int64(0)
	for i := 1; i <= g.cfg.Patients; i++ {
		pt := g.patient(w.ps, i)
		err := w.visits(&pt, func(v *msVisit) error {
			if (inA && !v.inA) || (!inA && !v.inB) {
				return nil
			}
			id++
			row, err := e.add()
			if err != nil {
				return err
			}
			column, want := w.fill(row, &pt, v, id, inA)
			ours := (v.defect == PNRTwoFormats || v.defect == MergeConflict || v.defect == PNRCenturyFromDate) != inA
			switch {
			case pt.formsCarry():
				g.hit(pt.defect, t.Name, id, "personnr", pt.p.normal())
			case v.defect == DuplicateExact && inA:
				id++
				dup, err := e.add()
				if err != nil {
					return err
				}
				copy(dup, row)
				dup[0] = id
				g.hit(v.defect, t.Name, id, "", nil)
			case v.defect != "" && ours:
				g.hit(v.defect, t.Name, id, column, want)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return e.close()
}

// fill writes a visit's row in sub-register A (inA) or B, with the visit's
// defect when it lives in this register's row.
func (w *msGen) fill(row []connectors.Value, pt *patient, v *msVisit, id int64, inA bool) (column string, want connectors.Value) {
	var date, unit, status, version connectors.Value = v.date, int64(v.unit), nil, int64(2)
	weight, pnr := weightText(v.weight, false), pt.p.canonical()
	if v.status != "" {
		status = codeFor("2", v.status)
	}
	if inA {
		switch v.defect {
		case ZeroDate:
			date, column, want = connectors.InvalidDate{Raw: "0000-00-00"}, "besoksdatum", "0000-00-00"
		case FutureDate:
			date, column = v.future, "besoksdatum"
		case NullRequired:
			unit, column = nil, "vardenhet_id"
		case DecimalComma:
			weight, column, want = weightText(v.weight, true), "vikt", weightDecimal(v.weight)
		case CodeOldVersion:
			status, version, column, want = codeFor("1", v.status), int64(1), "rokning", v.status
		case CodeUnknown:
			status, column = "X", "rokning"
		}
		height := int64(v.height)
		if v.defect == OutOfRange {
			height, column = height*10, "langd"
		}
		row[0], row[1], row[2], row[3], row[4], row[5] = id, int64(pt.i), pnr, unit, date, weight
		row[6], row[7], row[8], row[9] = height, status, version, v.proc
		return column, want
	}
	switch v.defect {
	case PNRTwoFormats:
		pnr, column, want = pt.p.ten(), "personnr", pt.p.normal()
	case PNRCenturyFromDate:
		pnr, column, want = pt.p.tenLate(), "personnr", pt.p.normal()
	case MergeConflict:
		weight, column = weightText(v.other, false), "vikt"
	}
	row[0], row[1], row[2], row[3], row[4], row[5] = id, int64(pt.i), pnr, unit, date, weight
	row[6], row[7], row[8] = status, version, int64(v.pain)
	return column, want
}
