package mappings

import (
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/connectors"
)

// CodeList maps a legacy platform's codes to the receiving platform's,
// per code-list version, with an explicit policy for what is not mapped:
//
//	codelists:
//	  - name: smoking
//	    unmapped: archive          # archive (default) | null | default
//	    default: "9"               # the code given when unmapped: default
//	    versions:                  # source code-list version -> old code -> new code
//	      "1": {"1": current, "2": never, "3": former}
//	      "2": {J: current, N: never, F: former, U: unknown, "9": null}
//
// A list with a single version may give codes: {…} instead of versions.
// Codes retired on purpose are archived with the list's own reason, in
// every version that does not map them, and map check reports them as
// expected (C007, with counts), not as codes to fix:
//
//	archive: {"9": obsolete_code, "X": withdrawn_code}
//
// A code no version maps is never dropped silently: the record is
// archived (code_unmapped), or the policy says null or default. A code
// mapped to YAML null (null, ~) is declared to mean no value: the column
// is left empty, and the run counts it per list.
type CodeList struct {
	Pos      Pos
	Name     Str
	Unmapped Str
	Default  *Str
	// Versions maps a version ("" for a list with one) to its codes.
	Versions map[string]map[string]string
	// Nulls maps a version to the codes it maps to NULL (YAML null).
	Nulls map[string]map[string]bool
	// Archive maps codes archived on purpose to the reason code the list
	// names (in every version that does not map them).
	Archive map[string]Str

	// numbers index the codes and versions that are numbers by numberKey
	// (a version's mapped and null codes, the archived codes, the
	// versions), each to the text the list writes; "" when the list
	// writes one value twice ("1" and "01"). See CodeOf.
	numbers        map[string]map[string]string
	archiveNumbers map[string]string
	versionNumbers map[string]string
	// folded holds each version's text codes (mapped, null, archived) as
	// FoldText reads them (see OtherSpelling).
	folded map[string]map[string]bool
	// codePos keeps where each version's codes are written, for
	// diagnostics about one code (CodeAt).
	codePos map[string]map[string]Pos
}

// CodeAt gives where a version's code is written in the list, the list's
// own position when the code is not one of its mapped codes.
func (c *CodeList) CodeAt(version, code string) Pos {
	if p, ok := c.codePos[version][code]; ok {
		return p
	}
	return c.Pos
}

// OtherSpelling reports whether a code the list does not map in a
// version is a listed code in another case or with trailing spaces ("j",
// the "J " of a char(2) column), or a listed number written another way
// ("01" or "1.0" for "1"): the legacy platform, comparing under a
// case-blind collation, took it for that code, as a sub-register that kept
// the code in an integer column wrote it 1 where another wrote "01", so no
// unmapped: policy may take it for an unknown one.
func (c *CodeList) OtherSpelling(version, code string) bool {
	if k, ok := numberKey(code); ok {
		if _, listed := c.numbers[version][k]; listed {
			return true
		}
		if _, listed := c.archiveNumbers[k]; listed {
			return true
		}
	}
	if len(c.folded[version]) == 0 {
		return false
	}
	return c.folded[version][FoldText(code)]
}

// OtherForm says why a code a list neither maps nor archives on purpose
// is no unknown code, and what to do about it: a code in another
// spelling, a boolean or bytes the list names no way, a number it writes
// twice. No unmapped: policy may take such a code for an unknown one.
type OtherForm struct {
	// Why completes "the code …" and "it …".
	Why string
	// Fix says what a mapping does about it.
	Fix string
}

var (
	formSpelling = OtherForm{
		Why: "differs from a code the list maps only in case, trailing spaces or how a number is written (01 for 1)",
		Fix: "map this spelling too, or normalise the value (upper(), strip(), integer())"}
	formNumberTwice = OtherForm{
		Why: "is one number the list writes as several codes (07 and 007, or 1 and 1.0)",
		Fix: "write each number once"}
	formBoolean = OtherForm{
		Why: "is a boolean, which the list names neither as true and false nor as 1 and 0",
		Fix: "map true and false"}
	formBytes = OtherForm{
		Why: "is bytes that are not UTF-8 text, which no code of the list is",
		Fix: "say how they are encoded, as latin1(…)"}
)

// OtherForm says why the value v, whose code the list neither maps nor
// archives on purpose in a version, is not an unknown code (ok false when
// it is one). A text code (or bytes that are UTF-8 text) may be a listed
// one in another spelling (OtherSpelling); a number is found by value
// (CodeOf) unless the list writes it more than once; a boolean is
// true/false or 1/0, and a list naming neither is not a list for it;
// bytes that are no text are no code.
func (c *CodeList) OtherForm(version string, v connectors.Value, code string) (OtherForm, bool) {
	switch x := v.(type) {
	case string:
		if c.OtherSpelling(version, code) {
			return formSpelling, true
		}
	case []byte:
		if !utf8.Valid(x) {
			return formBytes, true
		}
		if c.OtherSpelling(version, code) {
			return formSpelling, true
		}
	case bool:
		return formBoolean, true
	default:
		if k, ok := valueNumberKey(v); ok {
			_, listed := c.numbers[version][k]
			_, archived := c.archiveNumbers[k]
			if listed || archived {
				return formNumberTwice, true
			}
		}
	}
	return OtherForm{}, false
}

// indexNumbers builds the numbers indexes; parseCodeList calls it once
// the list is read.
func (c *CodeList) indexNumbers() {
	add := func(m map[string]string, code string) {
		k, ok := numberKey(code)
		if !ok {
			return
		}
		if prev, dup := m[k]; dup && prev != code {
			m[k] = ""
			return
		}
		m[k] = code
	}
	c.numbers = map[string]map[string]string{}
	c.versionNumbers = map[string]string{}
	c.folded = map[string]map[string]bool{}
	for version, codes := range c.Versions {
		m := map[string]string{}
		f := map[string]bool{}
		for code := range codes {
			add(m, code)
			f[FoldText(code)] = true
		}
		for code := range c.Nulls[version] {
			add(m, code)
			f[FoldText(code)] = true
		}
		for code := range c.Archive {
			f[FoldText(code)] = true
		}
		c.numbers[version] = m
		c.folded[version] = f
		add(c.versionNumbers, version)
	}
	c.archiveNumbers = map[string]string{}
	for code := range c.Archive {
		add(c.archiveNumbers, code)
	}
}

// CodeOf gives the code a source value is looked up by: its text, or, for
// a number the list does not write as printed (a decimal(3,1) column's
// 1.0, an integer's 7 for a listed "07"), the text the list writes for
// that number. Codes are text; a number column's are numbers, and its
// printed form is the column's, not the code list's.
func (c *CodeList) CodeOf(version string, v connectors.Value) string {
	switch x := v.(type) {
	case string:
		// Text, the common case, is its own code: it has no number
		// key, so the lookups below would give it back as it is.
		return x
	case []byte:
		// A varbinary or blob column's code is its text, as string()
		// reads it; bytes that are no text are no code (OtherForm).
		if utf8.Valid(x) {
			return string(x)
		}
	case bool:
		// true and false, or as a MariaDB or SQLite boolean is, 1 and 0.
		s := strconv.FormatBool(x)
		if c.listed(version, s) {
			return s
		}
		n := "0"
		if x {
			n = "1"
		}
		if code := c.numbers[version][n]; code != "" {
			return code
		}
		if code := c.archiveNumbers[n]; code != "" {
			return code
		}
		return s
	}
	s, _ := connectors.FormatValue(v)
	if c.listed(version, s) {
		return s
	}
	k, ok := valueNumberKey(v)
	if !ok {
		return s
	}
	if code := c.numbers[version][k]; code != "" {
		return code
	}
	if code := c.archiveNumbers[k]; code != "" {
		return code
	}
	return s
}

// listed reports whether a version maps the code or the list archives it.
func (c *CodeList) listed(version, code string) bool {
	if _, ok := c.Lookup(version, code); ok {
		return true
	}
	_, ok := c.Archive[code]
	return ok
}

// VersionOf gives the version a source value names, as CodeOf gives a
// code: a number column's 2.0 is version "2".
func (c *CodeList) VersionOf(v connectors.Value) string {
	if s, ok := v.(string); ok {
		return s // as in CodeOf
	}
	s, _ := connectors.FormatValue(v)
	if _, ok := c.Versions[s]; ok {
		return s
	}
	if k, ok := valueNumberKey(v); ok && c.versionNumbers[k] != "" {
		return c.versionNumbers[k]
	}
	return s
}

// HasVersion reports whether the list has the version ("" for a list
// with one).
func (c *CodeList) HasVersion(version string) bool {
	_, ok := c.Versions[version]
	return ok
}

// ArchiveReason gives the reason a code is archived with on purpose in a
// version, when the list says so and the version does not map it.
func (c *CodeList) ArchiveReason(version, code string) (string, bool) {
	if _, mapped := c.Lookup(version, code); mapped {
		return "", false
	}
	r, ok := c.Archive[code]
	return r.Value, ok
}

// ArchiveReasons lists the distinct reasons of the codes archived on
// purpose, sorted.
func (c *CodeList) ArchiveReasons() []string {
	set := map[string]bool{}
	for _, r := range c.Archive {
		set[r.Value] = true
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Codelist policies for unmapped codes.
const (
	UnmappedArchive = "archive"
	UnmappedNull    = "null"
	UnmappedDefault = "default"
)

// Policy returns the unmapped policy, archive when not given.
func (c *CodeList) Policy() string {
	if c.Unmapped.Value == "" {
		return UnmappedArchive
	}
	return c.Unmapped.Value
}

// Lookup gives the new code for an old one in a version ("" when the list
// has a single version). A code mapped to NULL is mapped: ok is true and
// the code "" (MapsToNull tells it from an empty code).
func (c *CodeList) Lookup(version, code string) (string, bool) {
	if c.MapsToNull(version, code) {
		return "", true
	}
	codes, ok := c.Versions[version]
	if !ok {
		return "", false
	}
	v, ok := codes[code]
	return v, ok
}

// MapsToNull reports whether a version maps a code to NULL.
func (c *CodeList) MapsToNull(version, code string) bool {
	return c.Nulls[version][code]
}

// VersionNames lists the versions in sorted order.
func (c *CodeList) VersionNames() []string {
	out := make([]string, 0, len(c.Versions))
	for v := range c.Versions {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// parseCodeListsField reads codelists: entries, each a code list or the
// path of a file holding codelists: (relative to the file that names it).
func parseCodeListsField(f *Fields, ds *Diagnostics, includes *[]string) []*CodeList {
	var out []*CodeList
	for _, n := range f.Seq("codelists") {
		if n.Kind == yaml.ScalarNode {
			path := n.Value
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(f.File()), path)
			}
			*includes = append(*includes, path)
			out = append(out, loadCodeLists(path, ds, includes)...)
			continue
		}
		out = append(out, parseCodeList(f.File(), n, ds))
	}
	return out
}

// LoadCodeLists reads a file of code lists (top level codelists: [...]).
func LoadCodeLists(path string, ds *Diagnostics) []*CodeList {
	var includes []string
	return loadCodeLists(path, ds, &includes)
}

func loadCodeLists(path string, ds *Diagnostics, includes *[]string) []*CodeList {
	if len(*includes) > 64 {
		ds.add(Pos{File: path}, "Y001", "code-list files include each other too deeply (a cycle?)")
		return nil
	}
	root, pd := ParseYAML(path)
	*ds = append(*ds, pd...)
	if root == nil {
		return nil
	}
	f := ReadFields(path, root, ds, "a code-list file")
	f.Str("description")
	lists := parseCodeListsField(f, ds, includes)
	f.Done()
	return lists
}

func parseCodeList(path string, n *yaml.Node, ds *Diagnostics) *CodeList {
	f := ReadFields(path, n, ds, "a code list")
	c := &CodeList{Pos: f.Pos(), Versions: map[string]map[string]string{}, Nulls: map[string]map[string]bool{}, codePos: map[string]map[string]Pos{}}
	c.Name = f.Required("name")
	f.Str("description")
	c.Unmapped = f.Str("unmapped")
	switch c.Unmapped.Value {
	case "", UnmappedArchive, UnmappedNull, UnmappedDefault:
	default:
		ds.add(c.Unmapped.Pos, "C001", "unmapped must be archive, null or default")
	}
	if f.Node("default") != nil {
		d := f.Str("default")
		c.Default = &d
	}
	if c.Policy() == UnmappedDefault && c.Default == nil {
		ds.add(c.Pos, "C001", "code list %s: unmapped: default needs a default: code", c.Name.Value)
	}
	readCodes := func(version string, n *yaml.Node) {
		codes, nulls, at := map[string]string{}, map[string]bool{}, map[string]Pos{}
		c.Versions[version], c.Nulls[version], c.codePos[version] = codes, nulls, at
		if n.Kind != yaml.MappingNode {
			ds.add(PosOf(path, n), "Y001", "codes must be a mapping of old code to new code")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			at[k.Value] = PosOf(path, k)
			// A code given twice is a duplicate key: ParseYAML reports it.
			if v.Kind != yaml.ScalarNode {
				ds.add(PosOf(path, v), "Y001", "the new code for %q must be a single value", k.Value)
			}
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				// Written null or ~ (an empty value too): the code means no
				// value, by declaration; quoted "null" stays text.
				nulls[k.Value] = true
				continue
			}
			codes[k.Value] = v.Value
		}
	}
	if n := f.Node("codes"); n != nil {
		readCodes("", n)
	}
	ak, av := f.Pairs("archive")
	for i, k := range ak {
		if c.Archive == nil {
			c.Archive = map[string]Str{}
		}
		if av[i].Kind != yaml.ScalarNode {
			ds.add(PosOf(path, av[i]), "Y001", "archive: the reason for code %s must be a single value", SafeCode(k.Value))
			continue
		}
		r := Str{Value: av[i].Value, Pos: PosOf(path, av[i])}
		checkReasonCode(r, ds)
		c.Archive[k.Value] = r
	}
	vk, vv := f.Pairs("versions")
	for i, k := range vk {
		readCodes(k.Value, vv[i])
	}
	if len(c.Versions) == 0 {
		ds.add(c.Pos, "Y003", "code list %s has neither codes nor versions", c.Name.Value)
	}
	if f.Node("codes") != nil && len(vk) > 0 {
		ds.add(c.Pos, "C001", "code list %s: give codes or versions, not both", c.Name.Value)
	}
	f.Done()
	c.indexNumbers()
	return c
}

// CodeUse records which codes the code lists mapped while records were
// applied, so that verification can name the codes of a list no record
// used (a list for another platform version, a typo in a code). It is
// shared by every table program of one Env and safe for concurrent use.
type CodeUse struct {
	mu   sync.Mutex
	seen map[[3]string]bool
}

func (u *CodeUse) saw(list, version, code string) {
	u.mu.Lock()
	if u.seen == nil {
		u.seen = map[[3]string]bool{}
	}
	u.seen[[3]string{list, version, code}] = true
	u.mu.Unlock()
}

// Seen reports whether a list's version mapped the code for some record.
func (u *CodeUse) Seen(list, version, code string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[[3]string{list, version, code}]
}
