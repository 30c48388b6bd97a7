package mappings

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every diagnostic code a package gives must be in Codes, which map doc
// and the README list: a code given but not listed cannot be looked up,
// and a script matching on it has nothing to go by. The codes are found
// as the string literals they are given by in the source.
func TestEveryGivenCodeIsListed(t *testing.T) {
	code := regexp.MustCompile(`"([MPSYCT]0[0-9]{2})"`)
	for _, dir := range []string{".", "../plans", "../cmd/regflytt", "../verify", "../connectors", "../archive"} {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range code.FindAllStringSubmatch(string(b), -1) {
				if _, ok := Codes[m[1]]; !ok {
					t.Errorf("%s gives code %s, which Codes does not list", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
