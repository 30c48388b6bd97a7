package synth

import (
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// Patients are the same on every platform: patient i has the same
// identity, the same patient-level defect and the same number of forms
// whichever platform is generated, so a defect rate means the same
// everywhere.

// patientLevel is the level of the defects a patient draws.
const patientLevel = "patient"

// patientDefects lists the patient-level defects of a platform: forms
// names the tables of forms that carry a patient's identity number, all
// the tables whose rows an opted-out patient's exclusion reaches (forms
// and values), and optOut the opt-out list's table.
func patientDefects(patients string, forms, all []string, optOut string) []defectSpec {
	return []defectSpec{
		{PNRShort, patientLevel, []string{patients}},
		{PNRTwelve, patientLevel, []string{patients}},
		{PNRPlus, patientLevel, []string{patients}},
		{PNRSpaces, patientLevel, []string{patients}},
		{PNRCoordination, patientLevel, append([]string{patients}, forms...)},
		{PNRChecksum, patientLevel, []string{patients}},
		{PNRMissing, patientLevel, []string{patients}},
		{PatientTwoFormats, patientLevel, []string{patients}},
		{OrphanPatient, patientLevel, []string{patients}},
		{OrphanForm, patientLevel, forms},
		{OptOutOtherFormat, patientLevel, append(append([]string{patients}, all...), optOut)},
		// Last, so that the others keep their slices of the draw.
		{OptOutOtherCentury, patientLevel, append(append([]string{patients}, all...), optOut)},
	}
}

// patient is what every table needs to know of a patient.
type patient struct {
	i          int
	p          person
	defect     DefectID
	town       string
	registered connectors.Date
	// forms is the number of registrations (operations, form instances,
	// visits) the patient has.
	forms int
}

// formsCarry reports whether a patient's defect is carried by the rows of
// their forms too (a co-ordination number is the patient's number
// everywhere; an orphaned patient's forms are the orphans; an opted-out
// patient's forms are excluded with them). Those rows then draw no defect
// of their own, so that each has one cause.
func (p *patient) formsCarry() bool {
	return p.defect == PNRCoordination || p.defect == PNRReserve || p.defect == OrphanForm || p.optedOut()
}

// optedOut reports whether the patient is on the opt-out list.
func (p *patient) optedOut() bool {
	return p.defect == OptOutOtherFormat || p.defect == OptOutOtherCentury
}

// patient draws patient i from its own stream.
func (g *gen) patient(s *stream, i int) patient {
	r := s.at(g.cfg.Seed, kindPatient, uint64(i))
	pt := patient{i: i, p: g.people.at(i)}
	pt.defect = g.draw(patientLevel, r, func(d DefectID) bool {
		switch d {
		case PNRPlus, OptOutOtherCentury:
			return pt.p.old()
		case PNRShort:
			return !pt.p.old() // the short form of the old is PNRPlus
		}
		return true
	})
	switch pt.defect {
	case PNRCoordination:
		pt.p.coord = true
	case PNRReserve:
		pt.p.reserve = true
	}
	pt.town = pickString(r, towns)
	pt.registered = visitDate(r)
	pt.forms = 1 + r.IntN(2)
	if pt.defect == OrphanPatient {
		pt.forms = 0
	}
	return pt
}

// partial gives the patient's registration date as a legacy form wrote it
// when only the year (an even serial) or the month (an odd one) was
// known: 2019-00-00, 2019-05-00.
func (p *patient) partial() string {
	d := p.registered
	if p.p.serial%2 == 0 {
		return fmt.Sprintf("%04d-00-00", d.Year)
	}
	return fmt.Sprintf("%04d-%02d-00", d.Year, int(d.Month))
}

// registeredValue is the registration date as the patient table holds it:
// the date, or the partial date of a PartialDate patient (a DATE column's
// zero-in-date value, text on PostgreSQL).
func (p *patient) registeredValue(second bool) connectors.Value {
	if second {
		return dateAt(p.registered, 400)
	}
	if p.defect == PartialDate {
		return connectors.InvalidDate{Raw: p.partial()}
	}
	return p.registered
}

// patientRows writes a platform's patient table: one row per patient but
// the orphaned ones (whose row is gone), a second row for those
// registered twice, the identity number as the patient's defect has it.
// fill sets the platform's other columns (row[0] and row[1] are the key
// and the identity number); text renders text for the table's charset.
func (g *gen) patientRows(t *connectors.Table, text func(string) connectors.Value, fill func(row []connectors.Value, pt *patient, second bool)) error {
	e := g.emitter(t, int64(g.cfg.Patients))
	s := newStream()
	extra := int64(g.cfg.Patients) // second registrations' ids follow the first's
	for i := 1; i <= g.cfg.Patients; i++ {
		pt := g.patient(s, i)
		if pt.defect == OrphanForm {
			continue // the patient's row is gone; their forms remain
		}
		row, err := e.add()
		if err != nil {
			return err
		}
		key := int64(i)
		var pnr connectors.Value = pt.p.canonical()
		switch pt.defect {
		case PNRShort, PNRPlus:
			pnr = pt.p.short()
		case PNRTwelve:
			pnr = pt.p.normal()
		case PNRSpaces:
			pnr = text(pt.p.spaced())
		case PNRChecksum:
			pnr = pt.p.wrongCheck(s.r)
		case PNRMissing:
			pnr = nil
		}
		row[0], row[1] = key, pnr
		fill(row, &pt, false)
		want := pt.p.normal()
		switch pt.defect {
		case "", OrphanForm:
		case PNRShort, PNRTwelve, PNRPlus, PNRSpaces, PNRCoordination:
			g.hit(pt.defect, t.Name, key, t.Columns[1].Name, want)
		case PNRChecksum, PNRMissing, PNRReserve:
			g.hit(pt.defect, t.Name, key, t.Columns[1].Name, nil)
		case OrphanPatient, OptOutOtherFormat, OptOutOtherCentury:
			g.hit(pt.defect, t.Name, key, "", want)
		case PartialDate:
			// fill wrote the partial date; its column is the platform's.
			g.hit(pt.defect, t.Name, key, "registrerad", pt.partial())
		case PatientTwoFormats, DuplicateReceivingKey:
			// Registered again later, the number typed another way, or
			// the same way.
			extra++
			dup, err := e.add()
			if err != nil {
				return err
			}
			dup[0], dup[1] = extra, pt.p.normal()
			if pt.defect == DuplicateReceivingKey {
				dup[1] = pt.p.canonical()
			}
			fill(dup, &pt, true)
			// What the row means is the first registration, which it
			// repeats: its key.
			g.hit(pt.defect, t.Name, extra, t.Columns[1].Name, key)
		}
	}
	return e.close()
}

// optOutRows writes the opt-out list: one row per opted-out patient, the
// identity number in another shape than the patient table's (format; for
// OptOutOtherCentury YYMMDD-NNNN, a century late for the old), and the
// date of the request.
func (g *gen) optOutRows(t *connectors.Table, format func(person) string) error {
	e := g.emitter(t, -1)
	s := newStream()
	id := int64(0)
	for i := 1; i <= g.cfg.Patients; i++ {
		pt := g.patient(s, i)
		if !pt.optedOut() {
			continue
		}
		id++
		row, err := e.add()
		if err != nil {
			return err
		}
		number := format(pt.p)
		if pt.defect == OptOutOtherCentury {
			number = pt.p.tenLate()
		}
		row[0], row[1], row[2] = id, number, dateAt(pt.registered, 30+s.r.IntN(3000))
		g.hit(pt.defect, t.Name, id, t.Columns[1].Name, pt.p.normal())
	}
	return e.close()
}

// careUnitRows writes the care units: name and region, in the table's
// charset.
func (g *gen) careUnitRows(t *connectors.Table, text func(string) connectors.Value) error {
	n := unitCount(g.cfg.Patients)
	e := g.emitter(t, int64(n))
	s := newStream()
	for i := 1; i <= n; i++ {
		r := s.at(g.cfg.Seed, kindUnit, uint64(i))
		row, err := e.add()
		if err != nil {
			return err
		}
		row[0], row[1], row[2] = int64(i), text(pickString(r, clinics)+" "+pickString(r, towns)), text(pickString(r, regionNames))
	}
	return e.close()
}

// unitCount gives the number of care units: about one per forty patients,
// at least 5 and at most 500 (a national registry has hundreds).
func unitCount(patients int) int { return min(max(patients/40, 5), 500) }

// plainText is text for a UTF-8 column.
func plainText(s string) connectors.Value { return s }
