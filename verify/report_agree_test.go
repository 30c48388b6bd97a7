package verify

import (
	"bytes"
	"strings"
	"testing"
)

// The verification's summary and HTML say what its JSON says of the
// opt-out and erasure lists: how many entries, how many matched a person
// (whose records were excluded), and which source tables were not matched
// against the list at all. Both were silent: an auditor reading a PASS
// in verify-report.html could not see that a patient table was never
// held to the opt-out list, which only verify-report.json said.
func TestSummaryTextAndHTMLShowTheLists(t *testing.T) {
	s := &Summary{Register: "r", Plan: "plan.yaml", Lists: []ListCheck{
		{ListLedger: ListLedger{List: "opt-out", Entries: 5, Matched: 4, Unmatched: 1, Acknowledged: 1, AcknowledgedReason: "moved abroad",
			NotMatchedIn: []string{"besok_extra", "logg (archived whole)"}}, OK: true},
		{ListLedger: ListLedger{List: "erasure", Entries: 2, Matched: 2}, OK: true},
	}}
	s.Finish(s.Started)
	var text, html bytes.Buffer
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"opt-out list: 5 entries, 4 matched, 1 unmatched, 1 acknowledged, ok",
		"tables not matched against it: besok_extra, logg (archived whole)",
		"erasure list: 2 entries, 2 matched, 0 unmatched, 0 acknowledged, ok",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, text.String())
		}
	}
	for _, want := range []string{
		`<tr><td>opt-out</td><td class="n">5</td><td class="n">4</td><td class="n">1</td><td class="n">1</td><td>moved abroad</td><td>besok_extra, logg (archived whole)</td><td class="pass">ok</td></tr>`,
		`<tr><td>erasure</td><td class="n">2</td><td class="n">2</td><td class="n">0</td><td class="n">0</td><td></td><td></td><td class="pass">ok</td></tr>`,
	} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("the HTML lacks %s", want)
		}
	}
}
