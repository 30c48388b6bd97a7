package archive

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Problem is one way a package fails verification: the file (relative to
// the package), the rule it breaks, and what was found. It never holds a
// value from the package.
type Problem struct {
	File, Rule, Detail string
}

func (p Problem) String() string {
	if p.Detail == "" {
		return p.File + ": " + p.Rule
	}
	return p.File + ": " + p.Rule + ": " + p.Detail
}

// The rules Verify checks, as Problem.Rule names them.
const (
	RuleBagDeclaration = "bagit-declaration"
	RuleManifest       = "manifest"
	RuleDigest         = "digest-mismatch"
	RuleMissing        = "missing-file"
	RuleUnlisted       = "file-not-in-manifest"
	RuleOxum           = "payload-oxum"
	RuleEventChain     = "event-log-chain"
	RuleLayout         = "siard-layout"
	RuleName           = "siard-name"
	RuleMetadata       = "siard-metadata"
	RuleRows           = "siard-rows"
	RuleLOB            = "siard-lob"
	RuleCounts         = "counts"
)

// ErrVerify is returned (wrapped) by Check when a package has problems.
var ErrVerify = errors.New("archive package fails verification")

// Check verifies a package and returns its summary (regflytt/package.json),
// or an error listing every problem (wrapping ErrVerify).
func Check(dir string) (*Summary, error) {
	p, err := OpenVerified(dir)
	if err != nil {
		return nil, err
	}
	return &p.Summary, nil
}

// CountRecords verifies a package and counts each table's records by
// reading them, independently of what package.json says.
func CountRecords(dir string) (map[string]int64, error) {
	p, err := OpenVerified(dir)
	if err != nil {
		return nil, err
	}
	return p.CountRecords()
}

// OpenVerified verifies a package and returns it opened, or an error
// listing every problem (wrapping ErrVerify).
func OpenVerified(dir string) (*Package, error) {
	probs := Verify(dir)
	if len(probs) > 0 {
		lines := make([]string, len(probs))
		for i, p := range probs {
			lines[i] = p.String()
		}
		return nil, fmt.Errorf("%w: %s: %s", ErrVerify, dir, strings.Join(lines, "; "))
	}
	return Open(dir)
}

// Verify checks a package without trusting it:
//   - the bag: bagit.txt, both payload manifests against every file under
//     data/ (none missing, none added, each digest), Payload-Oxum, the tag
//     manifest, the event log's hash chain;
//   - the SIARD layout: only header/ and content/ under data/,
//     header/siardversion/2.2/, names of [A-Za-z0-9_.] starting with a
//     letter, every table of metadata.xml in its folder with its XML and
//     XSD, cells c1..cn in order with NULL left out, LOB files with their
//     length and digest, no file no table names;
//   - every archived value decodes, and the counts agree.
//
// XSD validation is separate (ValidateXSD), as it needs xmllint.
func Verify(dir string) []Problem {
	var probs []Problem
	add := func(file, rule, format string, args ...any) {
		probs = append(probs, Problem{File: file, Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}
	if b, err := os.ReadFile(filepath.Join(dir, bagitName)); err != nil {
		add(bagitName, RuleMissing, "no BagIt declaration")
	} else if string(b) != bagitText {
		add(bagitName, RuleBagDeclaration, "not BagIt 1.0 with UTF-8 tag files")
	}
	payload, err := listFiles(dir, "data")
	if err != nil {
		add("data", RuleMissing, "%v", err)
	}
	onDisk := map[string]bool{}
	for _, f := range payload {
		onDisk[f] = true
	}
	for _, m := range []struct {
		name string
		h    func() hash.Hash
		size int
	}{{manifest256, sha256.New, 64}, {manifest512, sha512.New, 128}} {
		listed := checkManifest(dir, m.name, m.h, m.size, func(rel string) bool { return strings.HasPrefix(rel, "data/") }, add)
		for _, f := range payload {
			if !listed[f] {
				add(f, RuleUnlisted, "the file is not in %s (added after the package was made?)", m.name)
			}
		}
	}
	checkOxum(dir, payload, add)
	tagListed := checkManifest(dir, tagManifestName, sha256.New, 64, func(rel string) bool { return !strings.HasPrefix(rel, "data/") }, add)
	tags, _ := listFiles(dir, ".")
	for _, f := range tags {
		if strings.HasPrefix(f, "data/") || f == tagManifestName || tagListed[f] {
			continue
		}
		add(f, RuleUnlisted, "a file outside data/ that %s does not list", tagManifestName)
	}
	for _, want := range tagFiles {
		if !tagListed[want] {
			add(tagManifestName, RuleManifest, "does not list %s", want)
		}
	}
	checkEvents(dir, add)
	checkLayout(dir, payload, add)

	p, err := Open(dir)
	if err != nil {
		add("data/header/metadata.xml", RuleMetadata, "%v", err)
		return probs
	}
	p.checkTables(onDisk, add)
	return probs
}

type addFunc func(file, rule, format string, args ...any)

// checkManifest checks every line of a manifest and returns the paths it
// lists.
func checkManifest(dir, name string, newHash func() hash.Hash, size int, allowed func(string) bool, add addFunc) map[string]bool {
	listed := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		add(name, RuleMissing, "the manifest is missing")
		return listed
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		sum, rel, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != size || strings.Contains(rel, "..") || !allowed(rel) {
			add(name, RuleManifest, "line %d is malformed", i+1)
			continue
		}
		listed[rel] = true
		sums, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)), newHash())
		if err != nil {
			add(rel, RuleMissing, "listed in %s but missing", name)
			continue
		}
		if !strings.EqualFold(sums[0], sum) {
			add(rel, RuleDigest, "the file's digest differs from %s", name)
		}
	}
	return listed
}

func checkOxum(dir string, payload []string, add addFunc) {
	b, err := os.ReadFile(filepath.Join(dir, bagInfoName))
	if err != nil {
		add(bagInfoName, RuleMissing, "no bag-info.txt")
		return
	}
	var want string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Payload-Oxum: "); ok {
			want = v
		}
	}
	var octets int64
	for _, f := range payload {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err == nil {
			octets += st.Size()
		}
	}
	if got := fmt.Sprintf("%d.%d", octets, len(payload)); got != want {
		add(bagInfoName, RuleOxum, "Payload-Oxum says %s, the payload is %s", want, got)
	}
}

func checkEvents(dir string, add addFunc) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(eventsName)))
	if err != nil {
		add(eventsName, RuleMissing, "no event log")
		return
	}
	var before []byte
	for i, line := range bytes.SplitAfter(b, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var e Event
		if err := json.Unmarshal(line, &e); err != nil {
			add(eventsName, RuleEventChain, "line %d is not an event", i+1)
			return
		}
		sum := sha256.Sum256(before)
		if e.Seq != i+1 || e.Prev != hex.EncodeToString(sum[:]) {
			add(eventsName, RuleEventChain, "line %d does not follow the lines before it (edited or removed events)", i+1)
			return
		}
		before = b[:len(before)+len(line)]
	}
}

var siardName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)

// checkLayout checks SIARD's folder rules on the payload's paths.
func checkLayout(dir string, payload []string, add addFunc) {
	if st, err := os.Stat(filepath.Join(dir, "data", "header", "siardversion", "2.2")); err != nil || !st.IsDir() {
		add("data/header/siardversion/2.2", RuleLayout, "SIARD 2.2 requires this folder")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "header", "metadata.xml")); err != nil {
		add("data/header/metadata.xml", RuleMissing, "SIARD requires header/metadata.xml")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "data"))
	for _, e := range entries {
		if e.Name() != "header" && e.Name() != "content" {
			add("data/"+e.Name(), RuleLayout, "only header/ and content/ may be at the root of a SIARD archive")
		}
	}
	for _, f := range payload {
		for _, part := range strings.Split(strings.TrimPrefix(f, "data/"), "/") {
			if !siardName.MatchString(part) {
				add(f, RuleName, "%q is not a SIARD name ([A-Za-z0-9_.], starting with a letter)", part)
				break
			}
		}
	}
}

// checkTables reads every table of the package.
func (p *Package) checkTables(onDisk map[string]bool, add addFunc) {
	claimed := map[string]bool{"data/header/metadata.xml": true}
	// bad lists the table files already found damaged, named once.
	bad := map[string]bool{}
	for s, sch := range p.metadata.Schemas {
		if sch.Folder != fmt.Sprintf("schema%d", s) {
			add("data/header/metadata.xml", RuleMetadata, "schema %d has folder %q", s, sch.Folder)
			continue
		}
		for _, tm := range sch.tables() {
			folder, err := strconv.Atoi(strings.TrimPrefix(tm.Folder, "table"))
			if err != nil || !strings.HasPrefix(tm.Folder, "table") {
				add("data/header/metadata.xml", RuleMetadata, "table folder %q is not tableN", tm.Folder)
				continue
			}
			base := tablePath(s, folder)
			xmlRel := fmt.Sprintf("%s/table%d.xml", base, folder)
			xsdRel := fmt.Sprintf("%s/table%d.xsd", base, folder)
			claimed[xmlRel], claimed[xsdRel] = true, true
			if !onDisk[xsdRel] {
				add(xsdRel, RuleMissing, "the table's schema is missing")
			}
			if !onDisk[xmlRel] {
				add(xmlRel, RuleMissing, "the table's rows are missing")
				continue
			}
			rr, err := p.openRows(s, folder)
			if err != nil {
				add(xmlRel, RuleRows, "%v", err)
				continue
			}
			for {
				cells, ok := rr.next()
				if !ok {
					break
				}
				for _, c := range cells {
					if c.index > len(tm.Columns) {
						add(xmlRel, RuleRows, "row %d: cell c%d, but the table has %d columns", rr.n, c.index, len(tm.Columns))
					}
					if c.file != "" {
						if _, err := rr.bytesOf(c); err != nil {
							add(xmlRel, RuleLOB, "row %d: %v", rr.n, err)
						}
					}
				}
			}
			if rr.err != nil {
				bad[xmlRel] = true
				add(xmlRel, RuleRows, "%s", strings.TrimPrefix(strings.TrimPrefix(rr.err.Error(), xmlRel), ": "))
			} else if rr.n != tm.Rows {
				add(xmlRel, RuleCounts, "%d rows, metadata.xml says %d", rr.n, tm.Rows)
			}
			for lob := range rr.lobs {
				claimed[base+"/"+lob] = true
			}
			rr.Close()
		}
	}
	var extra []string
	for f := range onDisk {
		if !claimed[f] {
			extra = append(extra, f)
		}
	}
	sort.Strings(extra)
	for _, f := range extra {
		add(f, RuleLayout, "no table of metadata.xml holds or names this file")
	}
	for _, t := range p.Summary.Tables {
		recsRel := fmt.Sprintf("%s/table%d.xml", tablePath(schemaRecords, t.Folder), t.Folder)
		outRel := fmt.Sprintf("%s/table%d.xml", tablePath(schemaOutcome, t.Folder), t.Folder)
		if bad[recsRel] || bad[outRel] {
			continue
		}
		recs, err := p.Records(t.Table)
		if err != nil {
			add(recsRel, RuleRows, "%v", err)
			continue
		}
		var n int64
		for recs.Next() {
			n++
		}
		if err := recs.Err(); err != nil {
			add(recsRel, RuleRows, "%v", err)
		} else if n != t.Records {
			add(packageName, RuleCounts, "%s: %d records, the package says %d", t.Table, n, t.Records)
		}
		recs.Close()
		var reasons int64
		for _, c := range t.Reasons {
			reasons += c
		}
		if reasons != t.Records {
			add(packageName, RuleCounts, "%s: reasons count %d records of %d", t.Table, reasons, t.Records)
		}
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
