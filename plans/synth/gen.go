package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// platform is one kind of legacy platform: its tables in a dialect, its
// defects, and how to fill its tables.
type platform interface {
	tables(g *gen) ([]connectors.Table, error)
	defects() []defectSpec
	generate(g *gen, tables []connectors.Table) error
}

func platformOf(p Platform) platform {
	switch p {
	case Wide:
		return wide{}
	case EAV:
		return eav{}
	case MainSub:
		return mainsub{}
	}
	return nil
}

// gen is one generation's state. Nothing in it grows with the platform's
// size: rows are derived, not remembered.
type gen struct {
	ctx      context.Context
	w        Writer
	cfg      Config
	dialect  string
	plat     platform
	levels   map[string]*level
	stats    *Stats
	progress Progress
	people   *people
	batch    int
	// accessRates are the access defects' rates (none on a platform
	// without access tables).
	accessRates map[DefectID]float64
}

func newGen(ctx context.Context, w Writer, cfg Config, rates map[DefectID]float64) (*gen, error) {
	g := &gen{
		ctx: ctx, w: w, cfg: cfg, dialect: w.Dialect().Name(), plat: platformOf(cfg.Platform),
		stats:    &Stats{Platform: cfg.Platform, Patients: cfg.Patients, Seed: cfg.Seed, Rows: map[string]int64{}, Defects: map[DefectID]map[string]int64{}},
		progress: cfg.Progress,
		people:   newPeople(cfg.Seed),
		batch:    cfg.BatchSize,
	}
	g.accessRates = map[DefectID]float64{}
	for _, id := range AccessDefectIDs() {
		if r, ok := rates[id]; ok {
			g.accessRates[id] = r
		}
	}
	if g.progress == nil {
		g.progress = noProgress{}
	}
	if g.batch == 0 {
		g.batch = connectors.DefaultBatchSize
	}
	levels, err := buildLevels(g.plat.defects(), rates)
	if err != nil {
		return nil, err
	}
	g.levels = levels
	return g, nil
}

// level is the defects one kind of row draws from, each owning a slice of
// [0, 1) as wide as its rate: one uniform draw picks at most one defect,
// which is how a row never gets two.
type level struct {
	ids   []DefectID
	upper []float64
}

func buildLevels(specs []defectSpec, rates map[DefectID]float64) (map[string]*level, error) {
	out := map[string]*level{}
	for _, d := range specs {
		l := out[d.Level]
		if l == nil {
			l = &level{}
			out[d.Level] = l
		}
		sum := rates[d.ID]
		if n := len(l.upper); n > 0 {
			sum += l.upper[n-1]
		}
		if sum > 1 {
			return nil, fmt.Errorf("the rates of the defects of %s rows add up to more than 1 (a row gets at most one defect): lower them", d.Level)
		}
		l.ids = append(l.ids, d.ID)
		l.upper = append(l.upper, sum)
	}
	return out, nil
}

// pick gives the defect whose slice holds u, or "" for none.
func (l *level) pick(u float64) DefectID {
	if l == nil {
		return ""
	}
	for i, up := range l.upper {
		if u < up {
			return l.ids[i]
		}
	}
	return ""
}

// draw picks a row's defect of a level with the row's own stream; ok
// says whether the defect may apply to this row (PNRPlus only to the old,
// say), and a defect that may not becomes none.
func (g *gen) draw(lvl string, r *rand.Rand, ok func(DefectID) bool) DefectID {
	d := g.levels[lvl].pick(r.Float64())
	if d != "" && ok != nil && !ok(d) {
		return ""
	}
	return d
}

// hit records one row that got a defect.
func (g *gen) hit(id DefectID, table string, key int64, column string, want connectors.Value) {
	m := g.stats.Defects[id]
	if m == nil {
		m = map[string]int64{}
		g.stats.Defects[id] = m
	}
	m[table]++
	if g.cfg.Observe != nil {
		g.cfg.Observe(Injection{Defect: id, Table: table, Key: key, Column: column, Want: want})
	}
}

// Streams: every entity (patient, form, value) draws from a PCG stream of
// its own, seeded from the configuration's seed and the entity's numbers.
// A pass over one table can then recompute any entity another table
// needs, in any order, without remembering it.

// Stream kinds, so that two entities with equal numbers never share one.
const (
	kindPatient uint64 = iota + 1
	kindForm
	kindDetail
	kindUnit
	kindSub
	kindAccess
)

// stream is a reusable generator: reseeding costs nothing and allocates
// nothing.
type stream struct {
	pcg rand.PCG
	r   *rand.Rand
}

func newStream() *stream {
	s := &stream{}
	s.r = rand.New(&s.pcg)
	return s
}

// at reseeds the stream for one entity and returns it.
func (s *stream) at(seed, kind uint64, ids ...uint64) *rand.Rand {
	h := mix(seed ^ kind*0x9e3779b97f4a7c15)
	for _, id := range ids {
		h = mix(h ^ id)
	}
	s.pcg.Seed(h, mix(h^kind))
	return s.r
}

// mix is SplitMix64's finaliser: a bijection on uint64 that spreads every
// input bit over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// emitter writes one table in batches, each batch in one legacy
// transaction. Its buffer is one batch of values, reused.
type emitter struct {
	g     *gen
	t     *connectors.Table
	ncol  int
	vals  []connectors.Value
	rows  [][]connectors.Value
	n     int
	total int64
}

func (g *gen) emitter(t *connectors.Table, estimate int64) *emitter {
	g.progress.Table(t.Name, estimate)
	ncol := len(t.Columns)
	return &emitter{g: g, t: t, ncol: ncol, vals: make([]connectors.Value, g.batch*ncol), rows: make([][]connectors.Value, g.batch)}
}

// add gives the next row's slot, all NULL, to fill before the next add.
func (e *emitter) add() ([]connectors.Value, error) {
	if e.n == len(e.rows) {
		if err := e.flush(); err != nil {
			return nil, err
		}
	}
	row := e.vals[e.n*e.ncol : (e.n+1)*e.ncol : (e.n+1)*e.ncol]
	clear(row)
	e.rows[e.n] = row
	e.n++
	return row, nil
}

func (e *emitter) flush() error {
	if e.n == 0 {
		return nil
	}
	if err := e.g.ctx.Err(); err != nil {
		return err
	}
	tx, err := e.g.w.BeginLegacy(e.g.ctx)
	if err != nil {
		return fmt.Errorf("table %s: %w", e.t.Name, err)
	}
	n, err := tx.Write(e.g.ctx, e.t, e.rows[:e.n])
	if err != nil {
		tx.Rollback()
		return fmt.Errorf("writing rows %d..%d: %w", e.total+1, e.total+int64(e.n), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("table %s: %w", e.t.Name, err)
	}
	if n != int64(e.n) {
		return fmt.Errorf("table %s: wrote %d of %d rows", e.t.Name, n, e.n)
	}
	e.total += n
	e.g.progress.Add(e.n)
	e.n = 0
	return nil
}

// close writes what is left and counts the table.
func (e *emitter) close() error {
	if err := e.flush(); err != nil {
		return err
	}
	e.g.stats.Rows[e.t.Name] = e.total
	e.g.progress.TableDone()
	return nil
}

// Values used across platforms.

// dateAt gives the date n days after d (before, for negative n). It
// counts days itself rather than through time.Time, which was a fifth of
// the generator's time.
func dateAt(d connectors.Date, n int) connectors.Date {
	return civil(dayNumber(d) + n)
}

// daysBetween gives the number of days from a to b.
func daysBetween(a, b connectors.Date) int { return dayNumber(b) - dayNumber(a) }

// dayNumber counts days from 1970-01-01 in the proleptic Gregorian
// calendar (Howard Hinnant's days_from_civil).
func dayNumber(d connectors.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil is dayNumber's inverse (civil_from_days).
func civil(n int) connectors.Date {
	n += 719468
	era := n / 146097
	if n < 0 && n%146097 != 0 {
		era--
	}
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	return connectors.Date{Year: year, Month: time.Month(month), Day: day}
}

// latin1Text gives text for a Latin-1 column as a legacy application
// stored it: the Latin-1 bytes when it has letters beyond ASCII (the
// writer stores them as they are and every dialect reads back the text),
// the string otherwise. Text outside Latin-1 never occurs here.
func latin1Text(s string) connectors.Value {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r)) // runes below U+0100 are their own Latin-1 byte
	}
	return b
}

// garbled gives what a Latin-1 column shows of text an application wrote
// as UTF-8: the UTF-8 bytes, which read back as "Ã¤" for "ä".
func garbled(s string) connectors.Value { return []byte(s) }

// garbledString gives the same text as a UTF-8 column stores it after one
// wrong conversion: its UTF-8 bytes read as MariaDB's latin1
// (Windows-1252), so "Ö" became "Ã–".
func garbledString(s string) string { return lexical.DecodeWindows1252([]byte(s)) }

// hasNonASCII reports whether s has a letter beyond ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// pickString picks one of a list.
func pickString(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// pickNonASCII picks one of a list's entries that have a letter beyond
// ASCII, so that a text defect is visible in it.
func pickNonASCII(r *rand.Rand, list []string) string {
	for {
		if s := list[r.IntN(len(list))]; hasNonASCII(s) {
			return s
		}
	}
}
