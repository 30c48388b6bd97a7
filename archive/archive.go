// Package archive keeps the records a migration could not transform, in
// their source shape, in a package owned by the registry's new CPUA.
//
// This is the placeholder format of the walking skeleton, to be replaced
// by SIARD 2.2 with a BagIt manifest. A package is a directory:
//
//	archive.json             who owns it, what register, which tables, counts
//	data/<table>.columns.json  the source table's columns and source types
//	data/<table>.jsonl       one archived record per line: key, reason, values
//	manifest-sha256.txt      SHA-256 of every file above, "hash  path" lines
//
// Values are written as their canonical text (connectors.FormatValue) with
// JSON null for NULL, in the source table's column order, so a record can
// be read back in the shape the legacy platform held it. Excluded records
// (opt-out, erasure) never reach this package.
//
// Neighbours: plans writes packages while it runs; verify counts them.
package archive

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// FormatVersion names this placeholder format in archive.json.
const FormatVersion = "regflytt-archive-0"

// Meta describes the package: whose it is and where it came from.
type Meta struct {
	Register string `json:"register"`
	// Owner is the CPUA responsible for the registry after the migration,
	// and so for its archived history.
	Owner        string `json:"owner"`
	SourceSystem string `json:"source_platform"`
	Plan         string `json:"plan"`
	ToolVersion  string `json:"tool_version"`
}

// Record is one archived source record.
type Record struct {
	Key []connectors.Value
	// Reason is the outcome's stable reason code; Column and SourceColumn
	// name where it failed; Detail explains without the value.
	Reason, Column, SourceColumn, Detail string
	// Values is the whole source row, in the source table's column order.
	Values []connectors.Value
}

// Value is one value archived alone: its record migrated with NULL in the
// column, under value granularity.
type Value struct {
	Key                                  []connectors.Value
	Column, SourceColumn, Reason, Detail string
	Value                                connectors.Value
}

// Writer writes one archive package. It is not safe for concurrent use.
type Writer struct {
	dir    string
	meta   Meta
	tables map[string]*tableFile
	closed bool
}

type tableFile struct {
	table   *connectors.Table
	f       *os.File
	w       *bufio.Writer
	count   int64
	reasons map[string]int64
	// values is the file of values archived alone, opened on first use.
	values     *os.File
	vw         *bufio.Writer
	valueCount int64
}

// Create starts a package in dir, which must not exist or be empty: an
// archive is never mixed with another run's.
func Create(dir string, meta Meta) (*Writer, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("archive directory %s is not empty: choose a new one, or move the old package away first", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o750); err != nil {
		return nil, fmt.Errorf("create archive: %w", err)
	}
	return &Writer{dir: dir, meta: meta, tables: map[string]*tableFile{}}, nil
}

// Dir is the package's directory.
func (w *Writer) Dir() string { return w.dir }

// Add appends one record of a source table.
func (w *Writer) Add(t *connectors.Table, r Record) error {
	tf, err := w.table(t)
	if err != nil {
		return err
	}
	line := struct {
		Key          []*string `json:"key"`
		Reason       string    `json:"reason"`
		Column       string    `json:"column,omitempty"`
		SourceColumn string    `json:"source_column,omitempty"`
		Detail       string    `json:"detail,omitempty"`
		Values       []*string `json:"values"`
	}{texts(r.Key), r.Reason, r.Column, r.SourceColumn, r.Detail, texts(r.Values)}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("archive %s: %w", t.Name, err)
	}
	b = append(b, '\n')
	if _, err := tf.w.Write(b); err != nil {
		return fmt.Errorf("archive %s: %w", t.Name, err)
	}
	tf.count++
	tf.reasons[r.Reason]++
	return nil
}

// AddValue appends one value archived alone from a migrated record.
func (w *Writer) AddValue(t *connectors.Table, v Value) error {
	tf, err := w.table(t)
	if err != nil {
		return err
	}
	if tf.values == nil {
		f, err := os.OpenFile(filepath.Join(w.dir, "data", t.Name+valuesSuffix), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o640)
		if err != nil {
			return fmt.Errorf("archive %s: %w", t.Name, err)
		}
		tf.values, tf.vw = f, bufio.NewWriterSize(f, 64<<10)
	}
	line := struct {
		Key          []*string `json:"key"`
		Column       string    `json:"column"`
		SourceColumn string    `json:"source_column,omitempty"`
		Reason       string    `json:"reason"`
		Detail       string    `json:"detail,omitempty"`
		Value        *string   `json:"value"`
	}{texts(v.Key), v.Column, v.SourceColumn, v.Reason, v.Detail, texts([]connectors.Value{v.Value})[0]}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("archive %s: %w", t.Name, err)
	}
	if _, err := tf.vw.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("archive %s: %w", t.Name, err)
	}
	tf.valueCount++
	return nil
}

// valuesSuffix names a table's file of values archived alone.
const valuesSuffix = ".values.jsonl"

func texts(vs []connectors.Value) []*string {
	out := make([]*string, len(vs))
	for i, v := range vs {
		if s, ok := connectors.FormatValue(v); ok {
			out[i] = &s
		}
	}
	return out
}

func (w *Writer) table(t *connectors.Table) (*tableFile, error) {
	if tf, ok := w.tables[t.Name]; ok {
		return tf, nil
	}
	if err := connectors.CheckIdent(t.Name); err != nil || strings.ContainsAny(t.Name, `/\`) || strings.HasPrefix(t.Name, ".") {
		return nil, fmt.Errorf("archive: table name %q cannot name a file", t.Name)
	}
	cols, err := json.MarshalIndent(columnsDoc(t), "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "data", t.Name+".columns.json"), append(cols, '\n'), 0o640); err != nil {
		return nil, fmt.Errorf("archive %s: %w", t.Name, err)
	}
	f, err := os.OpenFile(filepath.Join(w.dir, "data", t.Name+".jsonl"), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", t.Name, err)
	}
	tf := &tableFile{table: t, f: f, w: bufio.NewWriterSize(f, 64<<10), reasons: map[string]int64{}}
	w.tables[t.Name] = tf
	return tf, nil
}

type columnDoc struct {
	Name       string `json:"name"`
	SourceType string `json:"source_type"`
	Canonical  string `json:"canonical_type"`
	Charset    string `json:"charset,omitempty"`
	Nullable   bool   `json:"nullable"`
}

func columnsDoc(t *connectors.Table) any {
	cols := make([]columnDoc, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = columnDoc{c.Name, c.SourceType, c.Type.String(), c.Charset, c.Nullable}
	}
	return struct {
		Table      string      `json:"table"`
		PrimaryKey []string    `json:"primary_key"`
		Columns    []columnDoc `json:"columns"`
	}{t.Name, t.PrimaryKey, cols}
}

// Sync flushes buffered records and syncs the files to disk, so that a
// checkpoint taken after Sync never points past what the archive holds.
func (w *Writer) Sync() error {
	for name, tf := range w.tables {
		for _, p := range []struct {
			w *bufio.Writer
			f *os.File
		}{{tf.w, tf.f}, {tf.vw, tf.values}} {
			if p.f == nil {
				continue
			}
			if err := p.w.Flush(); err != nil {
				return fmt.Errorf("archive %s: %w", name, err)
			}
			if err := p.f.Sync(); err != nil {
				return fmt.Errorf("archive %s: %w", name, err)
			}
		}
	}
	return nil
}

// Summary is the package's content, as archive.json records it.
type Summary struct {
	Format  string         `json:"format"`
	Meta    Meta           `json:"meta"`
	Created string         `json:"created"`
	Tables  []TableSummary `json:"tables"`
}

// TableSummary counts one table's archived records by reason.
type TableSummary struct {
	Table   string           `json:"table"`
	Records int64            `json:"records"`
	Reasons map[string]int64 `json:"reasons"`
	// Values counts values archived alone (value granularity).
	Values int64 `json:"values,omitempty"`
}

// Close finishes the package: flushes the data, writes archive.json and
// the manifest. The package is complete only after Close returns nil.
func (w *Writer) Close(now time.Time) (*Summary, error) {
	if w.closed {
		return nil, errors.New("archive already closed")
	}
	w.closed = true
	var errs []error
	if err := w.Sync(); err != nil {
		errs = append(errs, err)
	}
	sum := &Summary{Format: FormatVersion, Meta: w.meta, Created: now.UTC().Format(time.RFC3339)}
	for name, tf := range w.tables {
		if err := tf.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("archive %s: %w", name, err))
		}
		if tf.values != nil {
			if err := tf.values.Close(); err != nil {
				errs = append(errs, fmt.Errorf("archive %s: %w", name, err))
			}
		}
		sum.Tables = append(sum.Tables, TableSummary{Table: name, Records: tf.count, Reasons: tf.reasons, Values: tf.valueCount})
	}
	sort.Slice(sum.Tables, func(i, j int) bool { return sum.Tables[i].Table < sum.Tables[j].Table })
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(w.dir, "archive.json"), append(b, '\n'), 0o640); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := writeManifest(w.dir); err != nil {
		return nil, err
	}
	return sum, nil
}

const manifestName = "manifest-sha256.txt"

func writeManifest(dir string) error {
	files, err := payload(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, rel := range files {
		h, err := hashFile(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", h, filepath.ToSlash(rel))
	}
	if err := os.WriteFile(filepath.Join(dir, manifestName), []byte(b.String()), 0o640); err != nil {
		return fmt.Errorf("archive manifest: %w", err)
	}
	return nil
}

// payload lists every file of the package but the manifest, sorted.
func payload(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel != manifestName {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("archive: hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Check verifies a package: every file listed in the manifest has its
// hash, and no file is missing from the manifest or added to the package.
// It returns the summary from archive.json.
func Check(dir string) (*Summary, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, fmt.Errorf("archive %s: no manifest (%w): the package is incomplete", dir, err)
	}
	listed := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		h, rel, ok := strings.Cut(line, "  ")
		if !ok || len(h) != 64 {
			return nil, fmt.Errorf("archive %s: %s line %d is malformed", dir, manifestName, i+1)
		}
		listed[rel] = h
	}
	files, err := payload(dir)
	if err != nil {
		return nil, err
	}
	var problems []error
	for _, rel := range files {
		want, ok := listed[filepath.ToSlash(rel)]
		if !ok {
			problems = append(problems, fmt.Errorf("%s is not in the manifest", rel))
			continue
		}
		delete(listed, filepath.ToSlash(rel))
		got, err := hashFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		if got != want {
			problems = append(problems, fmt.Errorf("%s has changed (SHA-256 differs from the manifest)", rel))
		}
	}
	for rel := range listed {
		problems = append(problems, fmt.Errorf("%s is in the manifest but missing", rel))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("archive %s fails its manifest: %w", dir, errors.Join(problems...))
	}
	var sum Summary
	b, err := os.ReadFile(filepath.Join(dir, "archive.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		return nil, fmt.Errorf("archive %s: archive.json: %w", dir, err)
	}
	return &sum, nil
}

// CountRecords counts the records in each table's data file by reading
// them, independently of archive.json.
func CountRecords(dir string) (map[string]int64, error) {
	entries, err := os.ReadDir(filepath.Join(dir, "data"))
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", dir, err)
	}
	out := map[string]int64{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".jsonl")
		if !ok || strings.HasSuffix(e.Name(), valuesSuffix) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, "data", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("archive %s: %w", dir, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		var n int64
		for sc.Scan() {
			n++
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("archive %s: read %s: %w", dir, e.Name(), err)
		}
		out[name] = n
	}
	return out, nil
}
