package plans

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/verify"
)

// partsDirName is the folder of the work directory that holds the archive
// parts until the package is assembled.
const partsDirName = "archive-parts"

// scratchDirName is the folder of the work directory that holds a run's
// temporary files; each run removes the ones earlier runs left first.
const scratchDirName = "regflytt-scratch"

// scratchPatterns name what a run makes in its scratch directory (the
// directories of newLinks, newSpill and the receiving keys' spill).
var scratchPatterns = []string{"regflytt-links-*", "regflytt-merge-*", "regflytt-keys-*"}

// clearScratch removes what runs made in dir and nothing else: a work
// directory may be a person's own folder (--work .), and a file they put
// there is not a run's to delete.
func clearScratch(dir string) error {
	for _, pat := range scratchPatterns {
		found, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return fmt.Errorf("scratch directory: %w", err)
		}
		for _, f := range found {
			if err := os.RemoveAll(f); err != nil {
				return fmt.Errorf("scratch directory: %w", err)
			}
		}
	}
	return nil
}

// run executes the plan as a sequence of commit units, resuming from the
// plan's last checkpoint in the target unless Options.Restart says to
// start over.
func (r *runner) run(ctx context.Context) (*verify.Report, error) {
	started := r.opts.Now()
	for _, t := range r.in.Schema.Tables {
		if t.Name == runTableName || t.Name == checkpointTableName {
			return nil, fmt.Errorf("%s: receiving table %s has the name of regflytt's own bookkeeping table in the target: rename it in the receiving schema (nothing was written)", r.in.Schema.File, t.Name)
		}
	}
	s, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close(ctx)

	raw, err := all.OpenTarget(ctx, r.tgtURL)
	if err != nil {
		return nil, err
	}
	if r.opts.WrapTarget != nil {
		raw = r.opts.WrapTarget(raw)
	}
	pol := r.opts.Retry
	if pol.Log == nil {
		pol.Log = r.log
	}
	pol.Watch = r.watch
	r.opts.Retry = pol
	tgt := wrap.Target(raw, pol)
	// Watched, as every operation on the target: a pool that waits for
	// a connection a frozen server holds hung the run after its report
	// for ever, with nothing on screen.
	defer wrap.CloseContext(ctx, tgt)

	bk := r.bookkeeping(tgt)
	unlock, err := r.lock(ctx, tgt, bk)
	if err != nil {
		return nil, err
	}
	rl := &runLock{tgt: tgt, bk: bk, unlock: unlock, log: r.log}
	defer func() { _ = rl.release(ctx, r.watch) }()
	// Only a run that holds the target removes the unit reports an
	// earlier one wrote: a second run refused by the lock changes nothing,
	// and cannot remove the reports the first is writing.
	if err := r.clearUnitReports(r.opts.UnitReports); err != nil {
		return nil, err
	}

	files, err := r.planFiles()
	if err != nil {
		return nil, err
	}
	keyCheck, err := r.keyCheck()
	if err != nil {
		return nil, err
	}
	source, err := sourceIdentity(ctx, s.snap)
	if err != nil {
		return nil, err
	}
	inputs := runInputs{files: files, dir: filepath.Dir(r.plan.File), keyCheck: keyCheck, read: r.sourceRead, tool: r.opts.ToolVersion, source: source}
	prev, err := bk.latest(ctx)
	if err != nil {
		return nil, err
	}
	// A restart that moved the earlier run's report.json aside has changed
	// what that report said: from there on every stop writes its own
	// (issue 15), this one until the run's "running" report is written,
	// early and stopped (below) after it.
	beforeRunning := func(err error) error { return err }
	if prev != nil && (r.opts.Restart || prev.Stage == stageRestarting) {
		restarting, err := r.restart(ctx, bk, tgt, prev)
		if restarting != nil {
			// Starting over happens where the earlier run worked, unless
			// --work says otherwise.
			if !r.workGiven && restarting.WorkDir != "" {
				r.opts.WorkDir, r.workGiven = restarting.WorkDir, true
			}
			beforeRunning = func(err error) error { return r.restartStopped(started, restarting, err) }
		}
		if err != nil {
			return nil, beforeRunning(err)
		}
		prev = restarting
	}
	if prev == nil && !r.workGiven {
		// A run killed before its first batch committed left no
		// checkpoint, but its run row says where it worked.
		rr, err := bk.lastRun(ctx, true)
		if err != nil {
			return nil, err
		}
		if rr != nil && rr.WorkDir != "" {
			r.opts.WorkDir = rr.WorkDir
		}
	}
	var resume *checkpoint
	if prev != nil && prev.Stage != stageRestarting {
		switch {
		case prev.Stage == stageFinished:
			// A run killed between its final record and its report.json
			// left no report: verify makes one from the source and target.
			// Its scratch files are nobody's now; this run holds the lock.
			dir := prev.WorkDir
			if dir == "" {
				dir = r.opts.WorkDir
			}
			scratch := filepath.Join(dir, scratchDirName)
			if err := clearScratch(scratch); err != nil {
				r.log.Warn("the finished run's scratch files could not be removed", "dir", scratch, "err", err)
			} else {
				os.Remove(scratch) // only when empty
			}
			// So are its archive parts, when it was killed after its
			// finished checkpoint committed and before it removed them:
			// the package is sealed, and nothing reads them again. Left,
			// they kept every archived record in clear beside a package
			// that may be encrypted, for good.
			if err := os.RemoveAll(filepath.Join(dir, partsDirName)); err != nil {
				r.log.Warn("the finished run's archive parts could not be removed", "dir", filepath.Join(dir, partsDirName), "err", err)
			}
			return nil, fmt.Errorf("this plan's run into this target already finished (verification %s; it wrote %s): nothing to resume; run `regflytt verify %s` for a report of what it left, or `regflytt run --restart %s` to migrate again from the start", passText(prev.Pass), strings.Join(prev.Receiving, ", "), r.plan.File, r.plan.File)
		case prev.NotResumable != "":
			return nil, fmt.Errorf("an earlier run of this plan stopped, and it cannot resume because %s: run `regflytt run --restart %s` to start over", prev.NotResumable, r.plan.File)
		}
		if err := compareInputs(prev, inputs); err != nil {
			r.resumeRefused(prev, err)
			return nil, err
		}
		resume = prev
	}

	// Read is written as {} when nothing was read, never null: this
	// checkpoint knows it read nothing (storedRead).
	cp := &checkpoint{Files: filesByKey(files, true), FileKeys: fileKeysPlanDir, KeyCheck: keyCheck, Read: storedRead(r.sourceRead),
		ToolVersion: r.opts.ToolVersion, Source: source, Ledger: verify.NewLedger()}
	if prev != nil {
		cp.Seq = prev.Seq
	}
	for _, tp := range s.prog.Tables {
		cp.Receiving = appendOnce(cp.Receiving, tp.Target.Name)
	}
	if resume != nil {
		if cp, err = resume.clone(); err != nil {
			return nil, err
		}
		r.started = cp.Started
		// A checkpoint of an older version keyed its files by the path
		// as given and named no source: they compared equal, and the
		// next checkpoints hold them as this version does.
		cp.Files, cp.FileKeys = filesByKey(files, true), fileKeysPlanDir
		if cp.Source == "" {
			cp.Source = source
		}
		// Nor the source tables read besides the records: what this run
		// reads from now on (they compared equal where the stopped run
		// kept them), or a later stop of the same run would resume
		// comparing none; kept as this version keeps them (an exclusion
		// list's salted anew).
		cp.Read = storedRead(r.sourceRead)
		if cp.ToolVersion == "" {
			cp.ToolVersion = r.opts.ToolVersion
		}
		if r.workGiven {
			wd, err := absDir(r.opts.WorkDir)
			if err != nil {
				return nil, err
			}
			if wd != cp.WorkDir {
				return nil, fmt.Errorf("cannot resume in work directory %s: the interrupted run used %s (leave out --work to resume there)", wd, cp.WorkDir)
			}
		}
		r.opts.WorkDir = cp.WorkDir
		r.log.Info("resuming", "batches_committed", cp.Seq, "work", cp.WorkDir)
		if !r.plan.SourceFrozen {
			// Counts and content are verified against the new snapshot,
			// so rows added, removed or changed meanwhile fail the run,
			// but only at its end.
			r.log.Warn("resuming reads the source in a new snapshot: keep the legacy platform frozen between the runs (and say so with source: {frozen: true})")
		}
		if r.opts.WorkDirChosen != nil {
			r.opts.WorkDirChosen(cp.WorkDir)
		}
		if err := checkScanKeys(s); err != nil {
			return nil, err
		}
	} else {
		if !r.workGiven && r.opts.NewWorkDir != nil {
			if r.opts.WorkDir, err = r.opts.NewWorkDir(); err != nil {
				return nil, beforeRunning(err)
			}
		}
		if r.opts.WorkDirChosen != nil {
			r.opts.WorkDirChosen(r.opts.WorkDir)
		}
		if cp.WorkDir, err = absDir(r.opts.WorkDir); err != nil {
			return nil, beforeRunning(err)
		}
		arcDir := r.plan.ArchiveDir.Value
		if !filepath.IsAbs(arcDir) {
			arcDir = filepath.Join(r.opts.WorkDir, arcDir)
		}
		if cp.ArchiveDir, err = filepath.Abs(arcDir); err != nil {
			return nil, beforeRunning(fmt.Errorf("archive directory: %w", err))
		}
		cp.Started = started.UTC()
		r.started = cp.Started
		if err := r.checkBeforeWrite(ctx, s, tgt, arcDir); err != nil {
			return nil, beforeRunning(err)
		}
		if err := r.checkSealable(arcDir); err != nil {
			return nil, beforeRunning(err)
		}
		if !r.plan.hasOptOutList() && !r.plan.OptOutNone.IsSet() {
			r.log.Warn(NoOptOutListWarning)
		}
	}
	fingerprint, err := r.plan.Fingerprint(r.in)
	if err != nil {
		return nil, beforeRunning(err)
	}
	cp.RunID = newRunID()
	// The archive directory as the user gave it (relative to the work
	// directory) in a fresh run; as recorded on resume.
	arcDir := cp.ArchiveDir
	if resume == nil && !filepath.IsAbs(r.plan.ArchiveDir.Value) {
		arcDir = filepath.Join(r.opts.WorkDir, r.plan.ArchiveDir.Value)
	}

	if err := os.MkdirAll(r.opts.WorkDir, 0o750); err != nil {
		return nil, beforeRunning(fmt.Errorf("work directory: %w (nothing was written)", err))
	}
	// Before the target changes: a run killed from here on leaves a
	// report that says it did not finish, not an earlier run's.
	if err := r.writeRunningReport(cp.WorkDir, cp.Started); err != nil {
		return nil, beforeRunning(err)
	}
	// From here every stop writes its report (issue 15: every stop says
	// how far it got); before the first commit unit it is the checkpoint
	// the run started from. Later stops go through stopped, below. Each
	// says how to go on, as they do (a second Ctrl-C here printed only
	// what it interrupted).
	early := func(err error) error {
		r.writeStopReport(cp.WorkDir, started, cp, err)
		return &StoppedError{Batches: cp.Seq, Plan: r.plan.File, NotResumable: cp.NotResumable, Moved: cp.Stage == stageMoved,
			Restarting: prev != nil && prev.Stage == stageRestarting, Err: err}
	}
	if err := bk.create(ctx); err != nil {
		return nil, early(err)
	}
	host, _ := os.Hostname()
	if err := bk.addRun(ctx, runRow{RunID: cp.RunID, Register: bk.register, Plan: r.plan.File, Host: host,
		PID: int64(os.Getpid()), Started: started, WorkDir: cp.WorkDir}); err != nil {
		return nil, early(err)
	}
	// The run's scratch files (parent links, merge spills, spilled keys)
	// live under the work directory, not the system's temporary one: a
	// killed run cannot remove them, and the next run, holding the lock,
	// does so here before it makes its own.
	scratch := filepath.Join(cp.WorkDir, scratchDirName)
	if err := clearScratch(scratch); err != nil {
		return nil, early(err)
	}
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return nil, early(fmt.Errorf("scratch directory: %w", err))
	}
	r.scratch = scratch
	defer func() {
		if clearScratch(scratch) == nil {
			os.Remove(scratch) // only when empty: nothing of anyone else's goes
		}
	}()
	// From the first commit unit on, each asks whether the run still
	// holds the target.
	if rl.runs, err = bk.runCount(ctx); err != nil {
		return nil, early(err)
	}
	rl.runID, bk.lock = cp.RunID, rl
	if resume == nil {
		if err := tgt.Create(ctx, r.in.Schema.Tables); err != nil {
			return nil, early(fmt.Errorf("create receiving tables: %w", err))
		}
	} else if !needsReplay(s.prog) {
		if err := preloadKeys(ctx, tgt, s.prog, cp.Ledger.Written, r.keysOnResume()); err != nil {
			return nil, early(err)
		}
	}
	pp, err := openParts(filepath.Join(cp.WorkDir, partsDirName), cp.Seq)
	if err != nil {
		return nil, early(err)
	}
	defer pp.Close()
	// The run's own end check takes its expected side from what this run
	// writes and archives (tap). A resumed run did not see the rows an
	// earlier run wrote, so it verifies against the source re-read
	// through the mappings, as regflytt verify does (verifyContent).
	var exp *expected
	var arcs archiver = pp
	if resume == nil {
		// Both sides of the end check are hashed here, in this process:
		// with a keyed hash, not SHA-256 (connectors.RowHasher).
		if exp, err = r.newExpected(sourceRowsPerTarget(ctx, s), connectors.NewRunHasher()); err != nil {
			return nil, early(err)
		}
		r.offerNative(ctx, tgt, exp)
		exp.ledger = cp.Ledger
		arcs = &teeArchive{pp, exp.arc}
	}
	u := &commitUnits{r: r, ctx: ctx, bk: bk, parts: pp, env: s.env, ledger: cp.Ledger, last: cp, start: cp, resume: resume,
		replayFrom: resume, replays: resume != nil && needsReplay(s.prog), tap: exp.sink()}
	r.units = u
	defer func() { r.units = nil }()
	stopped := func(err error) error {
		if werr := u.drain(); werr != nil && !errors.Is(err, werr) {
			err = errors.Join(err, werr)
		}
		last := u.lastCommitted()
		// What the target holds, when it answers, is the truth: a batch
		// commit it answered may have been lost since (LostCommitError),
		// or one whose answer was lost may have gone through.
		// Not longer than the stall limit: a run stopped by a stalled
		// target waits no longer on it than the limit said; nor, once
		// ctx ended (a second Ctrl-C), than stopGrace.
		gctx, cancelGrace := graceAfter(ctx)
		rctx, cancel := context.WithTimeout(gctx, r.askBound(10*time.Second))
		if held, lerr := bk.latest(rctx); lerr == nil && held != nil {
			last = held
		}
		other := rl.tookOver(rctx, cp.WorkDir)
		cancel()
		cancelGrace()
		if other != nil {
			r.log.Warn("report.json is left to the run that took the target after this one lost its run lock: the work directory is that run's now", "work", cp.WorkDir, "pid", other.PID, "host", other.Host)
		} else {
			r.writeStopReport(cp.WorkDir, started, last, err)
		}
		return &StoppedError{Batches: last.Seq, Plan: r.plan.File, NotResumable: last.NotResumable, Moved: last.Stage == stageMoved,
			Restarting: last.Stage == stageRestarting, Err: err}
	}
	if resume != nil {
		if err := r.restoreMatches(s.env, resume.Matched); err != nil {
			return nil, fmt.Errorf("cannot resume: %w", err)
		}
	}

	if u.last.Stage != stageMoved {
		u.startWriter()
		moving := time.Now()
		if err := r.move(ctx, s, &targetSink{tgt: tgt, r: r}, arcs, cp.Ledger); err != nil {
			return nil, stopped(err)
		}
		if err := u.drain(); err != nil {
			return nil, stopped(err)
		}
		r.log.Info("every record has its outcome", "jobs", r.jobs(), "seconds", fmt.Sprintf("%.3f", time.Since(moving).Seconds()))
		if err := u.stage(stageMoved, false); err != nil {
			return nil, stopped(err)
		}
	} else {
		cp.Ledger.Lists = r.listLedgers(s)
	}
	if r.opts.Moved != nil {
		r.opts.Moved()
	}

	// Each step after the move says how long it took (-v), so that the
	// end of a run is as visible as its move.
	stepDone := r.steps()
	// Every row is loaded: what the schema declares beyond columns and
	// primary keys is created once, and the checkpoint says so (a resume
	// after it does not create them twice).
	if !u.last.Constrained {
		if err := createConstraints(ctx, tgt, r.in.Schema.Tables, r.log); err != nil {
			return nil, stopped(err)
		}
		if err := u.constrained(); err != nil {
			return nil, stopped(err)
		}
		stepDone("constraints created")
	}

	// No commit unit asks for the lock until the run's last: a run that
	// lost it must not assemble the package another run may be
	// assembling.
	if err := bk.holdLock(ctx); err != nil {
		return nil, stopped(err)
	}
	// Every batch has committed: the package is assembled from the parts.
	// A package left half-assembled by an interruption is the run's own
	// (the directory was empty when the run began) and is built again.
	if beforeAssembly != nil {
		beforeAssembly()
	}
	if err := os.RemoveAll(arcDir); err != nil {
		return nil, stopped(fmt.Errorf("remove a half-assembled archive package: %w", err))
	}
	// And what its seal left: a resume after it seals again, and the
	// seal replaces no file (a checksum left stopped every resume). Only
	// a plan that seals: another's run made none of them, and a sealed
	// package there is someone else's.
	if len(r.plan.ArchiveEncryptTo) > 0 {
		for _, p := range sealFiles(arcDir) {
			if err := os.RemoveAll(p); err != nil {
				return nil, stopped(fmt.Errorf("remove a half-sealed archive package: %w", err))
			}
		}
	}
	planHash, err := r.plan.Hash(r.in)
	if err != nil {
		return nil, stopped(err)
	}
	meta := r.archiveMeta(cp.Started, fingerprint)
	meta.PlanHash = planHash
	arc, err := archive.Create(arcDir, meta)
	if err != nil {
		return nil, stopped(err)
	}
	// The package says which columns each person: read, so that archive
	// erase finds a number split over two of them.
	arc.SetPersonColumns(personColumnsOf(s.prog))
	// And which variables a form store's person: read, a row each.
	arc.SetPersonForms(personFormsOf(s.prog))
	// In the units' order, so that the package is the same whichever
	// order several jobs committed their batches in.
	// A second Ctrl-C (ctx) stops the assembly and the seal below as it
	// stops the move: the package is left unfinished, which the resume
	// removes and builds again.
	if err := replayPartsInOrder(ctx, pp.dir, u.last.Seq, r.archiveTables(s, pp), arc, orderOf(moveUnits(s)).unit); err != nil {
		return nil, stopped(fmt.Errorf("assemble the archive package: %w", err))
	}
	if _, err := arc.CloseContext(ctx, r.opts.Now()); err != nil {
		return nil, stopped(fmt.Errorf("finish archive: %w", err))
	}
	stepDone("archive package assembled")

	rep := &verify.Report{
		Register:    r.plan.RegisterID.Value,
		Plan:        r.plan.File,
		PlanHash:    planHash,
		Source:      redacted(r.srcURL),
		Target:      redacted(r.tgtURL),
		ToolVersion: r.opts.ToolVersion,
		Started:     started.UTC(),
	}
	// The package is verified and read once, for the counts and for the
	// content check below.
	arcRead := verify.ReadArchive(arcDir)
	// The source counts its tables while the content check reads the
	// target back (one server each); the content's findings join the
	// report after the counts', in the order a reader checks them.
	counting := startCounting(ctx, s.snap, ledgerSources(cp.Ledger))
	if exp != nil {
		exp.codes = s.env.CodesUsed
	}
	content := &verify.Report{Pass: true}
	readBack, contentErr := r.verifyContent(ctx, arcRead, content, exp, counting.wait, cp.Ledger)
	_, countErr := counting.wait()
	if contentErr != nil {
		return nil, stopped(contentErr)
	}
	if countErr != nil {
		return nil, stopped(fmt.Errorf("verify: %w", countErr))
	}
	stepDone("content checked")
	if err := verify.CountsReadBack(ctx, counting.snapshot(), tgt, arcRead, cp.Ledger, rep, readBack); err != nil {
		return nil, stopped(err)
	}
	if err := r.checkOwnership(ctx, s, tgt, cp.Ledger, rep); err != nil {
		return nil, stopped(err)
	}
	stepDone("counts checked")
	rep.Alarms = content.Alarms
	rep.Problems = append(rep.Problems, content.Problems...)
	rep.Pass = rep.Pass && content.Pass
	if doubts := r.unacknowledgedDoubts(cp.Ledger); len(doubts) > 0 {
		rep.Pass = false
		rep.Problems = append(rep.Problems, doubts...)
	}
	rep.Finished = r.opts.Now().UTC()
	rep.Seconds = rep.Finished.Sub(rep.Started).Seconds()
	var read int64
	for _, t := range cp.Ledger.Tables {
		read += t.Read
	}
	if rep.Seconds > 0 {
		rep.RowsPerSecond = float64(read) / rep.Seconds
	}
	// A run that verified but cannot finish (its report, unit reports,
	// the lock, the seal, the last checkpoint) stops, and its summary says
	// so: it read PASS above a non-zero exit while report.json said the
	// run stopped. A verification that FAILed keeps its exit status 3.
	unitReportsWritten := false
	unfinished := func(err error) (*verify.Report, error) {
		failed := !rep.Pass
		verdict := rep.FailVerdict()
		rep.Pass = false
		rep.Unfinished = err.Error()
		// Unit reports written already (some, when the step that failed
		// was theirs) say PASS: written again, they no longer say so of
		// a run that must be run again.
		if unitReportsWritten {
			if werr := r.writeUnitReports(rep); werr != nil {
				r.log.Warn("could not write the unit reports of the unfinished run again", "err", werr)
			}
		}
		err = stopped(err)
		if failed {
			err = errors.Join(err, &VerdictError{Verdict: verdict})
		}
		return rep, err
	}
	// The package is sealed before report.json says how the run went: a
	// run killed between the two leaves its "running" report, never a
	// PASS beside a package in clear that was to be sealed.
	if err := bk.holdLock(ctx); err != nil {
		return unfinished(err)
	}
	if err := r.seal(ctx, arcDir, meta, rep); err != nil {
		return unfinished(err)
	}
	if err := rep.WriteJSON(filepath.Join(r.opts.WorkDir, "report.json")); err != nil {
		return unfinished(err)
	}
	unitReportsWritten = true
	if err := r.writeUnitReports(rep); err != nil {
		return unfinished(err)
	}
	if err := u.stage(stageFinished, rep.Pass); err != nil {
		return unfinished(err)
	}
	if err := os.RemoveAll(pp.dir); err != nil {
		r.log.Warn("could not remove the archive parts", "dir", pp.dir, "err", err)
	}
	if !rep.Pass {
		return rep, &VerdictError{Verdict: rep.FailVerdict()}
	}
	return rep, nil
}

// keysOnResume is the receiving-keys set move will use; made here so that
// a resume can fill it from the target first.
func (r *runner) keysOnResume() *receivingKeys {
	if r.keys == nil {
		r.keys = newReceivingKeys()
	}
	if r.keys.root == "" {
		r.keys.root = r.scratch
	}
	return r.keys
}

// restart empties what earlier runs of this plan wrote, after a
// checkpoint that says a restart is under way (so that an interrupted
// restart is finished by the next run), and returns that checkpoint. It
// returns it with its error too once the earlier run's report.json is
// moved aside: the restart has changed what that report said, and its
// stop writes its own (restartStopped).
func (r *runner) restart(ctx context.Context, bk *bookkeeping, tgt connectors.Target, prev *checkpoint) (*checkpoint, error) {
	next, err := prev.clone()
	if err != nil {
		return nil, err
	}
	next.Stage = stageRestarting
	next.Ledger = verify.NewLedger()
	next.Done, next.Moving, next.Matched = nil, nil, nil
	// What kept an earlier run from resuming is not the restart's: a
	// plain run goes on with a stopped restart.
	next.NotResumable = ""
	// An interrupted restart's checkpoint is the last one: the restart
	// goes on under its number, so that the next unit's follows it.
	if prev.Stage != stageRestarting {
		next.Seq++
		if err := bk.commit(ctx, r.opts.Retry, nil, nil, next, r.opts.Now()); err != nil {
			return nil, err
		}
	}
	tr, ok := tgt.(connectors.Truncater)
	if !ok {
		return nil, errors.New("this target cannot empty tables: --restart is not possible; use a fresh database")
	}
	// Only the receiving tables the bookkeeping says this plan writes.
	tables := append([]string(nil), prev.Receiving...)
	sort.Strings(tables)
	// The earlier run's report goes first: a restart killed after it
	// emptied the tables left the report saying PASS beside them.
	if prev.WorkDir != "" {
		if to, err := moveReportAside(prev.WorkDir, r.opts.Now()); err != nil {
			return nil, fmt.Errorf("restart: %w", err)
		} else if to != "" {
			r.log.Warn("restart: the earlier run's report.json was moved aside", "to", to)
		}
	}
	r.log.Warn("restart: emptying the receiving tables earlier runs of this plan wrote", "tables", tables)
	if err := tr.Truncate(ctx, tables); err != nil {
		return next, fmt.Errorf("restart: %w", err)
	}
	if prev.WorkDir != "" {
		if err := os.RemoveAll(filepath.Join(prev.WorkDir, partsDirName)); err != nil {
			return next, fmt.Errorf("restart: %w", err)
		}
	}
	if prev.ArchiveDir != "" {
		// Sealed or in clear: a sealed one left where the new run seals
		// its own refused the run after the tables were emptied.
		for _, p := range append([]string{prev.ArchiveDir}, sealFiles(prev.ArchiveDir)...) {
			if to, err := moveAside(p, r.opts.Now()); err != nil {
				return next, err
			} else if to != "" {
				r.log.Warn("restart: the earlier run's archive package was moved aside", "to", to)
			}
		}
	}
	return next, nil
}

// restartStopped writes the stop report of a restart that stopped before
// the run's "running" report (as it emptied the tables, or in the checks
// after), into the work directory the restart works in, and says how to
// go on: a plain run finishes the restart.
func (r *runner) restartStopped(started time.Time, restarting *checkpoint, err error) error {
	dir, derr := absDir(r.opts.WorkDir)
	if derr == nil {
		// A new work directory (--work) the restart had not made yet: it
		// changed the target, and says so there.
		derr = os.MkdirAll(dir, 0o750)
	}
	if derr != nil {
		r.log.Warn("could not write report.json", "err", derr)
	} else {
		r.writeStopReport(dir, started, restarting, err)
	}
	return &StoppedError{Batches: restarting.Seq, Plan: r.plan.File, Restarting: true, Err: err}
}

// archiveTables resolves the source tables named in the parts. A table
// whose mapping declares a parent (parent:) gets it as a foreign key,
// unless the source declares it already: the package lists it, and
// archive erase follows it from an erased record to the records archived
// because it was (parent_archived), which the source may not link.
func (r *runner) archiveTables(s *session, pp *parts) map[string]*connectors.Table {
	m := archivedShapes(s)
	for n, t := range pp.tables {
		m[n] = t
	}
	link := func(child *connectors.Table, fk connectors.ForeignKey) {
		if child == nil || slices.ContainsFunc(child.ForeignKeys, func(d connectors.ForeignKey) bool {
			return d.RefTable == fk.RefTable && slices.Equal(d.Columns, fk.Columns) && slices.Equal(d.RefColumns, fk.RefColumns)
		}) {
			return
		}
		with := *child
		with.ForeignKeys = append(slices.Clone(child.ForeignKeys), fk)
		m[child.Name] = &with
	}
	for _, tp := range s.prog.Tables {
		if tp.Parent != nil {
			link(m[tp.RecordsTable().Name], connectors.ForeignKey{Name: archive.ParentKey, Columns: tp.Parent.Key, RefTable: tp.Parent.Records.Name, RefColumns: tp.Parent.Table.RecordKey()})
		}
		// A form's value rows belong to its entity as a child to its
		// parent: erase takes them with an erased form (one archived
		// with its parent too: parent_archived), and counts those of a
		// form that migrated as left.
		if e := tp.EAV; e != nil && len(e.Entities.PrimaryKey) == 1 {
			link(m[e.Values.Name], connectors.ForeignKey{Name: archive.ParentKey, Columns: []string{e.Values.Columns[e.Entity].Name}, RefTable: e.Entities.Name, RefColumns: e.Entities.PrimaryKey})
		}
	}
	return m
}

// archivedShapes gives the source tables whose shape archived records
// keep: the catalogue's, as each mapping reads them (its source, a form
// store's entities and values).
func archivedShapes(s *session) map[string]*connectors.Table {
	m := map[string]*connectors.Table{}
	for i := range s.catalog {
		m[s.catalog[i].Name] = &s.catalog[i]
	}
	for _, tp := range s.prog.Tables {
		m[tp.Source.Name] = tp.Source
		if tp.EAV != nil {
			m[tp.EAV.Entities.Name] = tp.EAV.Entities
			m[tp.EAV.Values.Name] = tp.EAV.Values
		}
	}
	return m
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func passText(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAILED"
}

// steps returns a function that logs a step as done with the seconds
// since the step before it (-v shows them): the steps of a run after
// its move, and of a verification, that a user waits for and may want
// to see the cost of.
func (r *runner) steps() func(what string) {
	step := time.Now()
	return func(what string) {
		r.log.Info(what, "seconds", fmt.Sprintf("%.3f", time.Since(step).Seconds()))
		step = time.Now()
	}
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// resumeRefused corrects the advice in the report.json the stopped run
// left (prev's work directory), after a resume of it was refused
// (refusal, a ChangedError): it said to resume with `regflytt run PLAN`,
// which is refused again for as long as what changed stays changed. It
// now says so, and how to go on: start over with --restart, or put back
// what changed. What it says of the stop stays; the report of the next
// run that gets going replaces it. A report that is no stop's (a
// finished run's, none at all) is left alone, and one that cannot be
// rewritten is warned of: the refusal itself is the answer.
func (r *runner) resumeRefused(prev *checkpoint, refusal error) {
	dir := prev.WorkDir
	if dir == "" {
		dir = r.opts.WorkDir
	}
	if dir == "" {
		return
	}
	path := filepath.Join(dir, "report.json")
	b, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.log.Warn("could not read the stopped run's report.json to correct its advice", "err", err)
		}
		return
	}
	var sr stopReport
	if err := json.Unmarshal(b, &sr); err != nil || sr.Report == nil || sr.Status == "" {
		return
	}
	sr.Resume = fmt.Sprintf("regflytt run --restart %s (starts over, emptying what this plan wrote into the target), or put back what changed and run regflytt run %s", r.plan.File, r.plan.File)
	sr.ResumeRefused = refusal.Error()
	if err := writeJSONFile(path, sr); err != nil {
		r.log.Warn("could not correct the stopped run's report.json after its resume was refused: it still advises to resume", "err", err)
	}
}
