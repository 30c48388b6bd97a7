package plans

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A run checks everything it can before its first write, so that a refusal
// leaves the target as it found it: the mappings compile against the
// source (every column mapped or dropped, every table readable in key
// order), the receiving tables that exist are the declared ones and
// empty, and the work and archive directories can take what the run will
// write. Only then are tables created. What fails after that says which
// receiving tables hold rows of the stopped run (PartialRunError).

// ErrTargetDiffers is returned (wrapped) when a receiving table exists
// with other columns, types, nullability, key, unique indexes, foreign
// keys, CHECK constraints or triggers than the schema declares:
// Create leaves an existing table alone, so its columns, not the declared
// ones, would decide what is stored (a numeric(5,0) rounds 60.5 to 61).
var ErrTargetDiffers = errors.New("existing receiving tables differ from the receiving schema")

// checkBeforeMove runs the checks of the plan against the open source
// session that the run and the dry run both refuse on before moving a
// record, in the same order.
func (r *runner) checkBeforeMove(ctx context.Context, s *session) error {
	if err := r.checkMappingTests(s.catalog); err != nil {
		return err
	}
	if err := r.plan.planNames(r.in).Err(); err != nil {
		return fmt.Errorf("%s: %w (nothing was written)", r.plan.File, err)
	}
	if err := r.checkSourceGroupNames(s); err != nil {
		return err
	}
	if err := checkScanKeys(s); err != nil {
		return err
	}
	ds, err := checkReadKeys(ctx, s)
	if err != nil {
		return err
	}
	if err := ds.Err(); err != nil {
		return fmt.Errorf("%w (nothing was written)", err)
	}
	if err := r.checkUnmappedTables(s); err != nil {
		return err
	}
	return checkInheritance(ctx, s)
}

// checkBeforeWrite runs every check that needs no write, against the open
// source session and target.
func (r *runner) checkBeforeWrite(ctx context.Context, s *session, tgt connectors.Target, arcDir string) error {
	if err := r.checkBeforeMove(ctx, s); err != nil {
		return err
	}
	if err := checkValueEntities(ctx, s); err != nil {
		return err
	}
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer snap.Close()
	existing, err := snap.Tables(ctx)
	if err != nil {
		return fmt.Errorf("target catalogue: %w", err)
	}
	byName := map[string]*connectors.Table{}
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	names := existingDeclared(r.in.Schema.Tables, byName)
	engines, err := otherEngines(ctx, snap, names)
	if err != nil {
		return err
	}
	more, err := checkExistingTables(ctx, snap, names)
	if err != nil {
		return err
	}
	diffs := compareExisting(tgt.Dialect(), r.in.Schema.Tables, byName, more)
	for _, d := range more {
		engines = append(engines, "  "+d.String())
	}
	if diffs = append(diffs, engines...); len(diffs) > 0 {
		return fmt.Errorf("%w; nothing was written:\n%s\n(regflytt creates missing tables itself: drop the differing tables, or use a fresh database)", ErrTargetDiffers, strings.Join(diffs, "\n"))
	}
	if err := r.requireEmpty(ctx, snap, byName); err != nil {
		return err
	}
	if err := checkWorkDir(r.opts.WorkDir); err != nil {
		return err
	}
	if err := outsidePackages("archive directory", arcDir); err != nil {
		return err
	}
	return checkArchiveDir(arcDir)
}

// outsidePackages refuses a directory inside an archive package (an
// earlier run's): the files written there are no part of the package's
// manifests, and the package stops verifying.
func outsidePackages(what, dir string) error {
	pkg, err := archive.Enclosing(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	if pkg != "" && filepath.Clean(pkg) == filepath.Clean(dir) {
		// Not this plan's earlier package (a --restart moves that aside
		// first): another run's, which this one would overwrite.
		return fmt.Errorf("%s %s already holds an archive package another run wrote: move it away or choose another directory (nothing was written)", what, dir)
	}
	if pkg != "" {
		return fmt.Errorf("%s %s lies inside the archive package %s, which files written there would damage: choose a directory outside it (nothing was written)", what, dir, pkg)
	}
	return nil
}

// checkScanKeys finds the source tables a run would read that have no key
// to read them in order by: a table no mapping reads is archived whole in
// primary-key order, so it needs a primary key (a mapped table's key is
// checked when it compiles, M009).
func checkScanKeys(s *session) error {
	read := readByPrograms(s.prog)
	var missing []string
	for i := range s.catalog {
		t := &s.catalog[i]
		if !read[t.Name] && len(t.PrimaryKey) == 0 {
			missing = append(missing, t.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("source tables %s have no primary key and no mapping that names a key, so their records cannot be read in order (to be archived, or as the opt-out list): map each with key: [unique, not-null columns]", strings.Join(missing, ", "))
}

// checkValueEntities refuses, before anything is written, a form store's
// values table with rows whose entity id is NULL (noEntityError): read in
// entity order they come first or last, and the run stopped there, after
// writing the forms before them. Only a nullable entity column is
// counted, in one pass inside the database (COUNT of the entity column
// beside one the catalogue says is NOT NULL, or the row count); a source
// that cannot count leaves the refusal to the read.
func checkValueEntities(ctx context.Context, s *session) error {
	nc, ok := s.snap.(connectors.NonNullCounter)
	if !ok {
		return nil
	}
	for _, tp := range s.prog.Tables {
		e := tp.EAV
		if e == nil || !e.Values.Columns[e.Entity].Nullable {
			continue
		}
		cols := []string{e.Values.Columns[e.Entity].Name}
		for _, c := range e.Values.Columns {
			if !c.Nullable {
				cols = append(cols, c.Name)
				break
			}
		}
		n, err := nc.CountNonNull(ctx, e.Values.Name, cols)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		rows := int64(-1)
		if len(n) > 1 {
			rows = n[1]
		} else if rows, err = s.snap.Count(ctx, e.Values.Name); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if rows > n[0] {
			return fmt.Errorf("%w (nothing was written)", noEntityError(e.Values, e.Entity, rows-n[0]))
		}
	}
	return nil
}

// readByPrograms names the source tables the programs read.
func readByPrograms(prog *mappings.Program) map[string]bool {
	read := map[string]bool{}
	for _, tp := range prog.Tables {
		if tp.EAV != nil {
			read[tp.EAV.Entities.Name], read[tp.EAV.Values.Name] = true, true
		} else {
			read[tp.Source.Name] = true
		}
	}
	return read
}

// compareExisting compares every declared table that exists with its
// declaration, the unique indexes and foreign keys it has and the schema
// does not declare included, and gives every difference, a line each. A
// foreign key the dialect's checker already names (in checked, with the
// definition the catalogue does not read: an ON DELETE action, a
// deferred check) is said there only.
func compareExisting(d connectors.Dialect, declared []connectors.Table, existing map[string]*connectors.Table, checked []connectors.Difference) []string {
	named := map[[2]string]bool{}
	for _, c := range checked {
		if c.Constraint != "" {
			named[[2]string{c.Table, c.Constraint}] = true
		}
	}
	var lines []string
	for i := range declared {
		e := existing[declared[i].Name]
		if e == nil {
			continue
		}
		diffs := connectors.CompareTable(d, &declared[i], e)
		diffs = append(diffs, connectors.UndeclaredUniqueIndexes(&declared[i], e)...)
		for _, diff := range append(diffs, connectors.UndeclaredForeignKeys(&declared[i], e)...) {
			if diff.Constraint == "" || !named[[2]string{diff.Table, diff.Constraint}] {
				lines = append(lines, "  "+diff.String())
			}
		}
	}
	return lines
}

// otherEngines gives a line for each existing receiving table whose
// storage engine is not the one the target creates tables with
// (connectors.EngineChecker): on a non-transactional engine a batch's
// rows stay when its transaction rolls back, so a stopped run would
// resume into rows it had not committed.
func otherEngines(ctx context.Context, snap connectors.Snapshot, names []string) ([]string, error) {
	ec, ok := snap.(connectors.EngineChecker)
	if !ok || len(names) == 0 {
		return nil, nil
	}
	other, want, err := ec.OtherEngines(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("target catalogue: %w", err)
	}
	var lines []string
	for _, n := range names {
		if e, ok := other[n]; ok {
			lines = append(lines, fmt.Sprintf("  table %s: storage engine differs: the existing table has %s, regflytt creates %s (a table that does not roll back its rows breaks each batch's all-or-nothing commit)", n, e, want))
		}
	}
	return lines, nil
}

// existingDeclared names the declared tables that exist, in declared
// order.
func existingDeclared(declared []connectors.Table, existing map[string]*connectors.Table) []string {
	var names []string
	for i := range declared {
		if existing[declared[i].Name] != nil {
			names = append(names, declared[i].Name)
		}
	}
	return names
}

// checkExistingTables gives a line for each difference of the existing
// receiving tables names that the catalogue does not read, found by the
// target's connectors.ExistingTableChecker (SQLite's ON CONFLICT clauses
// and collations, PostgreSQL's nondeterministic collations, SQL Server's
// IGNORE_DUP_KEY; on every dialect the unique indexes the catalogue does
// not read, the triggers, the CHECK constraints Create does not make and
// the foreign keys with actions or deferred checks).
func checkExistingTables(ctx context.Context, snap connectors.Snapshot, names []string) ([]connectors.Difference, error) {
	c, ok := snap.(connectors.ExistingTableChecker)
	if !ok || len(names) == 0 {
		return nil, nil
	}
	diffs, err := c.CheckExistingTables(ctx, names)
	if err != nil {
		return nil, fmt.Errorf("target catalogue: %w", err)
	}
	return diffs, nil
}

// checkWorkDir makes sure the work directory can take the report, which
// is written at the end, when it is too late to refuse: it exists and
// takes a file, or can be created.
func checkWorkDir(dir string) error {
	if err := outsidePackages("work directory", dir); err != nil {
		return err
	}
	if err := checkCreatable(dir); err != nil {
		return fmt.Errorf("work directory %s: %w (nothing was written)", dir, err)
	}
	return nil
}

// checkArchiveDir makes sure the archive package can be created: the
// directory is absent or empty, and takes a file or can be created.
func checkArchiveDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("archive directory %s is not empty: choose a new one, or move the old package away first (nothing was written)", dir)
	}
	if err := checkCreatable(dir); err != nil {
		return fmt.Errorf("archive directory %s: %w (nothing was written)", dir, err)
	}
	return nil
}

// checkCreatable says whether dir is a directory that takes a file, or,
// when it does not exist, whether the nearest directory above it that
// exists does.
func checkCreatable(dir string) error {
	at := filepath.Clean(dir)
	for {
		fi, err := os.Stat(at)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", at)
			}
			return probeWrite(at)
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(at) == at {
			return err
		}
		at = filepath.Dir(at)
	}
}

// probeWrite creates and removes a file in dir.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".regflytt-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// checkMappingTests refuses a run whose mappings fail their own tests
// (tests: in the mapping files, what map test runs): they are the
// outcomes the registry holder reviewed, so a failing one means this
// regflytt would transform records otherwise than the reviewed plan says
// (a test or the engine changed), and every record it migrates would be
// checked against that other behaviour only.
func (r *runner) checkMappingTests(live []connectors.Table) error {
	fails, err := mappingTestFailures(r.in, r.plan.ReferenceDate, live)
	if err != nil {
		return fmt.Errorf("%s: the mappings' own tests cannot run: %w (nothing was written)", r.plan.File, err)
	}
	if len(fails) > 0 {
		return fmt.Errorf("%s: the mappings' own tests fail, so this regflytt would not transform records as the reviewed mappings say: %s; run regflytt map test %s (nothing was written)", r.plan.File, strings.Join(fails, "; "), r.plan.File)
	}
	return nil
}

// mappingTestFailures runs the mappings' tests and names each failure by
// its place (at most five, and how many more). The tests compile against
// the live source's catalogue, as the run's mappings do.
func mappingTestFailures(in *Inputs, refDate time.Time, live []connectors.Table) ([]string, error) {
	rep, ds := mappings.RunTestsAgainst(in.Mappings, in.Schema, refDate, live)
	if err := ds.Err(); err != nil {
		return nil, err
	}
	var out []string
	for i, f := range rep.Failures {
		if i == 5 {
			out = append(out, fmt.Sprintf("and %d more", len(rep.Failures)-i))
			break
		}
		out = append(out, fmt.Sprintf("%s: test %q row %d: %s", f.Pos, f.Case, f.Row, f.Message))
	}
	return out, nil
}
