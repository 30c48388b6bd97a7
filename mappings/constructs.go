package mappings

import "strings"

// Construct documents one construct of the mapping language with an
// example: a receiving schema, a mapping using the construct, and the
// mapping's own tests (tests:). map doc shows the example of every
// construct a plan's mappings use, and TestConstructExamples runs each
// example's tests (they must pass and exercise every rule), so the
// documentation and the test come from one place.
type Construct struct {
	Name string
	Doc  string
	// Schema is the receiving schema of the example, Mapping the mapping
	// file (with tests:).
	Schema, Mapping string
	// used reports whether mapping files use the construct.
	used func(files []*File) bool
}

// exampleSchema is the receiving schema most examples write into.
const exampleSchema = `platform: example
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
      - {name: birth_date, type: date}
      - {name: visit_date, type: date, not_null: true}
      - {name: ended_on, type: date}
      - {name: unit, type: integer}
      - {name: smoking, type: varchar(10)}
`

// Constructs lists the documented constructs, in the order map doc
// shows them.
func Constructs() []Construct {
	return []Construct{
		{Name: "Rules with named reasons",
			Doc:    "A table's rules: list archives (archive:) or excludes (exclude:, written nowhere, not even to the archive) a record with a reason code the mapping names, so the archive says why in the registry's words; detail: says it in a sentence. when: is an expression over the receiving row (its columns by name) and the source row (src.column), with the plan's run.reference_date as reference_date. A rule that reads only the source row is checked before the columns are made (its reason wins over a column's failure); the others after, on the row the columns made. The first rule that gives true decides. An ordering comparison (<, <=, >, >=) with an empty side is false in a rule, so a rule about two dates says nothing when one is missing. Comparisons (==, !=, in, <, <=, >, >=) take numbers by value (a decimal column's 999.9 == 999.9) and date text as a date; two kinds never equal (text and a number) fail the value rather than compare false. Reason codes are snake_case and may not take a built-in reason's name (M070). A column's reasons: renames its built-in failure reasons (lookup_missing: unit_missing), keeping the built-in one in the detail.",
			Schema: exampleSchema,
			Mapping: `version: 1
tables:
  - target: visit
    source: besok
    lookups:
      units: {table: vardenhet, key: id}
    rules:
      - {when: "visit_date < birth_date", archive: before_birth, detail: "visit dated before the patient's birth"}
      - {when: "visit_date > reference_date", archive: after_reference_date, detail: "visit dated after the plan's reference date"}
      - {when: 'src.testpatient == "J"', exclude: test_patient, detail: "a test patient the legacy platform kept among real ones"}
    columns:
      visit_id: id
      birth_date: fodd
      visit_date: datum
      unit: {expr: 'lookup("units", enhet, "id")', reasons: {lookup_missing: unit_missing}}
    drop:
      testpatient: read only by the rule that excludes test patients
tests:
  - name: rules with named reasons
    source: besok
    lookups: {units: [{id: 3}]}
    rows:
      - given: {id: 1, fodd: 1980-01-01, datum: 2020-05-01, enhet: 3}
        migrated: {visit_id: 1, birth_date: 1980-01-01, visit_date: 2020-05-01, unit: 3}
      - given: {id: 2, fodd: 1980-01-01, datum: 1979-12-31, enhet: 3}
        archived: before_birth
      - given: {id: 3, datum: 2020-05-01, enhet: 3}
        migrated: {visit_id: 3, birth_date: ~}
      - given: {id: 4, fodd: 1980-01-01, datum: 2027-01-01, enhet: 3}
        archived: after_reference_date
      - given: {id: 5, fodd: 1980-01-01, datum: 2020-05-01, enhet: 3, testpatient: J}
        excluded: test_patient
      - given: {id: 6, fodd: 1980-01-01, datum: 2020-05-01, enhet: 9}
        archived: {reason: unit_missing, column: unit}
`,
			used: func(files []*File) bool {
				return anyTable(files, func(tm *TableMapping) bool {
					if len(tm.Rules) > 0 {
						return true
					}
					for _, c := range tm.Columns {
						if len(c.Reasons) > 0 {
							return true
						}
					}
					return false
				})
			}},
		{Name: "Rules across columns",
			Doc: "Rules compare receiving columns with each other (end_date >= start_date) and with reference_date; dates compare with dates, and with date text (\"2000-01-01\"); numbers by value, whatever their type.",
			Schema: `platform: example
tables:
  - name: treatment
    primary_key: [treatment_id]
    columns:
      - {name: treatment_id, type: bigint}
      - {name: started_on, type: date, not_null: true}
      - {name: ended_on, type: date}
`,
			Mapping: `version: 1
tables:
  - target: treatment
    source: behandling
    rules:
      - {when: "ended_on < started_on", archive: end_before_start, detail: "the treatment ends before it starts"}
      - {when: 'started_on < "1990-01-01"', archive: before_register, detail: "the register began in 1990"}
    columns:
      treatment_id: id
      started_on: start
      ended_on: slut
tests:
  - name: rules across columns
    source: behandling
    rows:
      - given: {id: 1, start: 2020-01-01, slut: 2020-02-01}
        migrated: {treatment_id: 1, started_on: 2020-01-01, ended_on: 2020-02-01}
      - given: {id: 2, start: 2020-01-01, slut: 2019-12-31}
        archived: end_before_start
      - given: {id: 3, start: 1989-12-31}
        archived: before_register
`,
			used: func(files []*File) bool {
				return anyTable(files, func(tm *TableMapping) bool { return len(tm.Rules) > 0 })
			}},
		{Name: "Identity numbers and their kinds",
			Doc:    "pnr_kind(number) tells a personnummer, a samordningsnummer, a reservnummer (letters in the serial: 19900101-T123) and none apart, without archiving; a rule that reads the source number archives the kinds that cannot migrate with the mapping's reason before pseudonym() would fail on them. pnr(number, born_by) and pseudonym(number, born_by) take the century of a 10-digit number from the record's own date.",
			Schema: exampleSchema,
			Mapping: `version: 1
tables:
  - target: visit
    source: besok
    rules:
      - {when: 'pnr_kind(src.personnr) == "reservnummer"', archive: no_national_id, detail: "a reserve number: the person has no national identity number"}
    columns:
      visit_id: id
      patient: {expr: "pseudonym(personnr, datum)"}
      visit_date: datum
tests:
  - name: identity numbers and their kinds
    source: besok
    rows:
      - given: {id: 1, personnr: "161202-1814", datum: 2010-05-01}
        migrated: {visit_id: 1, patient: !pseudonym "19161202-1814", visit_date: 2010-05-01}
      - given: {id: 2, personnr: "19900101-T123", datum: 2010-05-01}
        archived: no_national_id
      - given: {id: 3, personnr: "19121212-1213", datum: 2010-05-01}
        archived: {reason: pnr_checksum, column: patient}
`,
			used: func(files []*File) bool { return usesText(files, "pnr_kind(") }},
		{Name: "Definitions written once",
			Doc: "define: names an expression with parameters once, for every table of the plan: the century rule of identity numbers, say. A call binds each parameter to its argument (evaluated once); a body reads only its parameters and reference_date, never a column by itself, and may call functions and other definitions. A definition may not take a function's name (M071).",
			Schema: `platform: example
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient, type: varchar(32)}
      - {name: visit_date, type: date, not_null: true}
  - name: followup
    primary_key: [followup_id]
    columns:
      - {name: followup_id, type: bigint}
      - {name: patient, type: varchar(32)}
`,
			Mapping: `version: 1
define:
  - name: patient
    params: [number, seen_on]
    expr: "pseudonym(number, seen_on)"
  - name: reserve_number
    params: [number]
    expr: 'pnr_kind(number) == "reservnummer"'
tables:
  - target: visit
    source: besok
    rules:
      - {when: "reserve_number(src.personnr)", archive: no_national_id}
    columns:
      visit_id: id
      patient: {expr: "patient(personnr, datum)"}
      visit_date: datum
  - target: followup
    source: uppfoljning
    rules:
      - {when: "reserve_number(src.pnr)", archive: no_national_id}
    columns:
      followup_id: id
      patient: {expr: "patient(pnr, uppf_datum)"}
tests:
  - name: one definition, two tables
    source: besok
    rows:
      - given: {id: 1, personnr: "161202-1814", datum: 2010-05-01}
        migrated: {visit_id: 1, patient: !pseudonym "19161202-1814", visit_date: 2010-05-01}
      - given: {id: 2, personnr: "19900101-T123", datum: 2010-05-01}
        archived: no_national_id
  - name: the follow-ups use the same rule
    source: uppfoljning
    rows:
      - given: {id: 7, pnr: "161202-1814", uppf_datum: 2012-01-01}
        migrated: {followup_id: 7, patient: !pseudonym "19161202-1814"}
      - given: {id: 8, pnr: "900101-T123", uppf_datum: 2012-01-01}
        archived: no_national_id
`,
			used: func(files []*File) bool {
				for _, f := range files {
					if len(f.Definitions) > 0 {
						return true
					}
				}
				return false
			}},
		{Name: "Open-ended dates",
			Doc:    "open_ended: lists the source values that mean \"no end yet\": zero (a zero date, 0000-00-00), infinity and -infinity (PostgreSQL's), a date such as 9999-12-31 (also the date part of a date and time), or other text. They become NULL (open) by declaration, counted like null_when (values_nulled_by), never archived by accident.",
			Schema: exampleSchema,
			Mapping: `version: 1
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: datum
      ended_on: {from: slut, open_ended: [9999-12-31, zero, infinity]}
tests:
  - name: open-ended dates
    source: besok
    rows:
      - given: {id: 1, datum: 2020-01-01, slut: 2020-06-30}
        migrated: {visit_id: 1, visit_date: 2020-01-01, ended_on: 2020-06-30}
      - given: {id: 2, datum: 2020-01-01, slut: 9999-12-31}
        migrated: {ended_on: ~}
      - given: {id: 3, datum: 2020-01-01, slut: !invalid_date infinity}
        migrated: {ended_on: ~}
      - given: {id: 4, datum: 2020-01-01, slut: !invalid_date 0000-00-00}
        migrated: {ended_on: ~}
      - given: {id: 5, datum: 2020-01-01, slut: !invalid_date -infinity}
        archived: {reason: invalid_date, column: ended_on}
`,
			used: func(files []*File) bool {
				return anyTable(files, func(tm *TableMapping) bool {
					for _, c := range tm.Columns {
						if len(c.OpenEnded) > 0 {
							return true
						}
					}
					return false
				})
			}},
		{Name: "Choices between source values",
			Doc:    "coalesce(a, b), a ?? b and a condition (typ == \"A\" ? vikt_a : vikt_b) give a column one of several source values. A value the choice leaves out that differs from the one taken (numbers by value, text by bytes) would reach neither the target nor the archive: the record is archived as values_differ (under granularity: value, the column's values alone), naming the column and the source columns. Equal values are one value. choice: says why the first wins, as the registry holder agreed it: the record migrates, and the values left out are counted per receiving column (values_not_chosen_by), by run and verify alike. choice: on a column that chooses nothing is M084.",
			Schema: exampleSchema,
			Mapping: `version: 1
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: "coalesce(datum_ny, datum)", choice: the 2019 form corrects the visit date}
      smoking: {expr: "rok_ny ?? rok"}
tests:
  - name: choices
    source: besok
    rows:
      - given: {id: 1, datum_ny: 2020-01-02, datum: 2020-01-01, rok_ny: J, rok: J}
        migrated: {visit_id: 1, visit_date: 2020-01-02, smoking: J}
      - given: {id: 2, datum: 2020-01-01, rok: N}
        migrated: {visit_date: 2020-01-01, smoking: N}
      - given: {id: 3, datum: 2020-01-01, rok_ny: J, rok: N}
        archived: {reason: values_differ, column: smoking}
`,
			used: func(files []*File) bool {
				return anyTable(files, func(tm *TableMapping) bool {
					for _, c := range tm.Columns {
						if c.Choice.IsSet() || strings.Contains(c.Expr.Value, "coalesce(") || strings.Contains(c.Expr.Value, "??") {
							return true
						}
					}
					return false
				})
			}},
		{Name: "Codes archived on purpose",
			Doc:    "A code list's archive: names codes retired on purpose, each with the reason its records are archived with, in every version that does not map them. map check reports them as expected (info C007, with counts), not as codes to fix.",
			Schema: exampleSchema,
			Mapping: `version: 1
codelists:
  - name: smoking
    codes: {"1": current, "2": never, "3": former}
    archive: {"9": obsolete_code}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: datum
      smoking: {from: rok, codelist: smoking}
tests:
  - name: codes archived on purpose
    source: besok
    rows:
      - given: {id: 1, datum: 2020-01-01, rok: "2"}
        migrated: {visit_id: 1, visit_date: 2020-01-01, smoking: never}
      - given: {id: 2, datum: 2020-01-01, rok: "9"}
        archived: {reason: obsolete_code, column: smoking}
      - given: {id: 3, datum: 2020-01-01, rok: "7"}
        archived: {reason: code_unmapped, column: smoking}
`,
			used: func(files []*File) bool {
				for _, f := range files {
					for _, cl := range f.CodeLists {
						if len(cl.Archive) > 0 {
							return true
						}
					}
				}
				return false
			}},
		{Name: "Processing order and record keys",
			Doc: "order_by: [column, ...] processes a table's records in the order of those source columns (ascending), records with equal values in the order of the record key (key:, default the primary key), so the order is total. The order decides which record comes first: of records that would give the same receiving primary key, the first migrates and the later ones are archived (duplicate_key), and a duplicates rule's ties (and a rule without by:) go to the first (keep: latest, the last). Each record keeps its own key in outcomes, the archive, verification and reports; a run resumes after its last committed record in this order, and verify recomputes in it. order_by is ascending only; an order_by column must hold a value in every record (a NULL stops the run; map check warns of a nullable column, M082, and counts the records without a value, M083). It reads the table in one ordered query, which an index on the order_by columns followed by the key serves without a sort. Not for a form store or a select: source (M081). map test applies a case's rows in this order (ties by key: when the mapping names it, else in the file's order, as it knows no database).",
			Schema: `platform: example
tables:
  - name: first_report
    primary_key: [patient]
    columns:
      - {name: patient, type: varchar(32)}
      - {name: reported_on, type: date, not_null: true}
      - {name: report_id, type: bigint}
`,
			Mapping: `version: 1
tables:
  - target: first_report
    source: anmalan
    key: [id]                 # the record key: archived reports keep it
    order_by: [rapporterad]   # earliest report first: it keeps the patient's row
    columns:
      patient: patient_id
      reported_on: rapporterad
      report_id: id
tests:
  - name: the earliest report of a patient migrates
    source: anmalan
    rows:
      - given: {id: 1, patient_id: "P1", rapporterad: 2021-03-01}
        archived: {reason: duplicate_key, column: patient}
      - given: {id: 2, patient_id: "P1", rapporterad: 2020-01-15}
        migrated: {patient: "P1", reported_on: 2020-01-15, report_id: 2}
      - given: {id: 3, patient_id: "P1", rapporterad: 2020-01-15}
        archived: duplicate_key
      - given: {id: 4, patient_id: "P2", rapporterad: 2022-06-01}
        migrated: {patient: "P2", report_id: 4}
`,
			used: func(files []*File) bool {
				return anyTable(files, func(tm *TableMapping) bool { return len(tm.OrderBy) > 0 })
			}},
		{Name: "Tests inside the mapping",
			Doc:    "tests: holds cases, each naming the source table whose mapping it tests, optional optout:/erasure: lists and lookups: rows, and rows: each given: source values (YAML kinds: 12 an integer, 1.5 a decimal, 2020-05-01 a date, ~ NULL, quoted text; !invalid_date infinity) and one of migrated: {columns it checks}, archived: reason (or {reason:, column:}), excluded: reason; values_archived: {column: reason} under granularity: value. A form store's test gives the registration's own columns under entity: and its variables under given: (versions: {variable: version}). regflytt map test PLAN runs them without a database, prints each failure at its file:line and the columns and rules no test exercises; exit 0, 3 on a failure (with --require-coverage also on a gap), 2 on an invalid file.",
			Schema: exampleSchema,
			Mapping: `version: 1
tables:
  - target: visit
    source: besok
    person: personnr
    granularity: value
    columns:
      visit_id: id
      visit_date: datum
      unit: {from: enhet, rules: {range: [1, 99]}}
tests:
  - name: tests inside the mapping
    source: besok
    optout: ["19121212-1212"]
    rows:
      - given: {id: 1, datum: 2020-01-01, enhet: 5, personnr: "19121212-1212"}
        excluded: opt_out
      - given: {id: 2, datum: 2020-01-01, enhet: 500}
        migrated: {visit_id: 2, visit_date: 2020-01-01, unit: ~}
        values_archived: {unit: rule_range}
`,
			used: func(files []*File) bool {
				for _, f := range files {
					if len(f.Tests) > 0 {
						return true
					}
				}
				return false
			}},
	}
}

func anyTable(files []*File, fn func(tm *TableMapping) bool) bool {
	found := false
	eachTable(files, func(tm *TableMapping) {
		if fn(tm) {
			found = true
		}
	})
	return found
}

// usesText reports whether an expression of the files holds s.
func usesText(files []*File, s string) bool {
	return anyTable(files, func(tm *TableMapping) bool {
		for _, r := range tm.Rules {
			if strings.Contains(r.When.Value, s) {
				return true
			}
		}
		for _, c := range tm.Columns {
			if strings.Contains(c.Expr.Value, s) {
				return true
			}
		}
		return false
	})
}
