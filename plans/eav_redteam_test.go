package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A value row whose variable is spelled as a case- and space-blind
// collation takes for a mapped variable ('Vikt', 'vikt ' for vikt) is
// that variable to the source: its form has a weight. The run read
// variables byte for byte, archived the row as variable_not_mapped and
// migrated the form with weight_kg empty, and run and verify passed: a
// receiving row without a value its source form holds. The form must
// not migrate without it.
func TestRunEAVVariableSpelledAsTheCollationFoldsIt(t *testing.T) {
	t.Parallel()
	variable := "vikt"
	stmts := func(spelling, collate string) []string {
		return []string{
			`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, datum varchar(10))`,
			`CREATE TABLE varde (instans_id integer NOT NULL, variabel varchar(20) ` + collate + ` NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
			`INSERT INTO instans VALUES (1, '2024-01-01'), (2, '2024-01-02')`,
			`INSERT INTO varde VALUES (1, '` + variable + `', '70'), (2, '` + spelling + `', '80')`,
		}
	}
	for _, c := range []struct {
		name   string
		source func(t *testing.T, dir string) string
	}{
		{"SQLiteNocase", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, stmts("Vikt", "COLLATE NOCASE")...)
			return srcURL(path)
		}},
		// 'å' decomposed (a and a combining ring above), as some
		// systems store text: the variable 'mått' to anyone who reads it.
		{"SQLiteDecomposed", func(t *testing.T, dir string) string {
			variable = "m\u00e5tt"
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, stmts("ma\u030att", "")...)
			return srcURL(path)
		}},
		{"MariaDBTrailingSpace", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("vikt ", "COLLATE utf8mb4_general_ci")...)
			return u
		}},
		// utf8mb4_general_ci is accent-blind too: 'matt' is 'mått'.
		{"MariaDBAccent", func(t *testing.T, dir string) string {
			variable = "m\u00e5tt"
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("matt", "COLLATE utf8mb4_general_ci")...)
			return u
		}},
		{"MariaDBCase", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("VIKT", "COLLATE utf8mb4_general_ci")...)
			return u
		}},
		// Spellings no fold sees: utf8mb4_general_ci takes the dotless
		// 'ı' for 'i', utf8mb4_unicode_ci ignores NUL. Such a name, not
		// mapped exactly, may be a mapped variable to the source.
		{"MariaDBDotlessI", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("v\u0131kt", "COLLATE utf8mb4_general_ci")...)
			return u
		}},
		{"MariaDBNul", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts(`vikt\0`, "COLLATE utf8mb4_unicode_ci")...)
			return u
		}},
		// PostgreSQL nondeterministic ICU collations: case at strength
		// 2, which folding sees; 'vi-kt' under one that ignores
		// punctuation (ka-shifted), which it does not.
		{"PostgreSQLCase", func(t *testing.T, dir string) string {
			u := pgtest.NewDatabase(t)
			pgtest.Exec(t, u, `CREATE COLLATION fc (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`)
			pgtest.Exec(t, u, stmts("VIKT", "COLLATE fc")...)
			return u
		}},
		{"PostgreSQLPunctuationIgnored", func(t *testing.T, dir string) string {
			u := pgtest.NewDatabase(t)
			pgtest.Exec(t, u, `CREATE COLLATION fc (provider = icu, locale = 'und-u-ka-shifted-ks-level2', deterministic = false)`)
			pgtest.Exec(t, u, stmts("vi-kt", "COLLATE fc")...)
			return u
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			variable = "vikt"
			ctx := context.Background()
			dir := t.TempDir()
			src := c.source(t, dir)
			writeRegistrationSchema(t, dir, true)
			writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(`+variable+`)}
`)
			plan := writePlan(t, dir, "verification: {acknowledge: {archived_share.varde: a test of spellings, archived_share.instans: a test of spellings}}\n")
			// MariaDB's store goes to PostgreSQL, as a register's does.
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			if strings.HasPrefix(src, "mysql:") {
				tgt = pgtest.NewDatabase(t)
			}
			opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir}
			rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
			if err != nil || !rep.Pass {
				t.Fatalf("run: %v", err)
			}
			for _, r := range readRows(t, tgt, "registration") {
				if r["registration_id"] == int64(2) && r["weight_kg"] != connectors.Decimal("80.0") {
					t.Errorf("form 2 migrated with weight_kg %v, its source form's vikt is 80 (ledger %v, pass %v)", r["weight_kg"], ledgerOf(rep, false), rep.Pass)
				}
			}
			checkLedger(t, rep, false, map[string]string{
				"instans": summary(1, 1, 0, map[string]int64{"variable_spelling": 1}),
				"varde":   summary(1, 1, 0, map[string]int64{"variable_spelling": 1}),
			})
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v", err)
			}
		})
	}
}

// A spelling the mapping lists under drop: is a variable of its own: the
// form migrates without it, and the row is archived as dropped.
func TestRunEAVDroppedSpellingIsAVariableOfItsOwn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text COLLATE NOCASE NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1), (2)`,
		`INSERT INTO varde VALUES (1, 'vikt', '70'), (2, 'VIKT', '80')`)
	writeRegistrationSchema(t, dir, false)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
    drop: {VIKT: weight in pounds and another variable}
`)
	plan := writePlan(t, dir, "verification: {acknowledge: {archived_share.varde: a test of spellings}}\n")
	rep := runOnSQLite(t, loadPlan(t, plan), srcURL(path), dir, nil)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(2, 0, 0, map[string]int64{}),
		"varde":   summary(1, 1, 0, map[string]int64{"variable_not_mapped": 1}),
	})
}

// The person's variable spelled with its 'ö' decomposed (o and a
// combining diaeresis) is the variable to anyone who reads it: a listed
// number in it excludes the form. Compared case- and space-blind but not
// normalised, the row was archived (as variable_not_mapped, then with its
// form as variable_spelling), the opted-out patient's number with it,
// and the run passed (the list entry matched the patient's other form,
// spelled composed).
func TestRunEAVDecomposedPersonVariableOfAnOptedOutPatient(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1), (2), (3)`,
		"INSERT INTO varde VALUES (1, 'fo\u0308dnr', '19121212-1212'), (1, 'vikt', '70'), (2, 'f\u00f6dnr', '19460101-0301'), (2, 'vikt', '80'), (3, 'f\u00f6dnr', '19121212-1212'), (3, 'vikt', '75')")
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: person, type: text}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: registration\n    source:\n      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}\n"+
		"    person: f\u00f6dnr\n    unit: {none: a test form store without units}\n    columns:\n      registration_id: id\n      person: {expr: pnr(f\u00f6dnr)}\n      weight_kg: {expr: decimal(vikt)}\n")
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {exclusion_by_left_out_value.instans: a test of spellings}}\n")
	opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v %v %v", err, rep.Problems, ledgerOf(rep, false))
	}
	pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range pkg.Tables() {
		if ts.Table == "varde" && ts.Records != 0 {
			t.Fatalf("PASS with the opted-out patient's values in the archive: %v (ledger %v)", archiveRecords(t, filepath.Join(dir, "archive"), "varde"), ledgerOf(rep, false))
		}
	}
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(1, 0, 2, map[string]int64{}),
		"varde":   summary(2, 0, 4, map[string]int64{}),
	})
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v %+v", err, sum)
	}
}

// map check names a variable that is a mapped one spelled otherwise for
// what the run does with it (archives its forms as variable_spelling),
// not as a variable the run archives alone.
func TestMapCheckNamesASpelledVariable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1), (2)`,
		`INSERT INTO varde VALUES (1, 'vikt', '70'), (2, 'Vikt', '80'), (2, 'gammal', 'x')`)
	writeRegistrationSchema(t, dir, false)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
`)
	plan := writePlan(t, dir, "")
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL(path)})
	if err != nil {
		t.Fatal(err)
	}
	text := ds.Error()
	for _, want := range []string{
		`warning M020: variable "Vikt" (1 values in varde) is the mapped variable vikt in another case`,
		"archived whole as variable_spelling",
		"warning M020: variable gammal (1 values in varde) is neither mapped nor dropped",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("map check lacks %q:\n%s", want, text)
		}
	}
}

// map check names a variable written in characters the values table's
// collation may take for a mapped variable's (utf8mb4_general_ci takes
// 'vıkt' for 'vikt') for what the run does with it: archives a form
// holding it and lacking a mapped variable as variable_spelling.
func TestMapCheckNamesAVariableTheFoldIsNotSureOf(t *testing.T) {
	dir := t.TempDir()
	u := mytest.NewDatabase(t)
	mytest.Exec(t, u,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel varchar(20) COLLATE utf8mb4_general_ci NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1), (2)`,
		"INSERT INTO varde VALUES (1, 'vikt', '70'), (2, 'v\u0131kt', '80')")
	writeRegistrationSchema(t, dir, false)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
`)
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: u})
	if err != nil {
		t.Fatal(err)
	}
	if want := "collation utf8mb4_general_ci may take for a mapped variable's name"; !strings.Contains(ds.Error(), want) || !strings.Contains(ds.Error(), "archived whole as variable_spelling") {
		t.Errorf("map check lacks %q:\n%s", want, ds.Error())
	}
}

// A variable named like an entity column (the form's own "datum" beside
// the registration's) is never pivoted: columns and drop: read the
// entity column by that name, and drop: of it is refused as both mapped
// and dropped (M010). map check told the author to list it under drop:,
// advice the mapping then refuses, and said nothing of why its values,
// which may differ from the column's, are archived while the form
// migrates with the column's.
func TestMapCheckNamesAVariableNamedLikeAnEntityColumn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, datum text)`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel text NOT NULL, varde text, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES (1, '2016-01-01')`,
		`INSERT INTO varde VALUES (1, 'vikt', '70'), (1, 'datum', '2019-03-01')`)
	writeRegistrationSchema(t, dir, false)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
    drop: {datum: the registration's date is not migrated}
`)
	plan := writePlan(t, dir, "")
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL(path)})
	if err != nil {
		t.Fatal(err)
	}
	text := ds.Error()
	want := "warning M020: variable datum (1 values in varde) has the name of entity column instans.datum"
	if !strings.Contains(text, want) || strings.Contains(text, "variable datum (1 values in varde) is neither mapped nor dropped") {
		t.Errorf("map check lacks %q or gives the advice drop: cannot follow:\n%s", want, text)
	}
}
