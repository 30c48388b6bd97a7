package archive

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// Package is an archive package opened for reading. Reader is the only
// code that parses packages: verify, the CLI and the tests go through it.
type Package struct {
	Dir string
	// Summary is regflytt/package.json: the run's description of the
	// package and each column's canonical type.
	Summary  Summary
	metadata siardArchive
}

// Enclosing returns the archive package dir lies in, dir itself or a
// directory above it, or "" when it lies in none. A package is whole only
// as its manifests list it: a run or a verification that wrote its files
// into one (--work PKG/data) left it failing verification.
func Enclosing(dir string) (string, error) {
	at, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if isPackage(at) {
			return at, nil
		}
		up := filepath.Dir(at)
		if up == at {
			return "", nil
		}
		at = up
	}
}

// isPackage says whether dir holds a bag declaration and a regflytt
// package description.
func isPackage(dir string) bool {
	for _, name := range []string{bagitName, packageName} {
		if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// Open reads a package's description (regflytt/package.json) and its SIARD
// metadata, and checks that they agree on the tables. It does not check
// digests: Verify does.
func Open(dir string) (*Package, error) {
	p := &Package{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(packageName)))
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w (is this a regflytt archive package?)", dir, err)
	}
	if err := json.Unmarshal(b, &p.Summary); err != nil {
		return nil, fmt.Errorf("archive %s: %s: %w", dir, packageName, err)
	}
	if p.Summary.Format != FormatVersion {
		return nil, fmt.Errorf("archive %s: %s: format %q, written by regflytt %s, is not %s, the format this regflytt reads: open it with the regflytt that wrote it", dir, packageName, p.Summary.Format, p.Summary.Meta.ToolVersion, FormatVersion)
	}
	mb, err := os.ReadFile(filepath.Join(dir, "data", "header", "metadata.xml"))
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", dir, err)
	}
	if err := xml.Unmarshal(mb, &p.metadata); err != nil {
		return nil, fmt.Errorf("archive %s: data/header/metadata.xml: %w", dir, err)
	}
	if len(p.metadata.Schemas) != len(schemaNames) {
		return nil, fmt.Errorf("archive %s: data/header/metadata.xml: %d schemas, want %d", dir, len(p.metadata.Schemas), len(schemaNames))
	}
	listed := map[string]bool{}
	for _, t := range p.Summary.Tables {
		if listed[t.Table] {
			return nil, fmt.Errorf("archive %s: %s lists table %s twice", dir, packageName, t.Table)
		}
		listed[t.Table] = true
		for s, folder := range []int{t.Folder, t.Folder, t.ValuesFolder} {
			if folder < 0 {
				continue
			}
			tm := p.tableMeta(s, folder)
			if tm == nil || tm.Name != t.Table {
				return nil, fmt.Errorf("archive %s: data/header/metadata.xml: schema%d has no table%d for %s", dir, s, folder, t.Table)
			}
		}
	}
	return p, nil
}

func (p *Package) tableMeta(schema, folder int) *siardTableMeta {
	if schema >= len(p.metadata.Schemas) {
		return nil
	}
	want := fmt.Sprintf("table%d", folder)
	for i := range p.metadata.Schemas[schema].tables() {
		if t := &p.metadata.Schemas[schema].Tables.Table[i]; t.Folder == want {
			return t
		}
	}
	return nil
}

// Events reads the package's event log (regflytt/events.jsonl), oldest
// first. Verify checks its chain; this only parses it.
func (p *Package) Events() ([]Event, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(eventsName)))
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", p.Dir, err)
	}
	return parseEvents(p.Dir, b)
}

// parseEvents reads an event log's lines (b), of the package at where.
func parseEvents(where string, b []byte) ([]Event, error) {
	var out []Event
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		var e Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("archive %s: %s line %d is not an event: %w", where, eventsName, i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Owner is the package's dataOwner: the CPUA responsible for it.
func (p *Package) Owner() string { return p.metadata.DataOwner }

// Timespan is the package's dataOriginTimespan.
func (p *Package) Timespan() string { return p.metadata.DataOriginTimespan }

// Tables lists the source tables the package holds records or values of.
func (p *Package) Tables() []TableSummary { return p.Summary.Tables }

func (p *Package) table(name string) (*TableSummary, error) {
	for i := range p.Summary.Tables {
		if p.Summary.Tables[i].Table == name {
			return &p.Summary.Tables[i], nil
		}
	}
	return nil, fmt.Errorf("archive %s holds no table %s", p.Dir, name)
}

// ArchivedRecord is one record read back: its values, exactly as they
// were archived, and its outcome row.
type ArchivedRecord struct {
	// Row is the record's row number in its table, from 1.
	Row    int64
	Values []connectors.Value
	// Outcome holds Reason, Column, SourceColumn, Detail and CareUnit;
	// Key is left empty (the key's values are among Values), KeyText is
	// the outcome table's rendering of it.
	Outcome Record
	KeyText string
}

// Records streams a table's archived records with their outcome rows,
// in the order they were archived. Memory is one row.
type Records struct {
	p         *Package
	t         *TableSummary
	types     []connectors.Type
	rows      *rowReader
	outcomes  *rowReader
	cur       ArchivedRecord
	err       error
	recordsAt string
	// holdTypes refuses a natural cell its column's declared type does
	// not hold (Verify). Reading does not: a package written before the
	// writer wrote such values raw (SQLite's 'abcde' in a VARCHAR(4))
	// holds them so, and is still extracted and erased from.
	holdTypes bool
}

// Records opens the records of a source table.
func (p *Package) Records(table string) (*Records, error) {
	t, err := p.table(table)
	if err != nil {
		return nil, err
	}
	r := p.newRecords(t)
	if r.rows, err = p.openRows(schemaRecords, t.Folder); err != nil {
		return nil, err
	}
	if r.outcomes, err = p.openRows(schemaOutcome, t.Folder); err != nil {
		r.rows.Close()
		return nil, err
	}
	return r, nil
}

// newRecords is a table's records without their files opened.
func (p *Package) newRecords(t *TableSummary) *Records {
	r := &Records{p: p, t: t}
	tm := p.tableMeta(schemaRecords, t.Folder)
	for i, c := range t.Columns {
		typ := c.Type.Type()
		// An unbounded decimal's natural cells are held to the
		// DECIMAL(p,s) metadata.xml declares it (declareDecimals).
		if tm != nil && i < len(tm.Columns) {
			if p, s, ok := declaredDecimal(typ, tm.Columns[i].Type); ok {
				typ.Precision, typ.Scale = p, s
			}
		}
		r.types = append(r.types, typ)
	}
	r.recordsAt = tablePath(schemaRecords, t.Folder)
	return r
}

// Next reads the next record; false at the end or on error (see Err).
func (r *Records) Next() bool {
	if r.err != nil {
		return false
	}
	cells, ok := r.rows.next()
	ocells, ook := r.outcomes.next()
	if err := errors.Join(r.rows.err, r.outcomes.err); err != nil {
		r.err = err
		return false
	}
	if ok != ook {
		r.err = r.lengthsDiffer()
		return false
	}
	if !ok {
		return false
	}
	rec, err := r.decode(r.rows, cells, ocells)
	if err != nil {
		r.err = err
		return false
	}
	r.cur = rec
	return true
}

func (r *Records) lengthsDiffer() error {
	return fmt.Errorf("archive %s: table %s: the records and outcome tables differ in length", r.p.Dir, r.t.Table)
}

// decode makes one record of a row of the records table (read by rows,
// which gives its row number and its LOB files) and its outcome row.
func (r *Records) decode(rows *rowReader, cells, ocells []cell) (ArchivedRecord, error) {
	row := rows.n
	fail := func(format string, args ...any) (ArchivedRecord, error) {
		// A damaged cell's text can reach the message (a decoder's
		// error quoting it): its identity numbers are masked.
		return ArchivedRecord{}, fmt.Errorf("archive %s: %s row %d: %s", r.p.Dir, r.recordsAt, row, connectors.MaskIdentityNumbers(fmt.Sprintf(format, args...)))
	}
	n := len(r.t.Columns)
	vals := make([]connectors.Value, n)
	for _, c := range cells {
		switch {
		case c.index <= n:
			v, err := rows.cellValue(r.types[c.index-1], c, r.holdTypes)
			if err != nil {
				return fail("column %s: %v", r.t.Columns[c.index-1].Name, err)
			}
			vals[c.index-1] = v
		case c.index <= n+2*len(r.t.Companions):
			pos := (c.index - n - 1) / 2
			if (c.index-n-1)%2 == 1 {
				// The raw cell, read with its kind; without one it would
				// read as NULL.
				if _, ok := findCell(cells, c.index-1); !ok {
					return fail("column %s: a raw cell without its kind cell", r.t.Companions[pos])
				}
				continue
			}
			raw, ok := findCell(cells, c.index+1)
			if !ok {
				return fail("column %s: a kind cell without its raw cell", r.t.Companions[pos])
			}
			b, err := rows.bytesOf(raw)
			if err != nil {
				return fail("column %s: %v", r.t.Companions[pos], err)
			}
			v, err := decodeRaw(c.text, b)
			if err != nil {
				return fail("column %s: %v", r.t.Companions[pos], err)
			}
			i := indexOf(r.t.Columns, r.t.Companions[pos])
			if i < 0 || vals[i] != nil {
				return fail("column %s: a raw cell beside a natural one", r.t.Companions[pos])
			}
			vals[i] = v
		default:
			return fail("cell c%d beyond the table's %d columns", c.index, n+2*len(r.t.Companions))
		}
	}
	rec := ArchivedRecord{Row: row, Values: vals}
	for _, c := range ocells {
		switch c.index {
		case 1:
			if c.text != strconv.FormatInt(row, 10) {
				// Not the cell's text: a damaged or edited cell can hold
				// anything, a record's identity number among it.
				return fail("the outcome row names another record (its first cell is not %d)", row)
			}
		case 2:
			rec.KeyText = c.text
		case 3:
			rec.Outcome.Reason = c.text
		case 4:
			rec.Outcome.Column = c.text
		case 5:
			rec.Outcome.SourceColumn = c.text
		case 6:
			rec.Outcome.Detail = c.text
		case 7:
			rec.Outcome.CareUnit = c.text
		}
	}
	rec.Outcome.Values = vals
	return rec, nil
}

func findCell(cells []cell, index int) (cell, bool) {
	for _, c := range cells {
		if c.index == index {
			return c, true
		}
	}
	return cell{}, false
}

func indexOf(cols []ColumnSummary, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Record is the current record.
func (r *Records) Record() ArchivedRecord { return r.cur }

// Err is the error that stopped Next, if any.
func (r *Records) Err() error { return r.err }

// Close releases the files.
func (r *Records) Close() error {
	return errors.Join(r.rows.Close(), r.outcomes.Close())
}

// ArchivedValue is one value archived alone, read back exactly.
type ArchivedValue struct {
	Value
	KeyText string
}

// Values reads every value archived alone from a source table. A table
// has few of them, so they come as a slice.
func (p *Package) Values(table string) ([]ArchivedValue, error) {
	var out []ArchivedValue
	err := p.eachValue(table, func(v ArchivedValue) { out = append(out, v) })
	return out, err
}

// eachValue reads the values archived alone from a source table one by
// one, handing each to fn.
func (p *Package) eachValue(table string, fn func(ArchivedValue)) error {
	t, err := p.table(table)
	if err != nil {
		return err
	}
	if t.ValuesFolder < 0 {
		return nil
	}
	rr, err := p.openRows(schemaValues, t.ValuesFolder)
	if err != nil {
		return err
	}
	defer rr.Close()
	for {
		cells, ok := rr.next()
		if !ok {
			break
		}
		var v ArchivedValue
		var kind, text string
		var raw []byte
		hasRaw, hasText := false, false
		for _, c := range cells {
			switch c.index {
			case 1:
				v.KeyText = c.text
			case 2:
				v.Column = c.text
			case 3:
				v.SourceColumn = c.text
			case 4:
				v.Reason = c.text
			case 5:
				v.Detail = c.text
			case 6:
				v.CareUnit = c.text
			case 7:
				kind = c.text
			case 8:
				text, hasText = c.text, true
			case 9:
				if raw, err = rr.bytesOf(c); err != nil {
					return fmt.Errorf("archive %s: values of %s row %d: %w", p.Dir, table, rr.n, err)
				}
				hasRaw = true
			}
		}
		if hasRaw && kind == "" {
			return fmt.Errorf("archive %s: values of %s row %d: bytes without their kind", p.Dir, table, rr.n)
		}
		// The readable text is what a SIARD tool shows of the value: it
		// must be the bytes, present exactly when they are UTF-8.
		if hasRaw && (hasText != utf8.Valid(raw) || hasText && text != string(raw)) {
			return fmt.Errorf("archive %s: values of %s row %d: the readable text is not the value's bytes", p.Dir, table, rr.n)
		}
		if hasText && !hasRaw {
			return fmt.Errorf("archive %s: values of %s row %d: a readable text without the value's bytes", p.Dir, table, rr.n)
		}
		if kind != "" {
			if !hasRaw {
				return fmt.Errorf("archive %s: values of %s row %d: a kind without its bytes", p.Dir, table, rr.n)
			}
			if v.Value.Value, err = decodeRaw(kind, raw); err != nil {
				return fmt.Errorf("archive %s: values of %s row %d: %w", p.Dir, table, rr.n, err)
			}
		}
		fn(v)
	}
	return rr.err
}

// CountRecords counts the records of each table by reading them,
// independently of what package.json says.
func (p *Package) CountRecords() (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range p.Summary.Tables {
		recs, err := p.Records(t.Table)
		if err != nil {
			return nil, err
		}
		var n int64
		for recs.Next() {
			n++
		}
		err = errors.Join(recs.Err(), recs.Close())
		if err != nil {
			return nil, err
		}
		out[t.Table] = n
	}
	return out, nil
}

// cell is one cell of a row as the table XML holds it.
type cell struct {
	index int
	// text is the unescaped text content.
	text string
	// file, length, digest and its type are a LOB's attributes.
	file, digest, digestType string
	length                   int64
	hasLength                bool
}

// rowReader streams the rows of one table XML.
type rowReader struct {
	path string
	rel  string
	// dir is the table's folder, for LOB files.
	dir string
	f   *os.File
	dec *xml.Decoder
	n   int64
	err error
	// lobs lists every LOB file a cell named, for Verify.
	lobs map[string]bool
}

func (p *Package) openRows(schema, folder int) (*rowReader, error) {
	rel := fmt.Sprintf("%s/table%d.xml", tablePath(schema, folder), folder)
	path := filepath.Join(p.Dir, filepath.FromSlash(rel))
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", p.Dir, err)
	}
	dec := xml.NewDecoder(bufio.NewReaderSize(f, 256<<10))
	r := &rowReader{path: path, rel: rel, dir: filepath.Dir(path), f: f, dec: dec, lobs: map[string]bool{}}
	for {
		tok, err := dec.Token()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("archive %s: %s: no <table> element: %w", p.Dir, rel, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "table" || se.Name.Space != tableNS {
				f.Close()
				return nil, fmt.Errorf("archive %s: %s: root element is %s, want SIARD's table", p.Dir, rel, se.Name.Local)
			}
			return r, nil
		}
	}
}

func (r *rowReader) Close() error {
	if r == nil || r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// next reads one <row>; false at </table> or on error (see err). Cells
// must be c1..cn in increasing order.
func (r *rowReader) next() ([]cell, bool) {
	if r.err != nil || r.f == nil {
		return nil, false
	}
	fail := func(format string, args ...any) ([]cell, bool) {
		r.err = fmt.Errorf("%s row %d: %s", r.rel, r.n+1, connectors.MaskIdentityNumbers(fmt.Sprintf(format, args...)))
		return nil, false
	}
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return fail("%v", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "table" {
				r.trailing()
				return nil, false
			}
		case xml.StartElement:
			if t.Name.Local != "row" {
				return fail("<%s> where a <row> belongs", t.Name.Local)
			}
			var cells []cell
			for {
				tok, err := r.dec.Token()
				if err != nil {
					return fail("%v", err)
				}
				switch ct := tok.(type) {
				case xml.EndElement:
					r.n++
					return cells, true
				case xml.StartElement:
					idx, err := strconv.Atoi(strings.TrimPrefix(ct.Name.Local, "c"))
					if !strings.HasPrefix(ct.Name.Local, "c") || err != nil || idx < 1 || strconv.Itoa(idx) != ct.Name.Local[1:] {
						return fail("cell <%s> is not named c1..cn", ct.Name.Local)
					}
					if len(cells) > 0 && idx <= cells[len(cells)-1].index {
						return fail("cell c%d after c%d: cells must be in column order, each once", idx, cells[len(cells)-1].index)
					}
					c := cell{index: idx}
					for _, a := range ct.Attr {
						switch a.Name.Local {
						case "file":
							c.file = a.Value
						case "digest":
							c.digest = a.Value
						case "digestType":
							c.digestType = a.Value
						case "length":
							n, err := strconv.ParseInt(a.Value, 10, 64)
							if err != nil {
								return fail("cell c%d: length %q is not a number", idx, a.Value)
							}
							c.length, c.hasLength = n, true
						case "nil":
							return fail("cell c%d is xsi:nil: a NULL cell is left out", idx)
						}
					}
					var text strings.Builder
				content:
					for {
						tok, err := r.dec.Token()
						if err != nil {
							return fail("%v", err)
						}
						switch x := tok.(type) {
						case xml.CharData:
							text.Write(x)
						case xml.EndElement:
							break content
						case xml.StartElement:
							return fail("cell c%d holds an element", idx)
						}
					}
					s, err := unescapeText(text.String())
					if err != nil {
						return fail("cell c%d: %v", idx, err)
					}
					c.text = s
					cells = append(cells, c)
				}
			}
		}
	}
}

// trailing fails the reader when anything but white space follows </table>.
func (r *rowReader) trailing() {
	for {
		tok, err := r.dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			r.err = fmt.Errorf("%s: after </table>: %v", r.rel, err)
			return
		}
		if cd, ok := tok.(xml.CharData); ok && len(strings.TrimSpace(string(cd))) == 0 {
			continue
		}
		r.err = fmt.Errorf("%s: content after </table>", r.rel)
		return
	}
}

// bytesOf gives a binary cell's bytes: its hex, or its LOB file checked
// against the cell's length and digest.
func (r *rowReader) bytesOf(c cell) ([]byte, error) {
	if c.file == "" {
		b, err := hex.DecodeString(strings.TrimSpace(c.text))
		if err != nil {
			return nil, fmt.Errorf("cell c%d is not hex", c.index)
		}
		return b, nil
	}
	// What a SIARD tool reads of the cell: the file, checked by the
	// digest type the cell names. Text beside the file, or another
	// digest type, was read by regflytt as the file's SHA-256 bytes
	// while a tool found the digest wrong or read the text.
	if c.digestType != "SHA-256" {
		return nil, fmt.Errorf("cell c%d: a LOB whose digest is not named SHA-256", c.index)
	}
	if c.text != "" {
		return nil, fmt.Errorf("cell c%d: a LOB file with text beside it", c.index)
	}
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(c.file)))
	if filepath.IsAbs(c.file) || strings.HasPrefix(clean, "../") || clean == ".." {
		return nil, fmt.Errorf("cell c%d names a LOB file outside its table folder", c.index)
	}
	r.lobs[clean] = true
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(clean)))
	if err != nil {
		return nil, fmt.Errorf("cell c%d: LOB file: %w", c.index, err)
	}
	if !c.hasLength || c.length != int64(len(b)) {
		return nil, fmt.Errorf("cell c%d: LOB file %s has %d bytes, the cell says %d", c.index, clean, len(b), c.length)
	}
	if got := sha256Hex(b); !strings.EqualFold(got, c.digest) {
		return nil, fmt.Errorf("cell c%d: LOB file %s does not match its SHA-256 digest", c.index, clean)
	}
	return b, nil
}

// cellValue reads a natural cell of a column of type t.
func (r *rowReader) cellValue(t connectors.Type, c cell, holdTypes bool) (connectors.Value, error) {
	if t.Kind == connectors.KindBytes {
		b, err := r.bytesOf(c)
		if err == nil && holdTypes && !holds(t, b) {
			return nil, fmt.Errorf("cell c%d holds more bytes than its column's type: regflytt writes such a value raw", c.index)
		}
		return b, err
	}
	if c.file != "" {
		return nil, fmt.Errorf("a LOB file in a column of kind %s", t.Kind)
	}
	v, err := parseNatural(t.Kind, c.text)
	if err != nil {
		return nil, err
	}
	// Only in the form the writer gives the value: "+7", a space for the
	// T or an offset for the Z read as the value written, and a cell
	// edited so would pass as it.
	if w, ok := naturalForm(t.Kind, v); !ok || w != c.text {
		return nil, fmt.Errorf("cell c%d is not in the form regflytt writes a %s value in", c.index, t.Kind)
	}
	if holdTypes && connectors.KindOf(v) == t.Kind && !holds(t, v) {
		return nil, fmt.Errorf("cell c%d holds a value its column's declared type does not: regflytt writes such a value raw", c.index)
	}
	return v, nil
}
