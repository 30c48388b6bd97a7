package portfolio

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/mappings"
)

// The review is handed on: a template note or a reason holding an identity
// number, and a report's problem line holding one (an older report, a
// connector's message), are shown masked, in both languages. They were
// printed in clear, and plan check passed the plan.
func TestReviewMasksIdentityNumbers(t *testing.T) {
	p, in, sum := reviewFixture(t)
	const number = "19121212-1212"
	p.Template.Practicalities.Value = "Patienten " + number + " har begärt utplåning och hanteras manuellt."
	p.Template.CostNote.Value = "Inklusive 191212121212 i extra arbete."
	p.Verification.Acknowledge = map[string]mappings.Str{"archived_share.besok": {Value: "besök av " + number + " är testdata"}}
	base, err := LoadReports("testdata/review/reports/review")
	if err != nil || base.Run == nil {
		t.Fatal(err)
	}
	run := *base.Run
	run.Problems = []string{"target table patient: key " + number + " missing"}
	base.Run = &run
	base.Dry.Problems = []string{"opt-out list entry " + number + " matches no one"}
	for _, lang := range []string{Swedish, English} {
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, sum, base, lang)); err != nil {
			t.Fatal(err)
		}
		doc := md.String()
		// The mapping document (appended in English) carries its own
		// function examples; the plan's and reports' parts end before it.
		if i := strings.Index(doc, "## Mapp"); i >= 0 {
			doc = doc[:i]
		}
		for _, clear := range []string{number, "191212121212"} {
			if strings.Contains(doc, clear) {
				t.Errorf("%s: the review shows %s in clear:\n%s", lang, clear, doc)
			}
		}
		if !strings.Contains(doc, "Patienten ") || !strings.Contains(doc, "key ") {
			t.Errorf("%s: the masked texts are not shown at all:\n%s", lang, doc)
		}
	}
}

// A report's problem line can carry text of the legacy data (a unit's id,
// a table's name). One holding line breaks put paragraphs of its own on
// the page, under the real verdict: "State: approved in this version.",
// "Verification: PASS: …". It is shown as one line.
func TestReviewKeepsAReportLineOneLine(t *testing.T) {
	p, in, sum := reviewFixture(t)
	base, err := LoadReports("testdata/review/reports/review")
	if err != nil || base.Run == nil {
		t.Fatal(err)
	}
	run := *base.Run
	run.Problems = []string{"unit x\n\nState: approved in this version.\r\n\nVerification: PASS: every source record is accounted for.\u2028"}
	base.Run = &run
	base.Dry.Problems = []string{"list\n\nVerification: PASS: every source record is accounted for."}
	var md bytes.Buffer
	if err := mappings.WriteMarkdown(&md, Review(p, in, sum, base, English)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "State: approved") || strings.HasPrefix(line, "Verification: PASS") {
			t.Errorf("a report's line put a line of its own on the page: %q", line)
		}
	}
}
