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
	"time"
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
	RuleBagInfo        = "bag-info"
	RuleEventChain     = "event-log-chain"
	RuleLayout         = "siard-layout"
	RuleName           = "siard-name"
	RuleMetadata       = "siard-metadata"
	RuleRows           = "siard-rows"
	RuleLOB            = "siard-lob"
	RuleCounts         = "counts"
	RuleEraseLeftover  = "erase-leftover"
	RuleSealed         = "sealed-package"
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
	r := VerifyEach(dir, nil)
	if err := r.Err(dir); err != nil {
		return nil, err
	}
	return r.Records, nil
}

// OpenVerified verifies a package and returns it opened, or an error
// listing every problem (wrapping ErrVerify).
func OpenVerified(dir string) (*Package, error) {
	r := VerifyEach(dir, nil)
	if err := r.Err(dir); err != nil {
		return nil, err
	}
	return r.Package, nil
}

// Err is the error listing every problem of the package at dir (wrapping
// ErrVerify), nil when it has none.
func (r Reading) Err(dir string) error {
	if len(r.Problems) == 0 {
		return nil
	}
	lines := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		lines[i] = p.String()
	}
	return fmt.Errorf("%w: %s: %s", ErrVerify, dir, strings.Join(lines, "; "))
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
//   - every archived record and every value archived alone decodes, and
//     the counts agree with package.json.
//
// XSD validation is separate (ValidateXSD), as it needs xmllint.
func Verify(dir string) []Problem { return VerifyEach(dir, nil).Problems }

// Reading is a package verified and read through once (VerifyEach).
type Reading struct {
	// Problems are Verify's.
	Problems []Problem
	// Package is the package opened, nil when it could not be.
	Package *Package
	// Records counts, per table of package.json, the records read and
	// decoded, for each table whose records all decode (independently of
	// what package.json says; Problems names any difference).
	Records map[string]int64
}

// VerifyEach is Verify that also reads every archived record, in the same
// pass over the files: each record that decodes is handed to each (when
// not nil), table by table in package.json's order, in the order they
// were archived. A table whose files are damaged has its records handed
// over up to the damage at most; Problems names it.
func VerifyEach(dir string, each func(table string, rec ArchivedRecord)) Reading {
	var r Reading
	add := func(file, rule, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{File: file, Rule: rule, Detail: fmt.Sprintf(format, args...)})
	}
	// A sealed package (a file) cannot be read without its key; what an
	// erasure of it killed halfway left beside it can be seen, and its
	// working copy holds the persons it was erasing in clear.
	if isRegularFile(dir) {
		for _, left := range SealedEraseLeftovers(dir) {
			add("../"+filepath.Base(left), RuleEraseLeftover, "left beside the sealed package by an interrupted or failed erasure: it may hold erased persons' records, in clear: check it and remove it")
		}
		for _, left := range SealedVerifyLeftovers(dir) {
			add("../"+filepath.Base(left), RuleEraseLeftover, "left beside the sealed package by a verification killed outright: it holds the package in clear: remove it")
		}
		add(".", RuleSealed, "a sealed package (a file) is not read without its key: its content is NOT checked; verify it with its key (archive verify %s --identity KEYFILE); its fixity is in %s.sha512", filepath.Base(dir), filepath.Base(dir))
		return r
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
	// A package is not done with an erasure while a copy an interrupted
	// one left beside it still holds the erased records.
	for _, left := range EraseLeftovers(dir) {
		add("../"+filepath.Base(left), RuleEraseLeftover, "left beside the package by an interrupted or failed erasure: it may hold erased persons' records in clear; check it and remove it")
	}

	p, err := Open(dir)
	if err != nil {
		add("data/header/metadata.xml", RuleMetadata, "%v", err)
		return r
	}
	r.Package = p
	p.checkMetadata(add)
	p.checkBagInfo(add)
	p.checkEventCounts(add)
	r.Records = p.checkTables(onDisk, add, each)
	return r
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
	checkEventChain(b, add)
}

// checkEventChain holds an event log's lines (b) to their hash chain:
// each names the digest of the lines before it and its place.
func checkEventChain(b []byte, add addFunc) {
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

// checkEventCounts holds the event log to the package: its chain
// (checkEvents) shows an event edited or removed before the last, not a
// log emptied or rewritten from its start. It begins with the package's
// creation, and the records and values archived alone it was created
// with, less those each erasure removed, are package.json's (which
// checkTables holds to the rows).
func (p *Package) checkEventCounts(add addFunc) {
	events, err := p.Events()
	if err != nil {
		return // checkEvents names it
	}
	if len(events) == 0 || events[0].Event != "created" {
		add(eventsName, RuleEventChain, "the log does not begin with the package's creation (events removed)")
		return
	}
	records, values := events[0].Count["records"], events[0].Count["values"]
	for _, e := range events[1:] {
		switch e.Event {
		case "created":
			add(eventsName, RuleEventChain, "the package's creation is logged twice")
			return
		case "erased":
			records -= e.Count["records_removed"]
			values -= e.Count["values_removed"]
		}
	}
	var held, heldValues int64
	for _, t := range p.Summary.Tables {
		held, heldValues = held+t.Records, heldValues+t.Values
	}
	if records != held || values != heldValues {
		add(eventsName, RuleCounts, "its creation less its erasures leaves %d records and %d values archived alone, %s counts %d and %d", records, values, packageName, held, heldValues)
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

// checkTables reads every table of the package. The records and outcome
// tables of a table package.json names are read side by side, once: each
// file's own checks (its cells, LOB files and row count) and the records'
// decoding go in one pass, and each record that decodes is handed to each
// (when not nil). It returns the records read of each table whose records
// all decode.
func (p *Package) checkTables(onDisk map[string]bool, add addFunc, each func(table string, rec ArchivedRecord)) map[string]int64 {
	claimed := map[string]bool{"data/header/metadata.xml": true}
	// bad lists the table files already found damaged, named once.
	bad := map[string]bool{}
	// paired are the (schema, folder) of the records and outcome tables
	// of package.json's tables, read together below; a folder named
	// twice is read the separate way.
	paired := map[[2]int]int{}
	for _, t := range p.Summary.Tables {
		paired[[2]int{schemaRecords, t.Folder}]++
		paired[[2]int{schemaOutcome, t.Folder}]++
	}
	deferred := map[[2]int]tableFile{}
	for s, sch := range p.metadata.Schemas {
		if sch.Folder != fmt.Sprintf("schema%d", s) {
			add("data/header/metadata.xml", RuleMetadata, "schema %d has folder %q", s, sch.Folder)
			continue
		}
		for i, tm := range sch.tables() {
			folder, err := strconv.Atoi(strings.TrimPrefix(tm.Folder, "table"))
			if err != nil || !strings.HasPrefix(tm.Folder, "table") {
				add("data/header/metadata.xml", RuleMetadata, "table folder %q is not tableN", tm.Folder)
				continue
			}
			base := tablePath(s, folder)
			f := tableFile{schema: s, folder: folder, tm: &sch.tables()[i], base: base, xmlRel: fmt.Sprintf("%s/table%d.xml", base, folder)}
			xsdRel := fmt.Sprintf("%s/table%d.xsd", base, folder)
			claimed[f.xmlRel], claimed[xsdRel] = true, true
			if !onDisk[xsdRel] {
				add(xsdRel, RuleMissing, "the table's schema is missing")
			}
			if !onDisk[f.xmlRel] {
				add(f.xmlRel, RuleMissing, "the table's rows are missing")
				continue
			}
			if k := [2]int{s, folder}; readPaired && paired[k] == 1 {
				if _, twice := deferred[k]; !twice {
					deferred[k] = f
					continue
				}
			}
			p.checkFile(f, claimed, bad, add)
		}
	}
	counts := map[string]int64{}
	for i := range p.Summary.Tables {
		t := &p.Summary.Tables[i]
		recsRel := fmt.Sprintf("%s/table%d.xml", tablePath(schemaRecords, t.Folder), t.Folder)
		outRel := fmt.Sprintf("%s/table%d.xml", tablePath(schemaOutcome, t.Folder), t.Folder)
		rf, rok := deferred[[2]int{schemaRecords, t.Folder}]
		of, ook := deferred[[2]int{schemaOutcome, t.Folder}]
		delete(deferred, [2]int{schemaRecords, t.Folder})
		delete(deferred, [2]int{schemaOutcome, t.Folder})
		var n int64
		var err error
		read := false
		// The reasons of the records read, for package.json's counts.
		reasons := map[string]int64{}
		counted := func(table string, rec ArchivedRecord) {
			reasons[rec.Outcome.Reason]++
			if each != nil {
				each(table, rec)
			}
		}
		if rok && ook {
			n, read, err = p.checkPair(t, rf, of, claimed, bad, add, counted)
		} else {
			for _, f := range []struct {
				tableFile
				ok bool
			}{{rf, rok}, {of, ook}} {
				if f.ok {
					p.checkFile(f.tableFile, claimed, bad, add)
				}
			}
		}
		if bad[recsRel] || bad[outRel] {
			continue
		}
		if !read {
			n, err = p.readRecords(t, counted)
		}
		if err != nil {
			add(recsRel, RuleRows, "%v", err)
		} else {
			counts[t.Table] = n
			if n != t.Records {
				add(packageName, RuleCounts, "%s: %d records, the package says %d", t.Table, n, t.Records)
			}
			// archive ls shows package.json's count per reason: it must
			// be the outcome rows'.
			for _, r := range sortedKeys(reasons, t.Reasons) {
				if reasons[r] != t.Reasons[r] {
					add(packageName, RuleCounts, "%s: %d records with reason %q, the package says %d", t.Table, reasons[r], r, t.Reasons[r])
				}
			}
		}
		p.checkValues(t, bad, add)
		var byReason int64
		for _, c := range t.Reasons {
			byReason += c
		}
		if byReason != t.Records {
			add(packageName, RuleCounts, "%s: reasons count %d records of %d", t.Table, byReason, t.Records)
		}
	}
	// What no table of package.json took (none, unless it names a folder
	// twice) is checked on its own.
	for _, f := range deferred {
		p.checkFile(f, claimed, bad, add)
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
	return counts
}

// checkBagInfo checks that bag-info.txt's fields regflytt writes (whose
// the package is to a BagIt tool, which register's run, when and by what
// it was bagged) are once each, as package.json gives them; the payload's
// oxum is checkOxum's. Fields regflytt does not write are an archivist's.
func (p *Package) checkBagInfo(add addFunc) {
	b, err := os.ReadFile(filepath.Join(p.Dir, bagInfoName))
	if err != nil {
		return // checkOxum names it
	}
	got := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			got[k] = append(got[k], v)
		}
	}
	created, err := time.Parse(time.RFC3339, p.Summary.Created)
	for _, f := range bagInfo(p.Summary.Meta, created, "") {
		switch vs := got[f[0]]; {
		case f[0] == "Payload-Oxum" || f[0] == "Bagging-Date" && err != nil:
		case f[0] == "Source-Organization" && (len(vs) != 1 || vs[0] != f[1]):
			add(bagInfoName, RuleBagInfo, "Source-Organization is not the owner %s names", packageName)
		case len(vs) != 1 || vs[0] != f[1]:
			add(bagInfoName, RuleBagInfo, "%s is not once what %s gives it", f[0], packageName)
		}
	}
}

// checkMetadata checks that metadata.xml says what package.json says:
// the owner, the timespan, and each table's columns (SIARD tools show
// the cells under metadata.xml's names and types, and the Reader reads
// them by package.json's).
func (p *Package) checkMetadata(add addFunc) {
	// Every table metadata.xml declares must be one of package.json's: a
	// SIARD tool shows it, and only package.json's are read and compared.
	for s, sch := range p.metadata.Schemas {
		for _, tm := range sch.tables() {
			described := false
			for _, t := range p.Summary.Tables {
				folder := t.Folder
				if s == schemaValues {
					folder = t.ValuesFolder
				}
				described = described || (folder >= 0 && tm.Folder == fmt.Sprintf("table%d", folder) && tm.Name == t.Table)
			}
			if !described {
				add("data/header/metadata.xml", RuleMetadata, "schema%d/%s (%s) is no table %s describes: a SIARD tool shows its rows, which regflytt neither reads nor compares", s, tm.Folder, tm.Name, packageName)
			}
		}
	}

	if got, want := p.metadata.DataOwner, dataOwner(p.Summary.Meta); got != want {
		add("data/header/metadata.xml", RuleMetadata, "dataOwner is not the owner %s names", packageName)
	}
	if p.metadata.DataOriginTimespan != p.Summary.Timespan {
		add("data/header/metadata.xml", RuleMetadata, "dataOriginTimespan %s, %s says %s", p.metadata.DataOriginTimespan, packageName, p.Summary.Timespan)
	}
	// The rest of the header (the register's name, its platform, the
	// regflytt that wrote it and when) follows from package.json as the
	// writer renders it: a SIARD tool shows it as whose records these are.
	created, err := time.Parse(time.RFC3339, p.Summary.Created)
	if err != nil {
		add(packageName, RuleMetadata, "created %q is no RFC 3339 time", p.Summary.Created)
	}
	want := header(p.Summary.Meta, p.Summary.Timespan, created)
	for _, f := range []struct{ name, got, want string }{
		{"dbname", p.metadata.DBName, want.DBName},
		{"description", p.metadata.Description, want.Description},
		{"archiver", p.metadata.Archiver, want.Archiver},
		{"producerApplication", p.metadata.ProducerApp, want.ProducerApp},
		{"archivalDate", p.metadata.ArchivalDate, want.ArchivalDate},
		{"databaseProduct", p.metadata.DatabaseProduct, want.DatabaseProduct},
	} {
		if f.got != f.want && (err == nil || f.name != "archivalDate") {
			add("data/header/metadata.xml", RuleMetadata, "%s is not what %s gives it (register, platform, regflytt version and date)", f.name, packageName)
		}
	}
	for s, sch := range p.metadata.Schemas {
		if s < len(schemaNames) && (sch.Name != schemaNames[s].name || sch.Description != schemaNames[s].description) {
			add("data/header/metadata.xml", RuleMetadata, "schema%d is not named or described as the package's %s", s, schemaNames[s].name)
		}
	}
	for _, t := range p.Summary.Tables {
		var records []column
		tm := p.tableMeta(schemaRecords, t.Folder)
		for i, c := range t.Columns {
			typ := columnSQLType(c.Type.Type())
			// An unbounded decimal is declared the DECIMAL(p,s) its cells
			// need; Reader holds each natural cell to it.
			if tm != nil && i < len(tm.Columns) {
				if _, _, ok := declaredDecimal(c.Type.Type(), tm.Columns[i].Type); ok {
					typ.SQL = tm.Columns[i].Type
				}
			}
			records = append(records, column{name: c.Name, typeOriginal: c.SourceType, typ: typ,
				description: sourceColumnDescription(c.Nullable, c.Type.Type())})
		}
		for _, name := range t.Companions {
			records = append(records, companionColumns(name)...)
		}
		p.sameColumns(schemaRecords, t.Folder, t.Table, recordsDescription(t.Table), records, add)
		p.sameColumns(schemaOutcome, t.Folder, t.Table, outcomeDescription(t.Table), outcomeColumns, add)
		if t.ValuesFolder >= 0 {
			p.sameColumns(schemaValues, t.ValuesFolder, t.Table, valuesDescription(t.Table), valuesColumns, add)
		}
	}
}

// sameColumns holds a table of metadata.xml to what package.json gives
// it: its description, and its columns' names, types, descriptions and
// nullability (every cell may be left out: NULL, or a value its type
// could not hold).
func (p *Package) sameColumns(schema, folder int, table, description string, want []column, add addFunc) {
	tm := p.tableMeta(schema, folder)
	if tm == nil {
		return // Open refuses the package
	}
	if tm.Description != description {
		add("data/header/metadata.xml", RuleMetadata, "schema%d/table%d (%s) is described otherwise than %s's table", schema, folder, table, packageName)
	}
	if len(tm.Columns) != len(want) {
		add("data/header/metadata.xml", RuleMetadata, "schema%d/table%d (%s) declares %d columns, %s has %d", schema, folder, table, len(tm.Columns), packageName, len(want))
		return
	}
	for i, c := range tm.Columns {
		if w := want[i]; c.Name != w.name || c.Type != w.typ.SQL || c.TypeOriginal != w.typeOriginal {
			add("data/header/metadata.xml", RuleMetadata, "schema%d/table%d (%s) column %d is %q %s (source type %q), %s has %q %s (source type %q)", schema, folder, table, i+1, c.Name, c.Type, c.TypeOriginal, packageName, w.name, w.typ.SQL, w.typeOriginal)
		} else if c.Description != w.description || !c.Nullable {
			add("data/header/metadata.xml", RuleMetadata, "schema%d/table%d (%s) column %d (%s) is described otherwise than %s's column, or declared NOT NULL", schema, folder, table, i+1, c.Name, packageName)
		}
	}
}

// checkValues reads a table's values archived alone back, as the records
// are: each must decode, and they must be as many as package.json says.
func (p *Package) checkValues(t *TableSummary, bad map[string]bool, add addFunc) {
	if t.ValuesFolder < 0 {
		if t.Values != 0 {
			add(packageName, RuleCounts, "%s: %d values archived alone, but no values table", t.Table, t.Values)
		}
		return
	}
	rel := fmt.Sprintf("%s/table%d.xml", tablePath(schemaValues, t.ValuesFolder), t.ValuesFolder)
	if bad[rel] {
		return // named already
	}
	var n int64
	if err := p.eachValue(t.Table, func(ArchivedValue) { n++ }); err != nil {
		add(rel, RuleRows, "%v", err)
		return
	}
	if n != t.Values {
		add(packageName, RuleCounts, "%s: %d values archived alone, the package says %d", t.Table, n, t.Values)
	}
}

// readPaired is false only in tests, which hold the paired reading to
// agree with reading each file on its own and the records after.
var readPaired = true

// tableFile is one table XML of the package as metadata.xml names it.
type tableFile struct {
	schema, folder int
	tm             *siardTableMeta
	base, xmlRel   string
}

// checkFile reads one table XML through on its own: its cells, LOB files
// and row count.
func (p *Package) checkFile(f tableFile, claimed, bad map[string]bool, add addFunc) {
	rr, err := p.openRows(f.schema, f.folder)
	if err != nil {
		add(f.xmlRel, RuleRows, "%v", err)
		return
	}
	defer rr.Close()
	for {
		cells, ok := rr.next()
		if !ok {
			break
		}
		checkCells(rr, f, cells, add)
	}
	fileDone(rr, f, claimed, bad, add)
}

// checkCells checks one row's cells against the table's columns and its
// LOB files.
func checkCells(rr *rowReader, f tableFile, cells []cell, add addFunc) {
	for _, c := range cells {
		if c.index > len(f.tm.Columns) {
			add(f.xmlRel, RuleRows, "row %d: cell c%d, but the table has %d columns", rr.n, c.index, len(f.tm.Columns))
		}
		if c.file != "" {
			if _, err := rr.bytesOf(c); err != nil {
				add(f.xmlRel, RuleLOB, "row %d: %v", rr.n, err)
			}
		}
	}
}

// fileDone checks a table XML read to its end: it parsed, and holds the
// rows metadata.xml says; its LOB files are claimed.
func fileDone(rr *rowReader, f tableFile, claimed, bad map[string]bool, add addFunc) {
	if rr.err != nil {
		bad[f.xmlRel] = true
		add(f.xmlRel, RuleRows, "%s", strings.TrimPrefix(strings.TrimPrefix(rr.err.Error(), f.xmlRel), ": "))
	} else if rr.n != f.tm.Rows {
		add(f.xmlRel, RuleCounts, "%d rows, metadata.xml says %d", rr.n, f.tm.Rows)
	}
	for lob := range rr.lobs {
		claimed[f.base+"/"+lob] = true
	}
}

// checkPair reads a table's records and outcome XMLs side by side: each
// file is checked to its end as checkFile does, and while both are sound
// their rows are decoded into records as Records does. read says whether
// both files opened (else nothing was read, and the caller reads the
// records the separate way); n and err are the records' count and what
// stopped their decoding, which count only when both files are sound.
func (p *Package) checkPair(t *TableSummary, rf, of tableFile, claimed, bad map[string]bool, add addFunc, each func(string, ArchivedRecord)) (n int64, read bool, err error) {
	rrR, errR := p.openRows(rf.schema, rf.folder)
	rrO, errO := p.openRows(of.schema, of.folder)
	if errR != nil || errO != nil {
		rrR.Close()
		rrO.Close()
		p.checkFile(rf, claimed, bad, add)
		p.checkFile(of, claimed, bad, add)
		return 0, false, nil
	}
	defer rrR.Close()
	defer rrO.Close()
	recs := p.newRecords(t)
	recs.holdTypes = true
	doneR, doneO, stopped := false, false, false
	for !doneR || !doneO {
		var cR, cO []cell
		okR, okO := false, false
		if !doneR {
			if cR, okR = rrR.next(); okR {
				checkCells(rrR, rf, cR, add)
			} else {
				doneR = true
			}
		}
		if !doneO {
			if cO, okO = rrO.next(); okO {
				checkCells(rrO, of, cO, add)
			} else {
				doneO = true
			}
		}
		if stopped {
			continue
		}
		switch {
		case rrR.err != nil || rrO.err != nil:
			// A damaged file: fileDone names it, and its records count
			// for nothing.
			stopped = true
		case okR != okO:
			stopped, err = true, recs.lengthsDiffer()
		case !okR:
			stopped = true
		default:
			rec, derr := recs.decode(rrR, cR, cO)
			if derr != nil {
				stopped, err = true, derr
				continue
			}
			n++
			if each != nil {
				each(t.Table, rec)
			}
		}
	}
	fileDone(rrR, rf, claimed, bad, add)
	fileDone(rrO, of, claimed, bad, add)
	return n, true, err
}

// readRecords reads a table's records through Records, handing each to
// each (when not nil), and counts them.
func (p *Package) readRecords(t *TableSummary, each func(string, ArchivedRecord)) (int64, error) {
	recs, err := p.Records(t.Table)
	if err != nil {
		return 0, err
	}
	defer recs.Close()
	recs.holdTypes = true
	var n int64
	for recs.Next() {
		n++
		if each != nil {
			each(t.Table, recs.Record())
		}
	}
	return n, recs.Err()
}

// sortedKeys lists the keys of both maps, sorted.
func sortedKeys(a, b map[string]int64) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
