package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

type formCase struct {
	name   string
	entCol bool     // instans has a personnr column
	ents   []string // instans rows "(1)" or "(1, '...')"
	vals   []string // varde rows "(id, instans_id, 'variabel', value)"
	person string   // mapping's person: line
	list   string
	// witness are the value rows of form 9, the listed patient's other
	// form, which matches the list entry plainly.
	witness []string
	w9      string
	// another says form 1 is not the listed patient's by what person:
	// reads: its outcome is not the lists' to decide.
	another bool
	// orphan says the listed patient's rows are value rows of id 2,
	// which no form has; form 1 is another patient's.
	orphan bool
	// mariadb reads the form store from a MariaDB database.
	mariadb bool
}

// formRun is what a run of a formCase did with form 1 (or the orphan
// rows of id 2): whether it reached the target or the archive.
type formRun struct {
	runPass, verifyPass bool
	inTarget            bool
	archived            []string // archived records of form 1 (instans and varde), and of varde rows of id 2
	text                string
}

func runForms(t *testing.T, c formCase, extra string) formRun {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	ent := `CREATE TABLE instans (id integer PRIMARY KEY NOT NULL)`
	drop := "      varde_id: the value row's own number\n"
	if c.entCol {
		ent = `CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, personnr text)`
	}
	stmts := []string{ent,
		`CREATE TABLE varde (varde_id integer PRIMARY KEY NOT NULL, instans_id integer NOT NULL, variabel text NOT NULL, varde text)`,
		`INSERT INTO instans VALUES ` + strings.Join(c.ents, ", "),
		`INSERT INTO varde VALUES ` + strings.Join(c.vals, ", ")}
	if len(c.witness) > 0 {
		w9 := "(9)"
		if c.entCol {
			w9 = "(9, NULL)"
		}
		if c.w9 != "" {
			w9 = c.w9
		}
		stmts = append(stmts, `INSERT INTO instans VALUES `+w9, `INSERT INTO varde VALUES `+strings.Join(c.witness, ", "))
	}
	src := srcURL(path)
	if c.mariadb {
		src = mytest.NewDatabase(t)
		mytest.Exec(t, src, stmts...)
	} else {
		execSQLite(t, path, stmts...)
	}
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	if c.entCol && !strings.Contains(c.person, "personnr") {
		drop += "      personnr: a copy\n"
	}
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: registration\n    source:\n      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}\n"+
		"    "+c.person+"\n    unit: {none: a test form store without units}\n    columns:\n      registration_id: id\n      weight_kg: {expr: decimal(vikt)}\n"+"    drop:\n"+drop)
	write(t, filepath.Join(dir, "optout.txt"), c.list+"\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+extra)
	var fr formRun
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	var b strings.Builder
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil {
		fmt.Fprintf(&b, "run error: %v\n", err)
		if rep == nil {
			fr.text = b.String()
			return fr
		}
	}
	fr.runPass = err == nil && rep.Pass
	fmt.Fprintf(&b, "run pass=%v problems=%v\n  ledger=%v\n", rep.Pass, rep.Problems, ledgerOf(rep, false))
	fmt.Fprintf(&b, "  excluded=%v\n", ledgerOf(rep, true))
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "t.db"))
	rows, err := db.Query("SELECT registration_id FROM registration")
	if err == nil {
		var ids []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			ids = append(ids, id)
			fr.inTarget = fr.inTarget || id == "1" && !c.orphan
		}
		rows.Close()
		fmt.Fprintf(&b, "  target ids=%v\n", ids)
	}
	db.Close()
	if pkg, err := archive.OpenVerified(filepath.Join(dir, "archive")); err == nil {
		for _, tab := range []string{"instans", "varde"} {
			found := false
			for _, ts := range pkg.Tables() {
				found = found || ts.Table == tab
			}
			if !found {
				continue
			}
			recs := archiveRecords(t, filepath.Join(dir, "archive"), tab)
			var ks []string
			for k, v := range recs {
				ks = append(ks, k+"="+v)
				if !c.orphan && (k == "1" || strings.HasPrefix(k, "1,")) || strings.HasPrefix(k, "2,") {
					fr.archived = append(fr.archived, tab+" "+k+"="+v)
				}
			}
			sort.Strings(ks)
			fmt.Fprintf(&b, "  archive %s: %v\n", tab, ks)
		}
	}
	sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
	fr.verifyPass = err == nil && sum != nil && sum.Pass
	fmt.Fprintf(&b, "  verify err=%v pass=%v\n", err, sum != nil && sum.Pass)
	if sum != nil {
		var tb strings.Builder
		sum.WriteText(&tb)
		for _, l := range strings.Split(tb.String(), "\n") {
			if strings.Contains(l, "FAIL") || strings.Contains(strings.ToLower(l), "mismatch") || strings.Contains(l, "exception") || strings.Contains(l, "finding") || strings.Contains(l, "alarm") {
				fmt.Fprintf(&b, "  verify: %s\n", l)
			}
		}
	}
	fr.text = b.String()
	return fr
}

const splitPerson = `person: {expr: 'fodd + "-" + sista4'}`

// An opted-out patient's number may stand in a form store more than once:
// a person variable repeated in one form (equal or different values, one
// of them NULL or empty, the parts of a split number repeated), in
// another shape (ten or twelve digits, '-' or '+', a co-ordination
// number, the last four an integer that lost its leading zeros, an
// eight-digit birth date), under the name of the entity column person:
// reads, or in value rows whose form is gone. The run joins the copies
// as person: joins the parts, and a form (or an orphan id's rows) any
// joining of which names a listed patient is excluded: neither in the
// target nor in the archive. Before, a repeated part was asked alone,
// never joined with the other: the form migrated, or was archived with
// the listed number (person_checksum, expression_failed, orphan), and the
// run passed (form 9 matched the list entry, so no entry was left
// unmatched to fail it).
func TestRunEAVOptOutPersonCopies(t *testing.T) {
	t.Parallel()
	for _, c := range personCopyCases() {
		t.Run(c.name, func(t *testing.T) { checkPersonCopies(t, c) })
	}
}

// The same forms read from MariaDB (whose utf8mb4_general_ci compares
// the variables' names), into SQLite.
func TestRunEAVOptOutPersonCopiesMariaDB(t *testing.T) {
	t.Parallel()
	if os.Getenv("REGFLYTT_TEST_MYSQL") == "" {
		t.Skip("REGFLYTT_TEST_MYSQL is not set")
	}
	for _, c := range personCopyCases() {
		c.mariadb = true
		t.Run(c.name, func(t *testing.T) { checkPersonCopies(t, c) })
	}
}

func personCopyCases() []formCase {
	return []formCase{
		{name: "S1 parts repeated, other first", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','460101')", "(2,1,'sista4','0301')", "(3,1,'fodd','121212')", "(4,1,'sista4','1212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S2 fodd repeated other first", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','460101')", "(2,1,'sista4','1212')", "(3,1,'fodd','121212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S2b fodd repeated listed first", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','121212')", "(2,1,'sista4','1212')", "(3,1,'fodd','460101')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S3 fodd repeated equal", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','121212')", "(2,1,'sista4','1212')", "(3,1,'fodd','121212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S4 fodd NULL then listed", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd',NULL)", "(2,1,'sista4','1212')", "(3,1,'fodd','121212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S5 fodd empty then listed", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','')", "(2,1,'sista4','1212')", "(3,1,'fodd','121212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S6 sista4 NULL then listed", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','121212')", "(2,1,'sista4',NULL)", "(3,1,'sista4','1212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "S7 samordning int last four, repeated other first", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','460101')", "(2,1,'sista4','301')", "(3,1,'fodd','121272')", "(4,1,'sista4','302')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121272-0302", witness: []string{"(91,9,'fodd','121272')", "(92,9,'sista4','0302')"}},
		{name: "S7b 8-digit birth date repeated, other first", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','19460101')", "(2,1,'sista4','0301')", "(3,1,'fodd','19121212')", "(4,1,'sista4','1212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "19121212-1212", witness: []string{"(91,9,'fodd','19121212')", "(92,9,'sista4','1212')"}},
		{name: "S7c single int last four", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','121272')", "(4,1,'sista4','302')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121272-0302", witness: []string{"(91,9,'fodd','121272')", "(92,9,'sista4','0302')"}},
		{name: "S8 parts repeated spelled otherwise", ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','460101')", "(2,1,'sista4','0301')", "(3,1,'FODD','121212')", "(4,1,'Sista4 ','1212')", "(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "P1 single var twice, + shape", ents: []string{"(1)"}, vals: []string{"(1,1,'personnr','19460101-0301')", "(3,1,'personnr','121212+1212')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "19121212-1212", witness: []string{"(91,9,'personnr','19121212-1212')"}},
		{name: "P2 single var NULL then listed", ents: []string{"(1)"}, vals: []string{"(1,1,'personnr',NULL)", "(3,1,'personnr','191212121212')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "19121212-1212", witness: []string{"(91,9,'personnr','19121212-1212')"}},
		{name: "E1 entity col other, variable listed", entCol: true, ents: []string{"(1,'19460101-0301')"}, vals: []string{"(3,1,'personnr','19121212-1212')", "(5,1,'vikt','70')"}, person: "person: personnr", list: "19121212-1212", witness: []string{"(91,9,'vikt','60')"}, w9: "(9,'19121212-1212')"},
		{name: "E2 entity col listed, person reads variable", another: true, entCol: true, ents: []string{"(1,'19121212-1212')"}, vals: []string{"(3,1,'pnr','19460101-0301')", "(5,1,'vikt','70')"}, person: "person: pnr", list: "19121212-1212", witness: []string{"(91,9,'pnr','19121212-1212')"}},
		{name: "N1 no person variables", another: true, ents: []string{"(1)"}, vals: []string{"(5,1,'vikt','70')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "N2 no person variable (single)", another: true, ents: []string{"(1)"}, vals: []string{"(5,1,'vikt','70')"}, person: "person: personnr", list: "19121212-1212", witness: []string{"(91,9,'personnr','19121212-1212')"}},
		{name: "O1 orphan split", orphan: true, ents: []string{"(1)"}, vals: []string{"(3,1,'fodd','460101')", "(4,1,'sista4','0301')", "(5,1,'vikt','70')", "(6,2,'fodd','121212')", "(7,2,'sista4','1212')", "(8,2,'vikt','80')"}, person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}},
		{name: "O2 orphan split int last four", orphan: true, ents: []string{"(1)"}, vals: []string{"(3,1,'fodd','460101')", "(4,1,'sista4','0301')", "(5,1,'vikt','70')", "(6,2,'fodd','121272')", "(7,2,'sista4','302')", "(8,2,'vikt','80')"}, person: splitPerson, list: "121272-0302", witness: []string{"(91,9,'fodd','121272')", "(92,9,'sista4','0302')"}},
	}
}

// checkPersonCopies runs c and requires form 1 (the orphan rows of id 2)
// in neither the target nor the archive, unless c.another, and the run
// and its verification to pass with the findings acknowledged.
func checkPersonCopies(t *testing.T, c formCase) {
	t.Helper()
	acks := "verification: {acknowledge: {archived_share.instans: small test, archived_share.varde: small test, exclusion_by_left_out_value.instans: test, exclusion_by_digits.instans: test, exclusion_by_digits.varde: test, exclusion_by_left_out_value.varde: test, person_not_checked.instans: test}}\n"
	fr := runForms(t, c, acks)
	if !c.another && (fr.inTarget || len(fr.archived) > 0) {
		t.Errorf("the listed patient's form left the source (run pass %v, verify pass %v): in the target %v, archived %v\n%s", fr.runPass, fr.verifyPass, fr.inTarget, fr.archived, fr.text)
	}
	if !fr.runPass || !fr.verifyPass {
		t.Errorf("run pass %v, verify pass %v with the findings acknowledged\n%s", fr.runPass, fr.verifyPass, fr.text)
	}
}

// A form excluded because its copies, joined, name a listed patient is
// flagged: the copies disagree about whose form it is, and the run does
// not pass until the registry holder has looked (the plan acknowledges
// exclusion_by_left_out_value).
func TestRunEAVOptOutPersonCopiesFlagged(t *testing.T) {
	c := formCase{ents: []string{"(1)"}, vals: []string{"(1,1,'fodd','460101')", "(2,1,'sista4','0301')", "(3,1,'fodd','121212')", "(4,1,'sista4','1212')", "(5,1,'vikt','70')"},
		person: splitPerson, list: "121212-1212", witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}}
	fr := runForms(t, c, "verification: {acknowledge: {archived_share.varde: small test}}\n")
	if fr.inTarget || len(fr.archived) > 0 {
		t.Fatalf("the listed patient's form left the source: %s", fr.text)
	}
	if fr.verifyPass || !strings.Contains(fr.text, "exclusion_by_left_out_value.instans") {
		t.Fatalf("the exclusion by a joined copy is not a finding that fails verification:\n%s", fr.text)
	}
}

// A form, or an orphan id's rows, with more copies of the person's values
// than the run joins (17 birth dates and 17 last fours: 289 ways) is
// archived as person_copies and flagged: the run cannot tell whether one
// way names a listed patient, and does not pass until acknowledged.
func TestRunEAVTooManyPersonCopies(t *testing.T) {
	for _, orphan := range []bool{false, true} {
		t.Run(fmt.Sprint("orphan=", orphan), func(t *testing.T) {
			id := 1
			if orphan {
				id = 2
			}
			vals := []string{"(1000,1,'vikt','70')"}
			for i := 0; i < 17; i++ {
				vals = append(vals, fmt.Sprintf("(%d,%d,'fodd','4601%02d')", 10+2*i, id, i+1), fmt.Sprintf("(%d,%d,'sista4','%04d')", 11+2*i, id, 3000+i))
			}
			c := formCase{ents: []string{"(1)"}, vals: vals, person: splitPerson, list: "121212-1212", orphan: orphan,
				witness: []string{"(91,9,'fodd','121212')", "(92,9,'sista4','1212')"}}
			fr := runForms(t, c, "verification: {acknowledge: {archived_share.varde: small test, archived_share.instans: small test}}\n")
			archived := len(fr.archived) > 0
			for _, a := range fr.archived {
				// A form's repeats stay duplicate_value, as in any
				// archived form.
				archived = archived && (strings.Contains(a, "=person_copies: ") || !orphan && strings.Contains(a, "=duplicate_value: "))
			}
			if !orphan {
				archived = archived && slices.ContainsFunc(fr.archived, func(a string) bool { return strings.HasPrefix(a, "instans 1=person_copies: ") })
			}
			if fr.verifyPass || !strings.Contains(fr.text, "person_copies_unjoined") || !archived {
				t.Fatalf("too many copies to join are not archived as person_copies and flagged:\n%s", fr.text)
			}
		})
	}
}

// A form without its single person variable (N2) has no number to ask the
// lists with: it migrates, counted as person_not_checked, and fails
// verification until the plan acknowledges it. Before, it migrated
// uncounted, run and verify PASS.
func TestRunEAVFormWithoutPersonNotChecked(t *testing.T) {
	for _, c := range personCopyCases() {
		if !strings.HasPrefix(c.name, "N2") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			fr := runForms(t, c, "verification: {acknowledge: {archived_share.instans: small test, archived_share.varde: small test}}\n")
			if !fr.inTarget || fr.verifyPass || !strings.Contains(fr.text, "person_not_checked.instans") {
				t.Fatalf("a form without its person's number migrated unflagged (in the target %v, verify pass %v):\n%s", fr.inTarget, fr.verifyPass, fr.text)
			}
		})
	}
}
