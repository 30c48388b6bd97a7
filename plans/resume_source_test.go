package plans_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// Red team of resuming, continued: a resume must read the database the
// stopped run read, and must know the plan's files however the plan's
// path is written.

// stopWriteResume runs the plan from src into tgt until it has committed
// a few batches, and checks that it wrote some visits and not all.
func stopWriteResume(t *testing.T, planFile, src, tgt, work string) {
	t.Helper()
	s := &stopAfter{n: 3, stop: make(chan struct{})}
	_, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s})
	if !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n == 0 || n >= resumeRedTeamRecords {
		t.Fatalf("the stopped run wrote %d visits, want some and not all for this test to mean something", n)
	}
}

// resumeRun runs the plan again and fails the test unless it finishes
// and passes, with every visit but the opted-out patient's.
func resumeRun(t *testing.T, planFile, src, tgt string) {
	t.Helper()
	rep, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n != resumeRedTeamRecords-1 {
		t.Errorf("the target holds %d visits, want %d (one patient opted out)", n, resumeRedTeamRecords-1)
	}
}

// checkpointState reads the plan's checkpoint from a SQLite target, as
// JSON fields.
func checkpointState(t *testing.T, tgtPath string) map[string]json.RawMessage {
	t.Helper()
	db, err := sql.Open("sqlite", tgtPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state string
	if err := db.QueryRow(`SELECT state FROM regflytt_checkpoint ORDER BY seq DESC LIMIT 1`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(state), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// setCheckpointState replaces the plan's checkpoint in a SQLite target:
// a checkpoint as an older regflytt wrote it.
func setCheckpointState(t *testing.T, tgtPath string, m map[string]json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", tgtPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE regflytt_checkpoint SET state = ? WHERE seq = (SELECT max(seq) FROM regflytt_checkpoint)`, string(b))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("updated %d checkpoints, want 1", n)
	}
}

func realPath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A run stopped reading one SQLite file and resumed with --source naming
// another, here a copy holding the same rows: the resume went on, and
// the target held the records of two databases (with the same rows, the
// end check cannot tell; with others, only it can, at the end). The
// resume is refused, naming both files. The same file named another way
// (through a symlinked directory, by a relative path) is the same source.
func TestResumeRefusesAnotherSourceDatabase(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	tgtPath := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + tgtPath
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	stopWriteResume(t, planFile, "sqlite://"+filepath.Join(link, "legacy.db"), tgt, filepath.Join(dir, "w"))
	written := len(targetColumn(t, tgt, "visit", 0))

	other := filepath.Join(dir, "copy.db")
	sqliteExec(t, srcPath, "VACUUM INTO '"+other+"'")
	_, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: "sqlite://" + other, TargetURL: tgt})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) {
		t.Fatalf("resume from another source database: %v, want a refusal", err)
	}
	t.Logf("refused: %v", err)
	for _, want := range []string{"the source database", realPath(t, srcPath), realPath(t, other), "--restart"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %q: %v", want, err)
		}
	}
	if n := len(targetColumn(t, tgt, "visit", 0)); n != written {
		t.Fatalf("the refused resume wrote: the target holds %d visits, had %d", n, written)
	}

	// The file the run read, by a path relative to the working directory.
	t.Chdir(dir)
	resumeRun(t, planFile, "sqlite://legacy.db", tgt)
}

// A checkpoint of an older regflytt names no source: it resumes from
// whatever source is given, as it did.
func TestResumeOfACheckpointWithoutTheSource(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	tgtPath := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + tgtPath
	stopWriteResume(t, planFile, "sqlite://"+srcPath, tgt, filepath.Join(dir, "w"))
	state := checkpointState(t, tgtPath)
	if _, ok := state["source"]; !ok {
		t.Fatalf("the checkpoint does not name its source: %v", keys(state))
	}
	delete(state, "source")
	setCheckpointState(t, tgtPath, state)
	other := filepath.Join(dir, "copy.db")
	sqliteExec(t, srcPath, "VACUUM INTO '"+other+"'")
	resumeRun(t, planFile, "sqlite://"+other, tgt)
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The same refusal on the database servers: another database of the same
// server is another source, named by the server's identity and the
// database, never by the user or the password. The same database reached
// by another host name (localhost for 127.0.0.1) or another user is the
// same source.
func TestResumeRefusesAnotherSourceDatabaseOnServers(t *testing.T) {
	type server struct {
		newDB func(testing.TB) string
		// sameDB is the database at u reached another way.
		sameDB func(t *testing.T, u string) string
	}
	servers := map[string]server{}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		servers["mariadb"] = server{mytest.NewDatabase, func(t *testing.T, u string) string {
			return otherHostName(t, mytest.NewReadOnlyUser(t, u))
		}}
	}
	if os.Getenv("REGFLYTT_TEST_PG") != "" {
		servers["postgres"] = server{pgtest.NewDatabase, otherHostName}
	}
	if len(servers) == 0 {
		t.Skip("neither REGFLYTT_TEST_MYSQL nor REGFLYTT_TEST_PG is set")
	}
	for name, s := range servers {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := s.newDB(t), s.newDB(t)
			writeResumeSource(t, a)
			writeResumeSource(t, b)
			planFile := writeResumePlan(t, dir)
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			stopWriteResume(t, planFile, a, tgt, filepath.Join(dir, "w"))
			written := len(targetColumn(t, tgt, "visit", 0))

			same := s.sameDB(t, a)
			_, err := plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: b, TargetURL: tgt})
			var ce *plans.ChangedError
			if !errors.As(err, &ce) {
				t.Fatalf("resume from another database: %v, want a refusal", err)
			}
			t.Logf("refused: %v", err)
			for _, want := range []string{"the source database", "database " + urlDBName(t, a), "database " + urlDBName(t, b), "--restart"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not name %q: %v", want, err)
				}
			}
			for _, u := range []string{a, b, same} {
				pu, _ := url.Parse(u)
				pw, _ := pu.User.Password()
				if strings.Contains(err.Error(), pu.User.Username()+"@") || pw != "" && strings.Contains(err.Error(), pw) {
					t.Errorf("the refusal shows a user name or password: %v", err)
				}
			}
			if n := len(targetColumn(t, tgt, "visit", 0)); n != written {
				t.Fatalf("the refused resume wrote: the target holds %d visits, had %d", n, written)
			}
			resumeRun(t, planFile, same, tgt)
		})
	}
}

// otherHostName gives u with 127.0.0.1 written localhost or the other
// way round: another name of the same server.
func otherHostName(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	switch pu.Hostname() {
	case "127.0.0.1":
		pu.Host = strings.Replace(pu.Host, "127.0.0.1", "localhost", 1)
	case "localhost":
		pu.Host = strings.Replace(pu.Host, "localhost", "127.0.0.1", 1)
	default:
		t.Logf("the server's host %s has no other name known here: the same URL is used", pu.Hostname())
	}
	return pu.String()
}

func urlDBName(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(pu.Path, "/")
}

// The plan named another way at the resume than at the stop (relative or
// absolute, with ./, through a symlinked directory) is the same plan with
// the same files: the resume was refused, every file "(new)" and "(no
// longer read)", because the checkpoint keyed them by the path as given.
func TestResumeWithThePlanPathSpelledAnotherWay(t *testing.T) {
	for _, c := range []struct {
		name         string
		stop, resume func(dir, link string) string
	}{
		{"absolute, then relative",
			func(dir, _ string) string { return filepath.Join(dir, "plan.yaml") },
			func(string, string) string { return "plan.yaml" }},
		{"./plan.yaml, then through a symlinked directory",
			func(string, string) string { return "./plan.yaml" },
			func(_, link string) string { return filepath.Join(link, "plan.yaml") }},
		{"through a symlinked directory, then absolute",
			func(_, link string) string { return filepath.Join(link, "plan.yaml") },
			func(dir, _ string) string { return filepath.Join(dir, "plan.yaml") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcPath, _ := writeResumeRegistry(t, dir)
			link := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(dir, link); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			src, tgt := "sqlite://"+srcPath, "sqlite://"+filepath.Join(dir, "t.db")
			stopWriteResume(t, c.stop(dir, link), src, tgt, filepath.Join(dir, "w"))
			resumeRun(t, c.resume(dir, link), src, tgt)
		})
	}
}

// A checkpoint of an older regflytt keys the files by the path as given:
// it is compared that way, so a resume naming the plan as the stopped run
// did is not refused, and a changed file still is.
func TestResumeOfACheckpointKeyedByThePathAsGiven(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	tgtPath := filepath.Join(dir, "t.db")
	src, tgt := "sqlite://"+srcPath, "sqlite://"+tgtPath
	stopWriteResume(t, planFile, src, tgt, filepath.Join(dir, "w"))
	state := checkpointState(t, tgtPath)
	if _, ok := state["file_keys"]; !ok {
		t.Fatalf("the checkpoint does not say how it keys its files: %v", keys(state))
	}
	var files map[string]string
	if err := json.Unmarshal(state["files"], &files); err != nil {
		t.Fatal(err)
	}
	old := map[string]string{}
	for k, h := range files {
		if filepath.IsAbs(k) || strings.HasPrefix(k, "..") {
			t.Fatalf("the checkpoint keys %s, want a path relative to the plan's directory", k)
		}
		old[filepath.Join(dir, k)] = h
	}
	b, _ := json.Marshal(old)
	state["files"] = b
	delete(state, "file_keys")
	setCheckpointState(t, tgtPath, state)

	mapping := filepath.Join(dir, "m.yaml")
	orig, err := os.ReadFile(mapping)
	if err != nil {
		t.Fatal(err)
	}
	write(t, mapping, string(orig)+"\n# changed\n")
	_, err = plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || len(ce.Changed) != 1 || ce.Changed[0] != mapping {
		t.Fatalf("resume of an old checkpoint with a changed mapping: %v, want a refusal naming %s only", err, mapping)
	}
	write(t, mapping, string(orig))
	resumeRun(t, planFile, src, tgt)
}
