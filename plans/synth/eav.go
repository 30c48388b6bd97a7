package synth

import (
	"fmt"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

// The EAV platform: a form store, as older multi-registry platforms keep
// their registries. Forms and variables are data, not tables; every value
// is text in one row per (form instance, variable), with the variable's
// version beside it so that a code is read in the code list of its time.
//
//	vardenhet         care units
//	patient           one row per patient
//	formular          form definitions, one row per form version (no mapping reads it)
//	variabel          variable definitions per form version, with code lists (no mapping reads it)
//	kodlista          the code lists' codes and texts per version (no mapping reads it)
//	formular_instans  one row per registration: form, patient, care unit, when entered
//	formular_varde    one row per (instance, variable): variabel, variabel_version, varde
//	avregistrering    patients who opted out
//	anvandare, behorighet, forordnande
//	                  users, scopes and appointments (access.go), no HSA-ids;
//	                  an account disabled when its aktiv is 0
type eav struct{}

var eavTables = []ltable{
	{"vardenhet", []lcol{col("id", "integer", 0), col("namn", "varchar(80)", 0), col("region", "varchar(40)", optNull)}},
	{"patient", []lcol{
		col("id", "integer", 0), col("personnr", "varchar(20)", optNull), col("kon", "varchar(1)", optNull|optFixed),
		col("skapad", "datetime", optNull),
	}},
	{"formular", []lcol{
		col("id", "integer", 0), col("namn", "varchar(60)", 0), col("version", "smallint", 0),
		col("giltig_fran", "date", 0), col("giltig_till", "date", optNull),
	}},
	{"variabel", []lcol{
		col("id", "integer", 0), col("formular_id", "integer", 0), col("namn", "varchar(40)", 0), col("version", "smallint", 0),
		col("datatyp", "varchar(10)", 0), col("kodlista", "varchar(20)", optNull), col("utgick", "date", optNull),
	}},
	{"kodlista", []lcol{
		col("id", "integer", 0), col("namn", "varchar(20)", 0), col("version", "smallint", 0),
		col("kod", "varchar(4)", 0), col("klartext", "varchar(60)", 0),
	}},
	{"formular_instans", []lcol{
		col("id", "integer", 0), col("formular_id", "integer", 0), col("patient_id", "integer", optNull),
		col("personnr", "varchar(13)", optNull), col("vardenhet_id", "integer", optNull), col("skapad", "datetime", optNull|optZero),
	}},
	{"formular_varde", []lcol{
		col("varde_id", "bigint", 0), col("instans_id", "integer", 0), col("variabel", "varchar(40)", 0),
		col("variabel_version", "smallint", optNull), col("varde", "text", optNull),
	}},
	{"avregistrering", []lcol{col("id", "integer", 0), col("personnr", "varchar(13)", 0), col("datum", "date", optNull)}},
}

func (eav) tables(g *gen) ([]connectors.Table, error) {
	// Users without HSA-id: this platform predates it.
	return render(g.dialect, append(eavTables[:len(eavTables):len(eavTables)], accessLTables(false, 0, stateFlag)...)...)
}

const (
	eavInstances = "formular_instans"
	eavValues    = "formular_varde"
)

func (eav) defects() []defectSpec {
	forms := []string{eavInstances}
	both := []string{eavInstances, eavValues}
	lvl := eavInstances
	return append(patientDefects("patient", forms, both, "avregistrering"),
		defectSpec{PNRTwoFormats, lvl, forms},
		defectSpec{ZeroDate, lvl, both},
		defectSpec{ZeroDay, lvl, both},
		defectSpec{ZeroDateTime, lvl, both},
		defectSpec{FutureDate, lvl, both},
		defectSpec{NullRequired, lvl, both},
		defectSpec{TextGarbled, lvl, forms},
		defectSpec{DecimalComma, lvl, forms},
		defectSpec{BadDecimal, lvl, both},
		defectSpec{OutOfRange, lvl, both},
		defectSpec{CodeOldVersion, lvl, forms},
		defectSpec{CodeUnknown, lvl, both},
		defectSpec{ObsoleteVariable, lvl, []string{eavValues}},
		defectSpec{DuplicateValue, lvl, []string{eavValues}},
		defectSpec{DuplicateExact, lvl, forms},
		defectSpec{EmptyForm, lvl, forms},
		defectSpec{OrphanDetail, lvl, []string{eavValues}},

		// Last in its level, so that the others keep their slices.
		defectSpec{PNRReserve, patientLevel, append([]string{"patient"}, both...)},
	)
}

// eavArchives lists the instance defects whose instance is archived:
// every value row of the instance is archived with it, for the same
// reason, and counts as a row the defect affects.
var eavArchives = map[DefectID]bool{
	ZeroDate: true, ZeroDay: true, ZeroDateTime: true, FutureDate: true, NullRequired: true,
	BadDecimal: true, OutOfRange: true, CodeUnknown: true,
}

// eavInstance is one form instance and its values, drawn whole, so that
// the instances pass and the values pass agree on every value.
type eavInstance struct {
	defect DefectID
	form   int // form version: 1 until 2014, 2 from 2015
	date   connectors.Date
	at     connectors.LocalDateTime
	unit   int
	weight int // tenths of a kilogram; 0 when not recorded
	height int // 0 when not recorded
	smoke  string
	diag   string
	// What the defect needs besides: a date after the reference date, an
	// old code, the diagnosis to garble, the retired variable's value.
	future connectors.Date
	old    string
	asa    int
}

// eavValue is one value row to write.
type eavValue struct {
	variable string
	version  int64
	value    connectors.Value
}

type eavGen struct {
	g      *gen
	ps, is *stream
	units  int
	vals   []eavValue // one instance's values, reused
}

func (eav) generate(g *gen, tables []connectors.Table) error {
	w := &eavGen{g: g, ps: newStream(), is: newStream(), units: unitCount(g.cfg.Patients)}
	t := tablesByName(tables)
	return fillTables(t, []fillStep{
		{"vardenhet", func(t *connectors.Table) error { return g.careUnitRows(t, plainText) }},
		{"patient", func(t *connectors.Table) error {
			return g.patientRows(t, plainText, func(row []connectors.Value, pt *patient, second bool) {
				reg := pt.registered
				if second {
					reg = dateAt(reg, 400)
				}
				row[2], row[3] = pt.p.sex(), connectors.LocalDateTime{Date: reg, Hour: 9}
			})
		}},
		{"formular", w.forms}, {"variabel", w.variables}, {"kodlista", w.codes},
		{eavInstances, w.instances}, {eavValues, w.values},
		// The ten-digit shape, where the patient table has twelve.
		{"avregistrering", func(t *connectors.Table) error { return g.optOutRows(t, person.short) }},
		{"anvandare", func(*connectors.Table) error { return g.accessRows(t, false, plainText, stateFlag) }},
	})
}

func (w *eavGen) instance(pt *patient, j int) eavInstance {
	g := w.g
	r := w.is.at(g.cfg.Seed, kindForm, uint64(pt.i), uint64(j))
	in := eavInstance{}
	if !pt.formsCarry() {
		in.defect = g.draw(eavInstances, r, nil)
	}
	in.date = visitDate(r)
	in.form = 1
	if !in.date.Time().Before(formV2From.Time()) {
		in.form = 2
	}
	in.at = clockAt(r, dateAt(in.date, r.IntN(3)))
	in.unit = 1 + r.IntN(w.units)
	// A value a defect lives in is always recorded.
	if r.IntN(10) > 0 || in.defect == DuplicateValue || in.defect == DecimalComma || in.defect == BadDecimal {
		in.weight = 450 + r.IntN(850)
	}
	if r.IntN(20) > 2 || in.defect == OutOfRange {
		in.height = 150 + r.IntN(51)
	}
	if r.IntN(10) > 0 || in.defect == CodeOldVersion || in.defect == CodeUnknown {
		in.smoke = pickString(r, smokingV2)
		if in.form == 1 {
			in.smoke = pickString(r, smokingV1)
		}
	}
	if r.IntN(10) > 1 || in.defect == TextGarbled {
		in.diag = pickString(r, diagnoses)
	}
	switch in.defect {
	case FutureDate:
		in.future = futureDate(r)
	case CodeOldVersion:
		in.old = pickString(r, smokingV1)
	case TextGarbled:
		in.diag = pickNonASCII(r, diagnoses)
	case ObsoleteVariable:
		in.asa = 1 + r.IntN(4)
	}
	return in
}

// values lists an instance's value rows into w.vals, and gives the
// variable holding its defect and, for a defect a migration puts right,
// what the value means.
func (w *eavGen) valuesOf(in *eavInstance) (variable string, want connectors.Value) {
	w.vals = w.vals[:0]
	if in.defect == EmptyForm {
		return "", nil
	}
	date := in.date.String()
	switch in.defect {
	case ZeroDate:
		date, variable = "0000-00-00", "besoksdatum"
	case ZeroDay:
		date, variable = fmt.Sprintf("%04d-%02d-00", in.date.Year, int(in.date.Month)), "besoksdatum"
	case FutureDate:
		date, variable = in.future.String(), "besoksdatum"
	}
	w.vals = append(w.vals, eavValue{"besoksdatum", 1, date})
	if in.weight > 0 {
		v := weightText(in.weight, false)
		switch in.defect {
		case DecimalComma:
			v, variable, want = weightText(in.weight, true), "vikt", weightDecimal(in.weight)
		case BadDecimal:
			v, variable = weightTypo(in.weight), "vikt"
		}
		w.vals = append(w.vals, eavValue{"vikt", 1, v})
	}
	if in.height > 0 {
		h := in.height
		if in.defect == OutOfRange {
			h, variable = h*10, "langd" // typed in millimetres
		}
		w.vals = append(w.vals, eavValue{"langd", 1, strconv.Itoa(h)})
	}
	if in.smoke != "" {
		code, version := in.smoke, int64(in.form)
		switch in.defect {
		case CodeOldVersion:
			// Entered on a version 1 template after the change.
			code, version, variable, want = in.old, 1, "rokning", smokingNew["1"][in.old]
		case CodeUnknown:
			code, variable = "X", "rokning"
		}
		w.vals = append(w.vals, eavValue{"rokning", version, code})
	}
	if in.diag != "" {
		var v connectors.Value = in.diag
		if in.defect == TextGarbled {
			v, variable, want = garbledString(in.diag), "diagnos", in.diag
		}
		w.vals = append(w.vals, eavValue{"diagnos", 1, v})
	}
	switch in.defect {
	case ObsoleteVariable:
		w.vals = append(w.vals, eavValue{"asa", 1, strconv.Itoa(in.asa)})
		variable = "asa"
	case DuplicateValue:
		w.vals = append(w.vals, eavValue{"vikt", 1, weightText(in.weight, false)})
		variable = "vikt"
	}
	return variable, want
}

func (w *eavGen) instances(t *connectors.Table) error {
	g := w.g
	e := g.emitter(t, int64(g.cfg.Patients)*3/2)
	id := int64(0)
	for i := 1; i <= g.cfg.Patients; i++ {
		pt := g.patient(w.ps, i)
		for j := 0; j < pt.forms; j++ {
			in := w.instance(&pt, j)
			id++
			if in.defect == OrphanDetail {
				continue // deleted; its values remain
			}
			row, err := e.add()
			if err != nil {
				return err
			}
			var unit connectors.Value = int64(in.unit)
			var at connectors.Value = in.at
			pnr := pt.p.canonical()
			variable, want := w.valuesOf(&in)
			switch in.defect {
			case PNRTwoFormats:
				pnr, variable, want = pt.p.ten(), "personnr", pt.p.normal()
			case NullRequired:
				unit, variable = nil, "vardenhet_id"
			case ZeroDateTime:
				at, variable = connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, "skapad"
			}
			row[0], row[1], row[2], row[3], row[4], row[5] = id, int64(in.form), int64(i), pnr, unit, at
			switch in.defect {
			case "":
				if pt.formsCarry() {
					g.hit(pt.defect, t.Name, id, "personnr", pt.p.normal())
				}
			case DuplicateExact:
				id++
				dup, err := e.add()
				if err != nil {
					return err
				}
				copy(dup, row)
				dup[0] = id
				g.hit(in.defect, t.Name, id, "", nil)
			case ObsoleteVariable, DuplicateValue:
				// Defects of a value row, recorded by the values pass.
			default:
				g.hit(in.defect, t.Name, id, variable, want)
			}
		}
	}
	return e.close()
}

func (w *eavGen) values(t *connectors.Table) error {
	g := w.g
	e := g.emitter(t, int64(g.cfg.Patients)*6)
	instID, id := int64(0), int64(0)
	write := func(pt *patient, in *eavInstance, inst int64, copyOf bool) error {
		variable, _ := w.valuesOf(in)
		for k, v := range w.vals {
			id++
			row, err := e.add()
			if err != nil {
				return err
			}
			row[0], row[1], row[2], row[3], row[4] = id, inst, v.variable, v.version, v.value
			switch {
			case pt.optedOut():
				g.hit(pt.defect, t.Name, id, "", nil) // excluded with the patient
			case pt.defect == PNRReserve:
				g.hit(pt.defect, t.Name, id, "", nil) // archived with the instance
			case copyOf:
				// A duplicate instance's values migrate with it.
			case eavArchives[in.defect]:
				// Archived with the instance, for the same reason.
				g.hit(in.defect, t.Name, id, "", nil)
			case in.defect == OrphanDetail:
				g.hit(in.defect, t.Name, id, "", nil)
			case k == len(w.vals)-1 && (in.defect == ObsoleteVariable || in.defect == DuplicateValue):
				g.hit(in.defect, t.Name, id, variable, nil)
			}
		}
		return nil
	}
	for i := 1; i <= g.cfg.Patients; i++ {
		pt := g.patient(w.ps, i)
		for j := 0; j < pt.forms; j++ {
			in := w.instance(&pt, j)
			instID++
			if err := write(&pt, &in, instID, false); err != nil {
				return err
			}
			if in.defect == DuplicateExact {
				instID++
				if err := write(&pt, &in, instID, true); err != nil {
					return err
				}
			}
		}
	}
	return e.close()
}

// The form store's definitions: two versions of the registration form (the
// second from 2015, when the smoking code list changed and ASA was
// retired) and a form no one uses any more.

func (w *eavGen) forms(t *connectors.Table) error {
	e := w.g.emitter(t, 3)
	for _, f := range []struct {
		id       int64
		name     string
		version  int64
		from, to connectors.Value
	}{
		{1, "Registrering", 1, firstVisit, dateAt(formV2From, -1)},
		{2, "Registrering", 2, formV2From, nil},
		{3, "Komplikationer", 1, firstVisit, connectors.Date{Year: 2010, Month: 12, Day: 31}},
	} {
		row, err := e.add()
		if err != nil {
			return err
		}
		row[0], row[1], row[2], row[3], row[4] = f.id, f.name, f.version, f.from, f.to
	}
	return e.close()
}

// eavVariable is one variable definition of the registration form.
type eavVariable struct {
	name, kind string
	list       connectors.Value // its code list, NULL for none
	retired    connectors.Value // when it left the form, NULL while in use
}

func (w *eavGen) variables(t *connectors.Table) error {
	e := w.g.emitter(t, 11)
	id := int64(0)
	for form := int64(1); form <= 2; form++ {
		vars := []eavVariable{
			{"besoksdatum", "datum", nil, nil},
			{"vikt", "decimal", nil, nil},
			{"langd", "heltal", nil, nil},
			{"rokning", "kod", "rokning", nil},
			{"diagnos", "text", nil, nil},
		}
		if form == 1 {
			vars = append(vars, eavVariable{"asa", "heltal", nil, dateAt(formV2From, -1)})
		}
		for _, v := range vars {
			id++
			row, err := e.add()
			if err != nil {
				return err
			}
			// Only the smoking variable changed with the form: its code list.
			version := int64(1)
			if v.name == "rokning" {
				version = form
			}
			row[0], row[1], row[2], row[3], row[4], row[5], row[6] = id, form, v.name, version, v.kind, v.list, v.retired
		}
	}
	return e.close()
}

func (w *eavGen) codes(t *connectors.Table) error {
	e := w.g.emitter(t, 7)
	id := int64(0)
	for _, v := range []string{"1", "2"} {
		codes := smokingV1
		if v == "2" {
			codes = []string{"J", "N", "F", "O"}
		}
		for _, c := range codes {
			id++
			row, err := e.add()
			if err != nil {
				return err
			}
			version, _ := strconv.Atoi(v)
			row[0], row[1], row[2], row[3], row[4] = id, "rokning", int64(version), c, smokingText[v][c]
		}
	}
	return e.close()
}
