package plans

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
	"gopkg.in/yaml.v3"
)

// Verification is the plan's verification: section:
//
//	verification:
//	  archived_share_max: 0.05          # more archived than this share of a table's records is a finding
//	                                    # (values archived alone too: values_archived_share.TABLE)
//	  float_tolerance: 1e-9             # relative difference under which two float values are equal
//	  control_groups:                   # rows per group, expected and in the target
//	    visit: [care_unit_id]
//	  source_groups:                    # per source table and group: source = migrated + archived + excluded
//	    besok: [vardenhet_id]
//	    patient: ["year(registrerad)"]
//	  acknowledge:
//	    archived_share.besok: "visits before 2005 used a code list that no longer exists"
//	    pnr_century_resolved.patient: "10-digit numbers of centenarians, checked by hand"
//
// A finding is named kind.subject, as the verification report lists it;
// an acknowledgement that names no finding of the verification is listed
// in the report's notes, for a person to remove when it is no longer
// expected (a plan rehearsed on samples of several sizes meets a finding
// in some and not in others, so it does not fail).
type Verification struct {
	// ArchivedShareMax is the share of a table's records above which its
	// archived records are a finding; 0.05 unless the plan says.
	ArchivedShareMax float64
	// FloatTolerance is the relative difference under which two float
	// values count as equal (verify.DefaultFloatTolerance unless the plan
	// says).
	FloatTolerance float64
	Acknowledge    map[string]mappings.Str
	// AcknowledgeAt is where the plan names each acknowledged finding.
	AcknowledgeAt map[string]mappings.Pos
	// ControlGroups names, per receiving table, the columns whose values
	// make its control groups (a care unit, a year): each group's rows
	// are counted on both sides.
	ControlGroups map[string][]mappings.Str
	// ControlGroupsAt is where the plan names each table's groups.
	ControlGroupsAt map[string]mappings.Pos
	// SourceGroups names, per source table, its control groups: a column
	// or year(<date column>); each group's source records must equal its
	// migrated + archived + excluded (groups.go).
	SourceGroups map[string][]verify.SourceGroup
	// SourceGroupsAt is where the plan names each table's source groups.
	SourceGroupsAt map[string]mappings.Pos
}

// DefaultArchivedShareMax is the archived share a plan allows without a
// finding unless it says otherwise.
const DefaultArchivedShareMax = 0.05

// readVerification reads the verification: section.
func readVerification(f *mappings.Fields) Verification {
	v := Verification{ArchivedShareMax: DefaultArchivedShareMax, FloatTolerance: verify.DefaultFloatTolerance}
	if f.Node("verification") == nil {
		return v
	}
	vf := sub(f, "verification")
	if s := vf.Str("archived_share_max"); s.IsSet() {
		x, err := strconv.ParseFloat(s.Value, 64)
		if err != nil || x < 0 || x > 1 {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: s.Pos, Code: "P040", Message: "verification.archived_share_max must be a share between 0 and 1, such as 0.05"})
		}
		v.ArchivedShareMax = x
	}
	if s := vf.Str("float_tolerance"); s.IsSet() {
		x, err := strconv.ParseFloat(s.Value, 64)
		if err != nil || x < 0 || x >= 1 {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: s.Pos, Code: "P040", Message: "verification.float_tolerance must be a relative difference between 0 and 1, such as 1e-9"})
		}
		v.FloatTolerance = x
	}
	gkeys, gvals := vf.Pairs("control_groups")
	for i, k := range gkeys {
		if v.ControlGroups == nil {
			v.ControlGroups, v.ControlGroupsAt = map[string][]mappings.Str{}, map[string]mappings.Pos{}
		}
		v.ControlGroupsAt[k.Value] = mappings.PosOf(f.File(), k)
		if gvals[i].Kind != yaml.SequenceNode || len(gvals[i].Content) == 0 {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: mappings.PosOf(f.File(), gvals[i]), Code: "P042", Message: "verification.control_groups." + k.Value + " needs a list of the receiving table's columns, such as [care_unit_id]"})
			continue
		}
		for _, c := range gvals[i].Content {
			v.ControlGroups[k.Value] = append(v.ControlGroups[k.Value], mappings.Str{Value: c.Value, Pos: mappings.PosOf(f.File(), c)})
		}
	}
	v.SourceGroups, v.SourceGroupsAt = readSourceGroups(f, vf)
	keys, vals := vf.Pairs("acknowledge")
	for i, k := range keys {
		if v.AcknowledgeAt == nil {
			v.AcknowledgeAt = map[string]mappings.Pos{}
		}
		v.AcknowledgeAt[k.Value] = mappings.PosOf(f.File(), k)
		reason := mappings.Str{Value: vals[i].Value, Pos: mappings.PosOf(f.File(), vals[i])}
		if vals[i].Value == "" {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: reason.Pos, Code: "P041", Message: "verification.acknowledge." + k.Value + " needs the reason the finding is acceptable"})
		}
		if v.Acknowledge == nil {
			v.Acknowledge = map[string]mappings.Str{}
		}
		v.Acknowledge[k.Value] = reason
	}
	vf.Done()
	return v
}

// Verify proves a migration independently of the run that made it: it
// opens its own read-only snapshots of the source and the target, re-reads
// the source through the compiled mappings (the same compile path, opt-out
// lists and lookups as a run), and compares what that gives with the
// receiving tables' content (checksums, pushed down where the target can)
// and with the archive package. Nothing the run recorded is read. The
// summary is returned whenever verification got as far as comparing,
// together with ErrNotAccounted when it FAILED.
func Verify(ctx context.Context, p *Plan, opts Options) (*verify.Summary, error) {
	return VerifyWith(ctx, p, opts, VerifyOptions{})
}

// VerifyOptions are verify's own settings.
type VerifyOptions struct {
	// ArchiveDir is the archive package to read, when not the plan's
	// archive.dir under the work directory: a sealed package decrypted
	// elsewhere (regflytt archive decrypt).
	ArchiveDir string
	// UnitReports, when set, is the directory for one report per
	// reporting unit (--unit-reports DIR), as run writes them.
	UnitReports string
	// ownershipChecked says the caller (a run's own verifyContent) has
	// already checked the units and access on the same ledger.
	ownershipChecked bool
	// readBack lets the target read its rows back through its connector
	// for the content check where that is cheaper (verify.Content's
	// ReadBack): a run's own end check, for speed; regflytt verify
	// computes the target's side in the database.
	readBack bool
	// expected, when set, is the expected side as the run that wrote the
	// target took it from its own stream (a run's own end check):
	// verification then compares the target and the archive package with
	// it instead of re-reading the source through the mappings, which it
	// does only to drill down into a difference.
	expected *expected
	// scratch is the run's scratch directory (a run's own end check), for
	// the temporary files of the re-application; "" is the system's.
	scratch string
	// archiveRead, when set, is the package at ArchiveDir as the run's
	// end check has just verified and read it (for its counts): the
	// content check compares it instead of reading the package again.
	archiveRead *verify.ArchiveReading
	// sourceCounts, when set with expected, gives each source table's
	// records as the run's end check counts them in the run's source
	// snapshot, the one its ledger was read in, in the background while
	// the content is compared (it waits for them): the equations use them
	// instead of counting the source a second time, which cost as much as
	// a tenth of the run's time for one large table. Without expected the
	// source is re-read in verification's own snapshot and counted there.
	sourceCounts func() (map[string]int64, error)
	// endCheck says this is a run's own end check, for the stall
	// watchdog's messages.
	endCheck bool
}

// hashVersion names the row hash of the expected side: SHA-256 when the
// source is re-read (nil).
func (e *expected) hashVersion() string {
	if e == nil {
		return connectors.ChecksumVersion
	}
	// A table the target summed natively has sums of another hash than
	// the keyed one: the line names both, so that a reader of the header
	// does not take every sum below for the keyed hash.
	for _, c := range e.contents {
		if c.Native != nil {
			return e.hasher.Version() + "; tables marked native: " + nativeHashName
		}
	}
	return e.hasher.Version()
}

// nativeHashName names a native row sum's hash in a report's hash
// algorithm (see RunNativeNote).
const nativeHashName = "postgres-hash_record_extended/send-forms/seeded-per-run"

// RunExpectedNote is the note of a run's own end check that took its
// expected side from the run's stream (verifyContent).
const RunExpectedNote = "the expected side is what this run mapped, wrote and archived (its own end check): it proves the target and the archive package hold exactly that; its row hash is keyed afresh for this run (hash algorithm), so its sums compare with nothing outside it; regflytt verify re-reads the source through the mappings for the proof from the source, with SHA-256"

// RunNativeNote is the note of a run's own end check whose target summed
// receiving tables natively (verify.Content.Native).
const RunNativeNote = "receiving tables marked native were summed by the target database itself: each stored value's binary send form hashed with the server's hash_record_extended under a seed of this run, held to the same hash of the bytes this run sent (rows and sum compared per table, no row read back)"

// expected is what the target and the archive package must hold: per
// receiving table its content and control groups' counts, the archived
// records, and the ledger of outcomes, with the codes the mappings used.
type expected struct {
	contents map[string]*verify.Content
	order    []string
	groups   map[string]*verify.Groups
	arc      *expectedArchive
	ledger   *verify.Ledger
	codes    *mappings.CodeUse
	// hasher is the contents' row hash: nil (SHA-256) when the source is
	// re-read, a keyed one for a run's own stream (connectors.RowHasher).
	hasher *connectors.RowHasher
	// values are the source sides of the value equations, counted only
	// when the source is re-read (nil for a run's own stream).
	values map[string]*verify.ValueCounts
}

// newExpected starts an empty expected side: every receiving table's
// content over the buckets its size asks for (verify.BucketsFor), hashed
// with hasher (nil: SHA-256), and the plan's control groups.
func (r *runner) newExpected(size map[string]int64, hasher *connectors.RowHasher) (*expected, error) {
	p := r.plan
	e := &expected{contents: map[string]*verify.Content{}, groups: map[string]*verify.Groups{},
		arc: &expectedArchive{content: verify.NewArchiveContent()}, ledger: verify.NewLedger(), hasher: hasher}
	for i := range r.in.Schema.Tables {
		t := &r.in.Schema.Tables[i]
		n := verify.BucketsFor(size[t.Name])
		if hasher.Keyed() {
			// A run's own end check: few buckets, cache-resident on both
			// sides, refined in a drill-down (verify.RunBuckets).
			n = verify.RunBucketsFor(size[t.Name])
		}
		c, err := verify.NewContent(t, n)
		if err != nil {
			return nil, err
		}
		c.Fine = verify.BucketsFor(size[t.Name])
		c.FloatTolerance = p.Verification.FloatTolerance
		c.Hasher = hasher
		e.contents[t.Name] = c
		e.order = append(e.order, t.Name)
	}
	for _, table := range sortedGroupTables(p.Verification.ControlGroups) {
		c := e.contents[table]
		if c == nil {
			return nil, fmt.Errorf("%s: verification.control_groups names %s, which the receiving schema does not declare", p.Verification.ControlGroupsAt[table], table)
		}
		var cols []string
		for _, col := range p.Verification.ControlGroups[table] {
			cols = append(cols, col.Value)
		}
		g, err := verify.NewGroups(c.Table, cols)
		if err != nil {
			return nil, fmt.Errorf("%s: verification.control_groups: %w", p.Verification.ControlGroupsAt[table], err)
		}
		e.groups[table] = g
	}
	return e, nil
}

// offerNative lets the target compute the run's own end check itself
// where it can (connectors.NativeSummer): each receiving table's content
// then keeps, as the run writes, the sum of its rows hashed as the target
// database will hash them once stored, under a seed of this run, instead
// of the keyed row hashes a read-back is compared with. A table the
// target cannot sum natively (a column type whose stored form is not
// proven to be what was sent, a server before PostgreSQL 14, a
// converting encoding) keeps today's read-back; the log says which.
func (r *runner) offerNative(ctx context.Context, tgt connectors.Target, exp *expected) {
	ns, ok := tgt.(connectors.NativeSummer)
	if !ok || r.opts.EndCheckReadBack {
		return
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	seed := binary.LittleEndian.Uint64(b[:])
	for _, name := range exp.order {
		c := exp.contents[name]
		h, err := ns.NativeRowSum(ctx, c.Table, seed)
		if err != nil {
			r.log.Info("the end check reads this table back", "table", name, "why", err.Error())
			continue
		}
		c.Native, c.NativeSeed = h, seed
		r.log.Info("the end check sums this table natively in the target", "table", name)
	}
}

// nativeFallback is VerifyWith's answer when a run's own end check
// cannot rest on the target's native row sums: a sum differs (problems),
// or one could not be compared (why). verifyContent then verifies as a
// resumed run does, re-reading the source through the mappings, which
// names the records that differ.
type nativeFallback struct {
	// problems are the differing sums' by table, tables their order.
	problems map[string]string
	tables   []string
	why      []string
}

func (f *nativeFallback) Error() string {
	var all []string
	for _, t := range f.tables {
		all = append(all, f.problems[t])
	}
	return "the native row sums: " + strings.Join(append(all, f.why...), "; ")
}

// VerifyWith is Verify with verify's own settings.
func VerifyWith(ctx context.Context, p *Plan, opts Options, vo VerifyOptions) (*verify.Summary, error) {
	r, err := newRunner(p, opts, true)
	if err != nil {
		return nil, err
	}
	if err := unitReportsPossible(vo.UnitReports, r.in); err != nil {
		return nil, err
	}
	claim, err := r.claimUnitReports(ctx, vo.UnitReports)
	if err != nil {
		return nil, err
	}
	// verify-report.json and .html are written into the work directory.
	if err := outsidePackages("work directory", r.opts.WorkDir); err != nil {
		return nil, err
	}
	r.scratch = vo.scratch
	r.checking = "verify"
	if vo.endCheck {
		r.checking = "the end check"
	}
	clock := r.opts.Now
	started := clock()
	// Each step says how long it took (-v), as a run's steps after its
	// move do: a verification of a real registry takes long, and a user
	// sees where the time goes.
	stepDone := r.steps()
	arcDir := r.plan.ArchiveDir.Value
	if !filepath.IsAbs(arcDir) {
		arcDir = filepath.Join(r.opts.WorkDir, arcDir)
	}
	if vo.ArchiveDir != "" {
		arcDir = vo.ArchiveDir
	}
	// Grants are judged on the plan's reference date, else on the day the
	// run started: verify judges on the run's day, not its own, or an
	// appointment that expired since would differ from what the run
	// rightly did. The archive package records that day, but whoever
	// rewrites the package can move it; the run's checkpoint in the
	// target records it too, and the two are held to each other once the
	// target is open (runDay).
	referenceDay := ""
	var pkgRun time.Time
	if p.ReferenceDate.IsZero() {
		r.verifyDay = started
		if pkg, err := archive.Open(arcDir); err == nil {
			if t, err := time.Parse("20060102T150405Z", pkg.Summary.Meta.Run); err == nil {
				pkgRun = t
				r.opts.Now = func() time.Time { return t }
			}
		}
	} else {
		referenceDay = p.ReferenceDate.Format(time.DateOnly) + " (the plan's reference date)"
	}
	s, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close(ctx)
	if err := checkScanKeys(s); err != nil {
		return nil, err
	}
	if err := r.checkUnmappedTables(s); err != nil {
		return nil, err
	}
	if err := checkInheritance(ctx, s); err != nil {
		return nil, err
	}
	// Asked before anything else reads the snapshot.
	schemas, err := askSource(s.snap, func(l connectors.SchemaLister) ([]connectors.SchemaTables, error) { return l.OtherSchemas(ctx) })
	if err != nil {
		return nil, err
	}
	history, err := askSource(s.snap, func(l connectors.HistoryLister) ([]connectors.TableHistory, error) { return l.History(ctx) })
	if err != nil {
		return nil, err
	}
	limited, err := askSource(s.snap, func(c connectors.CatalogueScopeChecker) (bool, error) { return c.CatalogueLimited(ctx) })
	if err != nil {
		return nil, err
	}
	lobs, err := askSource(s.snap, func(l connectors.LargeObjectLister) ([]connectors.ColumnObjects, error) { return l.LargeObjects(ctx) })
	if err != nil {
		return nil, err
	}
	var snapshotEngine string
	engines, err := askSource(s.snap, func(c connectors.EngineChecker) (map[string]string, error) {
		names := make([]string, len(s.catalog))
		for i, t := range s.catalog {
			names[i] = t.Name
		}
		m, engine, err := c.OtherEngines(ctx, names)
		snapshotEngine = engine
		return m, err
	})
	if err != nil {
		return nil, err
	}
	tgt, err := all.OpenSource(ctx, r.tgtURL)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	// The target is read as its writer stores values: a lenient reading
	// (SQLite's BLOB in a TEXT column read as text) would prove a value
	// the receiving platform's queries see otherwise.
	if aw, ok := tgt.(connectors.AsWrittenReader); ok {
		aw.ReadAsWritten()
	}
	// The target's reads are watched for stalls as the source's are (a
	// frozen server, a firewall dropping packets): warned of, and with a
	// stall limit cancelled. They are not continued in a new snapshot
	// (Reopen): the check reads the target at one moment, so one that
	// stalled past the limit fails, and the check is done again.
	pol := r.opts.Retry
	pol.Reopen = false
	if pol.Log == nil {
		pol.Log = r.log
	}
	pol.Watch = r.watch
	tgt = wrap.TargetReads(tgt, pol)
	// Ended and closed as the source's are (session.Close): not waited
	// for once ctx ends, a second Ctrl-C.
	defer wrap.CloseContext(ctx, tgt)
	tsnap, err := tgt.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("target snapshot: %w", err)
	}
	defer wrap.CloseContext(ctx, tsnap)
	if verifyInGo {
		tsnap = goOnlySnapshot{tsnap}
	}
	tcat, err := tsnap.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("target catalogue: %w", err)
	}
	inTarget := map[string]*connectors.Table{}
	for i := range tcat {
		inTarget[tcat[i].Name] = &tcat[i]
	}
	// The snapshots' positions, as they were opened: part of opening them.
	pos := positions(ctx, s.src, tgt, s.snap, tsnap)
	// The run's last checkpoint in the target, part of opening it: its
	// day, and what it
	// recorded (its ledger), which verify proves nothing by but tells
	// the auditor where it differs from what verify finds.
	runCP, err := r.runCheckpoint(ctx, tsnap, inTarget)
	if err != nil {
		return nil, err
	}
	var dayProblem string
	if p.ReferenceDate.IsZero() {
		day, why, problem := r.runDay(runCP.cp, pkgRun, arcDir)
		if !day.IsZero() {
			r.opts.Now = func() time.Time { return day }
			referenceDay = day.Format(time.DateOnly) + " (" + why + ")"
		}
		dayProblem = problem
	}
	stepDone("verify: source and target opened")

	sum := &verify.Summary{
		Register: p.RegisterID.Value, RegisterName: p.RegisterName.Value, Plan: p.File,
		Source: redacted(r.srcURL), Target: redacted(r.tgtURL), ToolVersion: r.opts.ToolVersion,
		Started: started.UTC(), HashAlgorithm: vo.expected.hashVersion(), ReferenceDay: referenceDay,
	}
	if dayProblem != "" {
		sum.Fail("%s", dayProblem)
	}
	if c := runCP.cp; c != nil && !vo.endCheck {
		sum.Run = fmt.Sprintf("started %s (package.json's run %s), last checkpoint %s, stage %s (the target's %s of register %s)",
			c.Started.UTC().Format(time.RFC3339), c.Started.UTC().Format("20060102T150405Z"), runCP.at.UTC().Format(time.RFC3339), c.Stage, checkpointTableName, r.bookkeeping(nil).register)
	}
	if c := runCP.cp; c != nil && c.Stage != stageFinished && !vo.endCheck {
		// Its report.json is no PASS whatever the content: the run
		// stopped before its end check, report or last checkpoint.
		sum.Notes = append(sum.Notes, fmt.Sprintf("the run whose checkpoint the target holds (started %s) did not finish: its last checkpoint is at stage %s, and its report.json is no PASS; resume it (regflytt run) for its end check and report", c.Started.UTC().Format(time.RFC3339), c.Stage))
	}
	if runCP.cp == nil && !vo.endCheck {
		// Nothing of the run to hold the target, the package and what
		// verify reads to (sincerun.go): a PASS proves the content alone.
		sum.Notes = append(sum.Notes, fmt.Sprintf("the target holds no checkpoint of register %s (%s): nothing ties the target or the archive package to a run of the plan, so neither is held to the run's start, finish or ledger; what is verified is that they hold what the mappings give the source as it is now", r.bookkeeping(nil).register, checkpointTableName))
	}
	if sum.PlanFingerprint, err = p.Fingerprint(r.in); err != nil {
		return nil, err
	}
	if sum.PlanHash, err = p.Hash(r.in); err != nil {
		return nil, err
	}
	if n := approvalNote(p, sum.PlanHash); n != "" {
		sum.Notes = append(sum.Notes, n)
	}
	if sum.Files, err = r.fileFingerprints(); err != nil {
		return nil, err
	}
	sum.Positions = pos
	// The mappings' own tests are the outcomes the registry holder
	// reviewed: the re-application below proves the target holds what
	// this regflytt's mappings give, which means nothing to a reader if
	// they no longer give what the reviewed examples say.
	if fails, err := mappingTestFailures(r.in, p.ReferenceDate, s.catalog); err != nil {
		sum.Fail("the mappings' own tests cannot run: %v", err)
	} else if len(fails) > 0 {
		sum.Fail("the mappings' own tests fail, so the mappings do not give what the reviewed examples say: %s (regflytt map test %s)", strings.Join(fails, "; "), p.File)
	}

	// Expected content: one fixed array of bucket aggregates per
	// receiving table, sized by the target's row count.
	size := map[string]int64{}
	for i := range r.in.Schema.Tables {
		t := &r.in.Schema.Tables[i]
		if tt := inTarget[t.Name]; tt != nil {
			// The expected side a run gives is sized already: a count of
			// the target here would cost a scan of each table for nothing.
			if vo.expected == nil {
				if size[t.Name], err = tsnap.Count(ctx, t.Name); err != nil {
					return nil, fmt.Errorf("target: %w", err)
				}
			}
			// A receiving table changed after the run (a column added, a
			// type or key altered) is not what was proven.
			for _, d := range connectors.CompareTable(tgt.Dialect(), t, tt) {
				sum.Fail("receiving table %s is not as the schema declares it: %s", t.Name, d)
			}
		}
	}
	exp := vo.expected
	reapply := exp == nil
	if reapply {
		// Buckets sized by the larger of the target's rows and the
		// source's records that feed it, so that a target emptied or
		// shrunk still drills down into small buckets.
		for name, n := range sourceRowsPerTarget(ctx, s) {
			size[name] = max(size[name], n)
		}
		if exp, err = r.newExpected(size, nil); err != nil {
			return nil, err
		}
		exp.values = map[string]*verify.ValueCounts{}
		for _, name := range exp.order {
			exp.values[name] = verify.NewValueCounts(exp.contents[name].Table)
		}
		for _, tp := range s.prog.Tables {
			tp.CountSourceValues = true
		}
	}
	// Every content check's request is fixed here, before the target may
	// begin on it.
	for _, name := range exp.order {
		exp.contents[name].ReadBack = vo.readBack
	}
	var targetSides *targetChecksums
	if reapply {
		sink := &hashingSink{contents: exp.contents, groups: exp.groups, dialect: tgt.Dialect(), values: exp.values}
		// The target computes its side while the source is re-read: two
		// servers at work at once, not one after the other.
		targetSides = startTargetSides(ctx, tsnap, inTarget, exp.order, exp.contents)
		// Done by then on success; on an error, stopped, and in every
		// case ended before the snapshot is closed.
		defer targetSides.stop()
		// The rows are hashed as the connector reads them too, and held
		// to the source database's own checksum below.
		tap := newReadTap(s.snap)
		tap.selects = selectTables(s.prog, s.catalog)
		// The source's own checksums are computed beside the
		// re-application, in a second snapshot shown to see the same
		// rows, where the source gives one.
		var why string
		if tap.twin, why = startTwinSums(ctx, s.snap); tap.twin == nil {
			r.log.Info("verify: the source's own checksums follow the re-application", "why", why)
		}
		defer tap.twin.stop()
		s.snap = tap
		err := r.move(ctx, s, sink, exp.arc, exp.ledger)
		s.snap = tap.Snapshot
		if err != nil {
			return nil, fmt.Errorf("verify: re-apply the mappings: %w", err)
		}
		exp.codes = s.env.CodesUsed
		stepDone("verify: mappings re-applied to the source")
		var note string
		var tables []string
		for _, tl := range exp.ledger.Tables {
			tables = append(tables, tl.Source)
		}
		if sum.SourceReads, note, err = checkSourceReads(ctx, tap, tables); err != nil {
			return nil, err
		}
		tap.twin.stop()
		if note != "" {
			sum.Notes = append(sum.Notes, note)
		}
		for _, sr := range sum.SourceReads {
			if !sr.OK {
				sum.Fail("%s", sr.Problem())
			}
		}
		// Apart from the re-application: with a twin, the time the
		// source's own checksums took beyond it.
		stepDone("verify: rows as read held to the source database's own checksum")
	}
	if !reapply {
		// The run's own end check re-applies nothing and computes no
		// checksum of the source, but a select: giving another column
		// under a table column's name is held to the table as verify
		// holds it: by key, side by side, through the connector.
		held, err := holdSelects(ctx, s.snap, selectTables(s.prog, s.catalog), "the run's own end check computes no checksum of the source; regflytt verify holds the select's columns to it too")
		if err != nil {
			return nil, err
		}
		for _, sr := range held {
			sum.SourceReads = append(sum.SourceReads, sr)
			if !sr.OK {
				sum.Fail("%s", sr.Problem())
			}
		}
		if len(held) > 0 {
			stepDone("verify: select: columns held to their tables by key")
		}
	}
	contents, order, groups, arc, ledger := exp.contents, exp.order, exp.groups, exp.arc, exp.ledger
	if vo.expected != nil {
		sum.Notes = append(sum.Notes, RunExpectedNote)
	}

	// The receiving tables' content.
	var differing []*verify.ContentCheck
	native := &nativeFallback{problems: map[string]string{}}
	for _, name := range order {
		c := contents[name]
		tt := inTarget[name]
		if tt == nil {
			if c.Rows > 0 {
				sum.Fail("receiving table %s does not exist in the target; %d rows are expected in it", name, c.Rows)
			}
			continue
		}
		var cc *verify.ContentCheck
		if c.Native != nil {
			why := c.NativeLost()
			if why == "" {
				nr, ok := tsnap.(connectors.NativeSumReader)
				if !ok {
					why = "the target snapshot has no native row sum"
				} else if got, err := nr.NativeSums(ctx, tt, c.NativeSeed); errors.Is(err, connectors.ErrNoNativeSum) {
					why = err.Error()
				} else if err != nil {
					return nil, fmt.Errorf("verify: receiving table %s: %w", name, err)
				} else if cc = c.NativeCheck(got); !cc.OK {
					native.tables = append(native.tables, name)
					native.problems[name] = (fmt.Sprintf("receiving table %s: the target's native row sum differs from what this run wrote (%d rows written, %d in the target, sum %s written, %s in the target): a row is missing, added, or a value is stored otherwise than it was sent", name, cc.ExpectedRows, cc.ActualRows, cc.Expected.Sum1, cc.Actual.Sum1))
				}
			}
			if why != "" {
				native.why = append(native.why, "receiving table "+name+": "+why)
			}
			if cc == nil || !cc.OK {
				continue
			}
			sum.Contents = append(sum.Contents, cc)
			if g := groups[name]; g != nil {
				eqs, err := verify.CompareGroups(ctx, tsnap, tt, c, g)
				if err != nil {
					return nil, err
				}
				sum.Groups = append(sum.Groups, eqs...)
			}
			continue
		}
		if targetSides != nil {
			ts, err := targetSides.side(name)
			if err != nil {
				return nil, err
			}
			if cc, err = verify.CompareTarget(c, ts); err != nil {
				return nil, err
			}
		} else if cc, err = verify.CompareContent(ctx, tsnap, tt, c); err != nil {
			return nil, err
		}
		sum.Contents = append(sum.Contents, cc)
		if !cc.OK {
			differing = append(differing, cc)
		}
		if g := groups[name]; g != nil {
			eqs, err := verify.CompareGroups(ctx, tsnap, tt, c, g)
			if err != nil {
				return nil, err
			}
			sum.Groups = append(sum.Groups, eqs...)
		}
	}

	for _, cc := range sum.Contents {
		if cc.Native {
			sum.Notes = append(sum.Notes, RunNativeNote)
			break
		}
	}
	if len(native.problems) > 0 || len(native.why) > 0 {
		// No buckets to drill into: the caller verifies again from the
		// source, which names the records.
		return nil, native
	}
	stepDone("verify: receiving tables compared")

	// The archive package, read through archive.Reader.
	if _, err := os.Stat(arcDir); vo.ArchiveDir == "" && os.IsNotExist(err) {
		if _, serr := os.Stat(arcDir + SealedSuffix); serr == nil {
			return nil, fmt.Errorf("the archive package is sealed in %s: decrypt it (regflytt archive decrypt %s --identity KEYFILE --to DIR) and give verify --archive DIR", arcDir+SealedSuffix, arcDir+SealedSuffix)
		}
	}
	var ares verify.ArchiveResult
	if vo.archiveRead != nil && vo.archiveRead.Dir() == arcDir {
		ares = verify.CompareRead(vo.archiveRead, arc.content)
	} else {
		ares = verify.CompareArchive(arcDir, arc.content)
	}
	sum.Archive = ares.Equation
	for _, p := range ares.Problems {
		sum.Fail("%s", p)
	}
	if !vo.endCheck {
		for _, p := range packageOfRun(runCP, ares, arcDir, dayProblem != "") {
			sum.Fail("%s", p)
		}
	}
	held := ares.Held
	stepDone("verify: archive package compared")

	if len(differing) > 0 || len(ares.Differing) > 0 || len(ares.ValuesDiffering) > 0 {
		if err := r.drillDown(ctx, s, tgt.Dialect(), tsnap, inTarget, contents, differing, arcDir, ares, vo.expected != nil, sum); err != nil {
			return nil, err
		}
		stepDone("verify: differences drilled down")
	}
	// A package another regflytt wrote is compared as any other (one that
	// holds what the mappings give passes), but where it differs the
	// difference may be the versions' (a rule, or a detail's wording,
	// changed between them), not the package's: say which wrote it.
	// Records an erasure removed from the package are archived by the
	// mappings until the plan's erasure list names their persons (they
	// are then excluded, erasure): the log's word alone accounts for
	// nothing, since an event can be written by anyone re-bagging.
	for _, e := range ares.Erasures {
		if ares.Differs {
			sum.Fail("archive package: its log records an erasure (reference %s, %s, %d records and %d values removed): the records it removed are missing here until the plan's erasure list (erasure:) names their persons, which accounts them as excluded for erasure", e.Reference, e.At, e.Count["records_removed"], e.Count["values_removed"])
		}
	}
	if m := ares.Meta; m != nil {
		// The package records the plan that wrote it. Another version
		// here decides nothing (the content compared above does, as this
		// version gives it, and an acknowledgement or an erasure list
		// added since the run is a rightful change), but an auditor
		// reading a PASS is told that it is not of the plan that ran.
		// By the plan's hash where the package records it: an approval
		// or a milestone recorded since the run is no other version.
		switch {
		case m.PlanHash != "":
			if m.PlanHash != sum.PlanHash {
				sum.Notes = append(sum.Notes, fmt.Sprintf("archive package %s: written by the run of another version of the plan (its package.json's plan_hash %.12s…, the plan verified %.12s…): the plan, its schema or a mapping changed since the run; what is verified is what the plan verified gives", arcDir, m.PlanHash, sum.PlanHash))
			}
		case m.PlanFingerprint != "" && m.PlanFingerprint != sum.PlanFingerprint:
			sum.Notes = append(sum.Notes, fmt.Sprintf("archive package %s: written by the run of another version of the plan (its package.json's plan_fingerprint %.12s…, the plan verified %.12s…): the plan, its schema or a mapping changed since the run (or its approvals or progress: the package was written before packages recorded the plan's hash); what is verified is what the plan verified gives", arcDir, m.PlanFingerprint, sum.PlanFingerprint))
		}
		if ares.Differs && m.ToolVersion != r.opts.ToolVersion {
			sum.Fail("archive package: written by regflytt %s (its package.json), verified by regflytt %s: a difference above may be a rule or a detail's wording that changed between the two versions, not a change to the package: verify the run with the regflytt that ran it, or run it again", orUnnamed(m.ToolVersion), orUnnamed(r.opts.ToolVersion))
		}
		// Each table as the package describes it is the source's: what
		// SIARD tools and archive extract label its cells by.
		shapes := archivedShapes(s)
		for _, ts := range ares.Tables {
			if src := shapes[ts.Table]; src != nil {
				if why := verify.SameShape(ts, src); why != "" {
					sum.Fail("archive package %s: table %s is described otherwise than the source table: %s", arcDir, ts.Table, why)
				}
			}
		}
		// The package says whose it is and where it came from (what an
		// auditor and portfolio status read of it): the plan's. The plan
		// file, fingerprint, run and reference date may differ (an
		// erasure list added since, a plan moved); the content compared
		// above is what they decide.
		want := r.archiveMeta(time.Time{}, "")
		for _, f := range []struct{ name, got, want string }{
			{"register", m.Register, want.Register},
			{"owner", m.Owner, want.Owner},
			{"former owner", m.FormerOwner, want.FormerOwner},
			{"RCO", m.RCO, want.RCO},
			{"former RCO", m.RCOFormer, want.RCOFormer},
			{"source platform", m.SourceSystem, want.SourceSystem},
			{"receiving platform", m.TargetSystem, want.TargetSystem},
		} {
			if f.got != f.want {
				sum.Fail("archive package %s: its package.json names %s %q, the plan %q", arcDir, f.name, f.got, f.want)
			}
		}
	}

	// The equations per source table. The run's own counts are waited
	// for once, not per table; a table they lack is counted here.
	var runCounts map[string]int64
	if vo.sourceCounts != nil && vo.expected != nil && len(ledger.Tables) > 0 {
		if runCounts, err = vo.sourceCounts(); err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
	}
	for _, tl := range ledger.Tables {
		n, counted := runCounts[tl.Source]
		if !counted {
			if n, err = s.snap.Count(ctx, tl.Source); err != nil {
				return nil, fmt.Errorf("verify: count source table %s: %w", tl.Source, err)
			}
		}
		eq := verify.TableEquation{Source: tl.Source, Target: tl.Target, SourceRecords: n, Read: tl.Read,
			Migrated: tl.Migrated, Archived: tl.Archived, Excluded: tl.Excluded,
			ArchivedBy: nonEmpty(tl.ArchivedBy), ExcludedBy: nonEmpty(tl.ExcludedBy), InArchive: held[tl.Source],
			ValuesArchivedBy: nonEmpty(tl.ValuesArchivedBy), ValuesNulledBy: nonEmpty(tl.ValuesNulledBy),
			ValuesLostBy: nonEmpty(tl.ValuesLostBy), ValuesNotChosenBy: nonEmpty(tl.ValuesNotChosenBy), Warnings: nonEmpty(tl.Warnings),
			CenturyInferred: tl.CenturyInferred, CenturyUnread: tl.CenturyUnread}
		if tl.CenturyInferred > 0 {
			sum.Notes = append(sum.Notes, tl.Source+": "+verify.CenturyInferredNote(tl.CenturyInferred))
		}
		if tl.CenturyUnread > 0 {
			sum.Notes = append(sum.Notes, tl.Source+": "+verify.CenturyUnreadNote(tl.CenturyUnread))
		}
		eq.OK = n == tl.Read && n == tl.Migrated+tl.Archived+tl.Excluded && held[tl.Source] == tl.Archived
		if n != tl.Read || n != tl.Migrated+tl.Archived+tl.Excluded {
			sum.Fail("source table %s: %d records, but the mappings read %d and give %d migrated + %d archived + %d excluded", tl.Source, n, tl.Read, tl.Migrated, tl.Archived, tl.Excluded)
		}
		if held[tl.Source] != tl.Archived {
			sum.Fail("source table %s: the mappings archive %d records, the archive package holds %d", tl.Source, tl.Archived, held[tl.Source])
		}
		sum.Tables = append(sum.Tables, eq)
	}
	inLedger := map[string]bool{}
	for _, tl := range ledger.Tables {
		inLedger[tl.Source] = true
	}
	for name, n := range held {
		if !inLedger[name] && n > 0 {
			sum.Fail("the archive package holds %d records of %s, a table the mappings archive nothing of", n, name)
		}
	}
	stepDone("verify: source tables counted")
	var readChecks map[string]*verify.ContentCheck
	if vo.expected != nil {
		readChecks = map[string]*verify.ContentCheck{}
		for _, cc := range sum.Contents {
			readChecks[cc.Table] = cc
		}
	}
	if sum.Columns, err = columnEquations(ctx, tsnap, inTarget, order, contents, exp.values, ledger, arc, ares.Alone, readChecks, sum); err != nil {
		return nil, err
	}
	stepDone("verify: columns checked")
	for _, l := range ledger.Lists {
		c, _ := verify.CheckList(l)
		sum.Lists = append(sum.Lists, c)
	}
	// The equations per reporting unit and the access proof, from the
	// re-application's own per-unit counts (the writer counts them as in
	// a run) and verify's own source count.
	if !vo.ownershipChecked {
		own := &verify.Report{Register: p.RegisterID.Value, Pass: true}
		if err := r.checkOwnership(ctx, s, tgt, ledger, own); err != nil {
			return nil, fmt.Errorf("verify: reporting units and access: %w", err)
		}
		sum.Units, sum.Access = own.Units, own.Access
		for _, p := range own.Problems {
			sum.Fail("%s", p)
		}
		stepDone("verify: reporting units and access checked")
	}
	bySourceGroup := &verify.Report{Pass: true}
	if err := r.checkSourceGroups(ctx, s, ledger, bySourceGroup); err != nil {
		return nil, fmt.Errorf("verify: control groups per source table: %w", err)
	}
	sum.SourceGroups = bySourceGroup.SourceGroups
	for _, p := range bySourceGroup.Problems {
		sum.Fail("%s", p)
	}
	unitFs, err := r.unknownUnitFindings(ctx, s.snap, ledger)
	if err != nil {
		return nil, fmt.Errorf("verify: reporting units: %w", err)
	}
	more := append(append(append(append(schemaFindings(schemas), historyFindings(history)...), scopeFindings(limited)...), largeObjectFindings(lobs)...), append(snapshotFindings(engines, snapshotEngine, ledger), unitFs...)...)
	if !vo.endCheck {
		// Against the run's own record: a run's own end check is the run.
		erased := erasedPerTable(ares.Erasures)
		fs, notes := exclusionsSinceRun(runCP, ledger, sum.Tables, func(t string) bool { return r.plan.listTableReason(t) != "" }, erased)
		more = append(more, fs...)
		sum.Notes = append(sum.Notes, notes...)
	}
	declared := map[string]bool{}
	for i := range r.in.Schema.Tables {
		declared[r.in.Schema.Tables[i].Name] = true
	}
	undeclared, err := undeclaredTargetTables(ctx, tsnap, tcat, declared)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	more = append(more, undeclared...)
	r.findings(sum, ledger, exp.codes, more)
	stepDone("verify: control groups and findings")
	sum.Finish(clock())
	sum.EndCheck = vo.endCheck
	// The verdict is written first and stands whatever else cannot be
	// written: a FAIL exits 3 (ErrNotAccounted) with the write's error
	// beside it, never 1 as if verification had not finished.
	var errs []error
	if !sum.Pass {
		errs = append(errs, &VerdictError{Verdict: sum.Verdict})
	}
	reportWritten := false
	if err := os.MkdirAll(r.opts.WorkDir, 0o750); err != nil {
		errs = append(errs, fmt.Errorf("work directory: %w", err))
	} else if err := sum.WriteFiles(r.opts.WorkDir); err != nil {
		errs = append(errs, err)
	} else {
		reportWritten = true
	}
	// The unit reports are cut from verify-report.json: without it they
	// are not written (DIR was emptied as verify started), or a care
	// provider would be sent a PASS no report of the registry's gives.
	switch {
	case vo.UnitReports == "":
	case !reportWritten:
		errs = append(errs, fmt.Errorf("verify: no unit report written into %s: the verification report they are cut from could not be written", vo.UnitReports))
	default:
		if err := claim.write(ctx, r, &verify.Report{Register: sum.Register, Finished: sum.Finished, Pass: sum.Pass, Units: sum.Units}); err != nil {
			errs = append(errs, err)
		}
	}
	stepDone("verify: reports written")
	if len(errs) == 1 {
		return sum, errs[0]
	}
	return sum, errors.Join(errs...)
}

// verifyInGo hides the target's Checksummer, so that the benchmark can
// compare verification with and without pushdown.
var verifyInGo = false

// goOnlySnapshot is a snapshot without its optional extras.
type goOnlySnapshot struct{ connectors.Snapshot }

// sourceRowsPerTarget sums, per receiving table, the row estimates of the
// source tables its programs read (exact counts where no estimate is
// known): only the size of the buckets depends on it.
func sourceRowsPerTarget(ctx context.Context, s *session) map[string]int64 {
	out := map[string]int64{}
	for _, tp := range s.prog.Tables {
		src := tp.Source
		if tp.EAV != nil {
			src = tp.EAV.Entities
		}
		n := src.RowEstimate
		if n < 0 {
			if c, err := s.snap.Count(ctx, src.Name); err == nil {
				n = c
			}
		}
		out[tp.Target.Name] += max(n, 0)
	}
	return out
}

func nonEmpty(m map[string]int64) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

// columnEquations gives each receiving column's values, from the
// re-applied mappings, and its value equation: the source values of the
// migrated records (values) against the target's non-NULL values counted
// in the target, the archive package's values archived alone (alone, per
// source table) and the declared NULLs. An equation that does not hold
// fails verification, naming the column.
//
// checks, when not nil, are the content checks whose reading of the
// target may give its counts (verify.Content.CountTargetNonNull): a run's
// own end check, which read the rows back anyway. regflytt verify passes
// nil: the database's own count stands beside the connector's reading.
func columnEquations(ctx context.Context, tsnap connectors.Snapshot, inTarget map[string]*connectors.Table, order []string, contents map[string]*verify.Content,
	values map[string]*verify.ValueCounts, ledger *verify.Ledger, arc *expectedArchive, alone map[string]map[string]int64, checks map[string]*verify.ContentCheck, sum *verify.Summary) ([]verify.ColumnEquation, error) {
	var out []verify.ColumnEquation
	for _, name := range order {
		c, vc := contents[name], values[name]
		tt := inTarget[name]
		if tt == nil {
			continue // a receiving table missing from the target fails already
		}
		actual, inDB, err := c.CountTargetNonNull(ctx, tsnap, tt, checks[name])
		if err != nil {
			return nil, err
		}
		if vc == nil {
			// Expected rows that did not come from a re-read of the source.
			vc = verify.NewValueCounts(c.Table)
			vc.NotCounted = "the source was not re-read"
		}
		for i, col := range c.Table.Columns {
			eq := verify.ColumnEquation{Table: name, Column: col.Name, NonNull: c.NonNull[i], Rows: c.Rows,
				SourceValues: vc.Source[i], TargetNonNull: actual[i], MadeWithoutSource: vc.Made[i],
				NulledBy: vc.Nulled[i], CountedInDatabase: inDB, NotCounted: vc.NotCounted}
			for _, tl := range ledger.Tables {
				if tl.Target != name {
					continue
				}
				eq.ArchivedAlone += arc.alone[tl.Source][col.Name]
				eq.InArchiveAlone += alone[tl.Source][col.Name]
				eq.NulledByRule += tl.ValuesNulledBy["null_when "+col.Name]
				eq.Lost += tl.ValuesLostBy[col.Name]
			}
			if p := eq.Balance(); p != "" {
				sum.Fail("%s", p)
			}
			out = append(out, eq)
		}
	}
	return out, nil
}

// drillDown re-reads the source through the mappings once more, keeping
// only the expected rows in the differing buckets, and names the records
// and columns that differ. runs says the expected side is a run's own
// (what it wrote), not this verification's reading of the source: a
// source that no longer gives it changed since the run read it.
func (r *runner) drillDown(ctx context.Context, s *session, d connectors.Dialect, tsnap connectors.Snapshot, inTarget map[string]*connectors.Table,
	contents map[string]*verify.Content, differing []*verify.ContentCheck, arcDir string, ares verify.ArchiveResult, runs bool, sum *verify.Summary) error {
	arcDiffering := ares.Differing
	keep := &keepingSink{contents: contents, dialect: d, want: map[string]map[uint32]bool{}, rows: map[string][][]connectors.Value{}}
	karc := &keepingArchive{want: arcDiffering, kept: map[string][]verify.ArchivedKey{}, wantValues: map[string]bool{}, keptValues: map[string][]verify.ArchivedValueKey{}}
	for _, t := range ares.ValuesDiffering {
		karc.wantValues[t] = true
	}
	// A check over few buckets (a run's own) with more differing than a
	// drill-down reads is refined first: the source re-read once more into
	// finer buckets of those only, compared with the target's, and the
	// drill-down looks into the fine ones that differ.
	fine := map[string]*verify.Content{}
	for _, cc := range differing {
		f, err := cc.Refinement(contents[cc.Table])
		if err != nil {
			return err
		}
		if f != nil {
			fine[cc.Table] = f
		}
	}
	checks := map[string]*verify.ContentCheck{}
	if len(fine) > 0 {
		if err := r.move(ctx, s, &refiningSink{contents: fine, dialect: d}, &keepingArchive{}, verify.NewLedger()); err != nil {
			return fmt.Errorf("verify: drill-down: re-apply the mappings into finer buckets: %w", err)
		}
		for _, cc := range differing {
			if f := fine[cc.Table]; f != nil {
				fcc, err := verify.Refine(ctx, tsnap, inTarget[cc.Table], f, cc)
				if err != nil {
					return err
				}
				checks[cc.Table] = fcc
			}
		}
	}
	keep.contents = maps.Clone(contents)
	for t, f := range fine {
		keep.contents[t] = f
	}
	for _, cc := range differing {
		dc := cc
		if fcc := checks[cc.Table]; fcc != nil {
			dc = fcc
		}
		set := map[uint32]bool{}
		for _, b := range dc.Differing() {
			set[b] = true
		}
		keep.want[cc.Table] = set
	}
	if err := r.move(ctx, s, keep, karc, verify.NewLedger()); err != nil {
		return fmt.Errorf("verify: drill-down: re-apply the mappings: %w", err)
	}
	for _, cc := range differing {
		if fcc := checks[cc.Table]; fcc != nil {
			if err := verify.DrillDown(ctx, tsnap, inTarget[cc.Table], fine[cc.Table], fcc, keep.rows[cc.Table]); err != nil {
				return err
			}
			cc.Refined(fcc)
		} else if err := verify.DrillDown(ctx, tsnap, inTarget[cc.Table], contents[cc.Table], cc, keep.rows[cc.Table]); err != nil {
			return err
		}
		switch {
		case cc.SourceChanged > 0 && runs:
			// The drill-down compares the target with the source read
			// again: where that is not what the run wrote, it can neither
			// clear a bucket nor name what differs from the run's rows.
			sum.Fail("receiving table %s: the source changed since the run read it: in %d of the buckets in which the target differs from what the run wrote, the source read again through the mappings no longer gives the rows the run wrote, and the drill-down, which compares the target with that reading, can neither clear those buckets nor name what in them differs from what the run wrote: the target may hold values the run never wrote (regflytt verify compares the target with the source as it is now)", cc.Table, cc.SourceChanged)
		case cc.SourceChanged > 0:
			sum.Fail("receiving table %s: the source changed during verification: in %d of the buckets that differ, the source read again for the drill-down no longer gives the rows verification read first, and the drill-down can neither clear those buckets nor name what in them differs: verify again with the source at rest", cc.Table, cc.SourceChanged)
		case !cc.OK && len(cc.Differences) == 0:
			sum.Fail("receiving table %s: its content differs from what the mappings give in %d buckets, but no record could be named (a defect of verify: please report it)", cc.Table, cc.DifferingBuckets)
		}
	}
	tables := make([]string, 0, len(arcDiffering))
	for t := range arcDiffering {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		diffs, err := verify.ArchiveDrillDown(arcDir, t, arcDiffering[t], karc.kept[t])
		if err != nil {
			sum.Fail("archive package: drill-down of %s: %v", t, err)
			continue
		}
		sum.ArchiveExceptions = append(sum.ArchiveExceptions, diffs...)
		if len(diffs) == 0 {
			sum.Fail("archive package: the records of %s differ from what the mappings archive, in %d buckets, but no record could be named", t, len(arcDiffering[t]))
		}
	}
	for _, t := range ares.ValuesDiffering {
		diffs, err := verify.ValuesDrillDown(arcDir, t, karc.keptValues[t])
		if err != nil {
			sum.Fail("archive package: drill-down of the values archived alone of %s: %v", t, err)
			continue
		}
		sum.ArchiveExceptions = append(sum.ArchiveExceptions, diffs...)
	}
	return nil
}

// orUnnamed names a regflytt version, which a package or a build may lack.
func orUnnamed(version string) string {
	if version == "" {
		return "(version not recorded)"
	}
	return version
}

// sink is the hashing sink that adds rows to the expected contents and
// control groups (nil for no expected side).
func (e *expected) sink() *hashingSink {
	if e == nil {
		return nil
	}
	return &hashingSink{contents: e.contents, groups: e.groups}
}

// teeArchive hands each archived record and value to the run's archive
// parts and to the expected archive of its own end check.
type teeArchive struct {
	archiver
	exp *expectedArchive
}

func (t *teeArchive) Add(tb *connectors.Table, rec archive.Record) error {
	if err := t.archiver.Add(tb, rec); err != nil {
		return err
	}
	return t.exp.Add(tb, rec)
}

func (t *teeArchive) AddValue(tb *connectors.Table, v archive.Value) error {
	if err := t.archiver.AddValue(tb, v); err != nil {
		return err
	}
	return t.exp.AddValue(tb, v)
}

// keepingArchive keeps the archived records of the differing buckets,
// and every value archived alone of the tables whose values differ, for
// an archive drill-down.
type keepingArchive struct {
	want       map[string][]int
	kept       map[string][]verify.ArchivedKey
	wantValues map[string]bool
	keptValues map[string][]verify.ArchivedValueKey
}

func (k *keepingArchive) Add(t *connectors.Table, rec archive.Record) error {
	if k.want[t.Name] == nil {
		return nil
	}
	ak, err := verify.ArchivedKeyOf(rec)
	if err != nil {
		return err
	}
	if verify.InBuckets(k.want, t.Name, ak.Hash) {
		k.kept[t.Name] = append(k.kept[t.Name], ak)
	}
	return nil
}

func (k *keepingArchive) AddValue(t *connectors.Table, v archive.Value) error {
	if !k.wantValues[t.Name] {
		return nil
	}
	vk, err := verify.ArchivedValueKeyOf(v)
	if err != nil {
		return err
	}
	k.keptValues[t.Name] = append(k.keptValues[t.Name], vk)
	return nil
}

// hashingSink takes the rows the mappings give and hashes them into their
// receiving table's expected content; nothing is written.
type hashingSink struct {
	contents map[string]*verify.Content
	groups   map[string]*verify.Groups
	dialect  connectors.Dialect
	// values are the source sides of the value equations (writer.countValues).
	values map[string]*verify.ValueCounts
}

func (h *hashingSink) valueCounts(target string) *verify.ValueCounts { return h.values[target] }

func (h *hashingSink) Write(_ context.Context, t *connectors.Table, rows [][]connectors.Value) error {
	c := h.contents[t.Name]
	if c == nil {
		return fmt.Errorf("verify: rows for %s, which the receiving schema does not declare", t.Name)
	}
	g := h.groups[t.Name]
	for _, row := range rows {
		if err := c.Add(row); err != nil {
			return err
		}
		if g != nil {
			if err := g.Add(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dialect is the target's: a value it cannot hold is archived as in the
// run (checkTarget), so the expected outcomes are the run's.
func (h *hashingSink) Dialect() connectors.Dialect { return h.dialect }

// refiningSink hashes the rows of the tables whose check is refined into
// their finer content (verify.ContentCheck.Refinement), which takes those
// of the differing buckets only; the other tables' rows are passed over.
type refiningSink struct {
	contents map[string]*verify.Content
	dialect  connectors.Dialect
}

func (f *refiningSink) Write(_ context.Context, t *connectors.Table, rows [][]connectors.Value) error {
	c := f.contents[t.Name]
	if c == nil {
		return nil
	}
	for _, row := range rows {
		if err := c.Add(row); err != nil {
			return err
		}
	}
	return nil
}

func (f *refiningSink) Dialect() connectors.Dialect { return f.dialect }

// keepingSink keeps the rows of the differing buckets, for a drill-down.
type keepingSink struct {
	contents map[string]*verify.Content
	dialect  connectors.Dialect
	want     map[string]map[uint32]bool
	rows     map[string][][]connectors.Value
}

func (k *keepingSink) Write(_ context.Context, t *connectors.Table, rows [][]connectors.Value) error {
	set := k.want[t.Name]
	if set == nil {
		return nil
	}
	for _, row := range rows {
		b, err := k.contents[t.Name].Bucket(row)
		if err != nil {
			return err
		}
		if set[b] {
			k.rows[t.Name] = append(k.rows[t.Name], row)
		}
	}
	return nil
}

func (k *keepingSink) Dialect() connectors.Dialect { return k.dialect }

// expectedArchive hashes the records the mappings archive into the
// expected archive content; nothing is written.
type expectedArchive struct {
	content *verify.ArchiveContent
	// alone counts the values archived alone, per source table and
	// receiving column.
	alone map[string]map[string]int64
}

func (e *expectedArchive) Add(t *connectors.Table, rec archive.Record) error {
	return e.content.Add(t.Name, rec)
}

func (e *expectedArchive) AddValue(t *connectors.Table, v archive.Value) error {
	if err := e.content.AddValue(t.Name, v); err != nil {
		return err
	}
	if e.alone == nil {
		e.alone = map[string]map[string]int64{}
	}
	if e.alone[t.Name] == nil {
		e.alone[t.Name] = map[string]int64{}
	}
	e.alone[t.Name][v.Column]++
	return nil
}

// FindingValuesArchivedShare is the finding of more of a table's records
// migrated with values archived alone (granularity: value) than
// archived_share_max: values_archived_share.<source table> in
// verification.acknowledge.
const FindingValuesArchivedShare = "values_archived_share"

// findings raises the alarms that need a person, with the plan's
// acknowledgements.
func (r *runner) findings(sum *verify.Summary, ledger *verify.Ledger, used *mappings.CodeUse, more []verify.Finding) {
	v := r.plan.Verification
	fs := more
	for _, tl := range ledger.Tables {
		if tl.Target == "" {
			// Read by no mapping: archived whole by the plan's decision,
			// which unmapped_tables states with its reason.
			f := verify.Finding{Kind: ReasonTableNotMapped, Subject: tl.Source, Count: tl.Archived, Of: tl.Read,
				Message: fmt.Sprintf("%s is read by no mapping: its %d records are archived whole", tl.Source, tl.Read)}
			if reason, ok := r.plan.UnmappedTables[tl.Source]; ok {
				f.Acknowledged, f.Reason = true, reason.Value
			}
			if r.plan.listTableReason(tl.Source) == "" {
				fs = append(fs, f)
			}
		} else if tl.Read > 0 && tl.Archived > 0 && float64(tl.Archived) > v.ArchivedShareMax*float64(tl.Read) {
			fs = append(fs, verify.Finding{Kind: "archived_share", Subject: tl.Source, Count: tl.Archived, Of: tl.Read,
				Message: fmt.Sprintf("%d of %d records of %s archived, more than the plan's %.1f%%", tl.Archived, tl.Read, tl.Source, 100*v.ArchivedShareMax)})
		}
		// Under granularity: value a value that fails is archived alone and
		// its record migrates: a column the mapping cannot read at all (a
		// date in another layout) arrives empty with every record migrated,
		// which archived_share, counting records, never sees.
		if n := tl.ValuesArchivedRecords; tl.Target != "" && tl.Read > 0 && n > 0 && float64(n) > v.ArchivedShareMax*float64(tl.Read) {
			fs = append(fs, verify.Finding{Kind: FindingValuesArchivedShare, Subject: tl.Source, Count: n, Of: tl.Read,
				Message: fmt.Sprintf("%d of %d records of %s migrated with values archived alone (%d values, granularity: value), more than the plan's %.1f%%: those columns are left empty in the target", n, tl.Read, tl.Source, tl.ValuesArchived, 100*v.ArchivedShareMax)})
		}
		for _, code := range sortedCodes(tl.Warnings) {
			n := tl.Warnings[code]
			msg := fmt.Sprintf("%d %s of %s raised %s", n, recordWord(n), tl.Source, code)
			switch code {
			case mappings.WarnPersonNotChecked:
				a := tl.Warnings[mappings.WarnPersonNotCheckedArchived]
				msg = fmt.Sprintf("%d %s of %s whose person could not be read (%d migrated, %d archived): not checked against the opt-out and erasure lists", n, recordWord(n), tl.Source, n-a, a)
			case mappings.WarnPersonNotCheckedArchived:
				// Part of person_not_checked's count: one finding, one
				// acknowledgement for the table's unchecked records.
				continue
			}
			fs = append(fs, verify.Finding{Kind: code, Subject: tl.Source, Count: n, Of: tl.Read, Message: msg})
		}
		if tl.ValuesLost > 0 {
			fs = append(fs, verify.Finding{Kind: "values_lost", Subject: tl.Source, Count: tl.ValuesLost, Fatal: true,
				Message: fmt.Sprintf("%d non-NULL values of %s become NULL by no declared rule and are not archived", tl.ValuesLost, tl.Source)})
		}
	}
	for _, table := range sortedCodes(ledger.CenturyPairs) {
		n, word := ledger.CenturyPairs[table], "numbers"
		if n == 1 {
			word = "number"
		}
		// The numbers of the table that could not be read are not in the
		// count: the finding says so, beside the note.
		unread := ""
		for _, tl := range ledger.Tables {
			if tl.Source == table && tl.CenturyUnread > 0 {
				unread = fmt.Sprintf(" (and %d more of %s could not be read, so were not checked)", tl.CenturyUnread, table)
			}
		}
		fs = append(fs, verify.Finding{Kind: FindingCenturyPair, Subject: table, Count: n,
			Message: fmt.Sprintf("%d identity %s of %s%s, written with 10 digits and no '+', read against the reference date alone in another century than the same ten digits written with their century elsewhere in the source (121212-1212 read as born 2012 beside 19121212-1212): one patient gets two numbers and two pseudonyms, or two patients a century apart are told apart by the way they were written; give the record's birth date or visit date as born_by, pseudonym(personnr, besoksdatum), or acknowledge it", n, word, table, unread)})
	}
	if n := ledger.CenturyPairsUnchecked; n > 0 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("%d identity numbers read were not checked for the same ten digits read in two centuries (%s): the run holds %d ten digits at most", n, FindingCenturyPair, maxCenturyKeys))
	}
	for _, l := range ledger.Lists {
		if l.Unmatched == 0 {
			continue
		}
		f := verify.Finding{Kind: "list_unmatched", Subject: l.List, Count: l.Unmatched, Of: l.Entries,
			Message: fmt.Sprintf("%d of %d %s entries match no person in the source", l.Unmatched, l.Entries, l.List)}
		if l.Unmatched == l.Acknowledged {
			f.Acknowledged, f.Reason = true, l.AcknowledgedReason
		}
		fs = append(fs, f)
	}
	fs = append(fs, r.codesNeverSeen(used)...)
	fs = append(fs, loginSharedFinding(sum.Access)...)
	fs = append(fs, endedSinceFinding(sum.Access)...)
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		f.ID = f.Kind + "." + f.Subject
		seen[f.ID] = true
		if ack, ok := v.Acknowledge[f.ID]; ok && !f.Fatal {
			f.Acknowledged, f.Reason = true, ack.Value
		}
	}
	// Whether anyone could be excluded as opted out is part of what the
	// report proves: an empty excluded column means nothing if no list
	// was read.
	switch {
	case r.plan.OptOutNone.IsSet():
		sum.Notes = append(sum.Notes, fmt.Sprintf("%s: the plan has no opt-out list: %s", r.plan.OptOutNone.Pos, r.plan.OptOutNone.Value))
	case !r.plan.hasOptOutList():
		sum.Notes = append(sum.Notes, "the plan names no opt-out list: no record was excluded for an opt-out, and none could have been (name the list, optout:, or why the register has none, optout: {none: reason})")
	}
	for _, id := range sortedStrs(v.Acknowledge) {
		if !seen[id] {
			sum.Notes = append(sum.Notes, fmt.Sprintf("%s: verification.acknowledge names %s, which is no finding of this verification (remove it once it is no longer expected, so that it cannot hide a later one)", v.Acknowledge[id].Pos, id))
		}
	}
	sum.Findings = fs
}

// codesNeverSeen finds, per code list, the codes no source record used:
// a list written for another version of the platform, or a code written
// wrong, maps nothing, and the values it was meant for went elsewhere.
func (r *runner) codesNeverSeen(used *mappings.CodeUse) []verify.Finding {
	if used == nil {
		return nil
	}
	var out []verify.Finding
	done := map[string]bool{}
	for _, m := range r.in.Mappings {
		for _, cl := range m.CodeLists {
			name := cl.Name.Value
			if done[name] {
				continue
			}
			done[name] = true
			var never, all int64
			var versions []string
			for _, ver := range cl.VersionNames() {
				codes := map[string]bool{}
				for c := range cl.Versions[ver] {
					codes[c] = true
				}
				for c := range cl.Nulls[ver] {
					codes[c] = true
				}
				var n int64
				for c := range codes {
					all++
					if !used.Seen(name, ver, c) {
						n++
					}
				}
				if n > 0 {
					label := ver
					if label == "" {
						label = "(one version)"
					}
					versions = append(versions, fmt.Sprintf("%s: %d", label, n))
				}
				never += n
			}
			if never > 0 {
				out = append(out, verify.Finding{Kind: "codes_never_seen", Subject: name, Count: never, Of: all,
					Message: fmt.Sprintf("%d of %d codes of code list %s map no source value (%s)", never, all, name, strings.Join(versions, ", "))})
			}
		}
	}
	return out
}

func sortedGroupTables(m map[string][]mappings.Str) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCodes(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedStrs(m map[string]mappings.Str) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileFingerprints gives the SHA-256 of the plan and every input file
// it names: schema, mappings, code lists, and of the opt-out and erasure
// files a digest of it (connectors.SlowDigest); never the pseudonymisation key
// file's: a secret's hash helps guess it.
func (r *runner) fileFingerprints() ([]verify.FileFingerprint, error) {
	type file struct {
		role, path string
		list       bool
	}
	files := []file{{role: "plan", path: r.plan.File}}
	if r.in.Schema != nil {
		files = append(files, file{role: "receiving schema", path: r.in.Schema.File})
	}
	for _, m := range r.in.Mappings {
		files = append(files, file{role: "mapping", path: m.Path})
		for _, inc := range m.Includes {
			files = append(files, file{role: "code list", path: inc})
		}
	}
	for _, l := range r.plan.exclusionLists() {
		if l.file.IsSet() {
			files = append(files, file{role: l.name + " list", path: r.plan.Path(l.file.Value), list: true})
		}
	}
	var out []verify.FileFingerprint
	for _, f := range files {
		h, err := sha256File(f.path)
		if err != nil {
			return nil, fmt.Errorf("fingerprint: %w", err)
		}
		if f.list {
			out = append(out, verify.FileFingerprint{Role: f.role, Path: f.path, Digest: connectors.SlowDigest(h)})
			continue
		}
		out = append(out, verify.FileFingerprint{Role: f.role, Path: f.path, SHA256: h})
	}
	return out, nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// positionQueries ask a database where in its history it stands, per
// dialect: PostgreSQL's WAL insert position, MariaDB's GTID position.
// Asked inside the snapshot's transaction, after its first read, so the
// position is at or after the snapshot's: an auditor re-running verify
// against a copy restored to it sees at least what this run saw.
var positionQueries = map[string]struct{ kind, query string }{
	"postgres": {"postgres_wal_lsn", "SELECT pg_current_wal_lsn()::text AS position"},
	"mysql":    {"mariadb_gtid_current_pos", "SELECT @@gtid_current_pos AS position"},
}

// positions records the snapshots' positions where the dialect can tell
// them; a database that cannot (SQLite, a standby, MySQL without
// MariaDB's GTID variable) is left out, never an error.
func positions(ctx context.Context, src, tgt connectors.Source, srcSnap, tgtSnap connectors.Snapshot) []verify.Position {
	var out []verify.Position
	for _, s := range []struct {
		side string
		db   connectors.Source
		snap connectors.Snapshot
	}{{"source", src, srcSnap}, {"target", tgt, tgtSnap}} {
		pq, ok := positionQueries[s.db.Dialect().Name()]
		q, isQ := s.snap.(connectors.Querier)
		if !ok || !isQ {
			continue
		}
		if v := queryPosition(ctx, q, pq.query); v != "" {
			out = append(out, verify.Position{Side: s.side, Kind: pq.kind, Value: v})
		}
	}
	return out
}

func queryPosition(ctx context.Context, q connectors.Querier, query string) string {
	cols, err := q.DescribeQuery(ctx, query)
	if err != nil || len(cols) != 1 {
		return ""
	}
	rows, err := q.ScanQuery(ctx, query, cols, connectors.ScanOptions{Key: []string{cols[0].Name}})
	if err != nil {
		return ""
	}
	defer rows.Close()
	if !rows.Next() {
		return ""
	}
	v, _ := connectors.FormatValue(rows.Row()[0])
	return v
}

// verifyContent ends a run with the same checker as `regflytt verify`
// (issue 20): counts alone PASS a run whose target changed a value (a
// trigger, a rounding column). Anything it finds but alarms fails the
// run, named by table, key and column; alarms are listed in the report
// and gate `regflytt verify` only.
//
// exp is the expected side the run took from its own stream of written
// rows and archived records; the target's side is computed after the
// move, read back through the target's connector where that is cheaper
// than its SQL (PostgreSQL: 1M rows of 12 columns, 0.6-0.9 server CPU-s
// and 1.4-1.8 of regflytt's against 4.5-5.5 of the server's), else in the
// database. The comparison, the drill-down
// (which re-reads the source through the mappings for the differing
// buckets only) and the report are verify's. This proves the target and
// the archive hold exactly what the run mapped and wrote; the proof from
// the source is `regflytt verify`. With exp nil (a resumed run, which did
// not see what the earlier run wrote) the source is re-read through the
// mappings, as verify does.
//
// ledger is the run's own, from its checkpoints: a resumed run's
// counts per reason were carried over from the stopped run, so they are
// held to the re-read's (reasonCountsDiffer), which only a resumed run
// has (exp nil); a run that was not resumed verifies against its ledger.
func (r *runner) verifyContent(ctx context.Context, arcRead *verify.ArchiveReading, rep *verify.Report, exp *expected, sourceCounts func() (map[string]int64, error), ledger *verify.Ledger) (readBack map[string]int64, err error) {
	opts := r.opts
	opts.SourceURL, opts.TargetURL = r.srcURL, r.tgtURL
	opts.NewWorkDir, opts.WorkDirChosen, opts.Restart, opts.UnitReports = nil, nil, false, ""
	opts.Progress = NoProgress{}
	vo := VerifyOptions{ArchiveDir: arcRead.Dir(), ownershipChecked: true, expected: exp, scratch: r.scratch, archiveRead: arcRead, readBack: true, sourceCounts: sourceCounts, endCheck: true}
	sum, err := VerifyWith(ctx, r.plan, opts, vo)
	var native *nativeFallback
	if errors.As(err, &native) {
		// A native row sum differs, or could not be compared: verified
		// again as a resumed run is, from the source re-read through the
		// mappings, which names the records. A sum that differs fails the
		// run whatever that finds: what the target stores is not what
		// this run sent.
		for _, w := range native.why {
			r.log.Info("the end check verifies from the source", "why", w)
		}
		for _, t := range native.tables {
			r.log.Warn("the end check verifies from the source to name the records", "why", native.problems[t])
			rep.Pass = false
			rep.Problems = append(rep.Problems, native.problems[t])
		}
		exp = nil
		vo.expected, vo.sourceCounts = nil, nil
		sum, err = VerifyWith(ctx, r.plan, opts, vo)
		if sum != nil {
			// A table the source, read again, agrees with while the target
			// is not what the run wrote: the source changed alike since
			// the run read it (an application writing to both), or a float
			// was stored otherwise but within the tolerance.
			for _, t := range native.tables {
				for _, cc := range sum.Contents {
					if cc.Table == t && cc.OK {
						rep.Problems = append(rep.Problems, fmt.Sprintf("receiving table %s: the source changed since the run read it, or a float was stored within the tolerance but otherwise than sent: the target is not what this run wrote (its native row sum), yet the source read again through the mappings gives what it holds, so no record can be named; the target may hold values the run never wrote (regflytt verify compares the target with the source as it is now)", t))
					}
				}
			}
		}
	}
	// VerifyWith's error is a *VerdictError alone when the verification
	// finished and FAILed, and nothing else went wrong.
	if _, failedOnly := err.(*VerdictError); err != nil && !failedOnly {
		return nil, fmt.Errorf("verify the run's content: %w", err)
	}
	if sum == nil {
		return nil, fmt.Errorf("verify the run's content: no summary")
	}
	rep.Alarms = sum.Alarms()
	for _, a := range rep.Alarms {
		// Other alarms ask a person about records the run accounted for;
		// a schema the plan does not read holds records it never read,
		// so a PASS would say every source record is accounted for
		// while they are not; so does a table's history no read sees,
		// a table the account's grants hide, and large objects' content.
		// Acknowledged, it is no alarm.
		if a.Kind == FindingSchemaNotRead || a.Kind == FindingHistoryNotRead || a.Kind == FindingCatalogueLimited || a.Kind == FindingLargeObjectsNotRead {
			rep.Pass = false
			rep.Problems = append(rep.Problems, "source records this run never read: "+a.ID+" (see its alarm)")
		}
		// Records read without a snapshot may be a cut the source never
		// held; nothing this run checked could tell.
		if a.Kind == FindingSourceWithoutSnapshot {
			rep.Pass = false
			rep.Problems = append(rep.Problems, "source records read without a snapshot: "+a.ID+" (see its alarm)")
		}
	}
	for _, p := range sum.Failures() {
		rep.Pass = false
		rep.Problems = append(rep.Problems, p)
	}
	if exp == nil {
		for _, p := range reasonCountsDiffer(ledger, sum.Tables) {
			rep.Pass = false
			rep.Problems = append(rep.Problems, p)
		}
	}
	return sum.RowsReadBack(), nil
}

// reasonCountsDiffer holds a run's counts per reason and per column to
// those of the source re-read through the mappings (verification's
// equations): the totals are held to the source, the target and the
// archive package already (verify.CountsRead), but a resumed run's
// report carried the stopped run's counts per reason over from its
// checkpoint, and a count moved from one reason to another, or a value
// left out by a choice counted twice, would pass with every total right.
func reasonCountsDiffer(ledger *verify.Ledger, eqs []verify.TableEquation) []string {
	if ledger == nil {
		return nil
	}
	byTable := map[string]*verify.TableLedger{}
	for _, tl := range ledger.Tables {
		byTable[tl.Source] = tl
	}
	var out []string
	for _, eq := range eqs {
		tl := byTable[eq.Source]
		if tl == nil {
			continue // a table this run's ledger lacks fails on its counts
		}
		for _, c := range []struct {
			what      string
			run, read map[string]int64
		}{
			{"records archived by reason", tl.ArchivedBy, eq.ArchivedBy},
			{"records excluded by reason", tl.ExcludedBy, eq.ExcludedBy},
			{"values archived alone by reason", tl.ValuesArchivedBy, eq.ValuesArchivedBy},
			{"values made NULL by rule", tl.ValuesNulledBy, eq.ValuesNulledBy},
			{"values lost by column", tl.ValuesLostBy, eq.ValuesLostBy},
			{"values not chosen by column", tl.ValuesNotChosenBy, eq.ValuesNotChosenBy},
		} {
			if !maps.Equal(nonEmpty(c.run), nonEmpty(c.read)) {
				out = append(out, fmt.Sprintf("source table %s: this run counts %s %v, the source re-read through the mappings gives %v", eq.Source, c.what, c.run, c.read))
			}
		}
	}
	return out
}

// recordWord is "record" or "records", for n of them.
func recordWord(n int64) string {
	if n == 1 {
		return "record"
	}
	return "records"
}

// approvalNote says when the plan verified is a version its registry
// holder did not approve: a plan edited after its approval (a code list,
// a rule) runs and verifies like any other, and without this note the
// reports said nothing of it. A technical starter with no template and
// no approval is not reviewed, and gets none.
func approvalNote(p *Plan, sum string) string {
	if !p.Template.Begun() || p.Approved(sum) {
		return ""
	}
	var others []string
	for _, a := range p.Template.Approvals {
		if HolderRole(a.Role.Value) {
			others = append(others, fmt.Sprintf("%s on %s, sha256 %.12s…", a.By.Value, a.Date, a.SHA256.Value))
		}
	}
	if len(others) == 0 {
		return fmt.Sprintf("%s: the plan verified (its plan_hash) is not approved: no registry holder's approval of this version is recorded (regflytt plan approve)", p.File)
	}
	return fmt.Sprintf("%s: the plan verified (its plan_hash) is not the version its registry holder approved (%s): the plan or a file it names changed since; what the run did is of this version (regflytt plan render shows it, plan approve records an approval)", p.File, strings.Join(others, "; "))
}

// Rules of the day grants are judged on, when the plan names no
// run.reference_date (runDay).
const (
	// RuleReferenceDayDiffers: the archive package's run day is not the
	// day the run's checkpoint in the target says it started.
	RuleReferenceDayDiffers = "reference_day_differs"
	// RuleReferenceDayUnconfirmed: the plan judges grants, the target
	// holds no checkpoint of the plan's runs to confirm the package's day.
	RuleReferenceDayUnconfirmed = "reference_day_unconfirmed"
)

// runDay is the day a plan without run.reference_date judges grants on:
// when its run started. The archive package says so (pkgRun, zero when
// it cannot be read), and so does the run's last checkpoint in the
// target (regflytt_checkpoint, written in the batches' own
// transactions): whoever rewrites the package and its checksums can move
// the package's day back to before appointments ended and carry them,
// but not the target's. The target's day is the one judged on; a
// package that says another fails (RuleReferenceDayDiffers), and so does
// a plan with an access section whose target holds no checkpoint to
// confirm the package's day (RuleReferenceDayUnconfirmed). problem is
// "" when nothing fails; day is zero when neither side says.
func (r *runner) runDay(cp *checkpoint, pkgRun time.Time, arcDir string) (day time.Time, why, problem string) {
	register := r.bookkeeping(nil).register
	judged := r.in != nil && mappings.Access(r.in.Mappings) != nil
	if cp == nil || cp.Started.IsZero() {
		if pkgRun.IsZero() {
			return time.Time{}, "", ""
		}
		if judged {
			problem = fmt.Sprintf("%s: the archive package %s says the run started %s, and the target holds no checkpoint of register %s (%s) to confirm it: grants are judged on that day without run.reference_date, and a package rewritten with another day would pass expired appointments; give the plan run.reference_date (the day the run judged on), or verify the target the run wrote",
				RuleReferenceDayUnconfirmed, arcDir, pkgRun.Format(time.DateOnly), register, checkpointTableName)
		}
		return pkgRun, "the run's start, from the archive package", problem
	}
	started := cp.Started.UTC().Truncate(time.Second)
	if !pkgRun.IsZero() && !pkgRun.Equal(started) {
		problem = fmt.Sprintf("%s: the archive package %s says the run started %s (package.json run %s), the target's %s of register %s says %s: grants are judged on the target's day; the package was rewritten or is another run's",
			RuleReferenceDayDiffers, arcDir, pkgRun.Format(time.DateOnly), pkgRun.Format("20060102T150405Z"), checkpointTableName, register, started.Format("2006-01-02 (20060102T150405Z)"))
	}
	return started, "the run's start, from its checkpoint in the target", problem
}
