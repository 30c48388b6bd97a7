package archive

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// MetadataXSD is the official SIARD 2.2 metadata schema (see xsd/README.md).
//
//go:embed xsd/metadata.xsd
var MetadataXSD []byte

// ErrNoXmllint says XSD validation could not run: xmllint is not installed.
var ErrNoXmllint = errors.New("xmllint is not installed, so the XML schemas were not checked (install libxml2-utils: apt-get install -y libxml2-utils)")

// ValidateXSD validates data/header/metadata.xml against the official
// metadata.xsd and each table's XML against its own tableM.xsd, with
// xmllint. It returns ErrNoXmllint when xmllint is not installed, and a
// Problem per file that fails.
func ValidateXSD(ctx context.Context, dir string) ([]Problem, error) {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		return nil, ErrNoXmllint
	}
	tmp, err := os.MkdirTemp("", "regflytt-xsd-")
	if err != nil {
		return nil, fmt.Errorf("xsd: %w", err)
	}
	defer os.RemoveAll(tmp)
	metaXSD := filepath.Join(tmp, "metadata.xsd")
	if err := os.WriteFile(metaXSD, MetadataXSD, 0o600); err != nil {
		return nil, fmt.Errorf("xsd: %w", err)
	}
	var probs []Problem
	run := func(rel, schema string, stream bool) error {
		args := []string{"--noout", "--nonet"}
		if stream {
			args = append(args, "--stream")
		}
		args = append(args, "--schema", schema, filepath.Join(dir, filepath.FromSlash(rel)))
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ee):
			probs = append(probs, Problem{File: rel, Rule: "xsd", Detail: firstLines(out.String(), 3)})
			return nil
		}
		return fmt.Errorf("xsd: run xmllint: %w", err)
	}
	if err := run("data/header/metadata.xml", metaXSD, false); err != nil {
		return nil, err
	}
	p, err := Open(dir)
	if err != nil {
		return probs, nil // Verify names the damage
	}
	for s, sch := range p.metadata.Schemas {
		for _, tm := range sch.tables() {
			base := fmt.Sprintf("data/content/schema%d/%s/%s", s, tm.Folder, tm.Folder)
			if err := run(base+".xml", filepath.Join(dir, filepath.FromSlash(base+".xsd")), true); err != nil {
				return nil, err
			}
		}
	}
	return probs, nil
}

// xmllintWhere matches where xmllint places an error: ":LINE: element NAME:".
var xmllintWhere = regexp.MustCompile(`:(\d+): [^\n']*?(?:Element '(?:\{[^}']*\})?([A-Za-z0-9_]+)')?`)

// firstLines names where the first n xmllint errors are (line and
// element) but none of their text: xmllint quotes the offending value,
// which may be personal data.
func firstLines(s string, n int) string {
	var out []string
	for _, m := range xmllintWhere.FindAllStringSubmatch(s, n) {
		where := "line " + m[1]
		if m[2] != "" {
			where += ", element " + m[2]
		}
		out = append(out, where)
	}
	if len(out) == 0 {
		return "fails its XML schema"
	}
	return "fails its XML schema at " + strings.Join(out, "; ")
}
