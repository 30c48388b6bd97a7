package connectors

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// Content checksums: what verification compares instead of rows, so that a
// table of millions of records is proven equal by a few thousand numbers,
// and, where a dialect can compute them itself (Checksummer), without its
// rows crossing the wire.
//
// A row's hash is the SHA-256 of its canonical encoding (AppendRow) over
// the hashed columns, in the order asked. Rows are grouped into buckets by
// their record key: a key's bucket is KeyHash(key) mod N, where KeyHash is
// the first four bytes of the SHA-256 of the key's canonical encoding.
// Because the bucket is a hash of the key's bytes, never its sort order,
// two databases whose collations order the keys differently (hyphens,
// utf8mb4_0900_ai_ci against _bin) still put each record in the same
// bucket. Per bucket the Aggregate is the count and two sums of 64-bit
// slices of the row hashes, modulo 2^64. Sums, not XOR: a duplicated row
// adds its hash twice instead of cancelling out, and the count moves too.
//
// Floats are outside the row hash: two databases may print or round a
// float differently while both hold "the same" measurement, so a verifier
// compares float columns with a declared tolerance, value by value, and
// leaves them out of the columns it asks to hash (see SplitHashColumns,
// the mask). A ChecksumRequest naming a float column in Columns is
// refused; it may name them in Floats instead, for an aggregate of their
// own over values rounded to the tolerance (AppendFloatRecord), which
// finds the buckets whose floats may differ without reading them.

// ChecksumVersion names this row hash and aggregate together with the
// row encoding they hash. A report records it beside every aggregate; two
// aggregates are comparable only when their versions are equal.
const ChecksumVersion = "regflytt-sum-1/sha256/" + EncodingVersion

// ErrNoPushdown says a Checksummer cannot compute the asked checksum in the
// database (a column type whose encoding it cannot build in SQL, exactly):
// the caller computes it in Go from scanned rows instead (HashTable).
var ErrNoPushdown = errors.New("checksum cannot be computed in the database")

// ErrNoChecksummer is the ErrNoPushdown of a decorator whose connector is
// no Checksummer at all, whatever the table.
var ErrNoChecksummer = fmt.Errorf("%w: the connector computes no checksum in the database", ErrNoPushdown)

// RowHash is the SHA-256 of a row's canonical encoding.
type RowHash [sha256.Size]byte

// HashRow hashes the canonical encoding of a row.
func HashRow(row []Value) (RowHash, error) {
	b, err := AppendRow(nil, row)
	if err != nil {
		return RowHash{}, err
	}
	return sha256.Sum256(b), nil
}

// KeyHash is the bucketing hash of a record key: the first four bytes of
// the SHA-256 of the key's canonical encoding, big-endian.
func KeyHash(key []Value) (uint32, error) {
	b, err := AppendRow(nil, key)
	if err != nil {
		return 0, err
	}
	return keyHashOf(b), nil
}

func keyHashOf(encodedKey []byte) uint32 {
	h := sha256.Sum256(encodedKey)
	return binary.BigEndian.Uint32(h[:4])
}

// Aggregate is the order-independent checksum of a set of rows: how many,
// and the sums modulo 2^64 of two independent 64-bit slices of their row
// hashes (bytes 0–7 and 8–15, big-endian). Two sets of rows with equal
// aggregates are equal as multisets except with probability about 2^-128
// for rows that differ by accident.
type Aggregate struct {
	Count      uint64
	Sum1, Sum2 uint64
}

// Add adds one row's hash.
func (a *Aggregate) Add(h RowHash) {
	a.Count++
	a.Sum1 += binary.BigEndian.Uint64(h[0:8])
	a.Sum2 += binary.BigEndian.Uint64(h[8:16])
}

// Merge adds the rows of b.
func (a *Aggregate) Merge(b Aggregate) {
	a.Count += b.Count
	a.Sum1 += b.Sum1
	a.Sum2 += b.Sum2
}

// BucketSum is the aggregate of the rows of one bucket.
type BucketSum struct {
	Bucket uint32
	Aggregate
}

// Buckets is the checksum of a table, or of part of it, bucket by bucket.
type Buckets struct {
	// Version is ChecksumVersion when the checksum was taken.
	Version string
	// N is the number of buckets: a record is in bucket KeyHash mod N.
	N uint32
	// Sums holds the non-empty buckets in increasing bucket order; a
	// bucket not listed holds no rows.
	Sums []BucketSum
	// Floats holds, in the same way, the aggregates of the records' float
	// record hashes (AppendFloatRecord) when the request named Floats.
	Floats []BucketSum
	// ReadBack says the rows were read back and hashed as the connector
	// decodes them (ChecksumRequest.ReadBack), not encoded in the
	// database's SQL: a report must not call that "in the database".
	ReadBack bool
	// NonNull, when the checksum was computed in Go from every row of
	// the table (SumRows of a whole-table request), counts the non-NULL
	// values of each column read, by name: a verifier's value equations
	// need them of the target, and they come with the rows it read for
	// nothing, where a count of its own would read the table once more.
	// nil otherwise.
	NonNull map[string]int64
}

// Total is the aggregate of all the listed buckets.
func (b Buckets) Total() Aggregate {
	var t Aggregate
	for _, s := range b.Sums {
		t.Merge(s.Aggregate)
	}
	return t
}

// DiffBuckets lists the buckets whose aggregates differ between a and b
// (present on one side only included), in increasing order. It refuses
// checksums of different versions or bucket counts, which are not
// comparable.
func DiffBuckets(a, b Buckets) ([]uint32, error) {
	if a.Version != b.Version {
		return nil, fmt.Errorf("checksums of versions %q and %q are not comparable", a.Version, b.Version)
	}
	if a.N != b.N {
		return nil, fmt.Errorf("checksums over %d and %d buckets are not comparable", a.N, b.N)
	}
	var diff []uint32
	i, j := 0, 0
	for i < len(a.Sums) || j < len(b.Sums) {
		switch {
		case j == len(b.Sums) || (i < len(a.Sums) && a.Sums[i].Bucket < b.Sums[j].Bucket):
			diff = append(diff, a.Sums[i].Bucket)
			i++
		case i == len(a.Sums) || b.Sums[j].Bucket < a.Sums[i].Bucket:
			diff = append(diff, b.Sums[j].Bucket)
			j++
		default:
			if a.Sums[i].Aggregate != b.Sums[j].Aggregate {
				diff = append(diff, a.Sums[i].Bucket)
			}
			i++
			j++
		}
	}
	return diff, nil
}

// ChecksumRequest says what to checksum.
//
// # Drill-down
//
// A verifier compares the checksums of both sides over N buckets. For the
// buckets that differ it asks again with N·F buckets (F, the fan-out, say
// 64), restricted to the differing ones: Buckets N·F, Within N, In the
// differing buckets. Since KeyHash mod N·F determines KeyHash mod N, each
// differing bucket b splits into the F buckets b, b+N, … b+(F−1)·N, and
// only those are compared next. Once a differing bucket holds few
// records, RecordHashes lists them with their keys and row hashes, and the
// records that differ are named.
//
// All the differing buckets of one level go into one request, so a
// verifier makes one request per level: about log_F(rows/leaf) of them,
// whatever the number k of differing records. The rows hashed and returned
// grow with k (at most k differing buckets per level, each of about
// rows/N_level records), not with the table. What every level still costs
// in the database is reading the key columns of the table to compute their
// bucket: a hash of the key, far cheaper than the row's, and the price of
// buckets that no two collations can misalign (a key range would use an
// index, but a range means different records under different collations).
type ChecksumRequest struct {
	// Columns are hashed, in this order. Each must be a column of the
	// table and not a float (floats are compared outside the hash; see
	// SplitHashColumns).
	Columns []string
	// Key is the record key whose KeyHash chooses the bucket; empty means
	// the table's primary key.
	Key []string
	// Buckets is N, the number of buckets; at least 1. KeyHash has 32
	// bits, so a drill-down that would need more lists the records.
	Buckets uint32
	// Within and In restrict the checksum to the records whose KeyHash
	// mod Within is one of In: a drill-down into buckets of a coarser
	// checksum. Within 0 means the whole table. Within must divide
	// Buckets, and every In must be below Within.
	Within uint32
	In     []uint32
	// Floats are float columns aggregated apart from the row hash, per
	// bucket, into Buckets.Floats: each record's key and its values
	// rounded to FloatBits bits of mantissa (AppendFloatRecord). A
	// Checksummer that cannot compute them refuses the whole request with
	// ErrNoPushdown (Resolve does so for it); Checksum then computes the
	// floats in Go. Never with Within (a drill-down compares floats value
	// by value).
	Floats    []string
	FloatBits int
	// ReadBack lets a Checksummer compute a whole-table checksum (Within
	// 0) from the rows as its own connector decodes them, where that is
	// cheaper than its SQL (postgres: binary COPY, hashed in Go). The
	// result is then HashTable's over the connector's reading: no check of
	// that reading. A source-read check must leave it false; a target's
	// content check may set it, and then trusts the connector's decoding
	// to tell a value written wrongly, as the SQL encoding would without
	// it (a session that did not ask the server for UTF-8 wrote and read
	// Latin-1 text the same wrong way).
	ReadBack bool
	// Hasher is the row and key hash: nil is SHA-256, what SQL computes;
	// a keyed one (NewRunHasher) is computed in Go only, by a read-back or
	// a scan, and every pushdown refuses it (Resolve).
	Hasher *RowHasher
}

// Resolve checks the request against a table and gives the positions of
// its hashed and key columns in t.Columns. Every Checksummer calls it first,
// so that the checks and errors are the same for all.
//
// A request naming Floats is refused with ErrNoPushdown: a Checksummer
// that computes them takes them out (ResolveFloats) before it calls
// Resolve. So is one with a keyed Hasher, which no SQL computes.
func (r ChecksumRequest) Resolve(t *Table) (cols, key []int, err error) {
	if len(r.Floats) > 0 {
		return nil, nil, fmt.Errorf("%w: float aggregates of %s", ErrNoPushdown, t.Name)
	}
	if err := r.refuseKeyed(t); err != nil {
		return nil, nil, err
	}
	return r.resolve(t)
}

// ResolveRead is Resolve for a Checksummer that reads the rows back and
// hashes them in Go (SumRows, RecordRows): it computes floats and a keyed
// hash as HashTable does, so neither is refused. floats are the Floats'
// positions.
func (r ChecksumRequest) ResolveRead(t *Table) (cols, key, floats []int, err error) {
	floats, rest, err := r.ResolveFloats(t)
	if err != nil {
		return nil, nil, nil, err
	}
	cols, key, err = rest.resolve(t)
	return cols, key, floats, err
}

// ResolveFloats checks the request's Floats against a table and gives
// their positions in t.Columns, and the request without them (for
// Resolve).
func (r ChecksumRequest) ResolveFloats(t *Table) (floats []int, rest ChecksumRequest, err error) {
	rest = r
	rest.Floats, rest.FloatBits = nil, 0
	if len(r.Floats) == 0 {
		return nil, rest, nil
	}
	if r.FloatBits < 0 || r.FloatBits > 52 {
		return nil, rest, fmt.Errorf("checksum of %s: %d bits of a float's mantissa: want 0 to 52", t.Name, r.FloatBits)
	}
	if r.Within != 0 {
		return nil, rest, fmt.Errorf("checksum of %s: float aggregates of a drill-down step", t.Name)
	}
	for _, name := range r.Floats {
		i := t.ColumnIndex(name)
		if i < 0 {
			return nil, rest, fmt.Errorf("checksum of %s: column %s does not exist", t.Name, name)
		}
		if t.Columns[i].Type.Kind != KindFloat {
			return nil, rest, fmt.Errorf("checksum of %s: column %s is not a float", t.Name, name)
		}
		floats = append(floats, i)
	}
	return floats, rest, nil
}

func (r ChecksumRequest) resolve(t *Table) (cols, key []int, err error) {
	if r.Buckets == 0 {
		return nil, nil, fmt.Errorf("checksum of %s: zero buckets", t.Name)
	}
	if r.Within != 0 {
		if r.Buckets%r.Within != 0 {
			return nil, nil, fmt.Errorf("checksum of %s: %d buckets do not split %d", t.Name, r.Buckets, r.Within)
		}
		for _, b := range r.In {
			if b >= r.Within {
				return nil, nil, fmt.Errorf("checksum of %s: bucket %d is not one of %d", t.Name, b, r.Within)
			}
		}
	} else if len(r.In) > 0 {
		return nil, nil, fmt.Errorf("checksum of %s: buckets named without Within", t.Name)
	}
	keyNames := r.Key
	if len(keyNames) == 0 {
		keyNames = t.PrimaryKey
	}
	if len(keyNames) == 0 {
		return nil, nil, fmt.Errorf("checksum of %s: the table has no primary key; name a record key", t.Name)
	}
	for _, name := range keyNames {
		i := t.ColumnIndex(name)
		if i < 0 {
			return nil, nil, fmt.Errorf("checksum of %s: key column %s does not exist", t.Name, name)
		}
		key = append(key, i)
	}
	for _, name := range r.Columns {
		i := t.ColumnIndex(name)
		if i < 0 {
			return nil, nil, fmt.Errorf("checksum of %s: column %s does not exist", t.Name, name)
		}
		if t.Columns[i].Type.Kind == KindFloat {
			return nil, nil, fmt.Errorf("checksum of %s: column %s is a float, compared with a tolerance outside the hash", t.Name, name)
		}
		cols = append(cols, i)
	}
	return cols, key, nil
}

// KeyColumns gives the names of the record key: Key, or the table's
// primary key when Key is empty.
func (r ChecksumRequest) KeyColumns(t *Table) []string {
	if len(r.Key) > 0 {
		return r.Key
	}
	return t.PrimaryKey
}

// bucketSelector says whether a record with key hash kh is in a
// request (its KeyHash mod Within is one of In): In as a bitmap of Within
// bits, built once per scan, where slices.Contains per row cost a
// drill-down into 1024 buckets up to a thousand comparisons a row.
type bucketSelector struct {
	within uint32
	bits   []uint64
}

func (r ChecksumRequest) selector() bucketSelector {
	if r.Within == 0 {
		return bucketSelector{}
	}
	s := bucketSelector{within: r.Within, bits: make([]uint64, (r.Within+63)/64)}
	for _, b := range r.In {
		if b < r.Within {
			s.bits[b/64] |= 1 << (b % 64)
		}
	}
	return s
}

// selects reports whether a record with key hash kh is in the request.
func (s bucketSelector) selects(kh uint32) bool {
	if s.within == 0 {
		return true
	}
	b := kh % s.within
	return s.bits[b/64]&(1<<(b%64)) != 0
}

// SplitHashColumns is the column mask of a row hash: of cols, the columns
// that are hashed (every kind but float) and the float columns a verifier
// compares with its declared tolerance instead. An unknown column is an
// error.
func SplitHashColumns(t *Table, cols []string) (hashed, floats []string, err error) {
	for _, name := range cols {
		c := t.Column(name)
		if c == nil {
			return nil, nil, fmt.Errorf("table %s: column %s does not exist", t.Name, name)
		}
		if c.Type.Kind == KindFloat {
			floats = append(floats, name)
		} else {
			hashed = append(hashed, name)
		}
	}
	return hashed, floats, nil
}

// RecordHash is one record of a drill-down's last step: its key (canonical
// values) and the hash of its row.
type RecordHash struct {
	Key  []Value
	Hash RowHash
}

// Checksummer is an optional extra of a Snapshot, found by type assertion:
// it computes checksums inside the database, so that rows need not cross
// the wire. Its results must equal, bit for bit, what HashTable computes
// from the same snapshot's scanned rows; each dialect proves that on every
// conformance edge value it pushes down. A request it cannot compute
// exactly (a column type whose encoding it cannot build in SQL) fails
// with an error wrapping ErrNoPushdown before anything is read.
//
// Pass the snapshot's own catalogue entry (from Tables) as t, on both
// sides of a comparison: a Checksummer encodes each column as the server's
// catalogue types it, and some dialects' Scan decodes by t's Kind, so a
// table declared otherwise (a receiving schema's notation) could make the
// Go side and the database side disagree, which shows as a difference.
type Checksummer interface {
	// Checksum gives the bucket aggregates of the request's rows.
	Checksum(ctx context.Context, t *Table, req ChecksumRequest) (Buckets, error)
	// RecordHashes lists every record of the request with its key and row
	// hash, in no particular order: the last step of a drill-down, asked
	// for a few small buckets (see ChecksumRequest).
	RecordHashes(ctx context.Context, t *Table, req ChecksumRequest) ([]RecordHash, error)
}

// Checksum computes a checksum in the database when the snapshot is a
// Checksummer that can, and from its scanned rows otherwise. A request
// with Floats that the Checksummer refuses is asked again without them,
// and the floats alone are computed in Go from a scan of the key and float
// columns (HashFloats); pushed says the row hashes were computed in the
// database.
func Checksum(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) (b Buckets, pushed bool, err error) {
	if c, ok := snap.(Checksummer); ok {
		b, err = c.Checksum(ctx, t, req)
		if !errors.Is(err, ErrNoPushdown) {
			return b, err == nil, err
		}
		if len(req.Floats) > 0 {
			_, rest, err := req.ResolveFloats(t)
			if err != nil {
				return Buckets{}, false, err
			}
			b, err = c.Checksum(ctx, t, rest)
			if err == nil {
				b.Floats, err = HashFloats(ctx, snap, t, req)
				return b, err == nil, err
			}
			if !errors.Is(err, ErrNoPushdown) {
				return b, false, err
			}
		}
	}
	b, err = HashTable(ctx, snap, t, req)
	return b, false, err
}

// Records lists a request's records with their row hashes (the last step
// of a drill-down) in the database when the snapshot is a Checksummer that
// can, and from its scanned rows otherwise.
func Records(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) (r []RecordHash, pushed bool, err error) {
	if c, ok := snap.(Checksummer); ok {
		r, err = c.RecordHashes(ctx, t, req)
		if !errors.Is(err, ErrNoPushdown) {
			return r, err == nil, err
		}
	}
	r, err = HashRecords(ctx, snap, t, req)
	return r, false, err
}

// HashTable computes a checksum in Go from the snapshot's scanned rows:
// the reference every Checksummer must agree with, and the fallback where
// none can.
func HashTable(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) (Buckets, error) {
	rows, err := scanFor(ctx, snap, t, req)
	if err != nil {
		return Buckets{}, err
	}
	defer rows.Close()
	return SumRows(t, req, rows)
}

// SumRows computes a checksum in Go from rows as wide as t.Columns, in
// any order: what HashTable does with the rows it scans, for a
// Checksummer that reads its rows back its own way and must agree with
// HashTable to the byte. It reads rows to their end; closing is the
// caller's.
func SumRows(t *Table, req ChecksumRequest, rows Rows) (Buckets, error) {
	sums := newBucketSums(req.Buckets)
	var fsums *bucketSums
	if len(req.Floats) > 0 {
		fsums = newBucketSums(req.Buckets)
	}
	var nonNull []int64
	if req.Within == 0 {
		nonNull = make([]int64, len(t.Columns))
	}
	err := hashRows(t, req, rows, nonNull, func(bucket uint32, _ []byte, h RowHash, fh *RowHash) error {
		sums.add(bucket, h)
		if fh != nil {
			fsums.add(bucket, *fh)
		}
		return nil
	})
	if err != nil {
		return Buckets{}, err
	}
	out := Buckets{Version: req.Hasher.Version(), N: req.Buckets, Sums: sums.sorted()}
	if fsums != nil {
		out.Floats = fsums.sorted()
	}
	if nonNull != nil {
		out.NonNull = make(map[string]int64, len(t.Columns))
		for i, c := range t.Columns {
			out.NonNull[c.Name] = nonNull[i]
		}
	}
	return out, nil
}

// denseBuckets is the most buckets whose aggregates bucketSums keeps in a
// slice of all of them (1.5 MB): a whole table's checksum (verify asks
// for up to 16384), where a map lookup per row cost 0.15 CPU-seconds per
// 1M rows.
const denseBuckets = 1 << 16

// bucketSums gathers the aggregates of buckets: all of them in a slice
// when there are at most denseBuckets, else the non-empty ones in a map
// (a drill-down's N·F buckets).
type bucketSums struct {
	dense  []Aggregate
	sparse map[uint32]*Aggregate
}

func newBucketSums(n uint32) *bucketSums {
	if n <= denseBuckets {
		return &bucketSums{dense: make([]Aggregate, n)}
	}
	return &bucketSums{sparse: map[uint32]*Aggregate{}}
}

func (s *bucketSums) add(bucket uint32, h RowHash) {
	if s.dense != nil {
		s.dense[bucket].Add(h)
		return
	}
	a := s.sparse[bucket]
	if a == nil {
		a = &Aggregate{}
		s.sparse[bucket] = a
	}
	a.Add(h)
}

// sorted gives the non-empty buckets in increasing order.
func (s *bucketSums) sorted() []BucketSum {
	if s.dense != nil {
		n := 0
		for _, a := range s.dense {
			if a.Count > 0 {
				n++
			}
		}
		out := make([]BucketSum, 0, n) // as the map's: none is empty, not nil
		for b, a := range s.dense {
			if a.Count > 0 {
				out = append(out, BucketSum{Bucket: uint32(b), Aggregate: a})
			}
		}
		return out
	}
	out := make([]BucketSum, 0, len(s.sparse))
	for b, a := range s.sparse {
		out = append(out, BucketSum{Bucket: b, Aggregate: *a})
	}
	slices.SortFunc(out, func(x, y BucketSum) int { return int(int64(x.Bucket) - int64(y.Bucket)) })
	return out
}

// HashFloats computes the float aggregates of a request with Floats in
// Go, from a scan of the key and float columns only (what Checksum uses
// when the database computes the row hashes but not these).
func HashFloats(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) ([]BucketSum, error) {
	floats, rest, err := req.ResolveFloats(t)
	if err != nil {
		return nil, err
	}
	_, key, err := rest.resolve(t)
	if err != nil {
		return nil, err
	}
	// The narrow table: its key columns, then its floats.
	narrow := &Table{Name: t.Name, PrimaryKey: t.PrimaryKey, RowEstimate: t.RowEstimate}
	for _, i := range append(append([]int(nil), key...), floats...) {
		if narrow.ColumnIndex(t.Columns[i].Name) < 0 {
			narrow.Columns = append(narrow.Columns, t.Columns[i])
		}
	}
	nreq := ChecksumRequest{Key: req.KeyColumns(t), Buckets: req.Buckets, Floats: req.Floats, FloatBits: req.FloatBits}
	b, err := HashTable(ctx, snap, narrow, nreq)
	if err != nil {
		return nil, err
	}
	return b.Floats, nil
}

// HashRecords lists the records of a request with their row hashes, in Go
// from scanned rows (see Checksummer.RecordHashes).
func HashRecords(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) ([]RecordHash, error) {
	rows, err := scanFor(ctx, snap, t, req)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return RecordRows(t, req, rows)
}

// RecordRows lists the records of a request with their row hashes from
// rows as wide as t.Columns, as HashRecords does with the rows it scans.
func RecordRows(t *Table, req ChecksumRequest, rows Rows) ([]RecordHash, error) {
	var out []RecordHash
	err := hashRows(t, req, rows, nil, func(_ uint32, encodedKey []byte, h RowHash, _ *RowHash) error {
		// Decoded from its encoding: a copy that owns its bytes,
		// whatever the Rows contract says of the row's.
		key, _, err := DecodeRow(encodedKey)
		if err != nil {
			return fmt.Errorf("checksum of %s: key: %w", t.Name, err)
		}
		out = append(out, RecordHash{Key: key, Hash: h})
		return nil
	})
	return out, err
}

// scanFor scans a table in primary-key order, or in the request's key
// order when it has none: the record key need not be unique, non-NULL or
// sortable to be hashed.
func scanFor(ctx context.Context, snap Snapshot, t *Table, req ChecksumRequest) (Rows, error) {
	_, rest, err := req.ResolveFloats(t)
	if err != nil {
		return nil, err
	}
	if _, _, err := rest.resolve(t); err != nil {
		return nil, err
	}
	var opts ScanOptions
	if len(t.PrimaryKey) == 0 {
		opts.Key = req.KeyColumns(t)
	}
	rows, err := snap.Scan(ctx, t, opts)
	if err != nil {
		return nil, fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	return rows, nil
}

// EncodedRows is an optional extra of Rows, found by type assertion:
// rows that also give each value as its canonical encoding, so that
// SumRows and RecordRows hash those bytes as they are instead of encoding
// Row's values again. A connector offers it where it can encode straight
// from its wire format, more cheaply than it builds values (postgres: the
// checksum read-back, which holds it to AppendValue type by type).
type EncodedRows interface {
	Rows
	// Encoded gives the current row, as wide as Row, each value as the
	// bytes AppendValue gives for the value Row gives there. It is valid
	// until the next call to Next.
	Encoded() [][]byte
}

// EncodedSpans is an optional extra of EncodedRows whose current row's
// encodings lie back to back: the hashing then copies a run of adjacent
// columns at once, and builds no slice of a row's encodings (Encoded).
type EncodedSpans interface {
	EncodedRows
	// EncodedEnds gives the current row's encodings, back to back in
	// enc: column i's ends at ends[i] and begins where column i-1's ends
	// (column 0's at start). What Encoded gives, concatenated; valid
	// until the next call to Next.
	EncodedEnds() (enc []byte, start int, ends []int)
}

// hashRows reads rows as wide as t.Columns and calls fn with the bucket,
// the encoded key (valid during the call), the row hash and (when the
// request names Floats, else nil; valid during the call too) the float
// record hash of every record the request selects. Records outside the
// request cost a key hash only. Rows that are EncodedRows are hashed from
// their encodings.
//
// nonNull, when not nil, is as wide as t.Columns and counts each column's
// non-NULL values over every row read.
func hashRows(t *Table, req ChecksumRequest, rows Rows, nonNull []int64, fn func(uint32, []byte, RowHash, *RowHash) error) error {
	cols, key, floats, err := req.ResolveRead(t)
	if err != nil {
		return err
	}
	var row rowEncoder = &valueRow{rows: rows, vals: make([]Value, max(len(key), len(cols), len(floats)))}
	switch er := rows.(type) {
	case EncodedSpans:
		row = &spanRow{rows: er}
	case EncodedRows:
		row = &encodedRow{rows: er}
	}
	var kbuf, rbuf, fbuf []byte
	var fhash RowHash // fn's, reused: one allocation, not one per row
	sel := req.selector()
	for rows.Next() {
		row.load()
		if nonNull != nil {
			row.countNonNull(nonNull)
		}
		if kbuf, err = row.appendRow(kbuf[:0], key); err != nil {
			return fmt.Errorf("checksum of %s: key: %w", t.Name, err)
		}
		// One bucket of the whole table needs no key hash: every record
		// is in bucket 0 (a SHA-256 per row saved).
		var kh uint32
		if req.Buckets > 1 || req.Within != 0 {
			kh = req.Hasher.KeyHash(kbuf)
		}
		if !sel.selects(kh) {
			continue
		}
		if rbuf, err = row.appendRow(rbuf[:0], cols); err != nil {
			return fmt.Errorf("checksum of %s: hashed %w", t.Name, err)
		}
		var fh *RowHash
		if len(floats) > 0 {
			if fbuf, err = row.appendFloatRecord(fbuf[:0], kbuf, floats, req.FloatBits); err != nil {
				return fmt.Errorf("checksum of %s: floats: %w", t.Name, err)
			}
			fhash = req.Hasher.Sum(fbuf)
			fh = &fhash
		}
		if err := fn(kh%req.Buckets, kbuf, req.Hasher.Sum(rbuf), fh); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	return nil
}

// rowEncoder gives hashRows the encodings of the current row's columns,
// from its values or from the encodings EncodedRows gives.
type rowEncoder interface {
	// load takes the rows' current row.
	load()
	// appendRow appends AppendRow of the row's columns at idx.
	appendRow(b []byte, idx []int) ([]byte, error)
	// appendFloatRecord appends AppendFloatRecord of the row's columns at
	// idx.
	appendFloatRecord(b, encodedKey []byte, idx []int, bits int) ([]byte, error)
	// countNonNull adds one to counts[i] for each column i not NULL.
	countNonNull(counts []int64)
}

// valueRow encodes a row's values.
type valueRow struct {
	rows Rows
	row  []Value
	vals []Value // the columns asked, in order
}

func (r *valueRow) load() { r.row = r.rows.Row() }

func (r *valueRow) countNonNull(counts []int64) {
	for i, v := range r.row {
		if v != nil {
			counts[i]++
		}
	}
}

func (r *valueRow) pick(idx []int) []Value {
	for i, c := range idx {
		r.vals[i] = r.row[c]
	}
	return r.vals[:len(idx)]
}

func (r *valueRow) appendRow(b []byte, idx []int) ([]byte, error) {
	return AppendRow(b, r.pick(idx))
}

func (r *valueRow) appendFloatRecord(b, encodedKey []byte, idx []int, bits int) ([]byte, error) {
	return AppendFloatRecord(b, encodedKey, r.pick(idx), bits), nil
}

// encodedRow concatenates a row's encodings: AppendRow's framing is the
// count of values, then each value's encoding.
type encodedRow struct {
	rows   EncodedRows
	fields [][]byte
}

func (r *encodedRow) load() { r.fields = r.rows.Encoded() }

func (r *encodedRow) countNonNull(counts []int64) {
	for i, f := range r.fields {
		if len(f) != 1 || f[0] != tagNull {
			counts[i]++
		}
	}
}

func (r *encodedRow) appendRow(b []byte, idx []int) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(idx)))
	for _, c := range idx {
		b = append(b, r.fields[c]...)
	}
	return b, nil
}

func (r *encodedRow) appendFloatRecord(b, encodedKey []byte, idx []int, bits int) ([]byte, error) {
	b = append(append(b, encodedKey...), 0)
	for i, c := range idx {
		var err error
		if b, err = appendRoundedEncoded(b, r.fields[c], bits); err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
	}
	return b, nil
}

// spanRow is encodedRow for rows whose encodings lie back to back
// (EncodedSpans): a run of adjacent columns is one copy, and no slice of
// a row's encodings is built.
type spanRow struct {
	rows  EncodedSpans
	enc   []byte
	start int
	ends  []int
}

func (r *spanRow) load() { r.enc, r.start, r.ends = r.rows.EncodedEnds() }

// span gives the encodings of columns from up to to, back to back.
func (r *spanRow) span(from, to int) []byte {
	start := r.start
	if from > 0 {
		start = r.ends[from-1]
	}
	return r.enc[start:r.ends[to-1]]
}

func (r *spanRow) countNonNull(counts []int64) {
	start := r.start
	for i, end := range r.ends {
		if end-start != 1 || r.enc[start] != tagNull {
			counts[i]++
		}
		start = end
	}
}

func (r *spanRow) appendRow(b []byte, idx []int) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(idx)))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 {
			j++
		}
		b = append(b, r.span(idx[i], idx[j-1]+1)...)
		i = j
	}
	return b, nil
}

func (r *spanRow) appendFloatRecord(b, encodedKey []byte, idx []int, bits int) ([]byte, error) {
	b = append(append(b, encodedKey...), 0)
	for i, c := range idx {
		var err error
		if b, err = appendRoundedEncoded(b, r.span(c, c+1), bits); err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
	}
	return b, nil
}

// appendRoundedEncoded appends AppendRoundedFloat of the value encoded
// as enc. A float is read from its encoding's bits rather than boxed in a
// Value (an allocation per value); anything else, which no float column
// gives, is decoded.
func appendRoundedEncoded(b, enc []byte, bits int) ([]byte, error) {
	if len(enc) == 9 && enc[0] == tagFloat {
		return appendRoundedFloat64(b, math.Float64frombits(binary.BigEndian.Uint64(enc[1:])), bits), nil
	}
	if len(enc) == 1 && enc[0] == tagNull {
		return append(b, floatNull), nil
	}
	v, rest, err := decodeValue(enc)
	if err == nil && len(rest) > 0 {
		err = errors.New("more than one value's encoding")
	}
	if err != nil {
		return nil, err
	}
	return AppendRoundedFloat(b, v, bits), nil
}

// BucketOf gives a record key's bucket among n.
func BucketOf(key []Value, n uint32) (uint32, error) {
	kh, err := KeyHash(key)
	if err != nil {
		return 0, err
	}
	return kh % n, nil
}

// two64 is 2^64, the modulus of the sums.
var two64 = new(big.Int).Lsh(big.NewInt(1), 64)

// SumMod64 reads a decimal integer of any size and sign, as a database's
// exact SUM prints it, modulo 2^64. Dialects sum 64-bit slices (signed or
// unsigned: the residue is the same) as exact decimals and reduce here.
func SumMod64(decimal string) (uint64, error) {
	n, ok := new(big.Int).SetString(decimal, 10)
	if !ok {
		return 0, fmt.Errorf("sum %q is not an integer", decimal)
	}
	return n.Mod(n, two64).Uint64(), nil
}

// ChecksumExplainer is an optional extra of a Checksummer: the SQL its
// Checksum runs for a whole-table request (Within 0), for a person to run
// by hand and a benchmark to time alone, beside what the connector adds
// (reading the catalogue, decoding the sums).
type ChecksumExplainer interface {
	// ChecksumSQL gives the statements to run in order in one read-only
	// transaction: session settings first, the checksum query last.
	ChecksumSQL(ctx context.Context, t *Table, req ChecksumRequest) ([]string, error)
}

// Merge adds the aggregates of o, a checksum of other rows of the same
// table by the same request (a part of it read apart), bucket by bucket.
func (b *Buckets) Merge(o Buckets) {
	b.Sums = mergeSums(b.Sums, o.Sums)
	b.Floats = mergeSums(b.Floats, o.Floats)
	if b.NonNull == nil || o.NonNull == nil {
		b.NonNull = nil // counted in part only: no count
		return
	}
	for name, n := range o.NonNull {
		b.NonNull[name] += n
	}
}

// mergeSums merges two lists of non-empty buckets in increasing order.
func mergeSums(a, b []BucketSum) []BucketSum {
	if len(b) == 0 {
		return a
	}
	out := make([]BucketSum, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].Bucket < b[j].Bucket:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].Bucket < a[i].Bucket:
			out = append(out, b[j])
			j++
		default:
			s := a[i]
			s.Aggregate.Merge(b[j].Aggregate)
			out = append(out, s)
			i++
			j++
		}
	}
	return out
}
