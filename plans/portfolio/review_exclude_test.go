package portfolio

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/mappings"
)

// A table rule's exclude: drops records without a trace (not even the
// archive keeps them), as an opt-out does. The review's section of what
// the registry holder accepts named archived tables, acknowledged alarms
// and the lists, but such a rule only in the mapping document's English
// tables at the end; it is named there, in both languages.
func TestReviewNamesExclusionRules(t *testing.T) {
	p, in, sum := reviewFixture(t)
	tm := in.Mappings[0].Tables[0]
	tm.Rules = append(tm.Rules, &mappings.TableRule{When: mappings.Str{Value: "src.test == 1"}, Exclude: mappings.Str{Value: "test_record", Pos: mappings.Pos{Line: 1}}, Detail: mappings.Str{Value: "a test registration", Pos: mappings.Pos{Line: 1}}})
	for lang, want := range map[string]string{
		English: "| excluded by a rule | records of table " + tm.Source.Value + " where src.test == 1: written nowhere, not even to the archive (reason test_record): a test registration |",
		Swedish: "| undantas av en regel | poster i tabellen " + tm.Source.Value + " där src.test == 1: skrivs ingenstans, inte ens till arkivet (skäl test_record): a test registration |",
	} {
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, sum, Reports{}, lang)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(md.String(), want) {
			t.Errorf("%s: the review's accepted section does not name the exclusion rule (want %q):\n%s", lang, want, md.String())
		}
	}
}
