package synth

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Platform names a kind of legacy platform.
type Platform string

// The platforms Generate builds (the small demo registry is Demo's).
const (
	// EAV is a form store, as old multi-registry platforms keep one:
	// patients, care units, form definitions, variable definitions with
	// versions and code lists, form instances, and one text row per
	// (instance, variable).
	EAV Platform = "eav"
	// Wide is a single-registry solution: one table per form with a column
	// per variable, lookup tables, Latin-1 text on MariaDB.
	Wide Platform = "wide"
	// MainSub is a main register (huvudregister) whose patients two
	// sub-registers (delregister) report on, with overlapping variables a
	// migration must merge.
	MainSub Platform = "mainsub"
)

// Platforms lists the platforms Generate builds.
func Platforms() []Platform { return []Platform{EAV, Wide, MainSub} }

// MinPatients and MaxPatients bound Config.Patients. The upper bound is
// what the identity numbers allow: every synthetic patient has a distinct
// number, drawn from 32 million (see people.go).
const (
	MinPatients = 100
	MaxPatients = 10_000_000
)

// Config says what to generate. The same Config gives the same data,
// value for value, on every run and every dialect.
type Config struct {
	Platform Platform
	Patients int
	Seed     uint64
	// Rates overrides DefaultRates per defect: the probability that a row
	// the defect applies to gets it (0 turns a defect off). A row gets at
	// most one defect, so the rates of the defects of one table may not
	// add up to more than 1.
	Rates map[DefectID]float64
	// BatchSize is the number of rows per write transaction; zero means
	// connectors.DefaultBatchSize. Memory holds one batch per table.
	BatchSize int
	// Observe, when set, is told of every row that gets a defect, as it
	// is written, from the generating goroutine. Tests use it to follow
	// each affected row through a migration; leave it nil otherwise (a
	// large platform has hundreds of thousands).
	Observe func(Injection)
	// Progress, when set, is told how generation advances.
	Progress Progress
}

// Injection is one row that got a defect.
type Injection struct {
	Defect DefectID
	Table  string
	// Key is the row's primary key (every synthetic table has a single
	// integer key).
	Key int64
	// Column is the legacy column holding the defect ("" when the defect
	// is the row itself: a duplicate, an orphan).
	Column string
	// Want is what the row means where a migration can put the defect
	// right: the identity number in normal form (YYYYMMDDNNNN), the
	// decimal, the repaired text, the new code; the text of a partial
	// date; for a record that repeats another, the other's key. Nil
	// otherwise.
	Want connectors.Value
}

// Stats says what Generate wrote.
type Stats struct {
	Platform Platform
	Patients int
	Seed     uint64
	// Rows counts the rows written per table.
	Rows map[string]int64
	// Defects counts, per defect, the rows that got it, per table.
	Defects map[DefectID]map[string]int64
	// DisabledAccounts are the ids of the accounts the platform disabled
	// (AccountDisabled), in order: what an access proof that lost their
	// state must name.
	DisabledAccounts []int64
}

// DefectRows gives the number of rows that got a defect, over all tables.
func (s *Stats) DefectRows(id DefectID) int64 {
	var n int64
	for _, c := range s.Defects[id] {
		n += c
	}
	return n
}

// TotalRows gives the number of rows written, over all tables.
func (s *Stats) TotalRows() int64 {
	var n int64
	for _, c := range s.Rows {
		n += c
	}
	return n
}

// Progress is told how generation advances; the command line draws it.
// Its methods are those of plans.Progress, so one implementation serves
// both.
type Progress interface {
	// Table says a table starts; total is an estimate of its rows, or -1.
	Table(name string, total int64)
	// Add says n more rows were written.
	Add(n int)
	// TableDone says the current table is finished.
	TableDone()
}

type noProgress struct{}

func (noProgress) Table(string, int64) {}
func (noProgress) Add(int)             {}
func (noProgress) TableDone()          {}

// Writer is where a platform is written: a database that can build legacy
// tables (the SQLite, MariaDB and PostgreSQL targets can). The dialect
// decides each column's legacy type, never a value.
type Writer interface {
	Dialect() connectors.Dialect
	connectors.LegacyWriter
}

// rates resolves the configuration's rates for a platform: the defaults of
// the platform's defects, overridden by cfg.Rates, checked.
func (cfg *Config) rates() (map[DefectID]float64, error) {
	defs := defectsOf(cfg.Platform)
	out := map[DefectID]float64{}
	for _, d := range defs {
		out[d.ID] = DefaultRates[d.ID]
	}
	if hasAccess(cfg.Platform) {
		for _, id := range AccessDefectIDs() {
			out[id] = DefaultRates[id]
		}
	}
	var unknown []string
	for id, r := range cfg.Rates {
		if _, ok := out[id]; !ok {
			unknown = append(unknown, string(id))
			continue
		}
		if r < 0 || r > 1 || r != r {
			return nil, fmt.Errorf("rate of defect %s is %v: want 0..1", id, r)
		}
		out[id] = r
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("platform %s has no defect %s (it has: %s)", cfg.Platform, strings.Join(unknown, ", "), strings.Join(DefectNames(cfg.Platform), ", "))
	}
	return out, nil
}

// check validates a configuration before anything is written.
func (cfg *Config) check() error {
	switch cfg.Platform {
	case EAV, Wide, MainSub:
	default:
		return fmt.Errorf("unknown platform %q (want eav, wide or mainsub)", cfg.Platform)
	}
	if cfg.Patients < MinPatients || cfg.Patients > MaxPatients {
		return fmt.Errorf("%d patients: want %d..%d", cfg.Patients, MinPatients, MaxPatients)
	}
	if cfg.BatchSize < 0 || cfg.BatchSize > 100_000 {
		return fmt.Errorf("batch size %d: want 1..100000, or 0 for the default", cfg.BatchSize)
	}
	return nil
}

// Generate writes a legacy platform through w: it creates the platform's
// tables (w must not hold them yet) and fills them, table by table,
// streaming. Each row is derived from the seed and the numbers of the
// patient, form and value it belongs to, never from what was written
// before, so memory holds one batch per table whatever the size, and the
// same Config gives the same values on every dialect.
func Generate(ctx context.Context, w Writer, cfg Config) (*Stats, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rates, err := cfg.rates()
	if err != nil {
		return nil, err
	}
	g, err := newGen(ctx, w, cfg, rates)
	if err != nil {
		return nil, err
	}
	tables, err := g.plat.tables(g)
	if err != nil {
		return nil, fmt.Errorf("synth %s: %w", cfg.Platform, err)
	}
	if err := w.CreateLegacy(ctx, tables); err != nil {
		return nil, fmt.Errorf("synth %s: %w", cfg.Platform, err)
	}
	if err := g.plat.generate(g, tables); err != nil {
		return nil, fmt.Errorf("synth %s: %w", cfg.Platform, err)
	}
	return g.stats, nil
}

// Tables gives a platform's legacy tables as Generate declares them for a
// dialect ("sqlite", "mysql", "postgres"; any other name gets the
// canonical types). The command line uses it to refuse a database that
// already holds them.
func Tables(p Platform, dialect string) ([]connectors.Table, error) {
	cfg := Config{Platform: p, Patients: MinPatients}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, dialect: dialect, plat: platformOf(p)}
	return g.plat.tables(g)
}
