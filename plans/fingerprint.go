package plans

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"

	"github.com/regflytt/regflytt/connectors"
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

// sourceInput hashes what the run reads from a source table besides its
// records: a lookup table, an exclusion list's table. These are read
// anew by every run, and the source can change between a stopped run
// and its resume although the files did not.
type sourceInput struct {
	ordered bool
	h       hash.Hash
	rows    [][sha256.Size]byte
}

// newSourceInput hashes rows in the order they are added (ordered), or
// as a set, whatever order the source gives them in.
func newSourceInput(ordered bool) *sourceInput {
	return &sourceInput{ordered: ordered, h: sha256.New()}
}

// add hashes one row: each value as FormatValue renders it, with its
// length and whether it is NULL, so that no two rows hash alike by
// where their values' bounds fall.
func (in *sourceInput) add(row []connectors.Value) {
	rh := sha256.New()
	for _, v := range row {
		s, ok := connectors.FormatValue(v)
		fmt.Fprintf(rh, "%t %d\n%s", ok, len(s), s)
	}
	var sum [sha256.Size]byte
	rh.Sum(sum[:0])
	if in.ordered {
		in.h.Write(sum[:])
		return
	}
	in.rows = append(in.rows, sum)
}

func (in *sourceInput) sum() string {
	if !in.ordered {
		sort.Slice(in.rows, func(i, j int) bool { return bytes.Compare(in.rows[i][:], in.rows[j][:]) < 0 })
		for _, r := range in.rows {
			in.h.Write(r[:])
		}
		in.rows = nil
	}
	fmt.Fprintf(in.h, "%t", in.ordered)
	return hex.EncodeToString(in.h.Sum(nil))
}

// readSource keeps the hash of a source input under what, for the
// checkpoint and a resume's comparison.
func (r *runner) readSource(what string, in *sourceInput, secret bool) {
	if r.sourceRead == nil {
		r.sourceRead = map[string]inputSum{}
	}
	r.sourceRead[what] = inputSum{sum: in.sum(), secret: secret}
}
