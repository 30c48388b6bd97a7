package plans

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// parts is the archive's share of each commit unit: what a batch archives
// goes to a part file of its own, named by the batch's sequence number,
// complete and synced before the batch's transaction commits. The
// checkpoint names the last committed sequence, so a part written for a
// batch whose transaction did not commit is known (its number is higher)
// and removed on resume. The package itself is assembled from the parts
// once every batch has committed, so it never holds a record twice or a
// record of a batch that was undone.
//
// A part is a sequence of entries, each a kind byte ('R' record, 'V'
// value), the source table's name and the record's texts (reason,
// column, source column, detail, care unit, key text) as length-prefixed
// strings, and the key and values in the canonical row
// encoding; it ends with partEnd, so a torn file is never taken for a
// whole one. A part begins with a partUnit entry naming the unit (see
// commitUnits) whose batch it belongs to, so that the package is
// assembled in the same order however the units' batches interleaved
// (run --jobs).
//
// A part is written under a name of its own (one per job: tmp) and
// renamed to its batch's number when it is sealed, since with several
// jobs the number is known only when the batch is handed over.
type parts struct {
	dir string
	// tmp is the file name the part being written has until it is sealed.
	tmp string
	// unit names the unit the part being written belongs to.
	unit string
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	// tables are the source tables seen, for assembling after a resume.
	tables map[string]*connectors.Table
}

const (
	partRecord byte = 'R'
	partValue  byte = 'V'
	partUnit   byte = 'U'
	partEnd    byte = 'E'
)

// partTmpSuffix ends the name of a part not sealed yet.
const partTmpSuffix = ".part-tmp"

func partName(seq int64) string { return fmt.Sprintf("%010d.part", seq) }

// openParts prepares the parts directory and removes the parts of batches
// after committed, which never committed, and the parts never sealed.
func openParts(dir string, committed int64) (*parts, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive parts: %w", err)
	}
	seqs, err := listParts(dir)
	if err != nil {
		return nil, err
	}
	for _, s := range seqs {
		if s > committed {
			if err := os.Remove(filepath.Join(dir, partName(s))); err != nil {
				return nil, fmt.Errorf("archive parts: remove the part of an uncommitted batch: %w", err)
			}
		}
	}
	tmps, err := filepath.Glob(filepath.Join(dir, "*"+partTmpSuffix))
	if err != nil {
		return nil, fmt.Errorf("archive parts: %w", err)
	}
	for _, t := range tmps {
		if err := os.Remove(t); err != nil {
			return nil, fmt.Errorf("archive parts: remove a part never sealed: %w", err)
		}
	}
	return &parts{dir: dir, tmp: "0" + partTmpSuffix, tables: map[string]*connectors.Table{}}, nil
}

// job gives the parts of job n: the same directory, a file of its own for
// the part being written.
func (p *parts) job(n int) *parts {
	return &parts{dir: p.dir, tmp: strconv.Itoa(n) + partTmpSuffix, tables: map[string]*connectors.Table{}}
}

func listParts(dir string) ([]int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("archive parts: %w", err)
	}
	var seqs []int64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".part")
		if !ok {
			continue
		}
		s, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

func (p *parts) open() error {
	if p.f != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(p.dir, p.tmp), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("archive part: %w", err)
	}
	p.f, p.w = f, bufio.NewWriterSize(f, 64<<10)
	if p.unit != "" {
		b := binary.AppendUvarint([]byte{partUnit}, uint64(len(p.unit)))
		if _, err := p.w.Write(append(b, p.unit...)); err != nil {
			return fmt.Errorf("archive part: %w", err)
		}
	}
	return nil
}

func (p *parts) entry(kind byte, t *connectors.Table, texts []string, rows ...[]connectors.Value) error {
	if err := p.open(); err != nil {
		return err
	}
	p.tables[t.Name] = t
	b := append(p.buf[:0], kind)
	for _, s := range append([]string{t.Name}, texts...) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, r := range rows {
		var err error
		if b, err = connectors.AppendRow(b, r); err != nil {
			return fmt.Errorf("archive %s: %w", t.Name, err)
		}
	}
	p.buf = b
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("archive part: %w", err)
	}
	return nil
}

// Add keeps an archived record in the current part. Every field of
// archive.Record is kept (TestPartsKeepEveryField).
func (p *parts) Add(t *connectors.Table, r archive.Record) error {
	return p.entry(partRecord, t, []string{r.Reason, r.Column, r.SourceColumn, r.Detail, r.CareUnit, r.KeyText}, r.Key, r.Values)
}

// AddValue keeps a value archived alone in the current part.
func (p *parts) AddValue(t *connectors.Table, v archive.Value) error {
	return p.entry(partValue, t, []string{v.Reason, v.Column, v.SourceColumn, v.Detail, v.CareUnit, v.KeyText}, v.Key, []connectors.Value{v.Value})
}

// seal finishes the current part, synced, as the part of the batch about
// to commit with number seq; a batch that archived nothing has no part.
func (p *parts) seal(seq int64) error {
	if p.f == nil {
		return nil
	}
	f := p.f
	p.f = nil
	if err := p.w.WriteByte(partEnd); err != nil {
		f.Close()
		return fmt.Errorf("archive part: %w", err)
	}
	if err := p.w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("archive part: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("archive part: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive part: %w", err)
	}
	if err := os.Rename(filepath.Join(p.dir, p.tmp), filepath.Join(p.dir, partName(seq))); err != nil {
		return fmt.Errorf("archive part: %w", err)
	}
	return syncDir(p.dir)
}

// Close drops an unsealed part (its batch never committed).
func (p *parts) Close() {
	if p.f != nil {
		p.f.Close()
		os.Remove(p.f.Name())
		p.f = nil
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// replayParts adds the entries of parts 1..upTo, in order, to the
// archive. tables resolves the source tables by name.
func replayParts(dir string, upTo int64, tables map[string]*connectors.Table, arc archiver) error {
	return replayPartsInOrder(context.Background(), dir, upTo, tables, arc, nil)
}

// replayPartsInOrder is replayParts with the parts ordered by the rank of
// their unit first (rank gives it; units it does not know come last),
// then by number: the order a run of one job commits them in, whatever
// order several jobs committed them in. Parts that name no unit (written
// before parts did) keep the order of their numbers. ctx (a second
// Ctrl-C) stops it between parts and within one.
func replayPartsInOrder(ctx context.Context, dir string, upTo int64, tables map[string]*connectors.Table, arc archiver, rank func(unit string) int) error {
	all, err := listParts(dir)
	if err != nil {
		return err
	}
	type part struct {
		seq  int64
		rank int
	}
	var ps []part
	named := rank != nil
	for _, s := range all {
		if s > upTo {
			break
		}
		p := part{seq: s}
		if rank != nil {
			unit, err := partUnitOf(filepath.Join(dir, partName(s)))
			if err != nil {
				return fmt.Errorf("archive part %d: %w", s, err)
			}
			if unit == "" {
				named = false
			}
			p.rank = rank(unit)
		}
		ps = append(ps, p)
	}
	if named {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].rank < ps[j].rank })
	}
	for _, p := range ps {
		if err := replayPart(ctx, filepath.Join(dir, partName(p.seq)), tables, arc); err != nil {
			return fmt.Errorf("archive part %d: %w", p.seq, err)
		}
	}
	return nil
}

// partUnitOf reads the unit a part names, "" when it names none.
func partUnitOf(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	kind, err := r.ReadByte()
	if err != nil || kind != partUnit {
		return "", err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<16 {
		return "", io.ErrUnexpectedEOF
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", io.ErrUnexpectedEOF
	}
	return string(b), nil
}

func replayPart(ctx context.Context, path string, tables map[string]*connectors.Table, arc archiver) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for n := 1; ; n++ {
		// A part holds a batch's archived records, thousands of them.
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(b) == 0 {
			return io.ErrUnexpectedEOF
		}
		kind := b[0]
		b = b[1:]
		if kind == partEnd {
			if len(b) != 0 {
				return errors.New("data after the end mark")
			}
			return nil
		}
		if kind == partUnit {
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k) {
				return io.ErrUnexpectedEOF
			}
			b = b[k+int(n):]
			continue
		}
		if kind != partRecord && kind != partValue {
			return fmt.Errorf("unknown entry kind %q", kind)
		}
		texts := make([]string, 7)
		for i := range texts {
			n, k := binary.Uvarint(b)
			if k <= 0 || n > uint64(len(b)-k) {
				return io.ErrUnexpectedEOF
			}
			texts[i] = string(b[k : k+int(n)])
			b = b[k+int(n):]
		}
		t := tables[texts[0]]
		if t == nil {
			return fmt.Errorf("source table %s is not in this run's catalogue", texts[0])
		}
		key, rest, err := connectors.DecodeRow(b)
		if err != nil {
			return err
		}
		vals, rest, err := connectors.DecodeRow(rest)
		if err != nil {
			return err
		}
		b = rest
		if kind == partRecord {
			err = arc.Add(t, archive.Record{Key: key, Reason: texts[1], Column: texts[2], SourceColumn: texts[3], Detail: texts[4],
				CareUnit: texts[5], KeyText: texts[6], Values: vals})
		} else {
			if len(vals) != 1 {
				return errors.New("a value entry holds more than one value")
			}
			err = arc.AddValue(t, archive.Value{Key: key, Reason: texts[1], Column: texts[2], SourceColumn: texts[3], Detail: texts[4],
				CareUnit: texts[5], KeyText: texts[6], Value: vals[0]})
		}
		if err != nil {
			return err
		}
	}
}
