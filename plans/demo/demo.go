// Package demo holds the demo register's plan, receiving schema and
// mapping, and a copy of the strategy's portfolio (testdata/portfolio.yaml,
// which plan check needs; a test keeps the copy equal), built into the binary so that `regflytt demo` and
// `regflytt init --from-demo` work from any directory with the binary
// alone. These files are the only copy of the demo's schema and mapping;
// testdata/plans/demo.yaml names them here, and a test keeps that plan
// saying what plan.yaml says.
//
// Neighbours: cmd/regflytt writes the files out and runs them with plans;
// plans/synth makes the legacy registry they read.
package demo

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed plan.yaml schema.yaml mapping.yaml portfolio.yaml
var files embed.FS

// PlanFile is the plan's name among Files; the plan names the others
// relative to itself, so the three are always written side by side.
const PlanFile = "plan.yaml"

// Names lists the embedded files, the plan first.
func Names() []string { return []string{PlanFile, "schema.yaml", "mapping.yaml", "portfolio.yaml"} }

// FS gives the embedded files.
func FS() fs.FS { return files }

// Write puts the plan, schema and mapping into dir (made if missing) and
// returns the plan's path. It overwrites nothing: when any of the files
// exists already, it writes none and says which.
func Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("write the demo plan: %w", err)
	}
	var there []string
	for _, name := range Names() {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			there = append(there, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("write the demo plan: %w", err)
		}
	}
	if len(there) > 0 {
		return "", fmt.Errorf("%s already holds %s: nothing was written; choose another directory", dir, strings.Join(there, ", "))
	}
	for _, name := range Names() {
		data, err := files.ReadFile(name)
		if err != nil {
			return "", err
		}
		if err := writeNew(filepath.Join(dir, name), data); err != nil {
			return "", fmt.Errorf("write the demo plan: %w", err)
		}
	}
	return filepath.Join(dir, PlanFile), nil
}

// writeNew creates a file that must not exist yet: two commands racing for
// one directory cannot overwrite each other's files.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
