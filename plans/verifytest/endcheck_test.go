package verifytest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// A run's own end check: the expected side comes from the rows the run
// wrote and the records it archived, the actual side from the target after
// the move. These tests hold it to what `regflytt verify` finds.

// scanCounter counts the scans of each source table, across every
// snapshot of the sources it wraps.
type scanCounter struct {
	mu    sync.Mutex
	scans map[string]int
}

func (c *scanCounter) wrap(src connectors.Source) connectors.Source {
	return &countingSource{Source: src, c: c}
}

func (c *scanCounter) count(table string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scans[table]
}

type countingSource struct {
	connectors.Source
	c *scanCounter
}

func (s *countingSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	snap, err := s.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &countingSnapshot{Snapshot: snap, c: s.c}, nil
}

type countingSnapshot struct {
	connectors.Snapshot
	c *scanCounter
}

func (s *countingSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	s.c.mu.Lock()
	s.c.scans[t.Name]++
	s.c.mu.Unlock()
	return s.Snapshot.Scan(ctx, t, opts)
}

// endCheckPlan writes a source table besok (id, vikt: a double) of n
// rows and a plan that migrates it into visit (visit_id, weight) in
// batches of 10.
func endCheckPlan(t *testing.T, dir string, n int) (src string, p *plans.Plan) {
	t.Helper()
	var rows [][]connectors.Value
	for i := 1; i <= n; i++ {
		rows = append(rows, []connectors.Value{int64(i), 60 + float64(i)/3})
	}
	src, p = besokPlan(t, dir, rows, besokWeight)
	p.BatchSize = 10
	return src, p
}

// besokColumn is a column of the source table besok besides its id, with
// the column of the receiving table visit it maps to, as writeSchema
// takes it.
type besokColumn struct {
	source connectors.Column
	visit  string
}

var (
	// besokNote is besok's text anteckning, visit's note.
	besokNote = besokColumn{textCol("anteckning"), "note varchar(40)"}
	// besokWeight is besok's double vikt, visit's weight.
	besokWeight = besokColumn{connectors.Column{Name: "vikt", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true}, "weight double"}
)

// besokRows gives visits 1 to n of besok (id, anteckning "besök <id>",
// and vikt weight(id) where weight is not nil).
func besokRows(n int, weight func(id int) float64) [][]connectors.Value {
	rows := make([][]connectors.Value, n)
	for i := range rows {
		rows[i] = []connectors.Value{int64(i + 1), fmt.Sprintf("besök %d", i+1)}
		if weight != nil {
			rows[i] = append(rows[i], weight(i+1))
		}
	}
	return rows
}

// writeBesok writes the source table besok (id, then cols) with rows into
// dir's legacy.db, and gives its URL.
func writeBesok(t *testing.T, dir string, rows [][]connectors.Value, cols ...besokColumn) string {
	t.Helper()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	columns := []connectors.Column{intCol("id")}
	for _, c := range cols {
		columns = append(columns, c.source)
	}
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: columns}},
		map[string][][]connectors.Value{"besok": rows})
	return src
}

// writeVisitSchema writes dir/schema.yaml with visit (visit_id, then
// cols' columns), keyed by key ("" for none).
func writeVisitSchema(t *testing.T, dir, key string, cols ...besokColumn) {
	t.Helper()
	columns := []string{"visit_id bigint not_null"}
	for _, c := range cols {
		columns = append(columns, c.visit)
	}
	writeSchema(t, dir, "visit", key, columns...)
}

// writeBesokMapping writes dir/m.yaml, mapping besok (id, then cols) into
// visit (visit_id, then cols' columns).
func writeBesokMapping(t *testing.T, dir string, cols ...besokColumn) {
	t.Helper()
	columns := []string{"visit_id: id"}
	for _, c := range cols {
		columns = append(columns, strings.Fields(c.visit)[0]+": "+c.source.Name)
	}
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    columns: {"+strings.Join(columns, ", ")+"}\n")
}

// besokPlan writes besok (id, then cols) with rows into dir's legacy.db,
// visit keyed by visit_id as the schema and the mapping of one into the
// other, and loads the plan over them. It gives the source's URL.
func besokPlan(t *testing.T, dir string, rows [][]connectors.Value, cols ...besokColumn) (src string, p *plans.Plan) {
	t.Helper()
	src = writeBesok(t, dir, rows, cols...)
	writeVisitSchema(t, dir, "visit_id", cols...)
	writeBesokMapping(t, dir, cols...)
	return src, loadPlan(t, writePlan(t, dir, ""))
}

// createTables creates tables in the target at url before a run, to put
// triggers on them.
func createTables(t *testing.T, url string, tables ...connectors.Table) {
	t.Helper()
	db, err := all.OpenTarget(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create(context.Background(), tables); err != nil {
		t.Fatal(err)
	}
}

// visitTable is visit as the schema declares it, for creating it in a
// target before the run (to put a trigger on it).
var visitTable = connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
	{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
	{Name: "weight", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
}}

func verifyNotes(t *testing.T, work string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(work, verify.JSONFile))
	if err != nil {
		t.Fatalf("the run's verification report: %v", err)
	}
	return strings.Split(string(b), "\n")
}

func mentions(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// A run that is not resumed checks its end without reading the source a
// second time (the expected side is its own stream), and says so in its
// verification report; a trigger that changes a value beyond the float
// tolerance still fails the run, naming the keys and the column.
func TestRunEndCheckTakesItsOwnRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, p := endCheckPlan(t, dir, 55)

	c := &scanCounter{scans: map[string]int{}}
	work := filepath.Join(dir, "clean")
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "clean.db"), WorkDir: work, WrapSource: c.wrap})
	if err != nil || !rep.Pass {
		t.Fatalf("clean run: %v (problems %q)", err, rep.Problems)
	}
	if n := c.count("besok"); n != 1 {
		t.Errorf("the source table was scanned %d times in a clean run, want once (the end check re-read it)", n)
	}
	if !mentions(verifyNotes(t, work), "what this run mapped, wrote and archived") {
		t.Errorf("the run's verification report does not say its expected side is the run's own")
	}

	// A trigger multiplies the weight of every seventh visit.
	tgt := "sqlite://" + filepath.Join(dir, "trigger.db")
	createTables(t, tgt, visitTable)
	// Added once the run has begun: one there before is refused before
	// writing (TestRunReceivingTableWithTrigger).
	trigger := sqliteAfterChecks(filepath.Join(dir, "trigger.db"),
		`CREATE TRIGGER scale AFTER INSERT ON visit WHEN NEW.visit_id % 7 = 0 BEGIN UPDATE visit SET weight = weight * 10 WHERE visit_id = NEW.visit_id; END`)
	c = &scanCounter{scans: map[string]int{}}
	problems := runFailsOnEverySeventh(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "trigger"), WrapSource: c.wrap}, trigger, "weight")
	if strings.Contains(problems, "visit key (8)") {
		t.Errorf("problems name an unchanged record:\n%s", problems)
	}
	// Naming the records re-reads the source (for the differing buckets).
	if n := c.count("besok"); n != 2 {
		t.Errorf("the source table was scanned %d times in a run that drilled down, want twice", n)
	}
}

// A resumed run did not see the rows the earlier run wrote: its end check
// re-reads the source through the mappings, so a row of the earlier run
// changed in the target meanwhile fails it, named by key and column.
func TestResumedRunEndCheckSeesTheEarlierRunsRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, p := endCheckPlan(t, dir, 55)
	tgtPath := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + tgtPath
	stop := make(chan struct{})
	s := &plantest.KillAt{N: 3, Kill: func() { close(stop) }}
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	// Visit 2 was written in the first batch.
	execSQLite(t, tgtPath, `UPDATE visit SET weight = weight + 1 WHERE visit_id = 2`)
	c := &scanCounter{scans: map[string]int{}}
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WrapSource: c.wrap})
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a row of the interrupted run changed before the resume: run %v, report %+v", err, rep)
	}
	problems := strings.Join(rep.Problems, "\n")
	if want := "visit key (2): columns weight differ"; !strings.Contains(problems, want) {
		t.Errorf("problems do not say %q:\n%s", want, problems)
	}
	if strings.Count(problems, "visit key (") != 1 {
		t.Errorf("problems name more than the changed record:\n%s", problems)
	}
	if mentions(verifyNotes(t, filepath.Join(dir, "w")), "what this run mapped, wrote and archived") {
		t.Errorf("a resumed run's verification report says its expected side is the run's own")
	}
}

// On PostgreSQL the float column's aggregates are computed in the
// database: a trigger that changes one weight beyond the tolerance fails
// the run naming that record, and one that changes another within the
// tolerance (a last-digit rounding) does not.
func TestRunEndCheckFloatsPostgreSQL(t *testing.T) {
	pgtest.AdminURL(t)
	dir := t.TempDir()
	src, p := endCheckPlan(t, dir, 55)
	tgt := pgtest.NewDatabase(t)
	createTables(t, tgt, visitTable)
	pgtest.Exec(t, tgt, `CREATE FUNCTION nudge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visit_id = 3 THEN NEW.weight := NEW.weight * (1 + 1e-13); END IF;
  IF NEW.visit_id = 5 THEN NEW.weight := NEW.weight * (1 + 1e-6); END IF;
  RETURN NEW;
END $$`)
	// The trigger comes once the run has begun: one there before is
	// refused before writing.
	trigger := pgAfterChecks(tgt, `CREATE TRIGGER nudge BEFORE INSERT ON visit FOR EACH ROW EXECUTE FUNCTION nudge()`)
	rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w")}, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a trigger changing a weight beyond the tolerance: run %v, report %+v", err, rep)
	}
	problems := strings.Join(rep.Problems, "\n")
	if want := "visit key (5): columns weight differ"; !strings.Contains(problems, want) {
		t.Errorf("problems do not say %q:\n%s", want, problems)
	}
	if strings.Contains(problems, "visit key (3)") {
		t.Errorf("a change within the tolerance is named:\n%s", problems)
	}
}

// A run's own end check hashes both sides with a hash keyed for the run
// (connectors.RowHasher), computed in Go on every target: the target's
// side by its read-back where it has one (PostgreSQL), else by a scan,
// never by its SQL, which knows only SHA-256. A trigger that changes a
// text value fails the run all the same, naming the records and the
// column, and the verification report names the keyed hash.
func TestRunEndCheckKeyedHashNamesAChangedColumn(t *testing.T) {
	for _, target := range []triggeredTarget{
		{"sqlite", sqliteTriggered(createNoteTable,
			`CREATE TRIGGER mark AFTER INSERT ON visit WHEN NEW.visit_id % 7 = 0 BEGIN UPDATE visit SET note = note || '!' WHERE visit_id = NEW.visit_id; END`)},
		{"postgres", pgTriggered(createNoteTable, []string{`CREATE FUNCTION mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visit_id % 7 = 0 THEN NEW.note := NEW.note || '!'; END IF;
  RETURN NEW;
END $$`},
			`CREATE TRIGGER mark BEFORE INSERT ON visit FOR EACH ROW EXECUTE FUNCTION mark()`)},
		{"mariadb", func(t *testing.T, dir string) (string, *afterChecks) {
			url := mytest.NewDatabase(t)
			createNoteTable(t, url)
			db := mytest.Open(t, url)
			return url, &afterChecks{Run: func() error {
				_, err := db.Exec(`CREATE TRIGGER mark BEFORE INSERT ON visit FOR EACH ROW SET NEW.note = IF(NEW.visit_id % 7 = 0, CONCAT(NEW.note, '!'), NEW.note)`)
				return err
			}}
		}},
	} {
		t.Run(target.name, func(t *testing.T) {
			dir := t.TempDir()
			src, p := besokPlan(t, dir, besokRows(55, nil), besokNote)
			p.BatchSize = 10
			tgt, trigger := target.open(t, dir)
			work := filepath.Join(dir, "w")
			// On PostgreSQL the read-back, not the native row sum
			// (TestRunEndCheckNativeTamper), whose differences are named
			// from the source with SHA-256.
			problems := runFailsOnEverySeventh(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, EndCheckReadBack: true}, trigger, "note")
			if n := strings.Count(problems, "visit key ("); n != 7 {
				t.Errorf("problems name %d records, want the 7 changed:\n%s", n, problems)
			}
			lines := verifyNotes(t, work)
			if !mentions(lines, `"hash_algorithm": "regflytt-run-1/keyed-maphash128-`) {
				t.Errorf("the run's verification report does not name the keyed hash")
			}
		})
	}
}

// runFailsOnEverySeventh runs p with opts and trigger as its progress (a
// trigger that changes column of every seventh of 55 visits once the run
// has begun), and requires the run to fail naming visits 7, 14, …, 49
// with column differing. It gives the run's problems, one a line.
func runFailsOnEverySeventh(t *testing.T, p *plans.Plan, opts plans.Options, trigger *afterChecks, column string) string {
	t.Helper()
	rep, err := runTriggered(t, p, opts, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a trigger changing every seventh %s: run %v, report %+v", column, err, rep)
	}
	problems := strings.Join(rep.Problems, "\n")
	for id := 7; id <= 55; id += 7 {
		if want := fmt.Sprintf("visit key (%d): columns %s differ", id, column); !strings.Contains(problems, want) {
			t.Errorf("problems do not say %q:\n%s", want, problems)
		}
	}
	return problems
}

// createNoteTable creates visit (visit_id, note) in a target before a run,
// to put a trigger on it.
func createNoteTable(t *testing.T, url string) {
	t.Helper()
	varchar := connectors.Column{Name: "note", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true}
	createTables(t, url, connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"},
		Columns: []connectors.Column{{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}, varchar}})
}

// TestRunTargetCountFromTheReadBack: the run takes a receiving table's
// row count from its content check, which read every row back, instead of
// counting the table once more. A trigger that adds a row the run never
// wrote must still fail the target's equation, with the rows the target
// holds, on a target read back in Go (SQLite) and on PostgreSQL's binary
// read-back.
func TestRunTargetCountFromTheReadBack(t *testing.T) {
	for _, target := range []triggeredTarget{
		{"sqlite", sqliteTriggered(createNoteTable,
			`CREATE TRIGGER extra AFTER INSERT ON visit WHEN NEW.visit_id = 7 BEGIN INSERT INTO visit (visit_id, note) VALUES (1000, 'extra'); END`)},
		{"postgres", pgTriggered(createNoteTable, []string{`CREATE FUNCTION extra() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visit_id = 7 THEN INSERT INTO visit (visit_id, note) VALUES (1000, 'extra'); END IF;
  RETURN NULL;
END $$`},
			`CREATE TRIGGER extra AFTER INSERT ON visit FOR EACH ROW EXECUTE FUNCTION extra()`)},
	} {
		t.Run(target.name, func(t *testing.T) {
			dir := t.TempDir()
			src, p := besokPlan(t, dir, besokRows(55, nil), besokNote)
			p.BatchSize = 10
			url, trigger := target.open(t, dir)
			rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: url, WorkDir: filepath.Join(dir, "w")}, trigger)
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("a trigger adding a row: run %v, report %+v", err, rep)
			}
			problems := strings.Join(rep.Problems, "\n")
			if want := "target table visit holds 56 rows, the run wrote 55"; !strings.Contains(problems, want) {
				t.Errorf("problems do not say %q:\n%s", want, problems)
			}
			if len(rep.Targets) != 1 || rep.Targets[0].Rows != 56 || rep.Targets[0].OK {
				t.Errorf("target check %+v, want visit with 56 rows, not ok", rep.Targets)
			}
		})
	}
}
