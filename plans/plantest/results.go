package plantest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

// What a run left, reduced so that two runs compare (a killed and resumed
// run's against a clean one's), and the built command that such tests run
// as a process: shared by the tests of plans and of plans/faulttest.

// Digest is what a run leaves behind, reduced to compare two runs: the
// sorted rows of each receiving table and the sorted archived records of
// each archive table, hashed, with their counts.
type Digest map[string]string

func (d Digest) String() string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, d[k])
	}
	return b.String()
}

func hashLines(lines [][]byte) string {
	sort.Slice(lines, func(i, j int) bool { return bytes.Compare(lines[i], lines[j]) < 0 })
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%d:", len(l))
		h.Write(l)
	}
	return fmt.Sprintf("%d rows %x", len(lines), h.Sum(nil)[:8])
}

// InTarget opens the database at url as a source, takes one snapshot and
// reads its catalogue, hands them to fn, and closes both when fn returns
// (not at the test's end: a later run may need to write there).
func InTarget(t testing.TB, url string, fn func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table)) {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fn(ctx, snap, tables)
}

// TargetDigest hashes the rows of the named tables of a database.
func TargetDigest(t testing.TB, url string, tables []string) Digest {
	t.Helper()
	d := Digest{}
	InTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, cat []connectors.Table) {
		for _, name := range tables {
			var tb *connectors.Table
			for i := range cat {
				if cat[i].Name == name {
					tb = &cat[i]
				}
			}
			if tb == nil {
				d["table "+name] = "missing"
				continue
			}
			rows, err := snap.Scan(ctx, tb, connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var lines [][]byte
			for rows.Next() {
				b, err := connectors.AppendRow(nil, rows.Row())
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, b)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			d["table "+name] = hashLines(lines)
		}
	})
	return d
}

// ArchiveDigest hashes an archive package's record sets, read through
// archive.Reader: per source table, its records (values and outcome) and
// its values archived alone, as sets.
func ArchiveDigest(t testing.TB, dir string) Digest {
	t.Helper()
	pkg, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Digest{}
	if len(pkg.Tables()) == 0 {
		t.Fatalf("archive %s has no tables", dir)
	}
	for _, ts := range pkg.Tables() {
		recs, err := pkg.Records(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		var lines [][]byte
		for recs.Next() {
			r := recs.Record()
			b, err := connectors.AppendRow(nil, r.Values)
			if err != nil {
				t.Fatal(err)
			}
			o := r.Outcome
			b = fmt.Appendf(b, "|%s|%s|%s|%s|%s", o.Reason, o.Column, o.SourceColumn, o.Detail, r.KeyText)
			lines = append(lines, b)
		}
		if err := recs.Err(); err != nil {
			t.Fatal(err)
		}
		recs.Close()
		d["archive "+ts.Table] = hashLines(lines)
		vals, err := pkg.Values(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		if len(vals) > 0 {
			var vl [][]byte
			for _, v := range vals {
				vl = append(vl, fmt.Appendf(nil, "%#v", v))
			}
			d["archive values "+ts.Table] = hashLines(vl)
		}
	}
	return d
}

// ResultDigest is what a run left: the receiving tables of the target at
// url and the archive package in archiveDir.
func ResultDigest(t testing.TB, url string, tables []string, archiveDir string) Digest {
	t.Helper()
	d := TargetDigest(t, url, tables)
	for k, v := range ArchiveDigest(t, archiveDir) {
		d[k] = v
	}
	return d
}

// ReceivingTables lists a target's tables but the bookkeeping.
func ReceivingTables(t testing.TB, url string) []string {
	t.Helper()
	var out []string
	InTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, cat []connectors.Table) {
		for _, tb := range cat {
			if !strings.HasPrefix(tb.Name, "regflytt_") {
				out = append(out, tb.Name)
			}
		}
	})
	return out
}

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// Regflytt builds the command in the package cmd (relative to the calling
// test's package, e.g. "../cmd/regflytt") once per test binary and gives
// its path. The package's TestMain removes it with RemoveBuilt.
func Regflytt(t testing.TB, cmd string) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "regflytt-bin-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "regflytt")
		built.out, built.err = exec.Command("go", "build", "-o", built.bin, cmd).CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("build regflytt: %v\n%s", built.err, built.out)
	}
	return built.bin
}

// RemoveBuilt removes what Regflytt built, if anything.
func RemoveBuilt() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// RunBin runs the command bin with args and gives its exit code and
// output.
func RunBin(t testing.TB, bin string, args ...string) (int, string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// readReport decodes the report.json in a run's work directory into v.
func readReport(t testing.TB, work string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(work, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// ReportPass says whether the report.json in a run's work directory
// passes.
func ReportPass(t testing.TB, work string) bool {
	t.Helper()
	var rep struct {
		Pass bool `json:"pass"`
	}
	readReport(t, work, &rep)
	return rep.Pass
}

// StopReport reads the report.json a stopped run left in its work
// directory: its status, how to resume, its error and whether it passes.
func StopReport(t testing.TB, work string) (status, resume, errText string, pass bool) {
	t.Helper()
	var rep struct {
		Status string `json:"status"`
		Resume string `json:"resume"`
		Error  string `json:"error"`
		Pass   bool   `json:"pass"`
	}
	readReport(t, work, &rep)
	return rep.Status, rep.Resume, rep.Error, rep.Pass
}

// BatchesCommitted is what the stop report in a run's work directory
// says committed (batches_committed).
func BatchesCommitted(t testing.TB, work string) int64 {
	t.Helper()
	var stop struct {
		Batches int64 `json:"batches_committed"`
	}
	readReport(t, work, &stop)
	return stop.Batches
}

// Checkpoints gives the sequence number of the last checkpoint committed
// in a target (how many commit units committed), 0 before the bookkeeping
// exists. It is not the number of rows: a checkpoint deletes the ones it
// supersedes.
func Checkpoints(t testing.TB, url string) int64 {
	t.Helper()
	var n int64
	// A run killed in its startup may not have made its target file yet.
	if file, ok := strings.CutPrefix(url, "sqlite://"); ok {
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			return 0
		}
	}
	InTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i, tb := range tables {
			if tb.Name != "regflytt_checkpoint" {
				continue
			}
			seq := tb.ColumnIndex("seq")
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				if v, ok := rows.Row()[seq].(int64); ok && v > n {
					n = v
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return
		}
	})
	return n
}

// CheckpointRows counts the rows of a target's regflytt_checkpoint.
func CheckpointRows(t testing.TB, url string) int64 {
	t.Helper()
	var n int64
	InTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, _ []connectors.Table) {
		var err error
		if n, err = snap.Count(ctx, "regflytt_checkpoint"); err != nil {
			t.Fatal(err)
		}
	})
	return n
}
