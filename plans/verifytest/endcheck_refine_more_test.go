package verifytest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// refineRows is a visit table large enough for a run's end check to
// compare over verify.RunBuckets (1024) where verify takes 2048, so that
// a drill-down reads 512 coarse buckets whole and refines more.
const refineRows = 80000

// refineWeight is visit i's weight: half-way between two values the
// float aggregate rounds to (verify.FloatBits of the default tolerance
// keeps 31 bits of mantissa; at 1024 one ulp is 2^-42 and the half 2^20
// ulps), so that one ulp less rounds the other way, within the tolerance.
func refineWeight(i int) float64 { return 1024 + float64(2*(i%1000)+1)/(1<<22) }

// contentReport is what the tests read of a verification report's
// content checks.
type contentReport struct {
	Contents []struct {
		Table            string `json:"table"`
		Buckets          uint32 `json:"buckets"`
		DifferingBuckets int    `json:"differing_buckets"`
		ExpectedRows     int64  `json:"expected_rows"`
		ActualRows       int64  `json:"actual_rows"`
		OK               bool   `json:"ok"`
		Differences      []struct {
			Key     []string `json:"key"`
			Kind    string   `json:"kind"`
			Columns []string `json:"columns"`
		} `json:"differences"`
	} `json:"contents"`
}

func readContentReport(t *testing.T, work string) contentReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(work, verify.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var r contentReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// A run's own end check over two tables, of which one needs its
// differing buckets refined (visit: 80,000 rows, every 97th note changed
// by a trigger, in more coarse buckets than a drill-down reads whole)
// and the other does not (person: 300 rows, two names changed), with two
// jobs, into SQLite, PostgreSQL (the target's side read back, floats
// included, at both bucket counts) and MariaDB. Every 300th weight is
// changed within the float tolerance but across a rounding of the float
// aggregate, in buckets of their own and in the notes' buckets: the
// refined drill-down clears those and names every changed note and name
// with its column, nothing else, and the report says it compared visit
// over 1024 buckets with the differing ones among them.
func TestRunEndCheckRefinesOneOfTwoTables(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	const every, nudge = 97, 300
	// The premise: a weight less one ulp (2^-42 at 1024) rounds apart in
	// the float aggregate, and is within the tolerance.
	bits := verify.FloatBits(verify.DefaultFloatTolerance)
	w := refineWeight(nudge)
	if less := w - 2.2737367544323206e-13; math.Nextafter(w, 0) != less ||
		connectors.RoundFloatBits(math.Float64bits(w), bits) == connectors.RoundFloatBits(math.Float64bits(less), bits) {
		t.Fatalf("weight %v and %v round alike at %d bits", w, less, bits)
	}
	for _, target := range []triggeredTarget{
		{"sqlite", sqliteTriggered(createRefineTables,
			markAndNudgeSQLite(every, nudge),
			`CREATE TRIGGER rename AFTER INSERT ON person WHEN NEW.person_id IN (5, 250) BEGIN UPDATE person SET name = name || '?' WHERE person_id = NEW.person_id; END`)},
		{"postgres", pgTriggered(createRefineTables, []string{markAndNudgePG(every, nudge), `CREATE FUNCTION rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.person_id IN (5, 250) THEN NEW.name := NEW.name || '?'; END IF;
  RETURN NEW;
END $$`},
			`CREATE TRIGGER mark BEFORE INSERT ON visit FOR EACH ROW EXECUTE FUNCTION mark()`,
			`CREATE TRIGGER rename BEFORE INSERT ON person FOR EACH ROW EXECUTE FUNCTION rename()`)},
		{"mariadb", func(t *testing.T, dir string) (string, *afterChecks) {
			url := mytest.NewDatabase(t)
			createRefineTables(t, url)
			db := mytest.Open(t, url)
			return url, &afterChecks{Run: func() error {
				if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER mark BEFORE INSERT ON visit FOR EACH ROW SET
  NEW.note = IF(NEW.visit_id %% %d = 0, CONCAT(NEW.note, '!'), NEW.note),
  NEW.weight = IF(NEW.visit_id %% %d = 0, NEW.weight - 2.2737367544323206e-13, NEW.weight)`, every, nudge)); err != nil {
					return err
				}
				_, err := db.Exec(`CREATE TRIGGER mark_person BEFORE INSERT ON person FOR EACH ROW SET NEW.name = IF(NEW.person_id IN (5, 250), CONCAT(NEW.name, '?'), NEW.name)`)
				return err
			}}
		}},
	} {
		t.Run(target.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			visits := besokRows(refineRows, refineWeight)
			var persons [][]connectors.Value
			for i := 1; i <= 300; i++ {
				persons = append(persons, []connectors.Value{int64(i), fmt.Sprintf("person %d", i)})
			}
			writeTables(t, src, []connectors.Table{
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), besokNote.source, besokWeight.source}},
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("namn")}},
			}, map[string][][]connectors.Value{"besok": visits, "patient": persons})
			write(t, filepath.Join(dir, "schema.yaml"), refineSchema)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, note: anteckning, weight: vikt}
  - target: person
    source: patient
    columns: {person_id: id, name: namn}
`)
			p := loadPlan(t, writePlan(t, dir, ""))
			url, trigger := target.open(t, dir)
			work := filepath.Join(dir, "w")
			rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: url, WorkDir: work, Jobs: 2, EndCheckReadBack: true}, trigger)
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("triggers changing notes and names: run %v", err)
			}
			problems := strings.Join(rep.Problems, "\n")
			for id := every; id <= refineRows; id += every {
				if want := fmt.Sprintf("visit key (%d): columns note differ\n", id); !strings.Contains(problems+"\n", want) {
					t.Errorf("problems do not say %q", strings.TrimSpace(want))
				}
			}
			if n, want := strings.Count(problems, "visit key ("), refineRows/every; n != want {
				t.Errorf("problems name %d visits, want the %d changed", n, want)
			}
			for _, id := range []int{5, 250} {
				if want := fmt.Sprintf("person key (%d): columns name differ", id); !strings.Contains(problems, want) {
					t.Errorf("problems do not say %q", want)
				}
			}
			if n := strings.Count(problems, "person key ("); n != 2 {
				t.Errorf("problems name %d persons, want 2", n)
			}
			if strings.Contains(problems, "weight") {
				t.Errorf("a weight within the tolerance is named:\n%s", firstLines(problems, 20))
			}
			for _, c := range readContentReport(t, work).Contents {
				switch c.Table {
				case "visit":
					// The premise: more coarse buckets differ than a
					// drill-down reads whole (512 of 1024), so the
					// drill-down refined them.
					if c.Buckets != 1024 || c.DifferingBuckets <= 512 || c.DifferingBuckets > 1024 || c.OK {
						t.Errorf("visit: %d of %d buckets differ (ok %v), want more than 512 of 1024", c.DifferingBuckets, c.Buckets, c.OK)
					}
					if len(c.Differences) != refineRows/every {
						t.Errorf("visit: %d differences in the report, want %d", len(c.Differences), refineRows/every)
					}
					if c.ActualRows != refineRows || c.ExpectedRows != refineRows {
						t.Errorf("visit: %d rows expected, %d actual", c.ExpectedRows, c.ActualRows)
					}
				case "person":
					if c.Buckets != verify.BucketsFor(300) || c.DifferingBuckets < 1 || c.DifferingBuckets > 2 || len(c.Differences) != 2 {
						t.Errorf("person: %d of %d buckets differ, %d differences", c.DifferingBuckets, c.Buckets, len(c.Differences))
					}
				default:
					t.Errorf("a content check of %s", c.Table)
				}
			}
		})
	}
}

// markAndNudgeSQLite is a SQLite trigger on visit that appends '!' to
// every every-th note and takes one ulp (at 1024) off every nudge-th
// weight: within the float tolerance, across a rounding of the float
// aggregate (refineWeight).
func markAndNudgeSQLite(every, nudge int) string {
	return fmt.Sprintf(`CREATE TRIGGER mark AFTER INSERT ON visit WHEN NEW.visit_id %% %d = 0 OR NEW.visit_id %% %d = 0 BEGIN
  UPDATE visit SET note = CASE WHEN NEW.visit_id %% %d = 0 THEN note || '!' ELSE note END,
    weight = CASE WHEN NEW.visit_id %% %d = 0 THEN weight - 2.2737367544323206e-13 ELSE weight END WHERE visit_id = NEW.visit_id; END`, every, nudge, every, nudge)
}

// markAndNudgePG is markAndNudgeSQLite's change as the PostgreSQL
// function mark(), for a BEFORE INSERT trigger on visit.
func markAndNudgePG(every, nudge int) string {
	return fmt.Sprintf(`CREATE FUNCTION mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visit_id %% %d = 0 THEN NEW.note := NEW.note || '!'; END IF;
  IF NEW.visit_id %% %d = 0 THEN NEW.weight := NEW.weight - '2.2737367544323206e-13'::float8; END IF;
  RETURN NEW;
END $$`, every, nudge)
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

const refineSchema = `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: "bigint", not_null: true}
      - {name: note, type: "varchar(40)"}
      - {name: weight, type: "double"}
  - name: person
    primary_key: [person_id]
    columns:
      - {name: person_id, type: "bigint", not_null: true}
      - {name: name, type: "varchar(40)"}
`

// createRefineTables creates visit and person as refineSchema declares
// them in a target before a run, to put triggers on them.
func createRefineTables(t *testing.T, url string) {
	t.Helper()
	text := func(name string) connectors.Column {
		return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true}
	}
	id := func(name string) connectors.Column {
		return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}
	}
	createTables(t, url,
		connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{id("visit_id"), text("note"),
			{Name: "weight", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true}}},
		connectors.Table{Name: "person", PrimaryKey: []string{"person_id"}, Columns: []connectors.Column{id("person_id"), text("name")}},
	)
}

// A merged receiving table (a main register and its sub-register, 80,000
// registrations each, merged by patient and date) whose end check is
// refined: the refinement's re-read of the source is the first move of
// the check's session and the drill-down's the second, both through the
// members' spills and the merge. A trigger changing every 97th height
// still has every one named with its column, nothing else.
func TestRunEndCheckRefinesAMergedTable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 registrations")
	}
	const every = 97
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	gen := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, refineRows)
	sqliteExec(t, srcPath,
		`CREATE TABLE delreg_a (id int PRIMARY KEY, patient_id varchar(20) NOT NULL, datum varchar(10) NOT NULL, vikt varchar(10))`,
		`CREATE TABLE delreg_b (id int PRIMARY KEY, patient_id varchar(20) NOT NULL, datum varchar(10) NOT NULL, langd int)`,
		gen+`INSERT INTO delreg_a SELECT i, CAST(i AS TEXT), '2024-01-01', '70' FROM n`,
		gen+`INSERT INTO delreg_b SELECT i, CAST(i AS TEXT), '2024-01-01', 100 + i % 90 FROM n`)
	plan := mergeFoldPlan(t, dir, "varchar(20)", "patient_id")
	tgtPath := filepath.Join(dir, "t.db")
	createTables(t, "sqlite://"+tgtPath, connectors.Table{Name: "visit", PrimaryKey: []string{"patient", "visit_date"}, Columns: []connectors.Column{
		{Name: "patient", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
		{Name: "visit_date", Type: connectors.Type{Kind: connectors.KindDate}},
		{Name: "weight_kg", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
		{Name: "height_cm", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}, Nullable: true},
	}})
	trigger := sqliteAfterChecks(tgtPath, fmt.Sprintf(
		`CREATE TRIGGER taller AFTER INSERT ON visit WHEN CAST(NEW.patient AS INTEGER) %% %d = 0 BEGIN UPDATE visit SET height_cm = height_cm + 1 WHERE patient = NEW.patient AND visit_date = NEW.visit_date; END`, every))
	work := filepath.Join(dir, "w")
	rep, err := runTriggered(t, loadPlan(t, plan), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: "sqlite://" + tgtPath, WorkDir: work}, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a trigger changing every %dth height: run %v", every, err)
	}
	problems := strings.Join(rep.Problems, "\n")
	for id := every; id <= refineRows; id += every {
		if want := fmt.Sprintf("visit key (%d, 2024-01-01): columns height_cm differ\n", id); !strings.Contains(problems+"\n", want) {
			t.Errorf("problems do not say %q", strings.TrimSpace(want))
		}
	}
	if n, want := strings.Count(problems, "visit key ("), refineRows/every; n != want {
		t.Errorf("problems name %d registrations, want the %d changed:\n%s", n, want, firstLines(problems, 10))
	}
	for _, c := range readContentReport(t, work).Contents {
		if c.Buckets != 1024 || c.DifferingBuckets <= 1024*1024/int(verify.BucketsFor(2*refineRows)) || c.DifferingBuckets > 1024 {
			t.Errorf("%s: %d of %d buckets differ, want more than a drill-down reads whole of 1024", c.Table, c.DifferingBuckets, c.Buckets)
		}
	}
}

// A receiving table without a primary key (its record key is every
// hashed column: a changed note is a record missing and a foreign one)
// whose end check is refined: a trigger changing every 197th note, in more
// coarse buckets than a drill-down reads whole, has each named as a
// record missing and one in its place (by no value: the key is the
// record's own text, which no report shows), NULL notes in the key beside
// them, and a weight changed within the tolerance (outside the key) named
// nowhere.
func TestRunEndCheckRefinesATableWithoutKey(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	const every, nudge = 197, 300
	for _, target := range []triggeredTarget{
		{"sqlite", sqliteTriggered(createKeylessVisit,
			markAndNudgeSQLite(every, nudge))},
		{"postgres", pgTriggered(createKeylessVisit, []string{markAndNudgePG(every, nudge)},
			`CREATE TRIGGER mark BEFORE INSERT ON visit FOR EACH ROW EXECUTE FUNCTION mark()`)},
	} {
		t.Run(target.name, func(t *testing.T) {
			dir := t.TempDir()
			visits := make([][]connectors.Value, refineRows)
			for i := range visits {
				var note connectors.Value = fmt.Sprintf("besök %d", i+1)
				if (i+1)%1000 == 0 {
					note = nil
				}
				visits[i] = []connectors.Value{int64(i + 1), note, refineWeight(i + 1)}
			}
			src := writeBesok(t, dir, visits, besokNote, besokWeight)
			writeVisitSchema(t, dir, "", besokNote, besokWeight)
			writeBesokMapping(t, dir, besokNote, besokWeight)
			p := loadPlan(t, writePlan(t, dir, ""))
			url, trigger := target.open(t, dir)
			work := filepath.Join(dir, "w")
			rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: url, WorkDir: work, EndCheckReadBack: true}, trigger)
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("a trigger changing notes: run %v", err)
			}
			problems := strings.Join(rep.Problems, "\n") + "\n"
			changed := 0
			for id := every; id <= refineRows; id += every {
				if id%1000 != 0 { // NULL stays NULL
					changed++
				}
			}
			// Keyed by every column, a record of the table is named by no
			// value: the notes are a record's text, which no report shows.
			const record = "visit, a record (the table has no primary key: its records are named by no value): "
			for what, want := range map[string]int{
				record + "expected from the source 1 time(s), missing in the target\n": changed,
				record + "in the target 1 time(s), but no source record gives it\n":    changed,
			} {
				if n := strings.Count(problems, what); n != want {
					t.Errorf("problems say %q %d times, want %d", strings.TrimSpace(what), n, want)
				}
			}
			if strings.Contains(problems, "besök") {
				t.Errorf("problems show a note:\n%s", firstLines(problems, 20))
			}
			if strings.Contains(problems, "weight") {
				t.Errorf("a weight within the tolerance is named:\n%s", firstLines(problems, 20))
			}
			for _, c := range readContentReport(t, work).Contents {
				if c.Buckets != 1024 || c.DifferingBuckets <= 512 || c.DifferingBuckets > 1024 || len(c.Differences) != 2*changed {
					t.Errorf("%s: %d of %d buckets differ, %d differences", c.Table, c.DifferingBuckets, c.Buckets, len(c.Differences))
				}
			}
		})
	}
}

// createKeylessVisit creates visit (visit_id, note, weight) without a
// primary key in a target before a run, to put a trigger on it.
func createKeylessVisit(t *testing.T, url string) {
	t.Helper()
	createTables(t, url, connectors.Table{Name: "visit", Columns: []connectors.Column{
		{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "note", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		{Name: "weight", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	}})
}

// A source whose row estimate is far off the table's rows sizes the
// run's end check's buckets (sourceRowsPerTarget): a PostgreSQL table of
// 80,000 rows its catalogue says holds 5,000,000 (reltuples, as a table
// emptied since its last ANALYZE shows) is compared over 1024 buckets,
// refined into 65536, of which a drill-down reads 16 coarse ones whole.
// A trigger changing every 97th note, and one changing 20 notes, still
// has every one named; one that says 0 rows compares over 16 buckets and
// names them all as well.
func TestRunEndCheckRefinesUnderAWrongEstimate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	pgtest.AdminURL(t)
	for _, c := range []struct {
		name      string
		estimate  float64
		every     int
		refinedTo uint32
	}{
		{"every 97th, estimate 5M", 5e6, 97, 65536},
		{"twenty, estimate 5M", 5e6, refineRows / 20, 65536},
		{"every 97th, estimate 0", 0, 97, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := pgtest.NewDatabase(t)
			pgtest.Exec(t, src, `CREATE TABLE besok (id bigint PRIMARY KEY, anteckning text) WITH (autovacuum_enabled = false)`,
				fmt.Sprintf(`INSERT INTO besok SELECT i, 'besök ' || i FROM generate_series(1, %d) i`, refineRows),
				fmt.Sprintf(`UPDATE pg_class SET reltuples = %g WHERE oid = 'besok'::regclass`, c.estimate))
			writeVisitSchema(t, dir, "visit_id", besokNote)
			writeBesokMapping(t, dir, besokNote)
			p := loadPlan(t, writePlan(t, dir, ""))
			path := filepath.Join(dir, "t.db")
			createNoteTable(t, "sqlite://"+path)
			ids := every(c.every)
			trigger := sqliteAfterChecks(path, fmt.Sprintf(`CREATE TRIGGER mark AFTER INSERT ON visit WHEN NEW.visit_id %% %d = 0 BEGIN UPDATE visit SET note = note || '!' WHERE visit_id = NEW.visit_id; END`, c.every))
			work := filepath.Join(dir, "w")
			rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + path, WorkDir: work}, trigger)
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("a trigger changing notes: run %v", err)
			}
			problems := strings.Join(rep.Problems, "\n") + "\n"
			for _, id := range ids {
				if want := fmt.Sprintf("visit key (%d): columns note differ\n", id); !strings.Contains(problems, want) {
					t.Errorf("problems do not say %q", strings.TrimSpace(want))
				}
			}
			if n := strings.Count(problems, "visit key ("); n != len(ids) {
				t.Errorf("problems name %d records, want the %d changed", n, len(ids))
			}
			buckets := min(c.refinedTo, verify.RunBuckets)
			for _, cr := range readContentReport(t, work).Contents {
				// The premise, where the check is refined: more coarse
				// buckets differ than a drill-down reads whole.
				drill := 1024 * int(buckets) / int(c.refinedTo)
				if c.refinedTo == buckets {
					drill = 0
				}
				if cr.Buckets != buckets || cr.DifferingBuckets <= drill || cr.DifferingBuckets > min(len(ids), int(buckets)) || len(cr.Differences) != len(ids) {
					t.Errorf("%s: %d of %d buckets differ (a drill-down reads %d whole), %d differences", cr.Table, cr.DifferingBuckets, cr.Buckets, drill, len(cr.Differences))
				}
			}
		})
	}
}

// every gives every nth visit id of refineRows.
func every(n int) []int {
	var out []int
	for id := n; id <= refineRows; id += n {
		out = append(out, id)
	}
	return out
}

// A receiving table from a form store (entities instans, values varde)
// whose end check is refined: the refinement re-reads both tables of the
// form through the mapping. A trigger changing every 97th weight still
// has every one named with its column, nothing else.
func TestRunEndCheckRefinesAFormStore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 registrations")
	}
	const every = 97
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	gen := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, refineRows)
	sqliteExec(t, srcPath,
		`CREATE TABLE instans (id INTEGER PRIMARY KEY NOT NULL, datum TEXT)`,
		`CREATE TABLE varde (instans_id INTEGER NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
		gen+`INSERT INTO instans SELECT i, '2024-01-01' FROM n`,
		gen+`INSERT INTO varde SELECT i, 'vikt', CAST(50 + i % 50 AS TEXT) FROM n`)
	writeRegistrationSchema(t, dir, true)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
`)
	tgtPath := filepath.Join(dir, "t.db")
	createTables(t, "sqlite://"+tgtPath, connectors.Table{Name: "registration", PrimaryKey: []string{"registration_id"}, Columns: []connectors.Column{
		{Name: "registration_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "registered", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "weight_kg", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
	}})
	trigger := sqliteAfterChecks(tgtPath, fmt.Sprintf(
		`CREATE TRIGGER heavier AFTER INSERT ON registration WHEN NEW.registration_id %% %d = 0 BEGIN UPDATE registration SET weight_kg = '99.9' WHERE registration_id = NEW.registration_id; END`, every))
	work := filepath.Join(dir, "w")
	rep, err := runTriggered(t, loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: "sqlite://" + tgtPath, WorkDir: work}, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a trigger changing every %dth weight: run %v", every, err)
	}
	problems := strings.Join(rep.Problems, "\n") + "\n"
	for id := every; id <= refineRows; id += every {
		if want := fmt.Sprintf("registration key (%d): columns weight_kg differ\n", id); !strings.Contains(problems, want) {
			t.Errorf("problems do not say %q", strings.TrimSpace(want))
		}
	}
	if n, want := strings.Count(problems, "registration key ("), refineRows/every; n != want {
		t.Errorf("problems name %d registrations, want the %d changed:\n%s", n, want, firstLines(problems, 10))
	}
	for _, c := range readContentReport(t, work).Contents {
		if c.Buckets != 1024 || c.DifferingBuckets <= 512 || c.DifferingBuckets > 1024 {
			t.Errorf("%s: %d of %d buckets differ, want more than 512 of 1024", c.Table, c.DifferingBuckets, c.Buckets)
		}
	}
}
