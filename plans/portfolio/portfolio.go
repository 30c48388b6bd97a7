package portfolio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Portfolio is the register-platform portfolio of the NKR strategy: the
// regional registry-centre organisations and the IT systems that carry the
// national quality registries (testdata/portfolio.yaml).
type Portfolio struct {
	Version int      `yaml:"version"`
	RCOs    []RCO    `yaml:"rcos"`
	Systems []System `yaml:"systems"`
	// Authorities are the organisations that may be a registry's CPUA:
	// only a healthcare authority may (PDL 7 ch. 7 §). A plan's future
	// CPUA must be one of them, written the same way, so that a typo
	// cannot create a data controller nobody is.
	Authorities []string `yaml:"authorities,omitempty"`

	// File is the path the portfolio was loaded from.
	File string `yaml:"-"`
}

// RCO is a regional registry-centre organisation (registercentrumorganisation).
type RCO struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`

	// Pos is where the RCO's mapping starts in the file.
	Pos PortfolioPos `yaml:"-"`
}

// System is one IT system (register platform) that carries NKR.
//
// Optional fields left empty mean "not stated in the strategy": an empty
// OwnerKind, a zero NKRCount2021 or a nil RCOs is unknown, not none.
type System struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name"`
	Owner     string `yaml:"owner,omitempty"`
	OwnerKind string `yaml:"owner_kind,omitempty"` // OwnerPublic or OwnerPrivate
	// Supplier is who develops or runs the system when the strategy names
	// that rather than (or besides) the owner.
	Supplier string `yaml:"supplier,omitempty"`
	Step     string `yaml:"step"` // StepA … StepD or StepReceiver
	// Condition qualifies Step when the strategy makes it conditional.
	Condition string `yaml:"condition,omitempty"`
	// ProposedReceiver marks the systems the strategy proposes receiving
	// systems be chosen among; only valid with Step == StepReceiver.
	ProposedReceiver bool `yaml:"proposed_receiver,omitempty"`
	// PlannedMoveTo is the id of the system the registries are already
	// planned to move to.
	PlannedMoveTo string   `yaml:"planned_move_to,omitempty"`
	NKRCount2021  int      `yaml:"nkr_count_2021,omitempty"`
	RCOs          []string `yaml:"rcos,omitempty"` // RCO ids
	Registries    []string `yaml:"registries,omitempty"`
	Notes         string   `yaml:"notes,omitempty"`
	// Discrepancy records where the source disagrees with itself, such as
	// a table naming fewer registries than the stated count.
	Discrepancy string `yaml:"discrepancy,omitempty"`

	// Pos is where the system's mapping starts in the file.
	Pos PortfolioPos `yaml:"-"`
}

// PortfolioPos is a 1-based line and column in a portfolio file.
type PortfolioPos struct{ Line, Column int }

// Owner kinds and consolidation steps accepted in a portfolio.
const (
	OwnerPublic  = "public"
	OwnerPrivate = "private"

	StepA        = "A" // single-registry solutions
	StepB        = "B" // small systems with delivery risk
	StepC        = "C" // limited scalability and shared functionality
	StepD        = "D" // insufficient basic functionality without decision support
	StepReceiver = "receiver"
)

// PortfolioVersion is the only portfolio file version Load accepts.
const PortfolioVersion = 1

// Kinds of portfolio problem; every PortfolioError wraps exactly one.
var (
	ErrPortfolioSyntax       = errors.New("invalid YAML")
	ErrPortfolioType         = errors.New("wrong type")
	ErrPortfolioUnknownField = errors.New("unknown field")
	ErrPortfolioDuplicate    = errors.New("duplicate")
	ErrPortfolioMissing      = errors.New("missing value")
	ErrPortfolioInvalid      = errors.New("invalid value")
	ErrPortfolioUnknownRef   = errors.New("unknown reference")
)

// PortfolioError is one problem in a portfolio file. Its message reads
// "path:line:col: message". YAML syntax errors (ErrPortfolioSyntax) carry
// only the line yaml.v3 gives, which can be a line or two before the fault,
// and some carry no position at all; the missing parts are left out.
type PortfolioError struct {
	Path         string
	Line, Column int
	Err          error
}

func (e *PortfolioError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %v", e.Path, e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
}

func (e *PortfolioError) Unwrap() error { return e.Err }

// Load reads and validates the portfolio file at path. Unknown keys
// are errors. On invalid input it returns a nil portfolio and every problem
// found, each a *PortfolioError, joined with errors.Join.
func Load(path string) (*Portfolio, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load portfolio: %w", err)
	}
	return parse(path, data)
}

func parse(path string, data []byte) (*Portfolio, error) {
	d := &pfDecoder{path: path, nodes: map[any]*yaml.Node{}, bad: map[any]bool{}}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &PortfolioError{Path: path, Err: fmt.Errorf("%w: empty document", ErrPortfolioMissing)}
		}
		return nil, d.syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, d.at(&extra, ErrPortfolioInvalid, "more than one YAML document")
	} else if !errors.Is(err, io.EOF) {
		return nil, d.syntaxError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}

	var p Portfolio
	d.decode(root, reflect.ValueOf(&p).Elem(), "portfolio")
	d.validate(root, &p)
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	p.File = path
	return &p, nil
}

// pfDecoder decodes a yaml.Node tree into Go values strictly, remembering the
// node each field came from so that validation can point at it.
type pfDecoder struct {
	path  string
	errs  []error
	nodes map[any]*yaml.Node // pointer to a decoded value -> its node
	bad   map[any]bool       // values that failed to decode: not validated again
}

func (d *pfDecoder) at(n *yaml.Node, kind error, format string, args ...any) error {
	return &PortfolioError{Path: d.path, Line: n.Line, Column: n.Column,
		Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

func (d *pfDecoder) report(n *yaml.Node, kind error, format string, args ...any) {
	d.errs = append(d.errs, d.at(n, kind, format, args...))
}

var pfYAMLLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (d *pfDecoder) syntaxError(err error) error {
	msg := err.Error()
	if m := pfYAMLLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &PortfolioError{Path: d.path, Line: line, Err: fmt.Errorf("%w: %s", ErrPortfolioSyntax, m[2])}
	}
	return &PortfolioError{Path: d.path, Err: fmt.Errorf("%w: %s", ErrPortfolioSyntax, strings.TrimPrefix(msg, "yaml: "))}
}

// node is the node v (a pointer into the decoded portfolio) came from, or nil
// when the key was absent.
func (d *pfDecoder) node(v any) *yaml.Node { return d.nodes[v] }

func pfKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!int":
			return "an integer " + n.Value
		case "!!bool":
			return "a boolean " + n.Value
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// decode fills v (addressable) from n. what names the value in messages.
func (d *pfDecoder) decode(n *yaml.Node, v reflect.Value, what string) {
	ptr := v.Addr().Interface()
	d.nodes[ptr] = n
	fail := func(format string, args ...any) {
		d.bad[ptr] = true
		d.report(n, ErrPortfolioType, "%s: "+format, append([]any{what}, args...)...)
	}
	if n.Kind == yaml.AliasNode {
		// Aliases could make a small file expand without bound; a portfolio
		// is plain data and needs none.
		fail("aliases are not supported")
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			fail("expected a mapping, got %s", pfKind(n))
			return
		}
		if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == reflect.TypeOf(PortfolioPos{}) {
			f.Set(reflect.ValueOf(PortfolioPos{Line: n.Line, Column: n.Column}))
		}
		fields := pfFields(v.Type())
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				d.report(k, ErrPortfolioType, "%s: expected a field name, got %s", what, pfKind(k))
				continue
			}
			if first, dup := seen[k.Value]; dup {
				d.report(k, ErrPortfolioDuplicate, "%s: field %q repeated (first at line %d)", what, k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
			idx, ok := fields[k.Value]
			if !ok {
				d.report(k, ErrPortfolioUnknownField, "%s: unknown field %q", what, k.Value)
				continue
			}
			d.decode(val, v.Field(idx), what+"."+k.Value)
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return
		}
		if n.Kind != yaml.SequenceNode {
			fail("expected a sequence, got %s", pfKind(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		v.Set(s) // before decoding elements, so their addresses stay valid
		for i, c := range n.Content {
			d.decode(c, v.Index(i), fmt.Sprintf("%s[%d]", what, i))
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			fail("expected a string, got %s", pfKind(n))
			return
		}
		if n.ShortTag() != "!!null" {
			v.SetString(n.Value)
		}
	case reflect.Int:
		var i int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
			fail("expected an integer, got %s", pfKind(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			fail("expected true or false, got %s", pfKind(n))
			return
		}
		v.SetBool(b)
	default:
		fail("cannot decode into %s", v.Type())
	}
}

// pfFields maps the yaml keys of struct type t to field indexes.
func pfFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		m[name] = i
	}
	return m
}

var pfID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// str checks one string field. It reports a missing required field at the
// parent node, an empty present field at its own node, and returns the
// field's node (nil when absent or undecodable).
func (d *pfDecoder) str(parent *yaml.Node, s *string, what string, required bool) *yaml.Node {
	n := d.node(s)
	if d.bad[s] {
		return nil
	}
	if n == nil {
		if required {
			d.report(parent, ErrPortfolioMissing, "%s is required", what)
		}
		return nil
	}
	if strings.TrimSpace(*s) == "" {
		d.report(n, ErrPortfolioMissing, "%s must not be empty", what)
		return nil
	}
	return n
}

func (d *pfDecoder) id(parent *yaml.Node, s *string, what string) *yaml.Node {
	n := d.str(parent, s, what, true)
	if n != nil && !pfID.MatchString(*s) {
		d.report(n, ErrPortfolioInvalid, "%s %q: use lowercase letters, digits and '-'", what, *s)
		return nil
	}
	return n
}

func pfNorm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func (d *pfDecoder) validate(root *yaml.Node, p *Portfolio) {
	if d.bad[p] {
		return // the root is not a mapping; nothing more to say
	}
	if vn := d.node(&p.Version); vn == nil {
		d.report(root, ErrPortfolioMissing, "version is required")
	} else if !d.bad[&p.Version] && p.Version != PortfolioVersion {
		d.report(vn, ErrPortfolioInvalid, "version %d is not supported (want %d)", p.Version, PortfolioVersion)
	}

	rcoLine := map[string]int{}
	for i := range p.RCOs {
		r := &p.RCOs[i]
		rn := d.node(r)
		if d.bad[r] {
			continue
		}
		what := fmt.Sprintf("rcos[%d]", i)
		if n := d.id(rn, &r.ID, what+".id"); n != nil {
			if first, dup := rcoLine[r.ID]; dup {
				d.report(n, ErrPortfolioDuplicate, "rco id %q repeated (first at line %d)", r.ID, first)
			} else {
				rcoLine[r.ID] = n.Line
			}
		}
		d.str(rn, &r.Name, what+".name", true)
	}

	if len(p.Systems) == 0 && !d.bad[&p.Systems] {
		at := d.node(&p.Systems)
		if at == nil {
			at = root
		}
		d.report(at, ErrPortfolioMissing, "systems: at least one system is required")
	}
	sysLine := map[string]int{}
	for i := range p.Systems {
		s := &p.Systems[i]
		if d.bad[s] {
			continue
		}
		if n := d.id(d.node(s), &s.ID, fmt.Sprintf("systems[%d].id", i)); n != nil {
			if first, dup := sysLine[s.ID]; dup {
				d.report(n, ErrPortfolioDuplicate, "system id %q repeated (first at line %d)", s.ID, first)
			} else {
				sysLine[s.ID] = n.Line
			}
		}
	}
	for i := range p.Systems {
		if !d.bad[&p.Systems[i]] {
			d.validateSystem(&p.Systems[i], i, rcoLine, sysLine)
		}
	}
	// A registry lives on one system: listed on two, a plan moving it off
	// one counted for the other as well (Home finds the first).
	type place struct {
		system string
		line   int
	}
	where := map[string]place{}
	for i := range p.Systems {
		s := &p.Systems[i]
		if d.bad[s] {
			continue
		}
		seen := map[string]bool{}
		for j := range s.Registries {
			n := d.node(&s.Registries[j])
			key := pfNorm(s.Registries[j])
			if n == nil || key == "" || seen[key] {
				continue // reported by validateSystem
			}
			seen[key] = true
			if first, ok := where[key]; ok {
				d.report(n, ErrPortfolioDuplicate, "system %q: registry %q is also listed on system %q (line %d): a registry lives on one system", s.ID, s.Registries[j], first.system, first.line)
				continue
			}
			where[key] = place{s.ID, n.Line}
		}
	}
}

func (d *pfDecoder) validateSystem(s *System, i int, rcos, systems map[string]int) {
	sn := d.node(s)
	what := fmt.Sprintf("systems[%d]", i)
	if s.ID != "" {
		what = fmt.Sprintf("system %q", s.ID)
	}
	d.str(sn, &s.Name, what+": name", true)

	// owner_kind may be absent (not stated) but, if given, must be valid.
	if n := d.node(&s.OwnerKind); n != nil && !d.bad[&s.OwnerKind] &&
		s.OwnerKind != OwnerPublic && s.OwnerKind != OwnerPrivate {
		d.report(n, ErrPortfolioInvalid, "%s: owner_kind %q: want %s or %s", what, s.OwnerKind, OwnerPublic, OwnerPrivate)
	}

	if n := d.str(sn, &s.Step, what+": step", true); n != nil {
		switch s.Step {
		case StepA, StepB, StepC, StepD, StepReceiver:
		default:
			d.report(n, ErrPortfolioInvalid, "%s: step %q: want A, B, C, D or receiver", what, s.Step)
		}
	}
	if n := d.node(&s.ProposedReceiver); n != nil && s.ProposedReceiver && s.Step != StepReceiver {
		d.report(n, ErrPortfolioInvalid, "%s: proposed_receiver needs step receiver, not %q", what, s.Step)
	}
	if n := d.str(sn, &s.PlannedMoveTo, what+": planned_move_to", false); n != nil {
		if _, ok := systems[s.PlannedMoveTo]; !ok {
			d.report(n, ErrPortfolioUnknownRef, "%s: planned_move_to: no system with id %q", what, s.PlannedMoveTo)
		} else if s.PlannedMoveTo == s.ID {
			d.report(n, ErrPortfolioInvalid, "%s: planned_move_to names the system itself", what)
		}
	}
	if n := d.node(&s.NKRCount2021); n != nil && !d.bad[&s.NKRCount2021] && s.NKRCount2021 < 0 {
		d.report(n, ErrPortfolioInvalid, "%s: nkr_count_2021 %d is negative", what, s.NKRCount2021)
	}

	seenRCO := map[string]int{}
	for j := range s.RCOs {
		n := d.str(sn, &s.RCOs[j], fmt.Sprintf("%s: rcos[%d]", what, j), true)
		if n == nil {
			continue
		}
		id := s.RCOs[j]
		if _, ok := rcos[id]; !ok {
			d.report(n, ErrPortfolioUnknownRef, "%s: no rco with id %q", what, id)
		}
		if first, dup := seenRCO[id]; dup {
			d.report(n, ErrPortfolioDuplicate, "%s: rco %q listed twice (first at line %d)", what, id, first)
		} else {
			seenRCO[id] = n.Line
		}
	}

	seenReg := map[string]int{}
	for j := range s.Registries {
		n := d.str(sn, &s.Registries[j], fmt.Sprintf("%s: registries[%d]", what, j), true)
		if n == nil {
			continue
		}
		key := pfNorm(s.Registries[j])
		if first, dup := seenReg[key]; dup {
			d.report(n, ErrPortfolioDuplicate, "%s: registry %q listed twice (first at line %d)", what, s.Registries[j], first)
		} else {
			seenReg[key] = n.Line
		}
	}

	// A count that disagrees with the named registries must be explained.
	if s.NKRCount2021 > 0 && len(s.Registries) > 0 && len(s.Registries) != s.NKRCount2021 &&
		strings.TrimSpace(s.Discrepancy) == "" && !d.bad[&s.Registries] {
		at := d.node(&s.Registries)
		d.report(at, ErrPortfolioInvalid, "%s: %d registries named but nkr_count_2021 is %d; record why in discrepancy",
			what, len(s.Registries), s.NKRCount2021)
	}
}
