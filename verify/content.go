package verify

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Content is what one receiving table must hold, built from the source
// re-read and passed through the mappings: per bucket of the receiving
// key, the aggregate of the rows' hashes. Memory is one fixed array of
// aggregates, whatever the table's size: the rows themselves are hashed
// and forgotten.
type Content struct {
	// Table is the receiving table as the plan's schema declares it.
	Table *connectors.Table
	// KeyNames is the receiving key: the primary key, or every hashed
	// column for a table without one (then a changed value is a missing
	// row plus a foreign one, which still names the difference).
	KeyNames []string
	// HashedNames are the columns in the row hash, in schema order: every
	// column but floats. FloatNames are left out (see Checksum).
	HashedNames, FloatNames []string
	// N is the number of buckets.
	N uint32
	// Fine, when above N, is the number of buckets a drill-down refines
	// N's into (a multiple of N) when too many of N's differ to read their
	// records: a run's own end check compares over few buckets, whose
	// aggregates stay in the processor's cache (RunBucketsFor), and
	// drills down as finely as regflytt verify does (Refinement). Zero or
	// N: no refinement.
	Fine uint32
	Rows int64
	// NonNull counts the non-NULL values each column of Table got.
	NonNull []int64

	// FloatTolerance is the relative difference two float values may
	// have and count as equal (DefaultFloatTolerance unless the plan says).
	FloatTolerance float64
	// ReadBack lets the target read its rows back through its connector
	// for the whole-table checksum where that is cheaper than its SQL
	// (connectors.ChecksumRequest.ReadBack): a run's own end check.
	// regflytt verify leaves it false, so that the database's own
	// encoding, not the connector's decoding, gives the target's side.
	ReadBack bool
	// Hasher is the row and key hash of both sides (connectors.RowHasher):
	// nil, SHA-256, for regflytt verify; a keyed one for a run's own end
	// check, whose target side is then computed in Go, never pushed down.
	// Set before the first Add.
	Hasher *connectors.RowHasher
	// Native, when set, hashes each expected row as the target database
	// hashes it once stored (connectors.NativeRowHasher, seeded with
	// NativeSeed): a run's own end check on a target that computes its
	// side itself, so that no row crosses the wire (NativeCheck). Add then
	// keeps the rows' native sum instead of the bucket aggregates, which
	// stay empty: a difference is found, not located, and the end check
	// names its records by re-reading the source through the mappings.
	// Set before the first Add.
	Native     connectors.NativeRowHasher
	NativeSeed uint64
	nativeSum  uint64
	// nativeLost says a row held a value Native declined (one the
	// target's writer sent another way): the native sum says nothing then.
	nativeLost bool

	key, hashed, floats []int
	// sums holds, per bucket, the aggregate of the row hashes and that of
	// each record's float record hash (its key and rounded floats: see
	// addFloats), side by side: a row adds to both, and the buckets are
	// hit at random, so one cache miss a row rather than two.
	sums []bucketSums
	fbuf []byte
	// fbits is FloatBits(FloatTolerance), for floatBits: a logarithm a row
	// was a tenth of Add's time.
	fbits    int
	fbitsTol float64
	fbitsSet bool
	// within and only, when within is not zero, keep Add to the rows
	// whose key hash mod within is in only: a refinement's content, of
	// the differing buckets of a coarser one (Refinement), coarse.
	within     uint32
	only       map[uint32]bool
	coarse     *Content
	kbuf, rbuf []byte
	kv, fv     []connectors.Value
	// rowHashes counts the rows hashed (see ContentCheck.rehashed).
	rowHashes int64
}

// BucketsFor chooses the number of buckets for a table of about rows
// rows: about 64 records a bucket, so that a drill-down lists few records
// per differing bucket, between 16 and 65536 buckets (1.5 MB of
// aggregates at most). More buckets cost the database a larger GROUP BY:
// at 16 records a bucket pushdown was slower than hashing in Go.
func BucketsFor(rows int64) uint32 {
	want := uint64(max(rows, 0)/64) + 1
	n := uint32(1) << (64 - bits.LeadingZeros64(want-1))
	return min(max(n, 16), 1<<16)
}

// RunBuckets is the most buckets a run's own end check compares over.
// Both sides hit the buckets at random, one a row: 16384 buckets of a
// million-row table (786 KB of aggregates a side) cost a cache miss a row
// on each, about a twentieth of a run's CPU; 1024 (48 KB) stay in the
// processor's cache. Where more differ than a drill-down reads
// (Differing), it refines them into BucketsFor's (Refinement).
const RunBuckets = 1024

// RunBucketsFor chooses the buckets of a run's own end check for a table
// of about rows rows: BucketsFor's, at most RunBuckets. Set Content.Fine
// to BucketsFor(rows) for its drill-down.
func RunBucketsFor(rows int64) uint32 { return min(BucketsFor(rows), RunBuckets) }

// NewContent starts the expected content of a receiving table over n buckets.
func NewContent(t *connectors.Table, n uint32) (*Content, error) {
	c := &Content{Table: t, N: n, sums: make([]bucketSums, n), NonNull: make([]int64, len(t.Columns))}
	hashed, floats, err := connectors.SplitHashColumns(t, columnNames(t))
	if err != nil {
		return nil, err
	}
	c.HashedNames, c.FloatNames = hashed, floats
	c.KeyNames = t.PrimaryKey
	if len(c.KeyNames) == 0 {
		c.KeyNames = hashed
	}
	for _, k := range c.KeyNames {
		i := t.ColumnIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("receiving table %s: key column %s is not a column", t.Name, k)
		}
		c.key = append(c.key, i)
	}
	for _, h := range hashed {
		c.hashed = append(c.hashed, t.ColumnIndex(h))
	}
	for _, f := range floats {
		c.floats = append(c.floats, t.ColumnIndex(f))
	}
	c.FloatTolerance = DefaultFloatTolerance
	c.kv, c.fv = make([]connectors.Value, len(c.key)), make([]connectors.Value, len(c.floats))
	return c, nil
}

// bucketSums are one bucket's aggregates: of the row hashes, and of the
// float record hashes (zero for a table without floats).
type bucketSums struct {
	rows, floats connectors.Aggregate
}

func columnNames(t *connectors.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// record is one row's key encoding, bucket and row hash.
func (c *Content) record(row []connectors.Value) (key []byte, bucket uint32, h connectors.RowHash, err error) {
	if len(row) != len(c.Table.Columns) {
		return nil, 0, h, fmt.Errorf("receiving table %s: a row of %d values for %d columns", c.Table.Name, len(row), len(c.Table.Columns))
	}
	if key, bucket, err = c.keyOf(row); err != nil {
		return nil, 0, h, err
	}
	if c.rbuf, err = c.appendHashed(c.rbuf[:0], row); err != nil {
		return nil, 0, h, fmt.Errorf("receiving table %s: row: %w", c.Table.Name, err)
	}
	c.rowHashes++
	return c.kbuf, bucket, c.Hasher.Sum(c.rbuf), nil
}

// appendHashed appends the encoding of a row's hashed columns: what
// connectors.AppendRow gives of them picked into a row of their own
// (the test holds the two to agree), without copying them there first.
func (c *Content) appendHashed(b []byte, row []connectors.Value) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(c.hashed)))
	for i, j := range c.hashed {
		var err error
		if b, err = connectors.AppendValue(b, row[j]); err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
	}
	return b, nil
}

// keyOf is one row's key encoding and bucket, without the row hash: what
// a scan that only picks the rows of some buckets needs, so that the rows
// it passes over are not hashed.
func (c *Content) keyOf(row []connectors.Value) (key []byte, bucket uint32, err error) {
	if len(row) != len(c.Table.Columns) {
		return nil, 0, fmt.Errorf("receiving table %s: a row of %d values for %d columns", c.Table.Name, len(row), len(c.Table.Columns))
	}
	for i, j := range c.key {
		c.kv[i] = row[j]
	}
	if c.kbuf, err = connectors.AppendRow(c.kbuf[:0], c.kv); err != nil {
		return nil, 0, fmt.Errorf("receiving table %s: key: %w", c.Table.Name, err)
	}
	return c.kbuf, c.bucketOf(c.kbuf), nil
}

// Add adds one expected row (one value per column of Table).
func (c *Content) Add(row []connectors.Value) error {
	if c.Native != nil && c.within == 0 {
		if len(row) != len(c.Table.Columns) {
			return fmt.Errorf("receiving table %s: a row of %d values for %d columns", c.Table.Name, len(row), len(c.Table.Columns))
		}
		if h, ok := c.Native.HashRow(row); ok {
			c.nativeSum += h
		} else {
			c.nativeLost = true
		}
		c.countRow(row)
		return nil
	}
	if c.within != 0 {
		// A refinement's: the rows of the coarse differing buckets only,
		// the others unhashed.
		_, b, err := c.keyOf(row)
		if err != nil {
			return err
		}
		if !c.only[b%c.within] {
			return nil
		}
	}
	_, b, h, err := c.record(row)
	if err != nil {
		return err
	}
	s := &c.sums[b]
	s.rows.Add(h)
	c.addFloats(&s.floats, row)
	c.countRow(row)
	return nil
}

// countRow counts an expected row and its non-NULL values.
func (c *Content) countRow(row []connectors.Value) {
	c.Rows++
	for i, v := range row {
		if v != nil {
			c.NonNull[i]++
		}
	}
}

// NativeLost says why c's native sum cannot be compared ("" when it
// can): it has none, or a row held a value its hasher declined.
func (c *Content) NativeLost() string {
	switch {
	case c.Native == nil:
		return "no native row sum"
	case c.nativeLost:
		return "a row held a value the native row sum does not know the stored form of"
	}
	return ""
}

// NativeCheck compares c's native sum (NativeLost "") with the target
// database's, got for the same seed. A check that is not OK has no
// buckets to drill into: the records are named by comparing the target
// with the source re-read through the mappings.
func (c *Content) NativeCheck(got connectors.NativeTotals) *ContentCheck {
	hex := func(x uint64) string { return fmt.Sprintf("%016x", x) }
	ok := got.Rows == c.Rows && got.Sum == c.nativeSum
	cc := &ContentCheck{Table: c.Table.Name, ExpectedRows: c.Rows, ActualRows: got.Rows, Buckets: 1,
		Expected: HashTotal{Count: uint64(c.Rows), Sum1: hex(c.nativeSum)}, Actual: HashTotal{Count: uint64(max(got.Rows, 0)), Sum1: hex(got.Sum)},
		Native: true, HashedColumns: columnNames(c.Table), KeyColumns: c.KeyNames, OK: ok, nonNull: got.NonNull}
	if !ok {
		cc.DifferingBuckets = 1
	}
	return cc
}

// DefaultFloatTolerance is the relative difference under which two float
// values are the same measurement: far below any instrument's precision,
// far above a last-digit rounding in a database's float text.
const DefaultFloatTolerance = 1e-9

// addFloats adds a row's float record hash to its bucket's aggregate:
// the hash of the record's key and its floats rounded to FloatBits of the
// tolerance (connectors.AppendFloatRecord). A sum of the values would
// cancel (the largest double minus itself hides any small value beside
// it) and has no NaN; a hash per record does not cancel, and two values
// further apart than the tolerance never round alike. Two values within
// the tolerance may still round apart: the drill-down then compares the
// bucket record by record with the tolerance (sameFloat), and a bucket
// whose records all agree is no difference. The key encoding is the
// last keyOf's.
func (c *Content) addFloats(sum *connectors.Aggregate, row []connectors.Value) {
	if len(c.floats) == 0 {
		return
	}
	for i, j := range c.floats {
		c.fv[i] = row[j]
	}
	c.fbuf = connectors.AppendFloatRecord(c.fbuf[:0], c.kbuf, c.fv, c.floatBits())
	sum.Add(c.Hasher.Sum(c.fbuf))
}

// floatBits is FloatBits(c.FloatTolerance), computed again only when the
// tolerance changed (it is a field, set after NewContent).
func (c *Content) floatBits() int {
	if !c.fbitsSet || c.fbitsTol != c.FloatTolerance {
		c.fbits, c.fbitsTol, c.fbitsSet = FloatBits(c.FloatTolerance), c.FloatTolerance, true
	}
	return c.fbits
}

// FloatBits is the mantissa bits a float aggregate keeps for a relative
// tolerance: two values that round alike are then within half the
// tolerance of each other (connectors.AppendRoundedFloat), so none
// further apart is missed. A tolerance of 0 keeps every bit.
func FloatBits(tolerance float64) int {
	if tolerance <= 0 {
		return 52
	}
	return min(max(int(math.Ceil(-math.Log2(tolerance)))+1, 0), 52)
}

// sameFloat compares two values of a float column with the tolerance:
// NaN equals NaN, -0 does not equal 0, an infinity equals only itself.
func (c *Content) sameFloat(a, b connectors.Value) bool {
	x, xok := a.(float64)
	y, yok := b.(float64)
	if !xok || !yok {
		return a == nil && b == nil
	}
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.IsNaN(x) && math.IsNaN(y)
	case x == y:
		return math.Signbit(x) == math.Signbit(y)
	case math.IsInf(x, 0) || math.IsInf(y, 0):
		return false
	}
	// Scaled apart, so that two values near the largest double do not
	// overflow the bound to +Inf.
	return math.Abs(x-y) <= c.FloatTolerance*math.Abs(x)+c.FloatTolerance*math.Abs(y)
}

// scanOptions reads a receiving table in its key order; one without a
// primary key is read in the order of the record key.
func (c *Content) scanOptions(tt *connectors.Table) connectors.ScanOptions {
	if len(tt.PrimaryKey) == 0 {
		return connectors.ScanOptions{Key: c.KeyNames}
	}
	return connectors.ScanOptions{}
}

// scanTarget reads the receiving table's rows in Go and calls fn with
// each row, laid out in Table's column order, and its bucket.
func (c *Content) scanTarget(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, fn func(row []connectors.Value, bucket uint32) error) error {
	pos := make([]int, len(c.Table.Columns))
	for i, col := range c.Table.Columns {
		if pos[i] = tt.ColumnIndex(col.Name); pos[i] < 0 {
			return fmt.Errorf("verify: receiving table %s has no column %s", tt.Name, col.Name)
		}
	}
	rows, err := tsnap.Scan(ctx, tt, c.scanOptions(tt))
	if err != nil {
		return fmt.Errorf("verify: read receiving table %s: %w", tt.Name, err)
	}
	defer rows.Close()
	row := make([]connectors.Value, len(pos))
	for rows.Next() {
		r := rows.Row()
		for i, j := range pos {
			row[i] = r[j]
		}
		_, b, err := c.keyOf(row)
		if err != nil {
			return err
		}
		if err := fn(row, b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read receiving table %s: %w", tt.Name, err)
	}
	return nil
}

// floatBuckets lists the buckets whose float aggregates differ between
// the expected side and the target's (got, from the same request).
func (c *Content) floatBuckets(got []connectors.BucketSum) []uint32 {
	want := connectors.Buckets{Version: c.Hasher.Version(), N: c.N}
	for i, s := range c.sums {
		if a := s.floats; a.Count > 0 {
			want.Sums = append(want.Sums, connectors.BucketSum{Bucket: uint32(i), Aggregate: a})
		}
	}
	diff, _ := connectors.DiffBuckets(want, connectors.Buckets{Version: c.Hasher.Version(), N: c.N, Sums: got})
	return diff
}

// Bucket gives the bucket of a row's receiving key (the row unhashed).
func (c *Content) Bucket(row []connectors.Value) (uint32, error) {
	_, b, err := c.keyOf(row)
	return b, err
}

// Buckets gives the expected checksum in connectors' shape.
func (c *Content) Buckets() connectors.Buckets {
	out := connectors.Buckets{Version: c.Hasher.Version(), N: c.N}
	for i, s := range c.sums {
		if a := s.rows; a.Count > 0 {
			out.Sums = append(out.Sums, connectors.BucketSum{Bucket: uint32(i), Aggregate: a})
		}
	}
	return out
}

// Request is the checksum request for the receiving table's actual side:
// its row hashes and, when it has float columns, their aggregates.
func (c *Content) Request() connectors.ChecksumRequest {
	req := connectors.ChecksumRequest{Columns: c.HashedNames, Key: c.KeyNames, Buckets: c.N, ReadBack: c.ReadBack, Hasher: c.Hasher}
	if len(c.floats) > 0 {
		req.Floats, req.FloatBits = c.FloatNames, FloatBits(c.FloatTolerance)
	}
	return req
}

// rowRequest is Request without the floats: what a drill-down asks.
func (c *Content) rowRequest() connectors.ChecksumRequest {
	return connectors.ChecksumRequest{Columns: c.HashedNames, Key: c.KeyNames, Buckets: c.N, Hasher: c.Hasher}
}

// ContentCheck is the comparison of one receiving table's expected and
// actual content.
type ContentCheck struct {
	Table string `json:"table"`
	// ExpectedRows come from the re-applied mappings, ActualRows are in
	// the target.
	ExpectedRows int64  `json:"expected_rows"`
	ActualRows   int64  `json:"actual_rows"`
	Buckets      uint32 `json:"buckets"`
	// Expected and Actual are the totals over all buckets, in hex: what an
	// auditor re-running verify compares.
	Expected HashTotal `json:"expected"`
	Actual   HashTotal `json:"actual"`
	// Pushdown says the target computed its checksum itself, in SQL;
	// ReadBack that its connector read the rows back and hashed them as
	// it decodes them (a run's own end check on PostgreSQL).
	Pushdown bool `json:"pushdown"`
	ReadBack bool `json:"read_back,omitempty"`
	// Native says the target computed a native row sum (Content.Native):
	// the hash of each stored value's binary form, one total per table.
	Native bool `json:"native,omitempty"`
	// DifferingBuckets counts the buckets whose aggregates differ.
	DifferingBuckets int          `json:"differing_buckets"`
	HashedColumns    []string     `json:"hashed_columns"`
	FloatColumns     []string     `json:"float_columns,omitempty"`
	KeyColumns       []string     `json:"key_columns"`
	Differences      []Difference `json:"differences,omitempty"`
	// SourceChanged counts the differing buckets in which the source,
	// read again for the drill-down, does not give the expected side's
	// rows: the source changed since the expected side was read (a run's
	// own end check, whose expected side is what the run wrote). A
	// drill-down compares the target with that second reading, so it
	// cannot clear such a bucket, nor tell which records differ from
	// the expected side: they stay differing.
	SourceChanged int  `json:"source_changed_buckets,omitempty"`
	OK            bool `json:"ok"`

	// diff are the differing buckets; hashDiff those whose row hashes
	// differ (the rest differ in floats only, and a drill-down that finds
	// every record within the tolerance clears them).
	diff, hashDiff []uint32
	// nonNull are the target's non-NULL values per column, where its side
	// was computed in Go from every row (connectors.Buckets.NonNull).
	nonNull map[string]int64
	// rehashed counts the rows the drill-down hashed or read whole, on
	// both sides: it must grow with the differing buckets, not the table.
	rehashed int64
	// fine is the content's Fine: the buckets a refinement splits these
	// into, when above Buckets.
	fine uint32
	// refined, of a refinement's check (Refine), are its differing fine
	// buckets before its drill-down.
	refined []uint32
	// changed are the buckets SourceChanged counts.
	changed []uint32
}

// HashTotal is an aggregate as the report prints it.
type HashTotal struct {
	Count uint64 `json:"count"`
	Sum1  string `json:"sum1"`
	Sum2  string `json:"sum2"`
}

func totalOf(a connectors.Aggregate) HashTotal {
	return HashTotal{Count: a.Count, Sum1: fmt.Sprintf("%016x", a.Sum1), Sum2: fmt.Sprintf("%016x", a.Sum2)}
}

// Difference is one record that differs between the expected and the
// actual content of a receiving table. It names the record by its
// receiving key and the columns by name: never a value but the key.
type Difference struct {
	Table string `json:"table"`
	// Key is the receiving key, rendered as text (a pseudonym or a
	// surrogate number in a receiving schema).
	Key []string `json:"key"`
	// Kind is "missing" (expected, not in the target), "foreign" (in the
	// target, not expected), "changed" (both, with differing columns) or
	// "duplicate" (the key more often in the target than expected); for
	// the archive package "archive_missing", "archive_foreign",
	// "archive_duplicate" and "archive_changed" (Columns is [detail] when
	// only the detail differs), and for a value archived alone
	// "archive_value_missing", "archive_value_foreign" and
	// "archive_value_changed" (Columns is its receiving column).
	Kind    string   `json:"kind"`
	Columns []string `json:"columns,omitempty"`
	// Expected and Actual count the records with this key on each side.
	Expected int `json:"expected"`
	Actual   int `json:"actual"`
	// NoKey: the receiving table has no primary key, so its records are
	// keyed by every hashed column, their values; Key is left empty, as
	// a report names a record never by a value but its key.
	NoKey bool `json:"no_key,omitempty"`
	// valuesKey is the key NoKey leaves out, for the package's tests.
	valuesKey []string
}

// String describes the difference for a person.
func (d Difference) String() string {
	key := strings.Join(d.Key, ", ")
	if d.NoKey {
		return d.keylessString()
	}
	switch d.Kind {
	case "missing":
		return fmt.Sprintf("%s key (%s): expected from the source, missing in the target", d.Table, key)
	case "foreign":
		return fmt.Sprintf("%s key (%s): in the target, but no source record gives it", d.Table, key)
	case "duplicate":
		return fmt.Sprintf("%s key (%s): %d rows in the target, %d expected", d.Table, key, d.Actual, d.Expected)
	case "archive_missing":
		return fmt.Sprintf("archived %s record %s: expected from the source, missing in the archive package", d.Table, key)
	case "archive_foreign":
		return fmt.Sprintf("archived %s record %s: in the archive package, but no source record is archived so", d.Table, key)
	case "archive_value_missing":
		return fmt.Sprintf("value of %s.%s archived alone, record %s: expected from the source, missing in the archive package", d.Table, strings.Join(d.Columns, ", "), key)
	case "archive_value_foreign":
		return fmt.Sprintf("value of %s.%s archived alone, record %s: in the archive package, but no source value is archived so", d.Table, strings.Join(d.Columns, ", "), key)
	case "archive_value_changed":
		return fmt.Sprintf("value of %s.%s archived alone, record %s: the value or its outcome (reason, source column, care unit or detail) differs from what the mappings give", d.Table, strings.Join(d.Columns, ", "), key)
	case "archive_duplicate":
		return fmt.Sprintf("archived %s record %s: held %d times in the archive package, the mappings archive it %d times", d.Table, key, d.Actual, d.Expected)
	case "archive_changed":
		if len(d.Columns) == 1 && d.Columns[0] == "detail" {
			return fmt.Sprintf("archived %s record %s: its detail (why it was archived, in words) differs from what the mappings give", d.Table, key)
		}
		return fmt.Sprintf("archived %s record %s: its values or outcome (key, reason, column, care unit or detail) differ from what the mappings give", d.Table, key)
	}
	return fmt.Sprintf("%s key (%s): columns %s differ", d.Table, key, strings.Join(d.Columns, ", "))
}

// keylessString describes a difference of a receiving table without a
// primary key, whose record has no key to name it by but its values.
func (d Difference) keylessString() string {
	what := fmt.Sprintf("%s, a record (the table has no primary key: its records are named by no value)", d.Table)
	switch d.Kind {
	case "missing":
		return fmt.Sprintf("%s: expected from the source %d time(s), missing in the target", what, d.Expected)
	case "foreign":
		return fmt.Sprintf("%s: in the target %d time(s), but no source record gives it", what, d.Actual)
	case "duplicate":
		return fmt.Sprintf("%s: %d rows in the target, %d expected", what, d.Actual, d.Expected)
	}
	return fmt.Sprintf("%s: columns %s differ", what, strings.Join(d.Columns, ", "))
}

// CompareContent compares the expected content of a receiving table with
// the target's own checksum of it (pushed down where the target can).
// tt must be the target snapshot's catalogue entry of the table. The
// check's differing buckets are kept for DrillDown.
func CompareContent(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, c *Content) (*ContentCheck, error) {
	ts, err := ChecksumTarget(ctx, tsnap, tt, c)
	if err != nil {
		return nil, err
	}
	return CompareTarget(c, ts)
}

// TargetSide is a receiving table's checksum as the target gave it: the
// side of a content comparison that does not depend on the expected rows.
type TargetSide struct {
	got    connectors.Buckets
	pushed bool
}

// ChecksumTarget takes the target's side of c's comparison. It reads
// only c's request, fixed when c was made (ReadBack included), so it may
// run while c is still being filled (verify reads the target while it
// re-applies the mappings to the source).
func ChecksumTarget(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, c *Content) (TargetSide, error) {
	got, pushed, err := connectors.Checksum(ctx, tsnap, tt, c.Request())
	if err != nil {
		return TargetSide{}, fmt.Errorf("verify: checksum of receiving table %s: %w", tt.Name, err)
	}
	return TargetSide{got: got, pushed: pushed}, nil
}

// CompareTarget compares c, filled, with the target's side of it.
func CompareTarget(c *Content, ts TargetSide) (*ContentCheck, error) {
	got, pushed := ts.got, ts.pushed
	want := c.Buckets()
	diff, err := connectors.DiffBuckets(want, got)
	if err != nil {
		return nil, fmt.Errorf("verify: receiving table %s: %w", c.Table.Name, err)
	}
	hashDiff := diff
	if len(c.floats) > 0 {
		diff = unionSorted(diff, c.floatBuckets(got.Floats))
	}
	wt, gt := want.Total(), got.Total()
	cc := &ContentCheck{Table: c.Table.Name, ExpectedRows: c.Rows, ActualRows: int64(gt.Count), Buckets: c.N,
		Expected: totalOf(wt), Actual: totalOf(gt), Pushdown: pushed && !got.ReadBack, ReadBack: got.ReadBack, DifferingBuckets: len(diff),
		HashedColumns: c.HashedNames, FloatColumns: c.FloatNames, KeyColumns: c.KeyNames, OK: len(diff) == 0, diff: diff, hashDiff: hashDiff,
		nonNull: got.NonNull, fine: c.Fine}
	return cc, nil
}

func unionSorted(a, b []uint32) []uint32 {
	out := append(append([]uint32(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// maxDrillBuckets bounds the buckets one drill-down looks into, and so
// its memory: about 64 records a bucket (BucketsFor) on each side. A
// table with more differing buckets (a target emptied, a column
// rewritten) names the records of the first ones; the differing-bucket
// count says how many more. A variable so that a test reaches a
// refinement (ContentCheck.Refinement) with a few thousand rows.
var maxDrillBuckets = 1024

// drillBuckets is the most buckets a drill-down of cc looks into: the
// records of maxDrillBuckets of BucketsFor's, whatever the buckets' size,
// so that a coarser check (a run's own, RunBuckets) holds no more rows in
// a drill-down than regflytt verify does.
func (cc *ContentCheck) drillBuckets() int {
	if cc.fine <= cc.Buckets || cc.Buckets == 0 {
		return maxDrillBuckets
	}
	return max(1, int(uint64(maxDrillBuckets)*uint64(cc.Buckets)/uint64(cc.fine)))
}

// Differing lists the buckets a drill-down looks into.
func (cc *ContentCheck) Differing() []uint32 { return cc.diff[:min(len(cc.diff), cc.drillBuckets())] }

// Refinement gives, when more of cc's buckets differ than a drill-down of
// them reads (Differing) and c has finer buckets to split them into
// (Content.Fine), an empty content over c.Fine buckets that takes only
// the rows of cc's differing buckets: fill it with the expected rows
// again (Add), then Refine. nil when cc needs no refinement: a drill-down
// reads its differing buckets whole.
//
// A bucket at Fine holds the records of one bucket at N (N divides Fine,
// and a key's bucket is its hash mod the count), so every record that
// differs is in a fine bucket of a differing coarse one: the refinement
// looks at no fewer records than a comparison at Fine from the start
// would have, and holds Fine aggregates, not rows.
func (cc *ContentCheck) Refinement(c *Content) (*Content, error) {
	if c.Fine <= c.N || len(cc.diff) <= len(cc.Differing()) {
		return nil, nil
	}
	if c.Fine%c.N != 0 {
		return nil, fmt.Errorf("verify: receiving table %s: %d buckets do not split into %d", c.Table.Name, c.N, c.Fine)
	}
	f, err := NewContent(c.Table, c.Fine)
	if err != nil {
		return nil, err
	}
	f.FloatTolerance, f.ReadBack, f.Hasher = c.FloatTolerance, c.ReadBack, c.Hasher
	f.within, f.only, f.coarse = c.N, make(map[uint32]bool, len(cc.diff)), c
	for _, b := range cc.diff {
		f.only[b] = true
	}
	return f, nil
}

// Refine compares a refinement of cc (fine, from Refinement, filled)
// with the target's checksum over fine's buckets, and gives the check to
// drill down (DrillDown with fine), then fold into cc (Refined): its
// differing buckets are the fine ones of cc's differing buckets whose
// aggregates differ.
func Refine(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, fine *Content, cc *ContentCheck) (*ContentCheck, error) {
	if fine.within == 0 || fine.within != cc.Buckets {
		return nil, fmt.Errorf("verify: receiving table %s: a refinement of %d buckets for a check over %d", cc.Table, fine.within, cc.Buckets)
	}
	// The target's side over the fine buckets, as the check took it over
	// the coarse ones (the whole table, floats included); its other
	// buckets, outside cc's differing ones, are passed over.
	fcc, err := CompareContent(ctx, tsnap, tt, fine)
	if err != nil {
		return nil, err
	}
	keep := func(bs []uint32) []uint32 {
		var out []uint32
		for _, b := range bs {
			if fine.only[b%fine.within] {
				out = append(out, b)
			}
		}
		return out
	}
	fcc.diff, fcc.hashDiff = keep(fcc.diff), keep(fcc.hashDiff)
	fcc.DifferingBuckets, fcc.OK = len(fcc.diff), len(fcc.diff) == 0
	fcc.refined = slices.Clone(fcc.diff)
	// The refinement is the source read again, not the expected side: a
	// coarse bucket its fine ones do not add up to (rows and floats) was
	// read otherwise, the source changed since, and what the refinement
	// finds or clears in it says nothing of the expected side (Refined
	// keeps it differing).
	cc.changed = nil
	if co := fine.coarse; co != nil && co.N == cc.Buckets && len(co.sums) == int(co.N) {
		again := make(map[uint32]*bucketSums, len(fine.only))
		for b, s := range fine.sums {
			cb := uint32(b) % fine.within
			if !fine.only[cb] {
				continue
			}
			a := again[cb]
			if a == nil {
				a = &bucketSums{}
				again[cb] = a
			}
			a.rows.Merge(s.rows)
			a.floats.Merge(s.floats)
		}
		for _, b := range cc.diff {
			a := again[b]
			if a == nil {
				a = &bucketSums{}
			}
			if *a != co.sums[b] {
				cc.changed = append(cc.changed, b)
			}
		}
	}
	return fcc, nil
}

// Refined folds the drill-down of cc's refinement (fcc, after DrillDown)
// into cc: its differences, and of cc's buckets those that still differ
// — those whose row hashes differ, those with a fine bucket that still
// differs, those in which the refinement found no differing fine bucket
// at all (nothing cleared them), and those the source, read again, no
// longer gives as the expected side has them (SourceChanged).
func (cc *ContentCheck) Refined(fcc *ContentCheck) {
	n := cc.Buckets
	still := map[uint32]bool{}
	for _, b := range cc.hashDiff {
		still[b] = true
	}
	for _, b := range fcc.diff {
		still[b%n] = true
	}
	changed := map[uint32]bool{}
	for _, b := range cc.changed {
		changed[b] = true
	}
	for _, b := range fcc.changed {
		changed[b%n] = true
	}
	cc.changed = cc.changed[:0]
	for b := range changed {
		still[b] = true
		cc.changed = append(cc.changed, b)
	}
	slices.Sort(cc.changed)
	cc.SourceChanged = len(cc.changed)
	seen := map[uint32]bool{}
	for _, b := range fcc.refined {
		seen[b%n] = true
	}
	var left []uint32
	for _, b := range cc.diff {
		if still[b] || !seen[b] {
			left = append(left, b)
		}
	}
	cc.Differences = fcc.Differences
	cc.rehashed += fcc.rehashed
	cc.diff, cc.DifferingBuckets = left, len(left)
	cc.OK = len(left) == 0 && len(cc.Differences) == 0
}

// maxDifferences bounds the differences a report lists per table; the
// differing-bucket count says how far beyond.
const maxDifferences = 1000

// DrillDown names the records of the differing buckets that differ, and
// for each changed record its differing columns. expected are the
// expected rows of those buckets (from a second pass of the mappings
// that keeps only them); the actual side is asked of the target for the
// same buckets only, one checksum request for whole rows and one per
// hashed column, so what crosses the wire grows with the differences,
// not with the table.
func DrillDown(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, c *Content, cc *ContentCheck, expected [][]connectors.Value) error {
	if len(cc.diff) == 0 {
		return nil
	}
	req := c.rowRequest()
	req.Within, req.In = c.N, cc.Differing()
	actual, _, err := connectors.Records(ctx, tsnap, tt, req)
	if err != nil {
		return fmt.Errorf("verify: drill-down of receiving table %s: %w", tt.Name, err)
	}
	type side struct {
		bucket    uint32
		key       []connectors.Value
		want, got []connectors.RowHash
		wantRow   []connectors.Value
		// wantRows and gotRows are every row of the key on each side (more
		// than one in a table without a primary key).
		wantRows, gotRows [][]connectors.Value
	}
	byKey := map[string]*side{}
	get := func(enc []byte, key []connectors.Value) *side {
		s := byKey[string(enc)]
		if s == nil {
			s = &side{key: key}
			byKey[string(enc)] = s
		}
		return s
	}
	// Every row hashed in Go during the drill-down counts, as do the
	// records the target hashed for it.
	start := c.rowHashes
	defer func() { cc.rehashed += c.rowHashes - start }()
	cc.rehashed += int64(len(actual))
	// The expected rows' aggregates per bucket, held to c's below: rows
	// read again from the source that do not add up to c's (the source
	// changed since c was filled) cannot clear a bucket.
	again := map[uint32]*bucketSums{}
	for _, row := range expected {
		enc, b, h, err := c.record(row)
		if err != nil {
			return err
		}
		a := again[b]
		if a == nil {
			a = &bucketSums{}
			again[b] = a
		}
		a.rows.Add(h)
		c.addFloats(&a.floats, row)
		key := make([]connectors.Value, len(c.key))
		for i, j := range c.key {
			key[i] = row[j]
		}
		s := get(enc, key)
		s.bucket = b
		s.want = append(s.want, h)
		s.wantRow = row
		s.wantRows = append(s.wantRows, row)
	}
	for _, r := range actual {
		enc, err := connectors.AppendRow(nil, r.Key)
		if err != nil {
			return fmt.Errorf("verify: receiving table %s: key: %w", tt.Name, err)
		}
		s := get(enc, r.Key)
		s.bucket = c.bucketOf(enc)
		s.got = append(s.got, r.Hash)
	}
	if len(c.floats) > 0 {
		in := map[uint32]bool{}
		for _, b := range cc.Differing() {
			in[b] = true
		}
		err := c.scanTarget(ctx, tsnap, tt, func(row []connectors.Value, b uint32) error {
			if !in[b] {
				return nil
			}
			cc.rehashed++
			enc, _, err := c.keyOf(row)
			if err != nil {
				return err
			}
			if s := byKey[string(enc)]; s != nil {
				s.gotRows = append(s.gotRows, slices.Clone(row))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	floatCols := func(s *side) []string {
		var out []string
		if len(s.want) != len(s.got) || len(s.want) == 0 {
			return nil
		}
		if len(s.wantRows) != len(s.gotRows) {
			// The target's rows of the key were not all read back: every
			// float column is named rather than a difference cleared.
			return c.FloatNames
		}
		// Rows of one key (a table without a primary key) are paired in
		// the order of their floats, so that their order in the target
		// does not matter.
		want, got := c.sortByFloats(s.wantRows), c.sortByFloats(s.gotRows)
		for i, j := range c.floats {
			for k := range want {
				if !c.sameFloat(want[k][j], got[k][j]) {
					out = append(out, c.FloatNames[i])
					break
				}
			}
		}
		return out
	}
	var changed []string
	var diffs []Difference
	var encs []string
	for enc, s := range byKey {
		d := Difference{Table: c.Table.Name, Key: keyText(s.key), Expected: len(s.want), Actual: len(s.got)}
		switch {
		case len(s.got) == 0:
			d.Kind = "missing"
		case len(s.want) == 0:
			d.Kind = "foreign"
		case len(s.got) > len(s.want):
			d.Kind = "duplicate"
		case len(s.got) < len(s.want):
			d.Kind = "missing"
		case sameHashes(s.want, s.got):
			fc := floatCols(s)
			if len(fc) == 0 {
				continue
			}
			d.Kind, d.Columns = "changed", fc
			diffs = append(diffs, d)
			encs = append(encs, enc)
			continue
		default:
			d.Kind = "changed"
			changed = append(changed, enc)
		}
		diffs = append(diffs, d)
		encs = append(encs, enc)
	}
	// Which columns differ: per column, the records' one-column hashes.
	if len(changed) > 0 {
		cols := map[string][]string{}
		for _, name := range c.HashedNames {
			if contains(c.KeyNames, name) {
				continue
			}
			creq := req
			creq.Columns = []string{name}
			recs, _, err := connectors.Records(ctx, tsnap, tt, creq)
			if err != nil {
				return fmt.Errorf("verify: drill-down of receiving table %s column %s: %w", tt.Name, name, err)
			}
			cc.rehashed += int64(len(recs))
			got := map[string]connectors.RowHash{}
			for _, r := range recs {
				enc, err := connectors.AppendRow(nil, r.Key)
				if err != nil {
					return err
				}
				got[string(enc)] = r.Hash
			}
			idx := c.Table.ColumnIndex(name)
			for _, enc := range changed {
				s := byKey[enc]
				want, err := c.Hasher.HashRow([]connectors.Value{s.wantRow[idx]})
				if err != nil {
					return err
				}
				if got[enc] != want {
					cols[enc] = append(cols[enc], name)
				}
			}
		}
		for i := range diffs {
			if diffs[i].Kind == "changed" && diffs[i].Columns == nil {
				diffs[i].Columns = append(cols[encs[i]], floatCols(byKey[encs[i]])...)
			}
		}
	}
	sort.Slice(diffs, func(i, j int) bool {
		a, b := strings.Join(diffs[i].Key, "\x00"), strings.Join(diffs[j].Key, "\x00")
		if a != b {
			return a < b
		}
		return diffs[i].Kind < diffs[j].Kind
	})
	if len(diffs) > maxDifferences {
		diffs = diffs[:maxDifferences]
	}
	cc.Differences = shownKeys(diffs)
	if len(c.Table.PrimaryKey) == 0 {
		// Keyed by every hashed column: the key is the record's values,
		// a name, a birth date, a note, which no report shows.
		for i := range cc.Differences {
			d := &cc.Differences[i]
			d.valuesKey, d.Key, d.NoKey = d.Key, nil, true
		}
	}
	// The buckets that still differ: those whose row hashes differ, those
	// with a named record, those beyond the drill-down, and those whose
	// expected rows, read again, are not the ones c holds (compared with
	// the target, they prove nothing of c). A bucket that differed in its
	// float aggregate only, whose every record agrees within the
	// tolerance, is no difference.
	still := map[uint32]bool{}
	for _, b := range cc.hashDiff {
		still[b] = true
	}
	for _, b := range cc.Differing() {
		a := again[b]
		if a == nil {
			a = &bucketSums{}
		}
		if *a != c.sums[b] {
			still[b] = true
			cc.changed = append(cc.changed, b)
		}
	}
	cc.SourceChanged = len(cc.changed)
	for _, enc := range encs {
		still[byKey[enc].bucket] = true
	}
	for _, b := range cc.diff[len(cc.Differing()):] {
		still[b] = true
	}
	var left []uint32
	for _, b := range cc.diff {
		if still[b] {
			left = append(left, b)
		}
	}
	cc.diff, cc.DifferingBuckets = left, len(left)
	cc.OK = len(left) == 0 && len(diffs) == 0
	return nil
}

// sortByFloats orders rows by their float columns: NULL, NaN, then by
// value with -0 before 0.
func (c *Content) sortByFloats(rows [][]connectors.Value) [][]connectors.Value {
	rank := func(v connectors.Value) (int, float64) {
		x, ok := v.(float64)
		switch {
		case v == nil:
			return 0, 0
		case !ok:
			return 3, 0
		case math.IsNaN(x):
			return 1, 0
		}
		return 2, x
	}
	out := slices.Clone(rows)
	sort.SliceStable(out, func(a, b int) bool {
		for _, j := range c.floats {
			ra, xa := rank(out[a][j])
			rb, xb := rank(out[b][j])
			switch {
			case ra != rb:
				return ra < rb
			case xa != xb:
				return xa < xb
			case math.Signbit(xa) != math.Signbit(xb):
				return math.Signbit(xa)
			}
		}
		return false
	})
	return out
}

// bucketOf is the bucket of a record key's encoding (as record gives it).
func (c *Content) bucketOf(enc []byte) uint32 {
	return c.Hasher.KeyHash(enc) % c.N
}

func sameHashes(a, b []connectors.RowHash) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[connectors.RowHash]int{}
	for _, h := range a {
		count[h]++
	}
	for _, h := range b {
		if count[h]--; count[h] < 0 {
			return false
		}
	}
	return true
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// shownKeys masks the identity numbers in the keys of differences as a
// report shows them: a registry may key its records by identity number,
// and a report names the record by table, key and column. Sorted and cut
// before, so that keys alike once masked keep one order.
func shownKeys(diffs []Difference) []Difference {
	for i := range diffs {
		for j, k := range diffs[i].Key {
			diffs[i].Key[j] = connectors.MaskIdentityNumbers(k)
		}
	}
	return diffs
}

// keyText renders a key for the report.
func keyText(key []connectors.Value) []string {
	out := make([]string, len(key))
	for i, v := range key {
		s, ok := connectors.FormatValue(v)
		if !ok {
			s = "NULL"
		}
		out[i] = s
	}
	return out
}
