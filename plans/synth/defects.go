package synth

import "sort"

// DefectID names one kind of bad data the generator injects. The ids are
// those of the defect catalogue, testdata/defects.yaml, which says for
// each where it occurs and what a migration must make of it; a test holds
// the two together.
type DefectID string

// The defects. Each is injected into rows at its rate (see DefaultRates);
// a row gets at most one, so that its outcome has exactly one cause.
const (
	// Identity numbers.
	PNRShort          DefectID = "pnr_short"           // YYMMDD-NNNN
	PNRTwelve         DefectID = "pnr_twelve"          // YYYYMMDDNNNN
	PNRPlus           DefectID = "pnr_plus"            // YYMMDD+NNNN, aged 100 or more
	PNRSpaces         DefectID = "pnr_spaces"          // surrounding spaces and no-break spaces
	PNRCoordination   DefectID = "pnr_coordination"    // a co-ordination number, day + 60
	PNRChecksum       DefectID = "pnr_checksum"        // wrong check digit
	PNRMissing        DefectID = "pnr_missing"         // NULL
	PNRTwoFormats     DefectID = "pnr_two_formats"     // a form row writes the number unlike the patient table
	PatientTwoFormats DefectID = "patient_two_formats" // the patient registered twice, under two formats
	OptOutOtherFormat DefectID = "optout_other_format" // opted out, listed under another format
	// OptOutOtherCentury: a patient aged 100 or more opted out, listed as
	// YYMMDD-NNNN, which the reference date reads a century late.
	OptOutOtherCentury DefectID = "optout_other_century"
	// PNRCenturyFromDate: a form row writes an old patient's number as
	// YYMMDD-NNNN, whose birth read against the reference date would lie
	// after the row's own date.
	PNRCenturyFromDate DefectID = "pnr_century_from_date"
	// PNRReserve: the patient has no national identity number, only a
	// reserve (interim) number a region gave, with a letter in the serial
	// (YYYYMMDD-TNNN), in every table that names them.
	PNRReserve DefectID = "pnr_reserve"

	// Dates.
	ZeroDate     DefectID = "zero_date"     // 0000-00-00
	ZeroDay      DefectID = "zero_day"      // 2024-05-00
	ZeroDateTime DefectID = "zero_datetime" // 0000-00-00 00:00:00
	FutureDate   DefectID = "future_date"   // after the plan's reference date
	PartialDate  DefectID = "partial_date"  // 2019-00-00, 2019-05-00: only the year or month known

	// Values.
	NullRequired     DefectID = "null_required"      // NULL where the receiving platform requires a value
	TextGarbled      DefectID = "text_garbled"       // UTF-8 read as Latin-1 once: "Ã¤"
	TextInvalidBytes DefectID = "text_invalid_bytes" // Latin-1 bytes where UTF-8 is expected
	DecimalComma     DefectID = "decimal_comma"      // "72,5"
	BadDecimal       DefectID = "bad_decimal"        // "7O.5": a letter O for a zero
	OutOfRange       DefectID = "out_of_range"       // height 1750 cm (typed in mm)
	OutOfRangeValue  DefectID = "out_of_range_value" // pain 73 on a 0-10 scale, where values are archived alone
	// ColumnNamedLikeBuiltin: a value in a legacy column named like a
	// function of the mapping language (date), which the mapping reads
	// by its name.
	ColumnNamedLikeBuiltin DefectID = "column_named_like_builtin"

	// Code lists and variables.
	CodeOldVersion   DefectID = "code_old_version"  // a code of an older code-list version
	CodeUnknown      DefectID = "code_unknown"      // a code no version knows
	ObsoleteVariable DefectID = "obsolete_variable" // a value of a variable retired from the form

	// Structure.
	OrphanForm     DefectID = "orphan_form"       // form rows whose patient row is gone
	OrphanPatient  DefectID = "orphan_patient"    // a patient no form row refers to
	OrphanDetail   DefectID = "orphan_detail"     // detail rows whose form row is gone
	UnknownRef     DefectID = "unknown_reference" // a care unit id no care unit has
	EmptyForm      DefectID = "empty_form"        // a form instance with no values
	DuplicateExact DefectID = "duplicate_exact"   // the same registration twice
	DuplicateNear  DefectID = "duplicate_near"    // the same registration again, minutes later
	DuplicateValue DefectID = "duplicate_value"   // one variable twice in one form instance
	MergeConflict  DefectID = "merge_conflict"    // two sub-registers disagree on a shared variable
	// DuplicateReceivingKey: the patient registered twice, the number
	// written the same way: two records for one receiving key.
	DuplicateReceivingKey DefectID = "duplicate_receiving_key"
)

// DefaultRates are the rates Generate uses unless Config.Rates says
// otherwise: a few per thousand applicable rows, about what registries
// that validate at entry still accumulate over the years, and more for
// the common shapes (decimal commas, old code-list versions). PNRPlus,
// OptOutOtherCentury and PNRCenturyFromDate apply to patients aged 100 or
// more only, about one in nine.
var DefaultRates = map[DefectID]float64{
	PNRShort:               0.005,
	PNRTwelve:              0.005,
	PNRPlus:                0.02,
	PNRSpaces:              0.002,
	PNRCoordination:        0.002,
	PNRChecksum:            0.001,
	PNRMissing:             0.001,
	PNRTwoFormats:          0.005,
	PatientTwoFormats:      0.001,
	OptOutOtherFormat:      0.002,
	OptOutOtherCentury:     0.01, // of the old only
	PNRCenturyFromDate:     0.02, // of the old only, where the late century's birth would follow the row's date
	PNRReserve:             0.002,
	ZeroDate:               0.002,
	ZeroDay:                0.001,
	ZeroDateTime:           0.002,
	FutureDate:             0.001,
	PartialDate:            0.002,
	NullRequired:           0.002,
	TextGarbled:            0.005,
	TextInvalidBytes:       0.003,
	DecimalComma:           0.01,
	BadDecimal:             0.001,
	OutOfRange:             0.002,
	OutOfRangeValue:        0.002,
	ColumnNamedLikeBuiltin: 0.01,
	CodeOldVersion:         0.01,
	CodeUnknown:            0.001,
	ObsoleteVariable:       0.005,
	OrphanForm:             0.001,
	OrphanPatient:          0.002,
	OrphanDetail:           0.001,
	UnknownRef:             0.001,
	EmptyForm:              0.001,
	DuplicateExact:         0.002,
	DuplicateNear:          0.002,
	DuplicateValue:         0.002,
	MergeConflict:          0.01,
	DuplicateReceivingKey:  0.001,
	// The access tables' (access.go), per user, scope or appointment:
	// appointments lapse all the time; the rest is rarer.
	AppointmentExpired: 0.15,
	UserWithoutScope:   0.05,
	ScopeUnitRemoved:   0.02,
	DuplicateAccount:   0.01,
	AccountDisabled:    0.05,
}

// defectSpec says where a platform injects a defect: the level whose rows
// draw it, and the tables whose rows it affects (a patient's defect can
// affect their forms' rows too).
type defectSpec struct {
	ID     DefectID
	Level  string
	Tables []string
}

// defectsOf lists a platform's defects.
func defectsOf(p Platform) []defectSpec {
	if pl := platformOf(p); pl != nil {
		return pl.defects()
	}
	return nil
}

// DefectNames lists the ids of a platform's defects, sorted.
func DefectNames(p Platform) []string {
	var out []string
	for _, d := range defectsOf(p) {
		out = append(out, string(d.ID))
	}
	sort.Strings(out)
	return out
}

// DefectTables gives, per defect id, the tables of a platform whose rows
// it may affect: what the defect catalogue must list for the platform.
func DefectTables(p Platform) map[DefectID][]string {
	out := map[DefectID][]string{}
	for _, d := range defectsOf(p) {
		out[d.ID] = append([]string(nil), d.Tables...)
	}
	return out
}
