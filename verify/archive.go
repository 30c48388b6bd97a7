package verify

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// archiveBuckets is the number of buckets an archived table's records are
// summed in. Archived records carry no receiving key, so a record's
// bucket is taken from its own hash: a changed record leaves one bucket
// and enters another, and a drill-down into the differing buckets finds
// exactly the records that differ.
const archiveBuckets = 256

// maxArchiveDrillBuckets bounds the buckets of one table an archive
// drill-down looks into.
const maxArchiveDrillBuckets = 16

// ArchiveContent is what the archive package must hold, built from the
// re-applied mappings: per source table, bucket aggregates of the
// archived records' hashes (their source values and reason), and counts
// by reason. Memory is fixed per table.
type ArchiveContent struct {
	tables  map[string][]connectors.Aggregate
	reasons map[string]map[string]int64
	// values sums the values archived alone, per source table.
	values map[string]*connectors.Aggregate
}

// NewArchiveContent starts an empty expected archive.
func NewArchiveContent() *ArchiveContent {
	return &ArchiveContent{tables: map[string][]connectors.Aggregate{}, reasons: map[string]map[string]int64{}, values: map[string]*connectors.Aggregate{}}
}

// ArchivedHash is the hash of one archived record: its source values,
// its key as the package's outcome row renders it, its reason code, the
// receiving and source column it failed on, its reporting care unit and
// its detail, canonically encoded. The unit is in it because the archive's
// outcome row says whose record it is (to whom the CPUA may hand it), the
// key and the columns because they are how a person finds the record
// (archive extract, an erasure's review, a drill-down) and what they must
// decide about, and the detail because it is why the record was archived,
// in words a person reads: a package naming another unit, key, column or
// detail for a record differs from the source as a changed value does (the
// values archived alone hash the same fields). The detail is the writing
// regflytt's wording (a Go error's among it) and is the same from the same
// source and plan: a duplicate's names the record kept, which the
// duplicates rule decides, never the order rows happened to come in; a
// duplicate_key's is compared up to the record its key went to, which a
// resumed run words otherwise (comparedDetail). A package another
// regflytt version wrote may word a detail otherwise; the verification
// says which version wrote it (ArchiveResult.Meta).
//
// The texts are hashed as the writer writes them, made valid UTF-8.
// The key's text is ArchivedKeyText's.
func ArchivedHash(rec archive.Record) (connectors.RowHash, error) {
	return connectors.HashRow(archivedRow(rec, true))
}

// archivedBareHash is ArchivedHash without the detail: a drill-down tells
// a record whose detail alone differs by it.
func archivedBareHash(rec archive.Record) (connectors.RowHash, error) {
	return connectors.HashRow(archivedRow(rec, false))
}

func archivedRow(rec archive.Record, detail bool) []connectors.Value {
	row := append(make([]connectors.Value, 0, len(rec.Values)+6), rec.Values...)
	row = append(row, ArchivedKeyText(rec), outcomeText(rec.Reason), outcomeText(rec.Column), outcomeText(rec.SourceColumn), archive.CareUnitText(rec.CareUnit))
	if detail {
		row = append(row, comparedDetail(rec.Reason, rec.Detail))
	}
	return row
}

// duplicateKeyWinner begins the part of a duplicate_key record's detail
// that names the record its receiving key went to (plans' receivingKeys):
// a run names the source record, a run that resumed without replaying
// names the receiving row written before it resumed (the source record
// is not kept), so the same record is worded two ways by honest runs.
const duplicateKeyWinner = ", from "

// comparedDetail is the part of a detail verification compares: all of
// it, but for a duplicate_key record the record its key went to.
func comparedDetail(reason, detail string) string {
	detail = outcomeText(detail)
	if reason == "duplicate_key" {
		if i := strings.Index(detail, duplicateKeyWinner); i >= 0 {
			detail = detail[:i]
		}
	}
	return detail
}

// outcomeText is an outcome's text as the package holds it: the writer
// makes the package's own fields valid UTF-8.
func outcomeText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// ArchivedKeyOf is an archived record as a drill-down keeps it.
func ArchivedKeyOf(rec archive.Record) (ArchivedKey, error) {
	h, err := ArchivedHash(rec)
	if err != nil {
		return ArchivedKey{}, err
	}
	bare, err := archivedBareHash(rec)
	if err != nil {
		return ArchivedKey{}, err
	}
	return ArchivedKey{KeyText: ArchivedKeyText(rec), Hash: h, Bare: bare}, nil
}

// ArchivedKeyText is the text of an archived record's key as the package
// holds it: rec.KeyText where set, else KeyText(rec.Key).
func ArchivedKeyText(rec archive.Record) string {
	if rec.KeyText != "" {
		return rec.KeyText
	}
	return KeyText(rec.Key)
}

// archivedRecordHash is ArchivedHash of a record read back from a package.
func archivedRecordHash(rec archive.ArchivedRecord) (connectors.RowHash, error) {
	return ArchivedHash(packageRecord(rec))
}

// packageRecord is a record read back as the Record the writer was given.
func packageRecord(rec archive.ArchivedRecord) archive.Record {
	o := rec.Outcome
	o.Values, o.KeyText = rec.Values, rec.KeyText
	return o
}

func archiveBucket(h connectors.RowHash) int { return int(h[31]) % archiveBuckets }

// Add counts one record the mappings archive: its values and outcome.
func (a *ArchiveContent) Add(table string, rec archive.Record) error {
	h, err := ArchivedHash(rec)
	if err != nil {
		return fmt.Errorf("archived record of %s: %w", table, err)
	}
	reason := rec.Reason
	sums := a.tables[table]
	if sums == nil {
		sums = make([]connectors.Aggregate, archiveBuckets)
		a.tables[table] = sums
	}
	sums[archiveBucket(h)].Add(h)
	if a.reasons[table] == nil {
		a.reasons[table] = map[string]int64{}
	}
	a.reasons[table][reason]++
	return nil
}

// valueHash is the hash of one value archived alone: its record's key (as
// the package renders it), the receiving and source column, the reason,
// the care unit, the detail (as ArchivedHash) and the value.
func valueHash(keyText string, v archive.Value) (connectors.RowHash, error) {
	return connectors.HashRow([]connectors.Value{keyText, outcomeText(v.Column), outcomeText(v.SourceColumn), outcomeText(v.Reason),
		archive.CareUnitText(v.CareUnit), comparedDetail(v.Reason, v.Detail), v.Value})
}

// AddValue counts one value the mappings archive alone.
func (a *ArchiveContent) AddValue(table string, v archive.Value) error {
	vk, err := ArchivedValueKeyOf(v)
	if err != nil {
		return fmt.Errorf("value archived alone of %s: %w", table, err)
	}
	if a.values[table] == nil {
		a.values[table] = &connectors.Aggregate{}
	}
	a.values[table].Add(vk.Hash)
	return nil
}

// Expected is the number of archived records expected in all.
func (a *ArchiveContent) Expected() int64 {
	var n int64
	for _, sums := range a.tables {
		for _, s := range sums {
			n += int64(s.Count)
		}
	}
	return n
}

// InBuckets says whether a record's hash falls in the buckets listed for
// its table (a drill-down keeps only those).
func InBuckets(want map[string][]int, table string, h connectors.RowHash) bool {
	for _, b := range want[table] {
		if b == archiveBucket(h) {
			return true
		}
	}
	return false
}

// ArchivedKey is one archived record as a drill-down lists it: the key as
// the package's outcome table renders it, its hash, and its hash without
// the detail.
type ArchivedKey struct {
	KeyText    string
	Hash, Bare connectors.RowHash
}

// ArchivedValueKey is one value archived alone as a drill-down keeps it:
// its record's key as the package renders it, its receiving column, and
// its hash.
type ArchivedValueKey struct {
	KeyText, Column string
	Hash            connectors.RowHash
}

// ArchivedValueKeyOf is a value archived alone as a drill-down keeps it.
func ArchivedValueKeyOf(v archive.Value) (ArchivedValueKey, error) {
	keyText := v.KeyText
	if keyText == "" {
		keyText = KeyText(v.Key)
	}
	h, err := valueHash(keyText, v)
	return ArchivedValueKey{KeyText: keyText, Column: v.Column, Hash: h}, err
}

// ValuesDrillDown names the values archived alone of a table that differ
// from what the mappings archive alone (expected, every one of the table:
// they are few), by their record's key and receiving column:
// "archive_value_missing", "archive_value_foreign" or
// "archive_value_changed".
func ValuesDrillDown(dir, table string, expected []ArchivedValueKey) ([]Difference, error) {
	pkg, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	type side struct{ want, got []connectors.RowHash }
	byKey := map[[2]string]*side{}
	get := func(k [2]string) *side {
		if byKey[k] == nil {
			byKey[k] = &side{}
		}
		return byKey[k]
	}
	for _, e := range expected {
		s := get([2]string{e.KeyText, e.Column})
		s.want = append(s.want, e.Hash)
	}
	held := false
	for _, ts := range pkg.Tables() {
		held = held || ts.Table == table
	}
	if held {
		vals, err := pkg.Values(table)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			h, err := valueHash(v.KeyText, v.Value)
			if err != nil {
				return nil, fmt.Errorf("archive package: a value archived alone of %s: %w", table, err)
			}
			s := get([2]string{v.KeyText, v.Column})
			s.got = append(s.got, h)
		}
	}
	var out []Difference
	for k, s := range byKey {
		if sameHashes(s.want, s.got) {
			continue
		}
		d := Difference{Table: table, Key: []string{k[0]}, Columns: []string{k[1]}, Expected: len(s.want), Actual: len(s.got), Kind: "archive_value_changed"}
		switch {
		case len(s.got) == 0:
			d.Kind = "archive_value_missing"
		case len(s.want) == 0:
			d.Kind = "archive_value_foreign"
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key[0] != out[j].Key[0] {
			return out[i].Key[0] < out[j].Key[0]
		}
		return out[i].Columns[0] < out[j].Columns[0]
	})
	if len(out) > maxDifferences {
		out = out[:maxDifferences]
	}
	return shownKeys(out), nil
}

// KeyText renders a record key as the archive package's outcome and
// values tables do (archive.KeyText), so that a record named from the
// source and one named from the package compare.
func KeyText(key []connectors.Value) string { return archive.KeyText(key) }

// ArchiveResult is the archive package compared with the expected one.
type ArchiveResult struct {
	Equation ArchiveEquation
	// Held counts the package's records per source table, read one by one.
	Held map[string]int64
	// Differing lists, per source table, the buckets whose records differ.
	Differing map[string][]int
	// ValuesDiffering lists the source tables whose values archived alone
	// differ, for ValuesDrillDown.
	ValuesDiffering []string
	// Alone counts, per source table and receiving column, the records
	// whose value the package holds alone, read from a source value (one
	// of its archived values is not NULL): the value equation's archived
	// term, counted like its source side (values.go).
	Alone    map[string]map[string]int64
	Problems []string
	// Differs says the package's records or values differ from what the
	// mappings archive (a record, a reason's count, a value alone), as
	// opposed to a package damaged in itself.
	Differs bool
	// Meta is the package's description (package.json), nil when it
	// could not be opened: whose it is, and the regflytt that wrote it.
	Meta *archive.Meta
	// Tables describe the package's source tables (package.json).
	Tables []archive.TableSummary
	// Created is package.json's created, when the package was last
	// written (an erasure writes it anew); CreatedEvent the first event of
	// its log, the package's creation, which every later version keeps
	// (nil when the log does not begin with one).
	Created      string
	CreatedEvent *archive.Event
	// Erasures are the "erased" events of the package's log: records
	// regflytt archive erase removed, which the mappings archive until the
	// plan's erasure list names their persons.
	Erasures []archive.Event
}

// ArchiveReading is an archive package verified and read through once
// (archive.VerifyEach): every file against its manifests, the SIARD
// layout, every value decodes, and each table's records summed in
// buckets of their hashes and counted by reason. CompareRead compares it
// with the expected side and CountsRead counts from it, so that a run's
// end check reads its package once for both.
type ArchiveReading struct {
	dir     string
	reading archive.Reading
	// got and reasons are the tables whose records all read and hash.
	got     map[string][]connectors.Aggregate
	reasons map[string]map[string]int64
	// held counts each table's records read and hashed, and records all.
	held     map[string]int64
	records  int64
	problems []string
}

// ReadArchive verifies the package at dir without trusting it and reads
// every archived record, in one pass over its files.
func ReadArchive(dir string) *ArchiveReading {
	ar := &ArchiveReading{dir: dir, got: map[string][]connectors.Aggregate{}, reasons: map[string]map[string]int64{}, held: map[string]int64{}}
	failed := map[string]bool{}
	ar.reading = archive.VerifyEach(dir, func(table string, rec archive.ArchivedRecord) {
		if failed[table] {
			return
		}
		h, err := archivedRecordHash(rec)
		if err != nil {
			failed[table] = true
			ar.problems = append(ar.problems, fmt.Sprintf("archive package: table %s row %d: %v", table, rec.Row, err))
			return
		}
		sums := ar.got[table]
		if sums == nil {
			sums = make([]connectors.Aggregate, archiveBuckets)
			ar.got[table], ar.reasons[table] = sums, map[string]int64{}
		}
		sums[archiveBucket(h)].Add(h)
		ar.reasons[table][rec.Outcome.Reason]++
		ar.held[table]++
		ar.records++
	})
	// A table whose records did not all read (Problems names it) or hash
	// has no sums: every bucket of it differs from the expected.
	for t := range ar.got {
		if _, read := ar.reading.Records[t]; !read || failed[t] {
			delete(ar.got, t)
			delete(ar.reasons, t)
		}
	}
	if ar.reading.Package != nil {
		for _, ts := range ar.reading.Package.Tables() {
			if _, read := ar.reading.Records[ts.Table]; read && !failed[ts.Table] && ar.got[ts.Table] == nil {
				ar.got[ts.Table], ar.reasons[ts.Table] = make([]connectors.Aggregate, archiveBuckets), map[string]int64{}
			}
		}
	}
	return ar
}

// Dir is the package read.
func (ar *ArchiveReading) Dir() string { return ar.dir }

// CompareArchive verifies the package at dir without trusting it (every
// file against its manifests, the SIARD layout, every value decodes),
// then reads every archived record through archive.Reader and compares
// each table's record hashes and reasons with the expected ones.
func CompareArchive(dir string, want *ArchiveContent) ArchiveResult {
	return CompareRead(ReadArchive(dir), want)
}

// CompareRead is CompareArchive on a package already read.
func CompareRead(ar *ArchiveReading, want *ArchiveContent) ArchiveResult {
	dir := ar.dir
	res := ArchiveResult{Equation: ArchiveEquation{Dir: dir, Expected: want.Expected()}, Held: map[string]int64{}, Differing: map[string][]int{}, Alone: map[string]map[string]int64{}}
	fail := func(format string, args ...any) { res.Problems = append(res.Problems, fmt.Sprintf(format, args...)) }
	for _, p := range ar.reading.Problems {
		fail("archive package %s: %s", dir, p)
	}
	res.Equation.Manifest = len(res.Problems) == 0
	pkg := ar.reading.Package
	if pkg == nil {
		fail("archive package %s cannot be opened", dir)
		return res
	}
	meta := pkg.Summary.Meta
	res.Meta, res.Tables = &meta, pkg.Tables()
	res.Created = pkg.Summary.Created
	if events, err := pkg.Events(); err == nil {
		if len(events) > 0 && events[0].Event == "created" {
			e := events[0]
			res.CreatedEvent = &e
		}
		for _, e := range events {
			if e.Event == "erased" {
				res.Erasures = append(res.Erasures, e)
			}
		}
	}
	for _, p := range ar.problems {
		fail("%s", p)
	}
	for t, n := range ar.held {
		res.Held[t] = n
	}
	res.Equation.Records = ar.records
	got, reasons := ar.got, ar.reasons
	tables, inPkg := map[string]bool{}, map[string]bool{}
	for _, ts := range pkg.Tables() {
		tables[ts.Table], inPkg[ts.Table] = true, true
	}
	for t := range want.tables {
		tables[t] = true
	}
	for t := range want.values {
		tables[t] = true
	}
	for t := range got {
		tables[t] = true
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	empty := make([]connectors.Aggregate, archiveBuckets)
	for _, t := range names {
		w, g := want.tables[t], got[t]
		if w == nil {
			w = empty
		}
		if g == nil {
			g = empty
		}
		for b := range w {
			// A drill-down keeps the expected records of the buckets it
			// looks into: a few of the 256, so that a table emptied from
			// the package does not bring all its records into memory.
			if w[b] != g[b] && len(res.Differing[t]) < maxArchiveDrillBuckets {
				res.Differing[t] = append(res.Differing[t], b)
			}
		}
		for _, reason := range sortedCountKeys(unionKeys(want.reasons[t], reasons[t])) {
			if n, m := want.reasons[t][reason], reasons[t][reason]; n != m {
				res.Differs = true
				fail("archive package: %d records of %s with reason %s, the mappings archive %d", m, t, reason, n)
			}
		}
	}
	// Values archived alone: few, compared per table as one aggregate.
	for _, t := range names {
		var got connectors.Aggregate
		if inPkg[t] {
			vals, err := pkg.Values(t)
			if err != nil {
				fail("%v", err)
				continue
			}
			fed := map[[2]string]bool{}
			for _, v := range vals {
				h, err := valueHash(v.KeyText, v.Value)
				if err != nil {
					fail("archive package: a value archived alone of %s: %v", t, err)
					continue
				}
				got.Add(h)
				if v.Value.Value != nil {
					fed[[2]string{v.KeyText, v.Column}] = true
				}
			}
			for kc := range fed {
				if res.Alone[t] == nil {
					res.Alone[t] = map[string]int64{}
				}
				res.Alone[t][kc[1]]++
			}
		}
		var exp connectors.Aggregate
		if w := want.values[t]; w != nil {
			exp = *w
		}
		if exp != got {
			res.Differs = true
			res.ValuesDiffering = append(res.ValuesDiffering, t)
			fail("archive package: %d values archived alone of %s, the mappings archive %d, or they differ (key, column, reason, care unit, detail or value)", got.Count, t, exp.Count)
		}
	}
	res.Differs = res.Differs || len(res.Differing) > 0
	res.Equation.OK = len(res.Problems) == 0 && len(res.Differing) == 0 && res.Equation.Records == res.Equation.Expected
	return res
}

// SameShape says how a table the package describes differs from the
// source table its records were read from ("" when it does not): the
// columns, in order, with their names, source and canonical types,
// charsets and nullability, and the primary key. SIARD tools and archive
// extract label the cells by the package's description, the Reader reads
// them by it: a package whose description is not the source's shows the
// source's values under other names or types.
func SameShape(ts archive.TableSummary, src *connectors.Table) string {
	if len(ts.Columns) != len(src.Columns) {
		return fmt.Sprintf("%d columns, the source table has %d", len(ts.Columns), len(src.Columns))
	}
	for i, c := range ts.Columns {
		s := src.Columns[i]
		if c.Name != s.Name || c.SourceType != s.SourceType || c.Type.Type() != s.Type || c.Charset != s.Charset || c.Nullable != s.Nullable {
			return fmt.Sprintf("column %d is %s %s (%s), the source's %s %s (%s)", i+1, c.Name, c.SourceType, c.Type.Type(), s.Name, s.SourceType, s.Type)
		}
	}
	if strings.Join(ts.PrimaryKey, ",") != strings.Join(src.PrimaryKey, ",") {
		return fmt.Sprintf("primary key (%s), the source's (%s)", strings.Join(ts.PrimaryKey, ", "), strings.Join(src.PrimaryKey, ", "))
	}
	return ""
}

// within says every hash of a is one of b's.
func within(a, b []connectors.RowHash) bool {
	in := map[connectors.RowHash]bool{}
	for _, h := range b {
		in[h] = true
	}
	for _, h := range a {
		if !in[h] {
			return false
		}
	}
	return true
}

func unionKeys(a, b map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k := range a {
		out[k] = 0
	}
	for k := range b {
		out[k] = 0
	}
	return out
}

func eachArchived(pkg *archive.Package, table string, fn func(archive.ArchivedRecord, connectors.RowHash)) error {
	rs, err := pkg.Records(table)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		rec := rs.Record()
		h, err := archivedRecordHash(rec)
		if err != nil {
			return fmt.Errorf("archive package: table %s row %d: %w", table, rec.Row, err)
		}
		fn(rec, h)
	}
	return rs.Err()
}

// ArchiveDrillDown names the archived records that differ in the
// differing buckets of a table: expected lists the records the mappings
// archive in those buckets (from a second pass that keeps only them).
// A record whose key is on both sides with different content is
// "archive_changed"; one only expected "archive_missing"; one only in the
// package "archive_foreign" (an excluded patient's record there is one);
// one held more often than the mappings archive it "archive_duplicate".
func ArchiveDrillDown(dir, table string, buckets []int, expected []ArchivedKey) ([]Difference, error) {
	pkg, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	in := map[int]bool{}
	for _, b := range buckets {
		in[b] = true
	}
	type side struct{ want, got, wantBare, gotBare []connectors.RowHash }
	byKey := map[string]*side{}
	get := func(k string) *side {
		if byKey[k] == nil {
			byKey[k] = &side{}
		}
		return byKey[k]
	}
	for _, e := range expected {
		s := get(e.KeyText)
		s.want, s.wantBare = append(s.want, e.Hash), append(s.wantBare, e.Bare)
	}
	held := false
	for _, ts := range pkg.Tables() {
		held = held || ts.Table == table
	}
	var bareErr error
	// A table the package holds no records of (an erasure emptied it, or
	// it was removed) is not read: every expected record is missing.
	if held {
		err = eachArchived(pkg, table, func(rec archive.ArchivedRecord, h connectors.RowHash) {
			if in[archiveBucket(h)] {
				bare, err := archivedBareHash(packageRecord(rec))
				if err != nil && bareErr == nil {
					bareErr = fmt.Errorf("archive package: table %s row %d: %w", table, rec.Row, err)
				}
				s := get(rec.KeyText)
				s.got, s.gotBare = append(s.got, h), append(s.gotBare, bare)
			}
		})
	}
	if err := errors.Join(err, bareErr); err != nil {
		return nil, err
	}
	var out []Difference
	for k, s := range byKey {
		if sameHashes(s.want, s.got) {
			continue
		}
		d := Difference{Table: table, Key: []string{k}, Expected: len(s.want), Actual: len(s.got)}
		switch {
		case len(s.got) == 0:
			d.Kind = "archive_missing"
		case len(s.want) == 0:
			d.Kind = "archive_foreign"
		case len(s.got) > len(s.want) && within(s.got, s.want):
			// Every record held is one the mappings archive, some of
			// them more often.
			d.Kind = "archive_duplicate"
		default:
			d.Kind = "archive_changed"
			if sameHashes(s.wantBare, s.gotBare) {
				// All but the detail agree: the words of why it was
				// archived differ.
				d.Columns = []string{"detail"}
			}
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key[0] < out[j].Key[0] })
	if len(out) > maxDifferences {
		out = out[:maxDifferences]
	}
	return shownKeys(out), nil
}
