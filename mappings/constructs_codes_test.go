package mappings

import (
	"regexp"
	"strings"
	"testing"
)

// A code a construct's document cites names the rule it says: the
// registry holder reads these in map doc and plan render. The sentence on
// reason codes cited M050 (a table without a reporting unit) for M070.
func TestConstructsCiteTheirCodes(t *testing.T) {
	cite := regexp.MustCompile(`may not take a built-in reason's name \((M\d{3})\)`)
	found := false
	for _, c := range Constructs() {
		for _, m := range cite.FindAllStringSubmatch(c.Doc, -1) {
			found = true
			if !strings.Contains(Codes[m[1]], "built-in reason's name") {
				t.Errorf("%s cites %s (%q) for reason codes", c.Name, m[1], Codes[m[1]])
			}
		}
	}
	if !found {
		t.Fatal("no construct says what a reason code may not be")
	}
}
