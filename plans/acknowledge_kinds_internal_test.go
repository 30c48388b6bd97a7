package plans

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every kind of finding verification raises is known to plan check's
// acknowledgement check (findingSubjects): one missing there would make
// P044 refuse a plan acknowledging it, and the run with it. The kinds are
// read from the source: each Finding{Kind: …} of plans and verify, and
// each warning code (Warn… = "…") of mappings and plans, which findings
// raises per table.
func TestFindingSubjectsKnowEveryKind(t *testing.T) {
	consts := map[string]string{}
	constRe := regexp.MustCompile(`(?m)^\s*(?:const\s+)?(\w+)\s*=\s*"([a-z_]+)"`)
	kindRe := regexp.MustCompile(`Finding\{Kind:\s*([\w."]+)`)
	var kinds []string
	for _, dir := range []string{".", "../verify", "../mappings"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range constRe.FindAllStringSubmatch(string(b), -1) {
				consts[m[1]] = m[2]
				if strings.HasPrefix(m[1], "Warn") {
					kinds = append(kinds, `"`+m[2]+`"`)
				}
			}
			if dir == "../mappings" {
				continue
			}
			for _, m := range kindRe.FindAllStringSubmatch(string(b), -1) {
				kinds = append(kinds, m[1])
			}
		}
	}
	if len(kinds) < 15 {
		t.Fatalf("found only %d kinds: %v", len(kinds), kinds)
	}
	for _, k := range kinds {
		name := k
		switch {
		case strings.HasPrefix(k, `"`):
			name = strings.Trim(k, `"`)
		case k == "code":
			continue // a warning code, read above
		default:
			if i := strings.LastIndex(k, "."); i >= 0 {
				k = k[i+1:]
			}
			v, ok := consts[k]
			if !ok {
				t.Errorf("finding kind %s: no constant of that name found", k)
				continue
			}
			name = v
		}
		if _, ok := findingSubjects[name]; !ok {
			t.Errorf("finding kind %s is not in findingSubjects", name)
		}
	}
}
