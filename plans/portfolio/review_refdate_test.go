package portfolio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
)

// The run judges appointments and grants on the plan's reference date,
// and verification compares both sides on it. A reference date well
// before the legacy system's freeze migrates as valid an appointment that
// ended in between, under PASS (on the real servers: the demo's two
// appointments that ended 2024-06-30 migrated, reference date
// 2024-01-01, where a run on its own day archives them); the review
// showed only the date. It says how far it is from the freeze or the
// cut-over, in Swedish and English, and nothing when it lies between.
func TestReviewSaysHowTheReferenceDateStandsToTheFreeze(t *testing.T) {
	p, in, sum := reviewFixture(t)
	render := func(lang string) string {
		t.Helper()
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, sum, Reports{}, lang)); err != nil {
			t.Fatal(err)
		}
		return md.String()
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// The fixture freezes the legacy system 2027-09-01, cuts over 2027-09-02.
	p.ReferenceDate = day("2026-01-01")
	if en, sv := render(English), render(Swedish); !strings.Contains(en, "NOTE: that is 608 days before the legacy system is frozen (2027-09-01)") ||
		!strings.Contains(sv, "OBS: det är 608 dagar före den dag det gamla systemet fryses (2027-09-01)") {
		t.Errorf("a reference date before the freeze is not named as such:\n%s\n%s", en, sv)
	}
	p.ReferenceDate = day("2027-12-01")
	if en := render(English); !strings.Contains(en, "NOTE: that is 90 days after the cut-over (2027-09-02)") {
		t.Errorf("a reference date after the cut-over is not named as such:\n%s", en)
	}
	p.ReferenceDate = day("2027-09-01")
	if en := render(English); strings.Contains(en, "NOTE: that is") {
		t.Errorf("a reference date on the freeze is named as out of place:\n%s", en)
	}
}
