package synth

import (
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// The wide platform: a single-registry solution of the kind the strategy
// puts in step A, grown over fifteen years. One table per form, a column
// per variable, a lookup table of codes, an opt-out list, and Latin-1 text
// (on MariaDB, CHARACTER SET latin1 columns).
//
//	vardenhet      care units (lookup)
//	kodverk        the code lists' texts, per version (lookup; no mapping reads it)
//	patient        one row per patient: personnr, kon, hemort, registrerad
//	operation      the operation form: one row per operation
//	uppfoljning    the follow-up form: one row per follow-up of an operation
//	avregistrerad  patients who opted out, by personnummer
//	anvandare, behorighet, forordnande
//	               users (with HSA-ids), scopes and appointments (access.go);
//	               an account locked from its sparrad_fran on
type wide struct{}

var wideTables = []ltable{
	{"vardenhet", []lcol{
		col("id", "integer", 0), col("namn", "varchar(80)", optLatin1), col("region", "varchar(40)", optNull|optLatin1),
	}},
	{"kodverk", []lcol{
		col("id", "integer", 0), col("kodlista", "varchar(20)", optLatin1), col("version", "smallint", 0),
		col("kod", "varchar(4)", optLatin1), col("klartext", "varchar(60)", optLatin1),
	}},
	{"patient", []lcol{
		col("id", "integer", 0), col("personnr", "varchar(20)", optNull|optLatin1), col("kon", "varchar(1)", optNull|optFixed|optLatin1),
		col("hemort", "varchar(40)", optNull|optLatin1), col("registrerad", "date", optNull|optZero),
	}},
	{"operation", []lcol{
		col("id", "integer", 0), col("patient_id", "integer", optNull), col("personnr", "varchar(13)", optNull|optLatin1),
		col("vardenhet_id", "integer", optNull), col("op_datum", "date", optNull|optZero), col("inskriven", "datetime", optNull|optZero),
		col("vikt", "varchar(10)", optNull|optLatin1), col("langd", "smallint", optNull), col("rokning", "varchar(2)", optNull|optLatin1),
		col("kodversion", "tinyint", optNull), col("diagnos", "varchar(120)", optNull|optLatin1), col("asa_gammal", "tinyint", optNull),
	}},
	{"uppfoljning", []lcol{
		col("id", "integer", 0), col("operation_id", "integer", optNull), col("personnr", "varchar(13)", optNull|optLatin1),
		col("uppf_datum", "date", optNull), col("smarta", "tinyint", optNull), col("nojd", "varchar(2)", optNull|optLatin1),
		col("anteckning", "bytes", optNull),
		// The date of a reoperation before the follow-up, as text; a
		// column named like the mapping language's date().
		col("date", "varchar(10)", optNull),
	}},
	{"avregistrerad", []lcol{
		col("id", "integer", 0), col("personnummer", "varchar(13)", optLatin1), col("datum", "date", optNull),
	}},
}

func (wide) tables(g *gen) ([]connectors.Table, error) {
	// Users with HSA-ids, text in Latin-1 like the rest of the platform.
	return render(g.dialect, append(wideTables[:len(wideTables):len(wideTables)], accessLTables(true, optLatin1, stateLockDate)...)...)
}

func (wide) defects() []defectSpec {
	forms := []string{"operation", "uppfoljning"}
	return append(patientDefects("patient", forms, forms, "avregistrerad"),
		defectSpec{PNRTwoFormats, "operation", []string{"operation"}},
		defectSpec{ZeroDate, "operation", []string{"operation"}},
		defectSpec{ZeroDay, "operation", []string{"operation"}},
		defectSpec{ZeroDateTime, "operation", []string{"operation"}},
		defectSpec{FutureDate, "operation", []string{"operation"}},
		defectSpec{NullRequired, "operation", []string{"operation"}},
		defectSpec{UnknownRef, "operation", []string{"operation"}},
		defectSpec{TextGarbled, "operation", []string{"operation"}},
		defectSpec{DecimalComma, "operation", []string{"operation"}},
		defectSpec{BadDecimal, "operation", []string{"operation"}},
		defectSpec{OutOfRange, "operation", []string{"operation"}},
		defectSpec{CodeOldVersion, "operation", []string{"operation"}},
		defectSpec{CodeUnknown, "operation", []string{"operation"}},
		defectSpec{ObsoleteVariable, "operation", []string{"operation"}},
		defectSpec{DuplicateExact, "operation", []string{"operation"}},
		defectSpec{DuplicateNear, "operation", []string{"operation"}},
		defectSpec{OrphanDetail, "operation", []string{"uppfoljning"}},

		defectSpec{TextInvalidBytes, "uppfoljning", []string{"uppfoljning"}},
		defectSpec{OutOfRangeValue, "uppfoljning", []string{"uppfoljning"}},

		// Last in their levels, so that the others keep their slices.
		defectSpec{PartialDate, patientLevel, []string{"patient"}},
		defectSpec{PNRCenturyFromDate, "uppfoljning", []string{"uppfoljning"}},
		defectSpec{ColumnNamedLikeBuiltin, "uppfoljning", []string{"uppfoljning"}},
		defectSpec{PNRReserve, patientLevel, append([]string{"patient"}, forms...)},
	)
}

// wideOp is one operation form.
type wideOp struct {
	defect    DefectID
	date      connectors.Date
	at        connectors.LocalDateTime
	unit      int
	weight    int // tenths of a kilogram
	height    int
	smoke     string // "" for not recorded
	diagnosis string
	followups int
}

type wideGen struct {
	g          *gen
	ps, os, fs *stream
	units      int
}

func (wide) generate(g *gen, tables []connectors.Table) error {
	w := &wideGen{g: g, ps: newStream(), os: newStream(), fs: newStream(), units: unitCount(g.cfg.Patients)}
	t := tablesByName(tables)
	return fillTables(t, []fillStep{
		{"vardenhet", func(t *connectors.Table) error { return g.careUnitRows(t, latin1Text) }},
		{"kodverk", w.codes},
		{"patient", func(t *connectors.Table) error {
			return g.patientRows(t, latin1Text, func(row []connectors.Value, pt *patient, second bool) {
				row[2], row[3], row[4] = pt.p.sex(), latin1Text(pt.town), pt.registeredValue(second)
			})
		}},
		{"operation", w.operations}, {"uppfoljning", w.followups},
		// Twelve digits without a separator: not the patient table's shape.
		{"avregistrerad", func(t *connectors.Table) error { return g.optOutRows(t, person.normal) }},
		{"anvandare", func(*connectors.Table) error { return g.accessRows(t, true, latin1Text, stateLockDate) }},
	})
}

func (w *wideGen) op(wp *patient, j int) wideOp {
	g := w.g
	r := w.os.at(g.cfg.Seed, kindForm, uint64(wp.i), uint64(j))
	o := wideOp{}
	if !wp.formsCarry() {
		o.defect = g.draw("operation", r, nil)
	}
	o.date = visitDate(r)
	o.at = clockAt(r, dateAt(o.date, r.IntN(3)))
	o.unit = 1 + r.IntN(w.units)
	o.weight = 450 + r.IntN(850)
	o.height = 150 + r.IntN(51)
	if r.IntN(10) > 0 {
		o.smoke = pickString(r, smokingV2)
	}
	o.diagnosis = pickString(r, diagnoses)
	o.followups = r.IntN(3)
	if o.defect == OrphanDetail {
		o.followups = 1 + r.IntN(2) // an orphan needs follow-ups to orphan
	}
	return o
}

func (w *wideGen) codes(t *connectors.Table) error {
	e := w.g.emitter(t, 10)
	id := int64(0)
	add := func(list, version, code, text string) error {
		row, err := e.add()
		if err != nil {
			return err
		}
		id++
		v := int64(1)
		if version == "2" {
			v = 2
		}
		row[0], row[1], row[2], row[3], row[4] = id, list, v, code, latin1Text(text)
		return nil
	}
	for _, v := range []string{"1", "2"} {
		codes := smokingV1
		if v == "2" {
			codes = []string{"J", "N", "F", "O"}
		}
		for _, c := range codes {
			if err := add("rokning", v, c, smokingText[v][c]); err != nil {
				return err
			}
		}
	}
	for _, c := range satisfaction {
		if err := add("nojd", "1", c, satisfactionText[c]); err != nil {
			return err
		}
	}
	return e.close()
}

func (w *wideGen) operations(t *connectors.Table) error {
	g := w.g
	e := g.emitter(t, int64(g.cfg.Patients)*3/2)
	id := int64(0)
	for i := 1; i <= g.cfg.Patients; i++ {
		wp := g.patient(w.ps, i)
		for j := 0; j < wp.forms; j++ {
			o := w.op(&wp, j)
			id++
			if o.defect == OrphanDetail {
				continue // deleted; its follow-ups remain
			}
			row, err := e.add()
			if err != nil {
				return err
			}
			w.opRow(row, &wp, &o, id)
			if wp.formsCarry() {
				g.hit(wp.defect, t.Name, id, "personnr", wp.p.normal())
			}
			if o.defect == DuplicateExact || o.defect == DuplicateNear {
				id++
				dup, err := e.add()
				if err != nil {
					return err
				}
				copy(dup, row)
				dup[0] = id
				if o.defect == DuplicateNear {
					// Entered again a few minutes later from the same paper
					// form: later, also across the hour (clocks stop at 17:59).
					at := o.at
					m := at.Minute + 3 + w.os.r.IntN(20)
					at.Hour, at.Minute = at.Hour+m/60, m%60
					dup[5] = at
				}
				g.hit(o.defect, t.Name, id, "", id-1) // repeats the operation before it
			}
		}
	}
	return e.close()
}

// opRow fills an operation row, with the operation's defect if it has
// one, and records the defect.
func (w *wideGen) opRow(row []connectors.Value, wp *patient, o *wideOp, id int64) {
	g, r := w.g, w.os.r
	var smoke, version connectors.Value = nil, int64(2)
	if o.smoke != "" {
		smoke = o.smoke
	}
	row[0], row[1], row[2], row[3] = id, int64(wp.i), wp.p.canonical(), int64(o.unit)
	row[4], row[5], row[6], row[7] = o.date, o.at, weightText(o.weight, false), int64(o.height)
	row[8], row[9], row[10], row[11] = smoke, version, latin1Text(o.diagnosis), nil
	column, want := "", connectors.Value(nil)
	switch o.defect {
	case "", DuplicateExact, DuplicateNear:
		return // a duplicate's first row is clean; the copy is the defect
	case PNRTwoFormats:
		row[2], column, want = wp.p.ten(), "personnr", wp.p.normal()
	case ZeroDate:
		row[4], column, want = connectors.InvalidDate{Raw: "0000-00-00"}, "op_datum", "0000-00-00"
	case ZeroDay:
		raw := fmt.Sprintf("%04d-%02d-00", o.date.Year, int(o.date.Month))
		row[4], column, want = connectors.InvalidDate{Raw: raw}, "op_datum", raw
	case ZeroDateTime:
		row[5], column = connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, "inskriven"
	case FutureDate:
		row[4], column = futureDate(r), "op_datum"
	case NullRequired:
		row[3], column = nil, "vardenhet_id"
	case UnknownRef:
		row[3], column = int64(w.units+1+r.IntN(50)), "vardenhet_id" // a unit since removed
	case TextGarbled:
		d := pickNonASCII(r, diagnoses)
		row[10], column, want = garbled(d), "diagnos", d
	case DecimalComma:
		row[6], column, want = weightText(o.weight, true), "vikt", weightDecimal(o.weight)
	case BadDecimal:
		row[6], column = weightTypo(o.weight), "vikt"
	case OutOfRange:
		row[7], column = int64(o.height*10), "langd" // typed in millimetres
	case CodeOldVersion:
		c := pickString(r, smokingV1)
		row[8], row[9], column, want = c, int64(1), "rokning", smokingNew["1"][c]
	case CodeUnknown:
		row[8], column = "X", "rokning"
	case ObsoleteVariable:
		row[11], column = int64(1+r.IntN(4)), "asa_gammal"
	}
	g.hit(o.defect, "operation", id, column, want)
}

func (w *wideGen) followups(t *connectors.Table) error {
	g := w.g
	e := g.emitter(t, int64(g.cfg.Patients)*3/2)
	opID, id := int64(0), int64(0)
	for i := 1; i <= g.cfg.Patients; i++ {
		wp := g.patient(w.ps, i)
		for j := 0; j < wp.forms; j++ {
			o := w.op(&wp, j)
			opID++
			this := opID
			if o.defect == DuplicateExact || o.defect == DuplicateNear {
				opID++
			}
			for k := 0; k < o.followups; k++ {
				r := w.fs.at(g.cfg.Seed, kindDetail, uint64(i), uint64(j), uint64(k))
				var d DefectID
				switch {
				case o.defect == OrphanDetail:
					d = OrphanDetail
				case wp.formsCarry():
					d = wp.defect
				default:
					d = g.draw("uppfoljning", r, nil)
				}
				id++
				row, err := e.add()
				if err != nil {
					return err
				}
				var pain, sat, note connectors.Value
				if r.IntN(10) > 0 {
					pain = int64(r.IntN(11))
				}
				if r.IntN(10) > 0 {
					sat = pickString(r, satisfaction)
				}
				if r.IntN(10) > 2 {
					note = []byte(pickString(r, notes))
				}
				date := dateAt(o.date, 60+r.IntN(120))
				if d == PNRCenturyFromDate && !(wp.p.old() && date.Time().Before(wp.p.lateBirth().Time())) {
					d = "" // the number's late century would not follow the date: no evidence to resolve it
				}
				row[0], row[1], row[2] = id, this, wp.p.canonical()
				row[3], row[4], row[5], row[6] = date, pain, sat, note
				column, want := "", connectors.Value(nil)
				switch d {
				case "":
					continue
				case PNRCenturyFromDate:
					row[2], column, want = wp.p.tenLate(), "personnr", wp.p.normal()
				case ColumnNamedLikeBuiltin:
					re := dateAt(o.date, 1+r.IntN(59))
					row[7], column, want = re.String(), "date", re
				case PNRCoordination, PNRReserve, OrphanForm, OptOutOtherFormat, OptOutOtherCentury:
					column, want = "personnr", wp.p.normal()
				case TextInvalidBytes:
					row[6], column = latin1Text(pickNonASCII(r, notes)), "anteckning"
				case OutOfRangeValue:
					row[4], column = int64(11+r.IntN(89)), "smarta" // a 0-100 scale's value
				}
				g.hit(d, t.Name, id, column, want)
			}
		}
	}
	return e.close()
}
