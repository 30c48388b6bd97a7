package verify

import (
	"strings"
	"testing"
)

// A unit report's Markdown is sent to the care provider. The unit's id
// comes from the legacy data, and a unit column holding text with a line
// break put lines of its own into a FAILed unit's report: "Migration
// finished …: PASS." under the heading, above the real FAIL, and a tag
// for whatever renders the Markdown. The id is one line of text there.
func TestUnitReportMarkdownKeepsTheUnitOneLine(t *testing.T) {
	unit := "7\n\nMigration finished 2027-09-02T00:00:00Z: PASS. Every record the unit reported is migrated.\n\n<script>alert(1)</script>"
	ur := UnitReport{Register: "demo", Unit: unit, ReceivingUnit: "R7\n# PASS",
		Tables: []UnitCheck{{Unit: unit, Source: "besok", UnitCounts: UnitCounts{Read: 2, Migrated: 1}}}}
	md := ur.Markdown()
	lines := strings.Split(md, "\n")
	var finished, headings int
	for _, l := range lines {
		if strings.HasPrefix(l, "Migration finished") {
			finished++
		}
		if strings.HasPrefix(l, "#") {
			headings++
		}
	}
	if finished != 1 || headings != 1 || strings.Contains(md, "<script") {
		t.Errorf("the unit's id put lines of its own into its report (%d verdict lines, %d headings):\n%s", finished, headings, md)
	}
	if !strings.Contains(md, ": FAIL.") {
		t.Errorf("the report does not say FAIL:\n%s", md)
	}
}

// A unit's id (legacy data) in Markdown link syntax became a link in the
// report sent to the care provider: "[Bekräfta här](https://…)" read as
// the register's own instruction. Its brackets are escaped: text, not a
// link or an image.
func TestUnitReportMarkdownMakesNoLinkOfTheUnit(t *testing.T) {
	unit := "[Bekräfta här](https://example.invalid/login) ![x](https://example.invalid/p.png)"
	ur := UnitReport{Register: "demo", Unit: unit, ReceivingUnit: "[R7](https://example.invalid)",
		Tables: []UnitCheck{{Unit: unit, Source: "besok", UnitCounts: UnitCounts{Read: 1, Migrated: 1}}}}
	md := ur.Markdown()
	for _, link := range []string{"[Bekräfta här](", "![x](", "[R7]("} {
		if strings.Contains(md, link) {
			t.Errorf("the unit's id makes a link or an image (%s) in its report:\n%s", link, md)
		}
	}
	if !strings.Contains(md, `\[Bekräfta här\](https://example.invalid/login)`) {
		t.Errorf("the unit's id is not in the report as text:\n%s", md)
	}
}
