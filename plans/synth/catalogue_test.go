package synth_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans/synth"
)

// The defect catalogue, testdata/defects.yaml, read strictly: a misspelt
// field is an error, not a line silently without its check.

const cataloguePath = "../../testdata/defects.yaml"

type catalogue struct {
	Version int         `yaml:"version"`
	Defects []catDefect `yaml:"defects"`
	// AccessDefects are the legacy access tables' defects, checked by
	// plans' TestAccessDefects against a demo run.
	AccessDefects []catDefect `yaml:"access_defects"`
}

type catDefect struct {
	ID    string     `yaml:"id"`
	What  string     `yaml:"what"`
	Where []catWhere `yaml:"where"`
}

type catWhere struct {
	Platform     string `yaml:"platform"`
	Table        string `yaml:"table"`
	Column       string `yaml:"column"`
	Outcome      string `yaml:"outcome"`
	Reason       string `yaml:"reason"`
	TargetColumn string `yaml:"target_column"`
	ValueReason  string `yaml:"value_reason"`
	Check        string `yaml:"check"`
	Warning      string `yaml:"warning"`
	Note         string `yaml:"note"`
}

func loadCatalogue(t *testing.T) *catalogue {
	t.Helper()
	f, err := os.Open(cataloguePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var c catalogue
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", cataloguePath, err)
	}
	return &c
}

// entries gives a platform's catalogue lines by (defect, table).
func (c *catalogue) entries(p synth.Platform) map[[2]string]catWhere {
	out := map[[2]string]catWhere{}
	for _, d := range c.Defects {
		for _, w := range d.Where {
			if w.Platform == string(p) {
				out[[2]string{d.ID, w.Table}] = w
			}
		}
	}
	return out
}

// The catalogue and the generator describe the same defects: every kind
// the generator injects on a platform, in every table it reaches, has its
// line, and no line names what the generator never makes. Each line is
// well formed.
func TestCatalogue(t *testing.T) {
	c := loadCatalogue(t)
	if c.Version != 1 {
		t.Errorf("catalogue version %d, want 1", c.Version)
	}
	if len(c.Defects) < 25 {
		t.Errorf("%d kinds of defect, the issue asks for at least 25", len(c.Defects))
	}
	seen := map[string]bool{}
	for _, d := range c.Defects {
		if seen[d.ID] {
			t.Errorf("defect %s is listed twice", d.ID)
		}
		seen[d.ID] = true
		if _, ok := synth.DefaultRates[synth.DefectID(d.ID)]; !ok {
			t.Errorf("defect %s is not one the generator knows", d.ID)
		}
		if d.What == "" || len(d.Where) == 0 {
			t.Errorf("defect %s needs what: and where:", d.ID)
		}
		for _, w := range d.Where {
			if err := checkWhere(w); err != nil {
				t.Errorf("defect %s, %s.%s: %v", d.ID, w.Platform, w.Table, err)
			}
		}
	}
	for _, d := range c.AccessDefects {
		if !isAccess(synth.DefectID(d.ID)) {
			t.Errorf("access defect %s is not one the generator knows", d.ID)
		}
		if seen[d.ID] {
			t.Errorf("defect %s is listed twice", d.ID)
		}
		seen[d.ID] = true
	}
	for id := range synth.DefaultRates {
		if !seen[string(id)] {
			t.Errorf("the generator's defect %s has no line in %s", id, cataloguePath)
		}
	}
	for _, p := range synth.Platforms() {
		want := map[[2]string]bool{}
		for id, tables := range synth.DefectTables(p) {
			for _, tb := range tables {
				want[[2]string{string(id), tb}] = true
			}
		}
		got := c.entries(p)
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: the generator puts %s into %s rows; the catalogue has no line for it", p, k[0], k[1])
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("%s: the catalogue lists %s in %s, which the generator never makes", p, k[0], k[1])
			}
		}
	}
}

func checkWhere(w catWhere) error {
	switch w.Platform {
	case string(synth.EAV), string(synth.Wide), string(synth.MainSub):
	default:
		return fmt.Errorf("unknown platform %q", w.Platform)
	}
	if w.Table == "" {
		return fmt.Errorf("no table")
	}
	switch w.Outcome {
	case "migrated":
		if w.Reason != "" {
			return fmt.Errorf("a migrated record has no reason (value_reason for a value archived alone)")
		}
	case "archived", "excluded":
		if w.Reason == "" {
			return fmt.Errorf("an %s record needs its reason", w.Outcome)
		}
		if (w.Check != "" && w.Check != "source_text" && w.Check != "kept") || w.ValueReason != "" {
			return fmt.Errorf("check (but source_text and kept) and value_reason are for migrated records")
		}
		if w.Check == "source_text" && w.Column == "" {
			return fmt.Errorf("check source_text needs the column")
		}
	default:
		return fmt.Errorf("outcome %q: want migrated, archived or excluded", w.Outcome)
	}
	switch w.Check {
	case "", "value", "pseudonym", "partial_date", "source_text", "kept":
	default:
		return fmt.Errorf("check %q: want value, pseudonym, partial_date, source_text or kept", w.Check)
	}
	if (w.Check == "source_text" || w.Check == "kept") && w.Outcome != "archived" {
		return fmt.Errorf("check %s is for archived records", w.Check)
	}
	switch w.Warning {
	case "", mappings.WarnCenturyResolved, mappings.WarnCenturyAmbiguous, mappings.WarnPersonNotChecked:
	default:
		return fmt.Errorf("warning %q: want %s, %s or %s", w.Warning, mappings.WarnCenturyResolved, mappings.WarnCenturyAmbiguous, mappings.WarnPersonNotChecked)
	}
	if ((w.Check != "" && w.Check != "kept" && w.Check != "source_text") || w.ValueReason != "") && w.TargetColumn == "" {
		return fmt.Errorf("check and value_reason need target_column")
	}
	return nil
}

// testRates gives every defect of a platform a rate high enough that a
// few hundred patients carry each, within the rule that one row's
// defects add up to at most 1. PNRPlus, OptOutOtherCentury and
// PNRCenturyFromDate need more: only patients aged 100 or more can have
// them.
func testRates(p synth.Platform) map[synth.DefectID]float64 {
	rates := map[synth.DefectID]float64{}
	for _, n := range synth.DefectNames(p) {
		rates[synth.DefectID(n)] = 0.025
	}
	// Only the old can have these; the late century's birth must also
	// follow the row's date.
	for _, id := range []synth.DefectID{synth.PNRPlus, synth.OptOutOtherCentury, synth.PNRCenturyFromDate} {
		if _, ok := rates[id]; ok {
			rates[id] = 0.25
		}
	}
	// The access tables hold a few dozen users: rates high enough that
	// each access defect occurs.
	if len(synth.AccessTablesOf(p)) > 0 {
		for _, id := range synth.AccessDefectIDs() {
			rates[id] = 0.15
		}
	}
	return rates
}

// sortedKeys lists a map's keys, for messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// genericReasons say how regflytt noticed a problem, not what is wrong
// with the record: an auditor reading not_null cannot tell a visit
// without a unit from one without an identity number. The synthetic
// mappings name each defect in the registry's words instead (a rule's
// archive:, a column's reasons:), and the catalogue holds them to it: a
// mapping that went back to a generic reason fails the defect tests, and
// a catalogue line that went back with it fails here.
var genericReasons = map[string]bool{
	"not_null": true, "lookup_missing": true, "rule_required": true, "rule_range": true,
	"rule_pattern": true, "rule_enum": true, "merge_conflict": true, "duplicate_key": true,
	"expression_failed": true, mappings.ReasonValueLost: true, "error": true,
}

func TestCatalogueNamesReasons(t *testing.T) {
	for _, d := range loadCatalogue(t).Defects {
		for _, w := range d.Where {
			for _, r := range []string{w.Reason, w.ValueReason} {
				if genericReasons[r] || strings.HasPrefix(r, "cast_") {
					t.Errorf("defect %s, %s.%s: %s says how, not what is wrong: name the reason in the mapping (rules:, reasons:)", d.ID, w.Platform, w.Table, r)
				}
			}
		}
	}
}
