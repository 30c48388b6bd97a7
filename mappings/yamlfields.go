package mappings

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Str is a YAML scalar with its position.
type Str struct {
	Value string
	Pos   Pos
}

// IsSet reports whether the scalar was present.
func (s Str) IsSet() bool { return s.Pos.Line != 0 }

// ParseYAML reads and parses a YAML file into its document node. A syntax
// error becomes a diagnostic with the line yaml.v3 reports.
func ParseYAML(path string) (*yaml.Node, Diagnostics) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{Pos: Pos{File: path}, Code: "Y001", Message: err.Error()}}
	}
	return ParseYAMLBytes(path, data)
}

var (
	yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	// yamlQuoted is what a yaml.v3 message quotes of the file (an anchor's
	// name, a tag's value): cut out, since a file of the wrong kind (a
	// data file named as a mapping) can hold anything.
	yamlQuoted = regexp.MustCompile("'[^']*'|`[^`]*`|\"[^\"]*\"")
)

// ParseYAMLBytes parses YAML text named file. Beyond what yaml.v3
// rejects, a key given twice in one mapping is an error (Y004) naming both
// places: yaml.v3 keeps both when it decodes into nodes, and the readers
// would silently take the first.
func ParseYAMLBytes(file string, data []byte) (*yaml.Node, Diagnostics) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := Pos{File: file}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		msg = yamlQuoted.ReplaceAllStringFunc(msg, quotedToken)
		return nil, Diagnostics{{Pos: p, Code: "Y001", Message: "not valid YAML: " + msg}}
	}
	if len(doc.Content) == 0 {
		return nil, Diagnostics{{Pos: Pos{File: file}, Code: "Y001", Message: "the file is empty"}}
	}
	var ds Diagnostics
	duplicateKeys(file, doc.Content[0], &ds)
	return doc.Content[0], ds
}

// quotedToken keeps what yaml.v3 quotes of its own grammar (',' or '}'
// in "did not find expected ',' or '}'"), and cuts out anything else.
func quotedToken(q string) string {
	inner := q[1 : len(q)-1]
	if len(inner) <= 3 && strings.IndexFunc(inner, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return q
	}
	return "(…)"
}

// duplicateKeys reports every key that a mapping node (at any depth)
// holds twice, at the second place, naming the first. Aliases are not
// followed: their target is checked where it is written.
func duplicateKeys(file string, n *yaml.Node, ds *Diagnostics) {
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	if n.Kind == yaml.MappingNode {
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				continue
			}
			if f, dup := first[k.Value]; dup {
				ds.add(PosOf(file, k), "Y004", "key %s is given twice in this mapping (first at %s): remove one", SafeName(k.Value), PosOf(file, f))
				continue
			}
			first[k.Value] = k
		}
	}
	for _, c := range n.Content {
		duplicateKeys(file, c, ds)
	}
}

// Fields reads a YAML mapping node field by field. It remembers which keys
// were read, so that Done can report every key nobody asked for: a typo in
// a mapping must not be silently ignored.
type Fields struct {
	file  string
	node  *yaml.Node
	diags *Diagnostics
	used  map[string]bool
	ok    bool
}

// ReadFields starts reading a mapping node. If n is not a mapping, a
// diagnostic is added and every read returns zero values.
func ReadFields(file string, n *yaml.Node, ds *Diagnostics, what string) *Fields {
	f := &Fields{file: file, node: n, diags: ds, used: map[string]bool{}}
	if n == nil || n.Kind != yaml.MappingNode {
		ds.add(PosOf(file, n), "Y001", "%s must be a mapping of fields", what)
		return f
	}
	f.ok = true
	return f
}

// Pos is the position of the mapping itself.
func (f *Fields) Pos() Pos { return PosOf(f.file, f.node) }

// File is the file being read.
func (f *Fields) File() string { return f.file }

// Diags is where problems are collected.
func (f *Fields) Diags() *Diagnostics { return f.diags }

// Node returns the value node of key, or nil when absent.
func (f *Fields) Node(key string) *yaml.Node {
	if !f.ok {
		return nil
	}
	f.used[key] = true
	for i := 0; i+1 < len(f.node.Content); i += 2 {
		if f.node.Content[i].Value == key {
			return f.node.Content[i+1]
		}
	}
	return nil
}

// Str reads an optional scalar.
func (f *Fields) Str(key string) Str {
	n := f.Node(key)
	if n == nil {
		return Str{}
	}
	if n.Kind != yaml.ScalarNode {
		f.diags.add(PosOf(f.file, n), "Y001", "%s must be a single value", key)
		return Str{}
	}
	return Str{Value: n.Value, Pos: PosOf(f.file, n)}
}

// Required reads a scalar that must be present and non-empty.
func (f *Fields) Required(key string) Str {
	s := f.Str(key)
	if f.ok && s.Value == "" && f.Node(key) == nil {
		f.diags.add(f.Pos(), "Y003", "missing field %q", key)
	} else if f.ok && s.IsSet() && strings.TrimSpace(s.Value) == "" {
		f.diags.add(s.Pos, "Y003", "field %q is empty", key)
	}
	return s
}

// Strs reads a sequence of scalars; a single scalar counts as a list of
// one.
func (f *Fields) Strs(key string) []Str {
	n := f.Node(key)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []Str{{Value: n.Value, Pos: PosOf(f.file, n)}}
	}
	if n.Kind != yaml.SequenceNode {
		f.diags.add(PosOf(f.file, n), "Y001", "%s must be a list", key)
		return nil
	}
	out := make([]Str, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			f.diags.add(PosOf(f.file, c), "Y001", "each entry of %s must be a single value", key)
			continue
		}
		out = append(out, Str{Value: c.Value, Pos: PosOf(f.file, c)})
	}
	return out
}

// Seq reads a sequence of nodes.
func (f *Fields) Seq(key string) []*yaml.Node {
	n := f.Node(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.diags.add(PosOf(f.file, n), "Y001", "%s must be a list", key)
		return nil
	}
	return n.Content
}

// Bool reads an optional boolean.
func (f *Fields) Bool(key string) bool {
	s := f.Str(key)
	if !s.IsSet() {
		return false
	}
	b, err := strconv.ParseBool(s.Value)
	if err != nil {
		f.diags.add(s.Pos, "Y001", "%s must be true or false", key)
	}
	return b
}

// Int reads an optional integer, def when absent.
func (f *Fields) Int(key string, def int) int {
	s := f.Str(key)
	if !s.IsSet() {
		return def
	}
	n, err := strconv.Atoi(s.Value)
	if err != nil {
		f.diags.add(s.Pos, "Y001", "%s must be a whole number", key)
		return def
	}
	return n
}

// Pairs returns the key and value nodes of the mapping in file order, for
// mappings whose keys are names (columns, tables) rather than fields.
func (f *Fields) Pairs(key string) (keys, values []*yaml.Node) {
	n := f.Node(key)
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		f.diags.add(PosOf(f.file, n), "Y001", "%s must be a mapping of names to values", key)
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i])
		values = append(values, n.Content[i+1])
	}
	return keys, values
}

// Done reports every key that was not read. known lists extra keys that
// are allowed but unused (reserved for later versions, say).
func (f *Fields) Done(known ...string) {
	if !f.ok {
		return
	}
	for _, k := range known {
		f.used[k] = true
	}
	var names []string
	for k := range f.used {
		names = append(names, k)
	}
	for i := 0; i+1 < len(f.node.Content); i += 2 {
		k := f.node.Content[i]
		if !f.used[k.Value] {
			// The key is shown only when it is name-like: a data file
			// named as a mapping has its data in the keys.
			name := SafeName(k.Value)
			if name == k.Value {
				name = fmt.Sprintf("%q", k.Value)
			}
			f.diags.add(PosOf(f.file, k), "Y002", "unknown field %s%s", name, suggest(k.Value, names))
		}
	}
}

// suggest proposes the closest known name for a typo.
func suggest(got string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(got, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ErrDiagnostics is matched by errors.Is for any Diagnostics error.
var ErrDiagnostics = errors.New("diagnostics")

// Is lets errors.Is(err, ErrDiagnostics) find a list of diagnostics.
func (ds Diagnostics) Is(target error) bool { return target == ErrDiagnostics }

// Suggest proposes the closest of names for a name written wrong, as
// " (did you mean "x"?)", or "" when none is close: the same proposal the
// mapping checks make, for the plan's own checks.
func Suggest(got string, names []string) string { return suggest(got, names) }
