package portfolio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writePortfolio writes src (a leading newline dropped, so the first line of
// the literal is line 1) to a fresh file and returns its path.
func writePortfolio(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "portfolio.yaml")
	if err := os.WriteFile(path, []byte(strings.TrimPrefix(src, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimalPortfolio = `
version: 1
rcos:
  - id: syd
    name: RCO Syd
systems:
  - id: three-c
    name: 3C
    owner: Region Skåne
    owner_kind: public
    step: receiver
    nkr_count_2021: 2
    rcos: [syd]
    registries:
      - RIKSÖFT
      - LKG-registret
`

func TestLoadMinimal(t *testing.T) {
	path := writePortfolio(t, minimalPortfolio)
	p, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Portfolio{
		Version: 1,
		RCOs:    []RCO{{ID: "syd", Name: "RCO Syd", Pos: PortfolioPos{Line: 3, Column: 5}}},
		Systems: []System{{
			ID: "three-c", Name: "3C", Owner: "Region Skåne", OwnerKind: OwnerPublic,
			Step: StepReceiver, NKRCount2021: 2, RCOs: []string{"syd"},
			Registries: []string{"RIKSÖFT", "LKG-registret"},
			Pos:        PortfolioPos{Line: 6, Column: 5},
		}},
		File: path,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Load:\n got %+v\nwant %+v", p, want)
	}
}

func TestLoadOptionalFields(t *testing.T) {
	// Fields that are "not stated" may be absent; a count that disagrees
	// with the names is fine once a discrepancy explains it.
	p, err := Load(writePortfolio(t, `
version: 1
systems:
  - id: a
    name: A
    step: A
    planned_move_to: b
    nkr_count_2021: 3
    registries: [one]
    discrepancy: the table names one, the count says three
  - id: b
    name: B
    owner_kind: private
    step: receiver
    proposed_receiver: true
    condition: if it scales
`))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := p.Systems[0]; got.OwnerKind != "" || got.RCOs != nil || got.PlannedMoveTo != "b" {
		t.Errorf("system a = %+v", got)
	}
	if got := p.Systems[1]; !got.ProposedReceiver || got.Condition != "if it scales" {
		t.Errorf("system b = %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // error lines, without the "path:" prefix
		is   error    // every reported error must wrap this, when set
	}{
		{
			name: "unknown top-level field",
			src: `
version: 1
colour: blue
systems: [{id: a, name: A, step: A}]
`,
			want: []string{`2:1: unknown field: portfolio: unknown field "colour"`},
			is:   ErrPortfolioUnknownField,
		},
		{
			name: "unknown system field",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    ownr: Region Skåne
`,
			want: []string{`6:5: unknown field: portfolio.systems[0]: unknown field "ownr"`},
			is:   ErrPortfolioUnknownField,
		},
		{
			name: "unknown rco field",
			src: `
version: 1
rcos:
  - {id: syd, name: RCO Syd, city: Lund}
systems: [{id: a, name: A, step: A}]
`,
			want: []string{`3:30: unknown field: portfolio.rcos[0]: unknown field "city"`},
			is:   ErrPortfolioUnknownField,
		},
		{
			name: "repeated key",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    name: B
`,
			want: []string{`6:5: duplicate: portfolio.systems[0]: field "name" repeated (first at line 4)`},
			is:   ErrPortfolioDuplicate,
		},
		{
			name: "duplicate system id",
			src: `
version: 1
systems:
  - id: inca
    name: INCA
    step: receiver
  - id: inca
    name: INCA again
    step: receiver
`,
			want: []string{`6:9: duplicate: system id "inca" repeated (first at line 3)`},
			is:   ErrPortfolioDuplicate,
		},
		{
			name: "bad system id",
			src: `
version: 1
systems:
  - {id: INCA, name: INCA, step: receiver}
`,
			want: []string{`3:10: invalid value: systems[0].id "INCA": use lowercase letters, digits and '-'`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "missing system id and name",
			src: `
version: 1
systems:
  - step: A
`,
			want: []string{
				`3:5: missing value: systems[0].id is required`,
				`3:5: missing value: systems[0]: name is required`,
			},
			is: ErrPortfolioMissing,
		},
		{
			name: "owner_kind not public or private",
			src: `
version: 1
systems:
  - id: a
    name: A
    owner: Carmona AB
    owner_kind: company
    step: D
`,
			want: []string{`6:17: invalid value: system "a": owner_kind "company": want public or private`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "owner_kind present but empty",
			src: `
version: 1
systems:
  - id: a
    name: A
    owner_kind:
    step: D
`,
			want: []string{`5:16: invalid value: system "a": owner_kind "": want public or private`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "step not a known step",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: E
`,
			want: []string{`5:11: invalid value: system "a": step "E": want A, B, C, D or receiver`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "step missing",
			src: `
version: 1
systems:
  - id: a
    name: A
`,
			want: []string{`3:5: missing value: system "a": step is required`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "unknown rco reference",
			src: `
version: 1
rcos:
  - id: syd
    name: RCO Syd
systems:
  - id: a
    name: A
    step: A
    rcos:
      - syd
      - nord
`,
			want: []string{`11:9: unknown reference: system "a": no rco with id "nord"`},
			is:   ErrPortfolioUnknownRef,
		},
		{
			name: "rco listed twice",
			src: `
version: 1
rcos: [{id: syd, name: RCO Syd}]
systems:
  - id: a
    name: A
    step: A
    rcos: [syd, syd]
`,
			want: []string{`7:17: duplicate: system "a": rco "syd" listed twice (first at line 7)`},
			is:   ErrPortfolioDuplicate,
		},
		{
			name: "duplicate rco id and empty rco name",
			src: `
version: 1
rcos:
  - id: syd
    name: RCO Syd
  - id: syd
    name: ""
systems: [{id: a, name: A, step: A}]
`,
			want: []string{
				`5:9: duplicate: rco id "syd" repeated (first at line 3)`,
				`6:11: missing value: rcos[1].name must not be empty`,
			},
		},
		{
			name: "empty registry name",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    registries:
      - Palliativregistret
      - "  "
`,
			want: []string{`8:9: missing value: system "a": registries[1] must not be empty`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "null registry name",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    registries:
      -
      - Palliativregistret
`,
			want: []string{`7:8: missing value: system "a": registries[0] must not be empty`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "duplicate registry name",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    registries:
      - Svenska korsbandsregistret
      - Palliativregistret
      - Svenska  Korsbandsregistret
`,
			want: []string{`9:9: duplicate: system "a": registry "Svenska  Korsbandsregistret" listed twice (first at line 7)`},
			is:   ErrPortfolioDuplicate,
		},
		{
			// A registry lives on one system: listed on two, a plan moving
			// it off one counted for both (every-registry-has-a-plan
			// passed while the other system kept it without a plan).
			name: "registry on two systems",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    registries: [Palliativregistret]
  - id: b
    name: B
    step: B
    registries: [palliativregistret]
`,
			want: []string{`10:18: duplicate: system "b": registry "palliativregistret" is also listed on system "a" (line 6): a registry lives on one system`},
			is:   ErrPortfolioDuplicate,
		},
		{
			name: "count disagrees with names without discrepancy",
			src: `
version: 1
systems:
  - id: carmona
    name: Carmona
    step: D
    nkr_count_2021: 9
    registries:
      - Svenska Barnreumaregistret
`,
			want: []string{`8:7: invalid value: system "carmona": 1 registries named but nkr_count_2021 is 9; record why in discrepancy`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "negative count",
			src: `
version: 1
systems:
  - {id: a, name: A, step: A, nkr_count_2021: -1}
`,
			want: []string{`3:47: invalid value: system "a": nkr_count_2021 -1 is negative`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "proposed receiver outside receiver step",
			src: `
version: 1
systems:
  - id: a
    name: A
    step: A
    proposed_receiver: true
`,
			want: []string{`6:24: invalid value: system "a": proposed_receiver needs step receiver, not "A"`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "planned move to unknown or same system",
			src: `
version: 1
systems:
  - {id: a, name: A, step: A, planned_move_to: inka}
  - {id: b, name: B, step: A, planned_move_to: b}
`,
			want: []string{
				`3:48: unknown reference: system "a": planned_move_to: no system with id "inka"`,
				`4:48: invalid value: system "b": planned_move_to names the system itself`,
			},
		},
		{
			name: "version missing",
			src: `
systems: [{id: a, name: A, step: A}]
`,
			want: []string{`1:1: missing value: version is required`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "version unsupported",
			src: `
version: 2
systems: [{id: a, name: A, step: A}]
`,
			want: []string{`1:10: invalid value: version 2 is not supported (want 1)`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "no systems",
			src: `
version: 1
systems: []
`,
			want: []string{`2:10: missing value: systems: at least one system is required`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "wrong types",
			src: `
version: "1"
systems:
  - id: a
    name: A
    step: A
    nkr_count_2021: many
    proposed_receiver: yes please
    registries: Palliativregistret
    rcos: {syd: 1}
  - just a string
`,
			want: []string{
				`1:10: wrong type: portfolio.version: expected an integer, got "1"`,
				`6:21: wrong type: portfolio.systems[0].nkr_count_2021: expected an integer, got "many"`,
				`7:24: wrong type: portfolio.systems[0].proposed_receiver: expected true or false, got "yes please"`,
				`8:17: wrong type: portfolio.systems[0].registries: expected a sequence, got "Palliativregistret"`,
				`9:11: wrong type: portfolio.systems[0].rcos: expected a sequence, got a mapping`,
				`10:5: wrong type: portfolio.systems[1]: expected a mapping, got "just a string"`,
			},
			is: ErrPortfolioType,
		},
		{
			name: "root not a mapping",
			src: `
- version: 1
`,
			want: []string{`1:1: wrong type: portfolio: expected a mapping, got a sequence`},
			is:   ErrPortfolioType,
		},
		{
			name: "alias",
			src: `
version: 1
rcos: [&syd {id: syd, name: RCO Syd}]
systems:
  - {id: a, name: A, step: A, rcos: [syd]}
  - {id: b, name: B, step: A, registries: *syd}
`,
			want: []string{`5:43: wrong type: portfolio.systems[1].registries: aliases are not supported`},
			is:   ErrPortfolioType,
		},
		{
			// yaml.v3 reports only a line, and for parser errors it is the
			// line before the one at fault; it is passed on as given.
			name: "syntax error",
			src: `
version: 1
systems:
  - id: a
    name: [A
`,
			want: []string{`3: invalid YAML: did not find expected ',' or ']'`},
			is:   ErrPortfolioSyntax,
		},
		{
			name: "scanner error",
			src: `
version: 1
systems:
  - id: a
    name: A: B
`,
			want: []string{`4: invalid YAML: mapping values are not allowed in this context`},
			is:   ErrPortfolioSyntax,
		},
		{
			name: "syntax error without a line",
			src: `
version: 1
systems: *nope
`,
			want: []string{` invalid YAML: unknown anchor 'nope' referenced`},
			is:   ErrPortfolioSyntax,
		},
		{
			name: "two documents",
			src: `
version: 1
systems: [{id: a, name: A, step: A}]
---
version: 1
`,
			want: []string{`3:1: invalid value: more than one YAML document`},
			is:   ErrPortfolioInvalid,
		},
		{
			name: "empty file",
			src:  "# nothing here\n",
			want: []string{` missing value: empty document`},
			is:   ErrPortfolioMissing,
		},
		{
			name: "all problems reported at once",
			src: `
version: 1
rcos: [{id: syd, name: RCO Syd}]
systems:
  - id: a
    name: A
    owner_kind: kommun
    step: Z
    rcos: [norr]
    registries: [x, x, ""]
    extra: 1
  - id: a
    name: A2
    step: A
`,
			want: []string{
				`10:5: unknown field: portfolio.systems[0]: unknown field "extra"`,
				`11:9: duplicate: system id "a" repeated (first at line 4)`,
				`6:17: invalid value: system "a": owner_kind "kommun": want public or private`,
				`7:11: invalid value: system "a": step "Z": want A, B, C, D or receiver`,
				`8:12: unknown reference: system "a": no rco with id "norr"`,
				`9:21: duplicate: system "a": registry "x" listed twice (first at line 9)`,
				`9:24: missing value: system "a": registries[2] must not be empty`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePortfolio(t, tt.src)
			p, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want errors %q", p, tt.want)
			}
			if p != nil {
				t.Errorf("Load returned a portfolio along with the error")
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, path+":"+w)
			}
			got := strings.Split(err.Error(), "\n")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("errors:\n got %q\nwant %q", got, want)
			}
			// Every reported problem is a *PortfolioError with a position.
			var errs []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			} else {
				errs = []error{err}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d", len(errs), len(tt.want))
			}
			for _, e := range errs {
				var pe *PortfolioError
				if !errors.As(e, &pe) || pe.Path != path {
					t.Errorf("error %q is not a *PortfolioError for %s", e, path)
				}
				if tt.is != nil && !errors.Is(e, tt.is) {
					t.Errorf("error %q does not wrap %v", e, tt.is)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want an error wrapping fs.ErrNotExist", err)
	}
}

// TestPortfolioFile checks testdata/portfolio.yaml against the facts in
// shared/DOMAIN.md and the strategy.
func TestPortfolioFile(t *testing.T) {
	p, err := Load(filepath.Join("..", "..", "testdata", "portfolio.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	// DOMAIN.md, "The consolidation": system, owner, NKR (2021), step.
	type fact struct {
		name, owner string // owner "private" means only the kind is stated
		count       int
		step        string
	}
	facts := map[string]fact{
		"eurocrine":          {"Eurocrine", "Region Skåne", 1, StepA},
		"its-gynop":          {"ITS GynOp", "Region Västerbotten", 1, StepA},
		"its-riksstroke":     {"ITS RiksStroke", "Region Västerbotten", 1, StepA},
		"horselbron":         {"Hörselbron", "private", 1, StepA},
		"skapa":              {"SkaPa", "Region Värmland", 1, StepA},
		"korsbandsregistret": {"Svenska Korsbandsregistret", "Karolinska Institutet", 1, StepA},
		"ndr":                {"NDR", "Västra Götalandsregionen", 1, StepA},
		"otimo":              {"Otimo", "Otimo Data AB", 2, StepA},
		"pharos":             {"Pharos", "Nasher AB", 6, StepB},
		"qreg4":              {"QReg4", "Region Uppsala", 7, StepC},
		"carmona":            {"Carmona", "Carmona AB", 9, StepD},
		"health-solutions":   {"Health Solutions", "Health Solutions AB", 5, StepD},
		"3c":                 {"3C", "Region Skåne", 10, StepReceiver},
		"medscinet":          {"MedSciNet", "MedSciNet AB", 5, StepReceiver},
		"qreg5":              {"QReg5", "Region Uppsala", 8, StepReceiver},
		"stratum":            {"Stratum", "Västra Götalandsregionen", 15, StepReceiver},
		"inca":               {"INCA", "Västra Götalandsregionen", 26, StepReceiver},
	}
	if len(facts) != 17 {
		t.Fatalf("test table has %d systems, DOMAIN.md lists 17", len(facts))
	}

	byID := map[string]System{}
	for _, s := range p.Systems {
		byID[s.ID] = s
	}
	if len(p.Systems) < 17 {
		t.Errorf("portfolio has %d systems, want at least 17", len(p.Systems))
	}
	sum, sumNKR, private := 0, 0, 0
	for id, f := range facts {
		s, ok := byID[id]
		if !ok {
			t.Errorf("system %q (%s) missing", id, f.name)
			continue
		}
		if s.Name != f.name || s.Step != f.step || s.NKRCount2021 != f.count {
			t.Errorf("system %q = {name %q, step %q, nkr %d}, want {%q, %q, %d}",
				id, s.Name, s.Step, s.NKRCount2021, f.name, f.step, f.count)
		}
		switch {
		case f.owner == "private":
			if s.OwnerKind != OwnerPrivate {
				t.Errorf("system %q owner_kind = %q, want private", id, s.OwnerKind)
			}
		case !strings.HasPrefix(s.Owner, f.owner):
			t.Errorf("system %q owner = %q, want %q", id, s.Owner, f.owner)
		}
		if s.OwnerKind == OwnerPrivate {
			private++
		}
		sum += s.NKRCount2021
		if id != "horselbron" { // a sub-register, not an NKR of its own
			sumNKR += s.NKRCount2021
		}
		// The count and the names agree, or the file says why not.
		if len(s.Registries) != s.NKRCount2021 && s.Discrepancy == "" {
			t.Errorf("system %q names %d registries, count %d, no discrepancy recorded",
				id, len(s.Registries), s.NKRCount2021)
		}
	}
	// Tabell 1 adds up to 100; footnote 6: the 17 systems support 99 NKR.
	if sum != 100 || sumNKR != 99 {
		t.Errorf("NKR counts of the 17 systems sum to %d (%d without Hörselbron), want 100 (99)", sum, sumNKR)
	}
	if private == 0 {
		t.Errorf("no private owner among the 17 systems")
	}
	// Tabell 1: regions own 11 systems, private suppliers 6 (Karolinska
	// Institutet is listed with the public owners).
	if private != 6 {
		t.Errorf("%d private owners, the strategy says 6", private)
	}

	inca := byID["inca"]
	if inca.NKRCount2021 != 26 || len(inca.Registries) != 26 || len(inca.RCOs) != 6 {
		t.Errorf("INCA: nkr %d, %d registries, %d RCOs; want 26, 26, 6",
			inca.NKRCount2021, len(inca.Registries), len(inca.RCOs))
	}

	// The five to seven systems left after steps A–D hold 64 and 78 NKR.
	five := byID["inca"].NKRCount2021 + byID["medscinet"].NKRCount2021 + byID["qreg5"].NKRCount2021 +
		byID["stratum"].NKRCount2021 + byID["3c"].NKRCount2021
	seven := five + byID["carmona"].NKRCount2021 + byID["health-solutions"].NKRCount2021
	if five != 64 || seven != 78 {
		t.Errorf("remaining systems hold %d / %d NKR, want 64 / 78", five, seven)
	}

	var proposed []string
	for _, s := range p.Systems {
		if s.ProposedReceiver {
			proposed = append(proposed, s.ID)
		}
	}
	if want := []string{"medscinet", "qreg5", "stratum", "inca"}; !reflect.DeepEqual(proposed, want) {
		t.Errorf("proposed receivers = %q, want %q", proposed, want)
	}
	for _, id := range []string{"carmona", "health-solutions", "3c"} {
		if byID[id].Condition == "" {
			t.Errorf("system %q: the strategy makes its step conditional, but no condition recorded", id)
		}
	}
	if byID["its-riksstroke"].PlannedMoveTo != "inca" || byID["ndr"].PlannedMoveTo != "stratum" {
		t.Errorf("planned moves: RiksStroke -> %q, NDR -> %q; want inca, stratum",
			byID["its-riksstroke"].PlannedMoveTo, byID["ndr"].PlannedMoveTo)
	}
	if q, ok := byID["q-bup"]; !ok || q.Step != StepA {
		t.Errorf("Q-bup = %+v (present %v), want step A", q, ok)
	}

	// The six regional registry-centre organisations.
	if len(p.RCOs) != 6 {
		t.Errorf("%d RCOs, want 6", len(p.RCOs))
	}
}

// FuzzParsePortfolio checks that no input panics and that a failure always
// comes as positioned *PortfolioError values and without a portfolio.
func FuzzParsePortfolio(f *testing.F) {
	f.Add([]byte(strings.TrimPrefix(minimalPortfolio, "\n")))
	f.Add([]byte("version: 1\nsystems: [{id: a, name: A, step: A, rcos: [x], registries: [a, a]}]\n"))
	f.Add([]byte("systems: [~, [], {id: &a b}, *a]\n"))
	f.Add([]byte("---\n---\n"))
	if data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "portfolio.yaml")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parse("fuzz.yaml", data)
		if (p == nil) == (err == nil) {
			t.Fatalf("parse = %v, %v: want exactly one of them", p, err)
		}
		if err == nil {
			return
		}
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			var pe *PortfolioError
			if !errors.As(e, &pe) || !strings.HasPrefix(e.Error(), "fuzz.yaml:") {
				t.Fatalf("error %q is not a positioned *PortfolioError", e)
			}
		}
	})
}
