package archive

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rebag rewrites the payload manifests and the tag manifest over the
// package as it now is: an edit made by someone who also "repairs" the
// bag. Only what the package says of itself can catch it then.
func rebag(t *testing.T, dir string) {
	t.Helper()
	files, err := listFiles(dir, "data")
	if err != nil {
		t.Fatal(err)
	}
	var m256, m512 strings.Builder
	for _, rel := range files {
		sums, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)), sha256.New(), sha512.New())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&m256, "%s  %s\n", sums[0], rel)
		fmt.Fprintf(&m512, "%s  %s\n", sums[1], rel)
	}
	if err := os.WriteFile(filepath.Join(dir, manifest256), []byte(m256.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifest512), []byte(m512.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeTagManifest(dir); err != nil {
		t.Fatal(err)
	}
}

// Verify reads the values archived alone back as it reads the records:
// a value that does not decode, or a count that is not package.json's,
// fails the package (archive verify said "every value read back" and
// printed package.json's count without reading them).
func TestVerifyReadsValuesArchivedAlone(t *testing.T) {
	const values = "data/content/schema2/table0/table0.xml"
	cases := []struct {
		name, file string
		tamper     func(dir string) error
	}{
		{"a value that does not decode", values, func(dir string) error {
			p := filepath.Join(dir, values)
			b, _ := os.ReadFile(p)
			// Same length, so the payload's size is unchanged.
			if !bytes.Contains(b, []byte("<c7>bytes</c7>")) {
				return fmt.Errorf("no bytes value in %s", b)
			}
			return os.WriteFile(p, bytes.Replace(b, []byte("<c7>bytes</c7>"), []byte("<c7>float</c7>"), 1), 0o600)
		}},
		{"package.json counts a value more", packageName, func(dir string) error {
			p := filepath.Join(dir, filepath.FromSlash(packageName))
			b, _ := os.ReadFile(p)
			if !bytes.Contains(b, []byte(`"values": 1,`)) {
				return fmt.Errorf("no values count in %s", b)
			}
			return os.WriteFile(p, bytes.Replace(b, []byte(`"values": 1,`), []byte(`"values": 2,`), 1), 0o600)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			if probs := Verify(dir); len(probs) > 0 {
				t.Fatalf("a fresh package fails: %v", probs)
			}
			if err := c.tamper(dir); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
			probs := Verify(dir)
			found := false
			for _, p := range probs {
				found = found || p.File == c.file
			}
			if !found {
				t.Fatalf("want a problem with %s, got %v", c.file, probs)
			}
		})
	}
}
