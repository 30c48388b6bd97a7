package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans/synth"
)

type synthFlags struct {
	platform, target string
	patients         int
	seed             uint64
	rates            []string
	digest           bool
}

func newSynthCmd(g *globals) *cobra.Command {
	var f synthFlags
	cmd := &cobra.Command{
		Use:   "synth",
		Short: "Write a synthetic legacy registry platform, with known defects, into an empty database",
		Long: `synth writes a synthetic legacy platform into a database, for rehearsing a
migration before touching real data: Swedish table names, legacy column types,
and the defects of testdata/defects.yaml at known rates. The same --seed gives
the same data, value for value, on every run and every database.

Platforms:
  eav      a form store: form instances and one text row per (instance, variable)
  wide     a single-registry solution: one table per form, Latin-1 text on MariaDB
  mainsub  a main register whose two sub-registers report the same visits
  demo     the small registry of regflytt demo

Each has a receiving schema, a mapping and a plan under testdata/
(testdata/plans/<platform>.yaml). The database must not hold the platform's
tables yet. synth prints the rows it wrote per table and the rows each defect
affected: counts only, never a value.`,
		Example: `  regflytt synth --platform eav --patients 100000 --seed 7 --target mysql://root@127.0.0.1:3306/legacy
  regflytt synth --platform wide --patients 1000 --target sqlite:///tmp/legacy.db --rate zero_date=0.05 --rate decimal_comma=0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runSynth(cmd, g, &f) },
	}
	cmd.Flags().StringVar(&f.platform, "platform", "", strings.Join(synthPlatforms(), ", "))
	cmd.Flags().IntVar(&f.patients, "patients", 1000, fmt.Sprintf("number of patients (%d to %d)", synth.MinPatients, synth.MaxPatients))
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "seed: the same seed gives the same data")
	cmd.Flags().StringVar(&f.target, "target", "", "database URL to write into, or env:NAME (sqlite://, mysql://, postgres://)")
	cmd.Flags().StringArrayVar(&f.rates, "rate", nil, "a defect's rate, id=0.01 (repeat it; 0 turns a defect off; see testdata/defects.yaml)")
	cmd.Flags().BoolVar(&f.digest, "digest", false, "read the platform back and print the SHA-256 of its canonical dump")
	enumFlag(cmd, "platform", synthPlatforms()...)
	addJSONFlag(cmd, g)
	return cmd
}

func runSynth(cmd *cobra.Command, g *globals, f *synthFlags) error {
	ctx := cmd.Context()
	// Everything about the command line is checked before a database (or
	// an SQLite file) is opened, so a typo creates nothing.
	known := synthPlatforms()
	switch {
	case f.platform == "":
		return usageError{fmt.Errorf("synth needs --platform (%s) and --target URL", strings.Join(known, ", "))}
	case !contains(known, f.platform):
		return usageError{fmt.Errorf("--platform %q: unknown platform; want one of %s", f.platform, strings.Join(known, ", "))}
	case f.target == "":
		return usageError{fmt.Errorf("synth needs --target URL: the empty database to write the %s platform into", f.platform)}
	}
	if f.platform != "demo" && (f.patients < synth.MinPatients || f.patients > synth.MaxPatients) {
		return usageError{fmt.Errorf("--patients %d: want %d..%d", f.patients, synth.MinPatients, synth.MaxPatients)}
	}
	rates, err := parseRates(f.rates)
	if err != nil {
		return usageError{err}
	}
	platform := synth.Platform(f.platform)
	demo := f.platform == "demo"
	if demo && len(rates) > 0 {
		return usageError{fmt.Errorf("the demo platform's defects are fixed: --rate is for eav, wide and mainsub")}
	}
	if !demo {
		known := synth.DefectNames(platform)
		var unknown []string
		for id := range rates {
			if !contains(known, string(id)) {
				unknown = append(unknown, string(id))
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return usageError{fmt.Errorf("--rate: platform %s has no defect %s (it has: %s)", platform, strings.Join(unknown, ", "), strings.Join(known, ", "))}
		}
	}
	tgt, err := all.OpenTarget(ctx, f.target)
	if err != nil {
		return err
	}
	defer tgt.Close()
	where := redact(f.target)

	var want []connectors.Table
	if demo {
		want = synth.DemoTables()
	} else if want, err = synth.Tables(platform, tgt.Dialect().Name()); err != nil {
		return usageError{err}
	}
	if err := refuseExisting(cmd, tgt, want, where); err != nil {
		return err
	}

	var rows map[string]int64
	var st *synth.Stats
	if demo {
		ds, err := synth.Demo(ctx, tgt, synth.DemoConfig{Patients: f.patients, Seed: f.seed})
		if err != nil {
			return err
		}
		rows = ds.Rows
	} else {
		w, ok := tgt.(synth.Writer)
		if !ok {
			return fmt.Errorf("%s: the %s connector cannot build a legacy platform (it has no LegacyWriter); use sqlite, mysql or postgres", where, tgt.Dialect().Name())
		}
		st, err = synth.Generate(ctx, w, synth.Config{Platform: platform, Patients: f.patients, Seed: f.seed, Rates: rates, Progress: newProgress(g)})
		if err != nil {
			return err
		}
		rows = st.Rows
	}
	if g.json {
		res := synthResult{Platform: f.platform, Patients: f.patients, Seed: f.seed, Target: where, Rows: rows}
		if st != nil {
			res.Defects = map[string]int64{}
			for _, id := range synth.DefectNames(st.Platform) {
				res.Defects[id] = st.DefectRows(synth.DefectID(id))
			}
		}
		if f.digest {
			if res.SHA256, _, err = synth.Digest(ctx, tgt); err != nil {
				return err
			}
		}
		return writeJSON(g, res)
	}
	if g.quiet && !f.digest {
		return nil
	}
	if !g.quiet {
		fmt.Fprintf(g.stdout, "synth %s: %d patients, seed %d, into %s\n\n", f.platform, f.patients, f.seed, where)
		printSynthStats(g, rows, st)
	}
	if f.digest {
		d, _, err := synth.Digest(ctx, tgt)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "sha256 %s\n", d)
	}
	return nil
}

// synthResult is what synth --json prints: counts only.
type synthResult struct {
	Platform string           `json:"platform"`
	Patients int              `json:"patients"`
	Seed     uint64           `json:"seed"`
	Target   string           `json:"target"`
	Rows     map[string]int64 `json:"rows"`
	Defects  map[string]int64 `json:"defect_rows,omitempty"`
	SHA256   string           `json:"sha256,omitempty"`
}

// synthPlatforms lists every platform synth writes.
func synthPlatforms() []string {
	var out []string
	for _, p := range synth.Platforms() {
		out = append(out, string(p))
	}
	return append(out, "demo")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseRates reads --rate id=0.01 flags.
func parseRates(flags []string) (map[synth.DefectID]float64, error) {
	rates := map[synth.DefectID]float64{}
	for _, s := range flags {
		id, v, ok := strings.Cut(s, "=")
		r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || id == "" {
			return nil, fmt.Errorf("--rate %q: want defect=rate, such as zero_date=0.01", s)
		}
		rates[synth.DefectID(strings.TrimSpace(id))] = r
	}
	return rates, nil
}

// refuseExisting refuses a database that holds any table: a synthetic
// registry is written only into an empty one, as synth's and demo's help
// say. A database that held only other tables was written into, and the
// demo then migrated the whole of it, copying the other tables' rows
// into its archive package. want, the platform's tables, are named first.
func refuseExisting(cmd *cobra.Command, tgt connectors.Target, want []connectors.Table, where string) error {
	snap, err := tgt.Snapshot(cmd.Context())
	if err != nil {
		return err
	}
	existing, err := snap.Tables(cmd.Context())
	snap.Close()
	if err != nil {
		return err
	}
	if len(existing) == 0 {
		return nil
	}
	var clash, other []string
	for _, e := range existing {
		if slices.ContainsFunc(want, func(t connectors.Table) bool { return strings.EqualFold(e.Name, t.Name) }) {
			clash = append(clash, e.Name)
		} else {
			other = append(other, e.Name)
		}
	}
	sort.Strings(clash)
	sort.Strings(other)
	names := append(clash, other...)
	if len(names) > 10 {
		names = append(names[:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	return fmt.Errorf("%s already has table(s) %s: a synthetic registry is written only into an empty database", where, strings.Join(names, ", "))
}

// printSynthStats prints rows per table and, for a generated platform,
// rows per defect and the tables they are in: counts only.
func printSynthStats(g *globals, rows map[string]int64, st *synth.Stats) {
	tables := sortedNames(rows)
	width := len("total")
	var total int64
	for _, name := range tables {
		width = max(width, len(name))
		total += rows[name]
	}
	fmt.Fprintf(g.stdout, "  %-*s  %10s\n", width, "table", "rows")
	for _, name := range tables {
		fmt.Fprintf(g.stdout, "  %-*s  %10d\n", width, name, rows[name])
	}
	fmt.Fprintf(g.stdout, "  %-*s  %10d\n", width, "total", total)
	if st == nil {
		return
	}
	ids := synth.DefectNames(st.Platform)
	width = len("defect")
	for _, id := range ids {
		width = max(width, len(id))
	}
	fmt.Fprintf(g.stdout, "\n  %-*s  %10s  %s\n", width, "defect", "rows", "tables")
	for _, id := range ids {
		per := st.Defects[synth.DefectID(id)]
		line := fmt.Sprintf("  %-*s  %10d  %s", width, id, st.DefectRows(synth.DefectID(id)), strings.Join(sortedNames(per), ", "))
		fmt.Fprintln(g.stdout, strings.TrimRight(line, " "))
	}
}

func sortedNames(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
