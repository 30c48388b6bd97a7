package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// readmeNotYetBuilt are README commands being built on other branches.
// The test checks that each is still unknown to this binary and fails
// when one starts to exist: then delete it here, and the test runs it.
var readmeNotYetBuilt = []string{}

// readmeNotRun are README commands the test does not run, and why.
var readmeNotRun = map[string]string{
	"go test ": "the test suite and its fuzz targets: CI runs them, not this test",
}

// readmeURLs are the README's example databases. On SQLite each becomes a
// file in the test's directory; with REGFLYTT_TEST_MYSQL and
// REGFLYTT_TEST_PG set, a fresh database on that server.
var readmeURLs = []struct{ url, dialect, name string }{
	{"mysql://root@127.0.0.1:3306/legacy", "mysql", "legacy"},
	{"postgres://postgres@127.0.0.1:5432/receiving", "postgres", "receiving"},
	{"postgres://postgres@127.0.0.1:5432/myregister", "postgres", "myregister"},
}

// readmeCommand is one command of a ```sh block, continuation lines
// joined.
type readmeCommand struct {
	line int
	text string
}

func readmeCommands(t *testing.T, path string) []readmeCommand {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []readmeCommand
	var cur *readmeCommand
	inSh := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !inSh && strings.HasPrefix(line, "```sh"):
			inSh = true
			continue
		case inSh && strings.HasPrefix(line, "```"):
			inSh = false
			continue
		case !inSh:
			continue
		}
		trimmed := strings.TrimSpace(line)
		if cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur == nil {
			cmds = append(cmds, readmeCommand{line: n})
			cur = &cmds[len(cmds)-1]
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.text += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		cur.text += trimmed
		cur = nil
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cmds
}

// TestReadmeCommands runs every command of the README's ```sh blocks, in
// order and in one shell, as written, from a copy of the repository root:
// `go run ./cmd/regflytt` and `regflytt` are the binary built from this
// tree, /tmp/ is the test's directory, and the example databases are the
// test's own.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README")
	}
	bin := regflyttBinary(t)
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// The repository root, its entries linked: commands find testdata/
	// and plans/ where the README says, and what they write stays here.
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case ".git", runsDir, "regflytt":
			continue
		}
		if err := os.Symlink(filepath.Join(repo, e.Name()), filepath.Join(root, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	binDir := filepath.Join(tmp, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(binDir, "regflytt"), data, 0o755); err != nil {
		t.Fatal(err)
	}

	subst := []string{"/tmp/", tmp + "/"}
	for _, u := range readmeURLs {
		var with string
		switch {
		case u.dialect == "mysql" && os.Getenv(mytest.EnvVar) != "":
			with = mytest.NewDatabase(t)
		case u.dialect == "postgres" && os.Getenv(pgtest.EnvVar) != "":
			with = pgtest.NewDatabase(t)
		default:
			with = "sqlite://" + filepath.Join(tmp, u.name+".db")
		}
		subst = append(subst, u.url, with)
	}
	replacer := strings.NewReplacer(subst...)

	var script bytes.Buffer
	script.WriteString(`set -euo pipefail
go() {
	case "$1 $2" in
	"run ./cmd/regflytt") shift 2; regflytt "$@" ;;
	"build -o") cp "$(command -v regflytt)" "$3" ;;
	*) echo "README test: unexpected go $*" >&2; return 1 ;;
	esac
}
`)
	ran, notYet := 0, map[string]bool{}
	for _, c := range readmeCommands(t, "../../README.md") {
		skip := ""
		for prefix, why := range readmeNotRun {
			if strings.HasPrefix(c.text, prefix) {
				skip = why
			}
		}
		for _, prefix := range readmeNotYetBuilt {
			if strings.HasPrefix(c.text, prefix+" ") {
				skip, notYet[prefix] = "not built yet", true
			}
		}
		if skip != "" {
			t.Logf("README.md:%d: not run (%s): %s", c.line, skip, c.text)
			continue
		}
		cmd := replacer.Replace(c.text)
		fmt.Fprintf(&script, "echo %q >&2\n%s\n", fmt.Sprintf("README.md:%d: %s", c.line, cmd), cmd)
		ran++
	}
	for _, prefix := range readmeNotYetBuilt {
		if !notYet[prefix] {
			t.Errorf("%q is on the not-yet-built list but no README command uses it", prefix)
		}
		args := append([]string{"help"}, strings.Fields(prefix)[1:]...)
		if code, _, _ := runBinary(t, bin, tmp, nil, args...); code == exitOK {
			t.Errorf("%q exists now: take it off readmeNotYetBuilt, so its README commands run", prefix)
		}
	}
	if ran < 10 {
		t.Fatalf("only %d README commands found to run", ran)
	}

	sh := exec.Command("bash", "-c", script.String())
	sh.Dir = root
	sh.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "TMPDIR="+tmp, "NO_COLOR=1")
	var out bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &out
	if err := sh.Run(); err != nil {
		t.Fatalf("a README command failed (%v); the last line naming README.md is the one:\n%s", err, out.String())
	}
	t.Logf("ran %d README commands", ran)
}
