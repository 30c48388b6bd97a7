package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The bag's fixed names (RFC 8493).
const (
	bagitName       = "bagit.txt"
	bagInfoName     = "bag-info.txt"
	manifest256     = "manifest-sha256.txt"
	manifest512     = "manifest-sha512.txt"
	tagManifestName = "tagmanifest-sha256.txt"
	packageName     = "regflytt/package.json"
	eventsName      = "regflytt/events.jsonl"
	bagitText       = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
)

// Event is one line of the package's event log. Prev is the SHA-256 of
// the log before this line, so an edited or removed line breaks the chain.
type Event struct {
	Seq   int    `json:"seq"`
	Event string `json:"event"`
	At    string `json:"at"`
	Tool  string `json:"tool,omitempty"`
	Who   string `json:"who,omitempty"`
	Note  string `json:"note,omitempty"`
	// Purpose, Table and Where describe an extract; Reference an erasure.
	Purpose   string           `json:"purpose,omitempty"`
	Table     string           `json:"table,omitempty"`
	Where     string           `json:"where,omitempty"`
	Reference string           `json:"reference,omitempty"`
	Count     map[string]int64 `json:"counts,omitempty"`
	Prev      string           `json:"prev"`
}

func writeBag(ctx context.Context, dir string, sum *Summary, now time.Time, history []byte, closing *Event) error {
	if err := writeFileAtomic(filepath.Join(dir, bagitName), []byte(bagitText)); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	files, err := listFiles(dir, "data")
	if err != nil {
		return err
	}
	var octets int64
	var m256, m512 strings.Builder
	for _, rel := range files {
		// The manifests are written after every payload file is hashed:
		// stopped (ctx) before, the bag has none, and is no package.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("archive bag: %w", err)
		}
		sums, n, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)), sha256.New(), sha512.New())
		if err != nil {
			return err
		}
		octets += n
		fmt.Fprintf(&m256, "%s  %s\n", sums[0], rel)
		fmt.Fprintf(&m512, "%s  %s\n", sums[1], rel)
	}
	if err := writeFileAtomic(filepath.Join(dir, manifest256), []byte(m256.String())); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, manifest512), []byte(m512.String())); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	var info strings.Builder
	for _, f := range bagInfo(sum.Meta, now, fmt.Sprintf("%d.%d", octets, len(files))) {
		fmt.Fprintf(&info, "%s: %s\n", f[0], f[1])
	}
	if err := writeFileAtomic(filepath.Join(dir, bagInfoName), []byte(info.String())); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	pkg, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, filepath.FromSlash(packageName)), append(pkg, '\n')); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	if closing != nil {
		if err := writeFileAtomic(filepath.Join(dir, filepath.FromSlash(eventsName)), history); err != nil {
			return fmt.Errorf("archive bag: %w", err)
		}
		return AppendEvent(dir, *closing)
	}
	counts := map[string]int64{}
	for _, t := range sum.Tables {
		counts["records"] += t.Records
		counts["values"] += t.Values
	}
	return AppendEvent(dir, Event{Event: "created", At: now.UTC().Format(time.RFC3339), Tool: "regflytt " + sum.Meta.ToolVersion, Count: counts})
}

// bagInfo is bag-info.txt's fields, in order, for a package of meta
// bagged at now with payload oxum: what a BagIt tool shows of whose it is
// and where it came from. Verify holds a package's to them (checkBagInfo).
func bagInfo(meta Meta, now time.Time, oxum string) [][2]string {
	ext := meta.Register
	if meta.Run != "" {
		ext += " run " + meta.Run
	}
	return [][2]string{
		{"Source-Organization", oneLine(meta.Owner)},
		{"External-Identifier", oneLine(ext)},
		{"Bagging-Date", now.UTC().Format(time.DateOnly)},
		{"Payload-Oxum", oxum},
		{"Bag-Software-Agent", "regflytt " + oneLine(meta.ToolVersion)},
		{"External-Description", "SIARD 2.2 archive of records the migration could not transform"},
	}
}

// oneLine keeps a bag-info value on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// AppendEvent appends one event to the package's log, chained to the log
// before it, and rewrites the tag manifest to match. The payload and the
// earlier events are not touched.
func AppendEvent(dir string, e Event) error {
	path := filepath.Join(dir, filepath.FromSlash(eventsName))
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("archive events: %w", err)
	}
	prev := sha256.Sum256(old)
	e.Prev = hex.EncodeToString(prev[:])
	e.Seq = bytes.Count(old, []byte{'\n'}) + 1
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, append(append(old[:len(old):len(old)], line...), '\n')); err != nil {
		return fmt.Errorf("archive events: %w", err)
	}
	return writeTagManifest(dir)
}

// tagFiles are the bag's tag files the tag manifest covers.
var tagFiles = []string{bagitName, bagInfoName, manifest256, manifest512, packageName, eventsName}

func writeTagManifest(dir string) error {
	var b strings.Builder
	for _, rel := range tagFiles {
		sums, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)), sha256.New())
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sums[0], rel)
	}
	if err := writeFileAtomic(filepath.Join(dir, tagManifestName), []byte(b.String())); err != nil {
		return fmt.Errorf("archive bag: %w", err)
	}
	return nil
}

// listFiles lists the files under dir/sub, slash-separated paths relative
// to dir, sorted.
func listFiles(dir, sub string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
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
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

// hashFile gives the hex digests of a file and its length.
func hashFile(path string, hs ...hash.Hash) ([]string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("archive: %w", err)
	}
	defer f.Close()
	ws := make([]io.Writer, len(hs))
	for i, h := range hs {
		ws[i] = h
	}
	n, err := io.Copy(io.MultiWriter(ws...), bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, 0, fmt.Errorf("archive: hash %s: %w", path, err)
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h.Sum(nil))
	}
	return out, n, nil
}
