package plans

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Fingerprint is the SHA-256 over the plan file and every file it names
// (receiving schema, mappings, the code-list files they include, in that
// order, each preceded by its path and length): what the registry holder
// signed can be told apart from any later change.
func (p *Plan) Fingerprint(in *Inputs) (string, error) {
	files := append([]string{p.File}, in.reviewedFiles()...)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("fingerprint: %w", err)
		}
		fmt.Fprintf(h, "%s\n%d\n", f, len(b))
		if _, err := io.WriteString(h, string(b)); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reviewedFiles are the files besides the plan that a registry holder
// reviews with it: the receiving schema, then each mapping followed by
// the code-list files it includes. The plan's fingerprint, its approval
// hash and the resume check each hash these, in this order.
func (in *Inputs) reviewedFiles() []string {
	var files []string
	if in.Schema != nil {
		files = append(files, in.Schema.File)
	}
	for _, m := range in.Mappings {
		files = append(files, m.Path)
		files = append(files, m.Includes...)
	}
	return files
}
