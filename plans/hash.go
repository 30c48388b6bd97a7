package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// Hash is the SHA-256 a registry holder approves: over the plan file with
// its approvals and progress sections cut out (hashedText), then over every
// file the plan names — receiving schema, mappings, the code-list files
// they include, in that order — each preceded by its path relative to the
// plan's directory and its length. So an approval stays valid when the
// next approval or a milestone done is recorded, and goes stale when
// anything reviewed changes: the template, the technical run, a mapping or
// a code list. Paths are taken relative to the plan so that the hash is
// the same from whatever directory it is computed.
func (p *Plan) Hash(in *Inputs) (string, error) {
	data, err := os.ReadFile(p.File)
	if err != nil {
		return "", fmt.Errorf("plan hash: %w", err)
	}
	text, err := hashedText(data)
	if err != nil {
		return "", fmt.Errorf("plan hash of %s: %w", p.File, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "plan\n%d\n%s", len(text), text)
	dir := filepath.Dir(p.File)
	for _, f := range in.reviewedFiles() {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("plan hash: %w", err)
		}
		rel, err := filepath.Rel(dir, f)
		if err != nil {
			rel = f
		}
		fmt.Fprintf(h, "%s\n%d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
