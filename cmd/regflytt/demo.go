package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/demo"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// demoMarker marks a work directory as the demo's own, so a second demo
// may clear it and nothing else is ever removed.
const demoMarker = ".regflytt-demo"

func newDemoCmd(g *globals) *cobra.Command {
	var work, planPath, srcURL, tgtURL string
	var patients int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Migrate a synthetic registry on embedded SQLite: no server needed",
		Long: `demo creates a small synthetic legacy registry (Swedish table names, dates and
weights stored as text, a few deliberately bad rows) in an SQLite file, runs
the demo plan against it into a second SQLite file in the receiving schema,
archives what cannot be transformed, verifies the counts, and prints a summary.
It exits 0 only if every source record is accounted for. The plan, receiving
schema and mapping are built into regflytt and written into the work
directory, so the demo runs from any directory; "regflytt init DIR
--from-demo" writes them where you want to change them.

With --source and --target the demo runs on real servers instead: the
synthetic registry is written into the --source database (which must be
empty), then read from it read-only like any legacy platform.`,
		Example: `  regflytt demo
  regflytt demo --source mysql://root@127.0.0.1:3306/legacy \
                --target postgres://postgres@127.0.0.1:5432/receiving`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if work == "" {
				work = filepath.Join(os.TempDir(), "regflytt-demo")
			}
			release, err := prepareDemoDir(work)
			if err != nil {
				return err
			}
			defer release()
			if !g.quiet {
				fmt.Fprintf(g.info(), "work directory: %s\n", work)
			}
			if planPath == "" {
				// The plan built into the binary, written beside the
				// databases, so the demo needs nothing but the binary and
				// the user can read the plan it ran.
				var err error
				if planPath, err = demo.Write(work); err != nil {
					return err
				}
			}
			p, ds := plans.Load(planPath)
			if err := ds.Err(); err != nil {
				return err
			}
			if srcURL == "" {
				srcURL = "sqlite://" + filepath.Join(work, "legacy.db")
			}
			if tgtURL == "" {
				tgtURL = "sqlite://" + filepath.Join(work, "receiving.db")
			}
			if err := makeDemoSource(cmd, srcURL, patients, seed); err != nil {
				return err
			}
			rep, err := plans.Run(cmd.Context(), p, plans.Options{
				SourceURL:   srcURL,
				TargetURL:   tgtURL,
				WorkDir:     work,
				Progress:    newProgress(g),
				Logger:      g.logger(),
				ToolVersion: toolVersion(),
			})
			vopts := plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work, Logger: g.logger(), ToolVersion: toolVersion()}
			if g.json {
				return demoJSON(cmd, g, p, rep, work, err, vopts)
			}
			if err := printReport(g, rep, work, err); err != nil {
				return err
			}
			return demoVerify(cmd, g, p, vopts)
		},
	}
	cmd.Flags().StringVar(&work, "work", "", "work directory (default: regflytt-demo in the system's temporary directory); cleared if it is an earlier demo's")
	cmd.Flags().StringVar(&planPath, "plan", "", "the demo's migration plan (default: the one built in, written into the work directory)")
	cmd.Flags().IntVar(&patients, "patients", 300, "number of synthetic patients")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the synthetic data: the same seed gives the same registry")
	cmd.Flags().StringVar(&srcURL, "source", "", "database to write the synthetic legacy registry into, then migrate from (default: an SQLite file in the work directory)")
	cmd.Flags().StringVar(&tgtURL, "target", "", "receiving database (default: an SQLite file in the work directory)")
	addJSONFlag(cmd, g)
	return cmd
}

// demoResult is what demo --json prints: the run and the verification
// that ends the demo, as one document (two, as it printed them, read as
// the run's PASS by a script that takes the first).
type demoResult struct {
	Pass         bool            `json:"pass"`
	Run          *runResult      `json:"run"`
	Verification *verify.Summary `json:"verification,omitempty"`
}

// demoJSON verifies a run that finished and prints both as one document.
func demoJSON(cmd *cobra.Command, g *globals, p *plans.Plan, rep *verify.Report, work string, err error, opts plans.Options) error {
	if rep == nil {
		if err == nil {
			err = fmt.Errorf("run gave no report")
		}
		return err
	}
	run := newRunResult(rep, work)
	res := demoResult{Pass: rep.Pass, Run: &run}
	if err == nil {
		res.Verification, err = plans.VerifyWith(cmd.Context(), p, opts, plans.VerifyOptions{})
		res.Pass = res.Pass && res.Verification != nil && res.Verification.Pass
	}
	if werr := writeJSON(g, res); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// prepareDemoDir makes an empty work directory, clearing an earlier
// demo's but refusing to touch a directory the demo did not make, and
// holds it until release: a demo still running in it is not cleared
// away. The lock is a flock on the directory itself, which is emptied,
// never removed, so that a second demo finds the lock the first holds;
// the kernel releases it however the demo ends.
func prepareDemoDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("demo work directory: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("demo work directory: %w", err)
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		d.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("work directory %s is in use by another regflytt demo: wait for it to finish, or choose another with --work", dir)
		}
		return nil, fmt.Errorf("demo work directory %s: lock: %w", dir, err)
	}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("demo work directory: %w", err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return nil, fmt.Errorf("work directory %s is not empty and was not made by regflytt demo: choose another with --work", dir)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("clear demo work directory: %w", err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by regflytt demo; removed by the next demo\n"), 0o640); err != nil {
		return nil, err
	}
	return func() { d.Close() }, nil
}

// makeDemoSource writes the synthetic legacy registry; the database must
// not hold its tables yet, so the demo never mixes into real data.
func makeDemoSource(cmd *cobra.Command, url string, patients int, seed uint64) error {
	db, err := all.OpenTarget(cmd.Context(), url)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := refuseExisting(cmd, db, synth.DemoTables(), redact(url)); err != nil {
		return err
	}
	if _, err := synth.Demo(cmd.Context(), db, synth.DemoConfig{Patients: patients, Seed: seed}); err != nil {
		return err
	}
	return db.Close()
}

func redact(url string) string {
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		return "(connection)"
	}
	return loc.String()
}
