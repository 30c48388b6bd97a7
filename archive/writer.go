package archive

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// The three schemas of a package.
const (
	schemaRecords = 0
	schemaOutcome = 1
	schemaValues  = 2
)

const partsDir = ".parts"

// lobThreshold is the size above which bytes in a BLOB column go to a
// file of their own; below it they are hex in the cell. A variable so
// tests can reach the LOB path with small values.
var lobThreshold = 4096

// Writer writes one archive package. It is not safe for concurrent use.
type Writer struct {
	dir    string
	meta   Meta
	tables map[string]*sourceTable
	order  []*sourceTable
	// nextValues numbers the tables of schema2.
	nextValues int
	spanLo     connectors.Date
	spanHi     connectors.Date
	spanAny    bool
	closed     bool
	// history and closing replace the "created" event when a package is
	// rewritten (erasure): the old log continues with the closing event.
	history []byte
	closing *Event
	// persons is SetPersonColumns', forms SetPersonForms'.
	persons map[string][]string
	forms   []PersonForm
}

// SetPersonColumns records, per source table a mapping reads as records,
// the columns its person: reads (none for a mapping without one), for
// erasure to search a number split over two of them. A table it does not
// name is recorded as unknown.
func (w *Writer) SetPersonColumns(m map[string][]string) {
	w.persons = m
}

// SetPersonForms records what each form store's person: reads (entity
// columns are SetPersonColumns' of its entities table): erasure joins
// the value rows of one entity to find a number split over variables.
func (w *Writer) SetPersonForms(forms []PersonForm) {
	w.forms = forms
}

// sourceTable is one source table's share of the package.
type sourceTable struct {
	src     *connectors.Table
	records *siardTable
	outcome *siardTable
	values  *siardTable
	// companion maps a source column's index to its raw cells' position
	// among the companions; companions lists the columns in that order.
	companion  map[int]int
	companions []int
	reasons    map[string]int64
	// digits holds, per unbounded decimal column, the most integer and
	// fraction digits of its natural cells, for the DECIMAL(p,s) it is
	// declared (declareDecimals).
	digits map[int][2]int
}

// column is one column of a SIARD table as metadata.xml declares it.
type column struct {
	name, typeOriginal, description string
	typ                             sqlType
}

// siardTable is one table of the package: its columns and the chunks its
// rows are written to.
type siardTable struct {
	schema, folder int
	name           string
	description    string
	cols           []column
	rows           int64
	chunks         int
	f              *os.File
	w              *bufio.Writer
	buf            []byte
}

// Create starts a package in dir, which must not exist or be empty: an
// archive is never mixed with another run's.
func Create(dir string, meta Meta) (*Writer, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("archive directory %s is not empty: choose a new one, or move the old package away first", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, partsDir), 0o700); err != nil {
		return nil, fmt.Errorf("create archive: %w", err)
	}
	return &Writer{dir: dir, meta: meta, tables: map[string]*sourceTable{}}, nil
}

// Dir is the package's directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) source(t *connectors.Table) (*sourceTable, error) {
	if w.closed {
		return nil, errors.New("archive already closed")
	}
	if st, ok := w.tables[t.Name]; ok {
		return st, nil
	}
	st := &sourceTable{src: t, companion: map[int]int{}, reasons: map[string]int64{}}
	folder := len(w.order)
	st.records = &siardTable{schema: schemaRecords, folder: folder, name: t.Name, description: recordsDescription(t.Name)}
	for _, c := range t.Columns {
		st.records.cols = append(st.records.cols, column{name: c.Name, typeOriginal: c.SourceType, typ: columnSQLType(c.Type),
			description: sourceColumnDescription(c.Nullable, c.Type)})
	}
	st.outcome = &siardTable{schema: schemaOutcome, folder: folder, name: t.Name, description: outcomeDescription(t.Name), cols: outcomeColumns}
	w.tables[t.Name] = st
	w.order = append(w.order, st)
	return st, nil
}

// The columns of the outcome and values tables, the same in every package.
var (
	outcomeColumns = []column{
		{name: "row", typ: rowNumberType, description: "Row number in the archived records table."},
		{name: "key", typ: textType, description: "The record's key values, as a JSON array of their text."},
		{name: "reason", typ: codeType, description: "Stable reason code (a rule such as invalid_date, or the mapping's reason)."},
		{name: "column", typ: codeType, description: "Receiving column whose value failed."},
		{name: "source_column", typ: codeType, description: "Source column it came from."},
		{name: "detail", typ: textType, description: "What failed, without the value."},
		{name: "care_unit", typ: codeType, description: "Reporting care unit, where the plan names one."},
	}
	valuesColumns = []column{
		{name: "key", typ: textType, description: "The record's key values, as a JSON array of their text."},
		{name: "column", typ: codeType, description: "Receiving column left empty."},
		{name: "source_column", typ: codeType, description: "Source column the value came from."},
		{name: "reason", typ: codeType, description: "Stable reason code."},
		{name: "detail", typ: textType, description: "What failed, without the value."},
		{name: "care_unit", typ: codeType, description: "Reporting care unit, where the plan names one."},
		{name: "kind", typ: sqlType{SQL: "VARCHAR(20)", XSD: "xs:string"}, description: "Kind of the value (left out for NULL)."},
		{name: "text", typ: textType, description: "The value's bytes as text, when they are UTF-8."},
		{name: "raw", typ: sqlType{SQL: "BLOB", XSD: "blobType", LOB: true}, description: "The value's bytes, verbatim."},
	}
)

// companionColumns are the kind and raw columns that follow a records
// table's source columns for a column some of whose values its type
// cannot hold (see values.go).
func companionColumns(name string) []column {
	return []column{
		{name: name + "#kind", typ: sqlType{SQL: "VARCHAR(20)", XSD: "xs:string"},
			description: "Kind of the value of " + name + " where its type could not hold it exactly (its cell is then left out)."},
		{name: name + "#raw", typ: sqlType{SQL: "BLOB", XSD: "blobType", LOB: true},
			description: "The bytes of that value, verbatim: text as its bytes (not always UTF-8), others as their text."},
	}
}

// Add appends one record of a source table.
func (w *Writer) Add(t *connectors.Table, r Record) error {
	st, err := w.source(t)
	if err != nil {
		return err
	}
	if len(r.Values) != len(t.Columns) {
		return fmt.Errorf("archive %s: a record of %d values for %d columns", t.Name, len(r.Values), len(t.Columns))
	}
	row := st.records.rows + 1
	type rawCell struct {
		k         int
		kind, raw string
	}
	var raws []rawCell
	b := append(st.records.buf[:0], "<row>"...)
	for i, v := range r.Values {
		if v == nil {
			continue // NULL: the cell is left out
		}
		if d, ok := spanOf(v); ok {
			if !w.spanAny || dateBefore(d, w.spanLo) {
				w.spanLo = d
			}
			if !w.spanAny || dateBefore(w.spanHi, d) {
				w.spanHi = d
			}
			w.spanAny = true
		}
		cell := i + 1
		k := t.Columns[i].Type.Kind
		if bs, ok := v.([]byte); ok && k == connectors.KindBytes && holds(t.Columns[i].Type, bs) {
			typ := st.records.cols[i].typ
			if typ.LOB && len(bs) > lobThreshold {
				attrs, err := w.writeLOB(st.records, cell, row, bs)
				if err != nil {
					return fmt.Errorf("archive %s: %w", t.Name, err)
				}
				b = fmt.Appendf(b, "<c%d %s/>", cell, attrs)
				continue
			}
			b = fmt.Appendf(b, "<c%d>", cell)
			b = appendHex(b, bs)
			b = fmt.Appendf(b, "</c%d>", cell)
			continue
		}
		if s, ok := naturalText(t.Columns[i].Type, v); ok {
			if d, isDec := v.(connectors.Decimal); isDec && k == connectors.KindDecimal {
				st.countDigits(i, d)
			}
			b = appendCell(b, cell, s)
			continue
		}
		kind, err := valueKind(v)
		if err != nil {
			return fmt.Errorf("archive %s, column %s: %w", t.Name, t.Columns[i].Name, err)
		}
		raw, _ := rawBytes(v)
		pos, ok := st.companion[i]
		if !ok {
			pos = len(st.companions)
			st.companion[i] = pos
			st.companions = append(st.companions, i)
			st.records.cols = append(st.records.cols, companionColumns(t.Columns[i].Name)...)
		}
		raws = append(raws, rawCell{k: len(t.Columns) + 2*pos + 1, kind: kind, raw: string(raw)})
	}
	// Raw cells follow the source columns, in companion order.
	sort.Slice(raws, func(i, j int) bool { return raws[i].k < raws[j].k })
	for _, rc := range raws {
		b = appendCell(b, rc.k, rc.kind)
		b = fmt.Appendf(b, "<c%d>", rc.k+1)
		b = appendHex(b, []byte(rc.raw))
		b = fmt.Appendf(b, "</c%d>", rc.k+1)
	}
	b = append(b, "</row>\n"...)
	st.records.buf = b
	if err := w.writeRow(st.records, b); err != nil {
		return err
	}
	ob := append(st.outcome.buf[:0], "<row>"...)
	ob = appendCell(ob, 1, strconv.FormatInt(row, 10))
	if r.KeyText == "" {
		r.KeyText = KeyText(r.Key)
	}
	ob = appendCell(ob, 2, r.KeyText)
	ob = appendOptional(ob, 3, r.Reason)
	ob = appendOptional(ob, 4, r.Column)
	ob = appendOptional(ob, 5, r.SourceColumn)
	ob = appendOptional(ob, 6, r.Detail)
	ob = appendOptional(ob, 7, CareUnitText(r.CareUnit))
	ob = append(ob, "</row>\n"...)
	st.outcome.buf = ob
	if err := w.writeRow(st.outcome, ob); err != nil {
		return err
	}
	st.reasons[r.Reason]++
	return nil
}

// AddValue appends one value archived alone from a migrated record.
func (w *Writer) AddValue(t *connectors.Table, v Value) error {
	st, err := w.source(t)
	if err != nil {
		return err
	}
	if st.values == nil {
		st.values = &siardTable{schema: schemaValues, folder: w.nextValues, name: t.Name, description: valuesDescription(t.Name), cols: valuesColumns}
		w.nextValues++
	}
	b := append(st.values.buf[:0], "<row>"...)
	if v.KeyText == "" {
		v.KeyText = KeyText(v.Key)
	}
	b = appendCell(b, 1, v.KeyText)
	b = appendOptional(b, 2, v.Column)
	b = appendOptional(b, 3, v.SourceColumn)
	b = appendOptional(b, 4, v.Reason)
	b = appendOptional(b, 5, v.Detail)
	b = appendOptional(b, 6, CareUnitText(v.CareUnit))
	if v.Value != nil {
		kind, err := valueKind(v.Value)
		if err != nil {
			return fmt.Errorf("archive %s, column %s: %w", t.Name, v.SourceColumn, err)
		}
		raw, _ := rawBytes(v.Value)
		b = appendCell(b, 7, kind)
		if s, ok := naturalText(connectors.Type{Kind: connectors.KindText}, string(raw)); ok {
			b = appendCell(b, 8, s)
		}
		b = append(b, "<c9>"...)
		b = appendHex(b, raw)
		b = append(b, "</c9>"...)
	}
	b = append(b, "</row>\n"...)
	st.values.buf = b
	return w.writeRow(st.values, b)
}

// countDigits notes a natural decimal of an unbounded column i.
func (st *sourceTable) countDigits(i int, d connectors.Decimal) {
	if _, _, bounded := decimalBounds(st.src.Columns[i].Type); bounded {
		return
	}
	intDigits, fracDigits, _ := connectors.DecimalDigits(d)
	if st.digits == nil {
		st.digits = map[int][2]int{}
	}
	m := st.digits[i]
	st.digits[i] = [2]int{max(m[0], intDigits), max(m[1], fracDigits)}
}

// declareDecimals declares each unbounded decimal column (PostgreSQL's
// numeric, SQLite's NUMERIC) as the DECIMAL(p,s) its natural cells need.
// SQL:2008 reads a bare DECIMAL as scale 0: a SIARD tool created the
// column so and rounded 12.5 to 13. A column with no natural cell stays
// DECIMAL.
func (st *sourceTable) declareDecimals() {
	for i, d := range st.digits {
		st.records.cols[i].typ.SQL = fmt.Sprintf("DECIMAL(%d,%d)", max(d[0]+d[1], 1), d[1])
	}
}

// CareUnitText is a reporting unit as the outcome and values tables hold
// it: the unit's text, or, where it is not UTF-8 (a legacy unit name in
// Latin-1), its bytes as \x and hex, as KeyText writes such a key. The
// cell made it valid UTF-8 with a U+FFFD for each bad byte, and the units
// 'Malmö' and 'Malmä' in Latin-1 both read 'Malm\uFFFD'.
func CareUnitText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return `\x` + hex.EncodeToString([]byte(s))
}

// KeyText renders a record's key as the outcome and values tables hold
// it: a JSON array of each value's text, null for NULL. For a value
// archived alone it is all the package says of its record, so it must
// keep keys apart: a text that is not UTF-8 is written as its bytes, as
// a byte-string key is ("\\xd631"). JSON carries no such text, and
// json.Marshal wrote each bad byte as U+FFFD: the Latin-1 keys 'Ö1' and
// 'Ä1' read the same, so their records' values archived alone could be
// given to each other and verification, rendering both sides so, passed.
// verify renders the expected side's keys with it.
func KeyText(key []connectors.Value) string {
	texts := make([]*string, len(key))
	for i, v := range key {
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			v = []byte(s)
		}
		if s, ok := connectors.FormatValue(v); ok {
			texts[i] = &s
		}
	}
	b, _ := json.Marshal(texts)
	return string(b)
}

func appendOptional(b []byte, cell int, s string) []byte {
	if s == "" {
		return b
	}
	return appendCell(b, cell, s)
}

// appendCell appends <cN>text</cN> with SIARD's and XML's escapes. Text
// that is not UTF-8 never reaches here (it is a raw cell), except in the
// package's own fields, where it is made valid.
func appendCell(b []byte, cell int, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	b = fmt.Appendf(b, "<c%d>", cell)
	b = appendXMLText(b, escapeText(s))
	return fmt.Appendf(b, "</c%d>", cell)
}

func appendXMLText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func appendHex(b []byte, bs []byte) []byte {
	const digits = "0123456789ABCDEF"
	for _, c := range bs {
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// tablePath is the folder of a table inside the bag, slash-separated.
func tablePath(schema, folder int) string {
	return fmt.Sprintf("data/content/schema%d/table%d", schema, folder)
}

// writeLOB writes bytes too large for a cell to a file of their own,
// complete and synced before the cell that names it, and returns the
// cell's attributes: file (relative to the table's folder), length and
// SHA-256 digest.
func (w *Writer) writeLOB(t *siardTable, cell int, row int64, bs []byte) (string, error) {
	rel := fmt.Sprintf("lob%d/record%d.bin", cell, row)
	path := filepath.Join(w.dir, filepath.FromSlash(tablePath(t.schema, t.folder)), filepath.FromSlash(rel))
	if err := writeFileAtomic(path, bs); err != nil {
		return "", err
	}
	sum := sha256.Sum256(bs)
	return fmt.Sprintf(`file="%s" length="%d" digestType="SHA-256" digest="%s"`, rel, len(bs), hex.EncodeToString(sum[:])), nil
}

// writeFileAtomic writes a whole file under a temporary name, syncs it and
// renames it: the file is complete or absent.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ErrExists is the error of NewName and of the commands that create a
// file which must not exist: the name is taken.
var ErrExists = fs.ErrExist

// CheckNew returns an error naming path when something is there: an
// extract or encrypted package is written only under a new name, and
// the check comes before the work, not after it.
func CheckNew(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return existsError(path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func existsError(path string) error {
	return fmt.Errorf("%s exists already; it is not overwritten: %w", path, ErrExists)
}

// NewName gives a finished temporary file its name, unless the name was
// taken while the file was written: it is hard-linked, which fails on a
// taken name, where a rename would replace what is there. Where hard
// links are not to be had (some network and FUSE file systems), a check
// of the name before the rename is the last word.
func NewName(tmp, path string) error {
	err := os.Link(tmp, path)
	if err == nil {
		return os.Remove(tmp)
	}
	if errors.Is(err, fs.ErrExist) {
		return existsError(path)
	}
	if err := CheckNew(path); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (w *Writer) chunkPath(t *siardTable, n int) string {
	return filepath.Join(w.dir, partsDir, fmt.Sprintf("s%dt%d-%06d.rows", t.schema, t.folder, n))
}

func (w *Writer) writeRow(t *siardTable, row []byte) error {
	if t.f == nil {
		f, err := os.OpenFile(w.chunkPath(t, t.chunks)+".tmp", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("archive %s: %w", t.name, err)
		}
		t.f, t.w = f, bufio.NewWriterSize(f, 64<<10)
	}
	if _, err := t.w.Write(row); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	t.rows++
	return nil
}

// seal makes the open chunk of a table complete: flushed, synced,
// renamed to its final name.
func (w *Writer) seal(t *siardTable) error {
	if t == nil || t.f == nil {
		return nil
	}
	f := t.f
	t.f = nil
	if err := t.w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	if err := os.Rename(f.Name(), w.chunkPath(t, t.chunks)); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	t.chunks++
	return nil
}

// Sync makes everything added so far durable in complete chunks, so that
// a checkpoint taken after Sync never points past what the archive holds.
func (w *Writer) Sync() error {
	for _, st := range w.order {
		for _, t := range []*siardTable{st.records, st.outcome, st.values} {
			if err := w.seal(t); err != nil {
				return err
			}
		}
	}
	return syncDir(filepath.Join(w.dir, partsDir))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("archive: sync %s: %w", dir, err)
	}
	return nil
}

// Close finishes the package: assembles each table from its chunks,
// writes metadata.xml, the table schemas and the bag. The package is
// complete only after Close returns nil.
func (w *Writer) Close(now time.Time) (*Summary, error) {
	return w.CloseContext(context.Background(), now)
}

// CloseContext is Close stopped by ctx (a second Ctrl-C): assembling and
// bagging the tables of a large package took minutes after the signal.
// Stopped, it gives ctx's error and leaves a package without its bag's
// manifests, which no reader takes for complete (OpenVerified refuses
// it); a run builds it again from its parts when it resumes.
func (w *Writer) CloseContext(ctx context.Context, now time.Time) (*Summary, error) {
	if w.closed {
		return nil, errors.New("archive already closed")
	}
	w.closed = true
	if err := w.Sync(); err != nil {
		return nil, err
	}
	sum := &Summary{Format: FormatVersion, Meta: w.meta, Created: now.UTC().Format(time.RFC3339),
		Timespan: dateRange(w.spanLo, w.spanHi, w.spanAny)}
	for _, st := range w.order {
		for _, t := range []*siardTable{st.records, st.outcome, st.values} {
			if t == nil {
				continue
			}
			if err := w.assemble(ctx, t); err != nil {
				return nil, err
			}
		}
		ts := TableSummary{Table: st.src.Name, Records: st.records.rows, Reasons: st.reasons, Folder: st.records.folder,
			ValuesFolder: -1, PrimaryKey: st.src.PrimaryKey}
		if st.values != nil {
			ts.Values, ts.ValuesFolder = st.values.rows, st.values.folder
		}
		for _, c := range st.src.Columns {
			ts.Columns = append(ts.Columns, ColumnSummary{Name: c.Name, SourceType: c.SourceType, Charset: c.Charset, Nullable: c.Nullable, Type: typeDoc(c.Type)})
		}
		for _, fk := range st.src.ForeignKeys {
			ts.ForeignKeys = append(ts.ForeignKeys, ForeignKeyDoc{Columns: fk.Columns, RefTable: fk.RefTable, RefColumns: fk.RefColumns, Parent: fk.Name == ParentKey})
		}
		for _, i := range st.companions {
			ts.Companions = append(ts.Companions, st.src.Columns[i].Name)
		}
		if cols, ok := w.persons[st.src.Name]; ok {
			ts.Person = &PersonDoc{Columns: append([]string{}, cols...)}
		}
		for _, f := range w.forms {
			if f.Entities != st.src.Name && f.Values != st.src.Name {
				continue
			}
			if ts.Person == nil {
				// A form's values table holds no two columns of the
				// person's in one row.
				ts.Person = &PersonDoc{Columns: []string{}}
			}
			form := f
			form.Variables = slices.Clone(f.Variables)
			ts.Person.Form = &form
		}
		sum.Tables = append(sum.Tables, ts)
	}
	for _, st := range w.order {
		st.declareDecimals()
	}
	if err := w.writeMetadata(sum, now); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(w.dir, partsDir)); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := writeBag(ctx, w.dir, sum, now, w.history, w.closing); err != nil {
		return nil, err
	}
	return sum, nil
}

// assemble writes tableM.xml from the table's chunks, and tableM.xsd.
func (w *Writer) assemble(ctx context.Context, t *siardTable) error {
	dir := filepath.Join(w.dir, filepath.FromSlash(tablePath(t.schema, t.folder)))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	name := fmt.Sprintf("table%d", t.folder)
	if err := writeFileAtomic(filepath.Join(dir, name+".xsd"), tableXSD(t)); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	path := filepath.Join(dir, name+".xml")
	f, err := os.OpenFile(path+".tmp", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	fmt.Fprintf(bw, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<table xmlns=\"%s\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"%s %s.xsd\" version=\"2.2\">\n",
		tableNS, tableNS, name)
	for i := 0; i < t.chunks; i++ {
		c, err := os.Open(w.chunkPath(t, i))
		if err != nil {
			f.Close()
			return fmt.Errorf("archive %s: %w", t.name, err)
		}
		_, err = io.Copy(bw, ctxReader{ctx: ctx, r: c})
		c.Close()
		if err != nil {
			f.Close()
			return fmt.Errorf("archive %s: %w", t.name, err)
		}
	}
	bw.WriteString("</table>\n")
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", t.name, err)
	}
	return os.Rename(path+".tmp", path)
}

const tableNS = "http://www.bar.admin.ch/xmlns/siard/2/table.xsd"
