package verify_test

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/verify"
)

// A run whose records all migrate but whose values of a column were all
// archived alone (granularity: value) printed "30 migrated, 0 archived,
// ok" and nothing else: the column empty in the target went unseen. The
// summary names the values archived alone per reason, as map dry-run does.
func TestRunSummaryNamesValuesArchivedAlone(t *testing.T) {
	tl := verify.TableLedger{Source: "probe", Target: "out", Read: 30, Migrated: 30,
		ValuesArchived: 30, ValuesArchivedBy: map[string]int64{"date_format": 28, "invalid_date": 2}}
	r := verify.Report{Pass: true, Tables: []verify.TableCheck{{TableLedger: tl, SourceRows: 30, OK: true}}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"probe: value archived date_format 28, value archived invalid_date 2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
