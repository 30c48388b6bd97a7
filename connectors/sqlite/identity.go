package sqlite

import (
	"context"
	"path/filepath"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Identifier = (*snapshot)(nil)

// Identity names the database file by its absolute path with symbolic
// links resolved, so that the file named by a relative path, or through a
// linked directory, is the same source. A file copied elsewhere is
// another source, whatever it holds: a resume reads the file the stopped
// run read.
func (s *snapshot) Identity(ctx context.Context) (string, error) {
	return "SQLite file " + filePath(s.path), nil
}

// filePath is p absolute and with symbolic links resolved, as far as
// that can be done (p itself when not).
func filePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}
