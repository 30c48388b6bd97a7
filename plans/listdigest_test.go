package plans_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// plainSHA256 matches a hex SHA-256 anywhere in a text.
var plainSHA256 = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// An opt-out list of one patient: its SHA-256 in the target's checkpoint
// or in verify's report gave the patient away to whoever hashed the
// identity numbers of a century (ten billion guesses). The checkpoint and
// the report keep a salted argon2id digest of each list instead; the
// resume still tells an unchanged list from a changed one, and an old
// checkpoint's plain hash is still read.
func TestExclusionListsLeaveNoPlainHash(t *testing.T) {
	dir := t.TempDir()
	srcPath, planFile := writeResumeRegistry(t, dir)
	visits := writeResumeSourceVisitsPNR(t)
	list := filepath.Join(dir, "optout.txt")
	listText := visits + "\n"
	write(t, list, listText)
	sum := sha256.Sum256([]byte(listText))
	listSum := hex.EncodeToString(sum[:])
	// Both lists: the source table the registry has, and a file.
	plan, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	write(t, planFile, strings.Replace(string(plan), "optout: {table: sparr, column: personnr}", "optout: {table: sparr, column: personnr, file: optout.txt}", 1))

	tgtPath := filepath.Join(dir, "t.db")
	src, tgt := "sqlite://"+srcPath, "sqlite://"+tgtPath
	stopWriteResume(t, planFile, src, tgt, filepath.Join(dir, "w"))
	state := checkpointState(t, tgtPath)
	var files, read map[string]string
	if err := json.Unmarshal(state["files"], &files); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(state["read"], &read); err != nil {
		t.Fatal(err)
	}
	if h := files["optout.txt"]; !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("the checkpoint keeps the opt-out file as %q, want a salted argon2id digest", h)
	}
	for what, h := range read {
		if strings.Contains(what, "opt-out") && !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("the checkpoint keeps %s as %q, want a salted argon2id digest", what, h)
		}
	}
	if raw := string(state["files"]) + string(state["read"]); strings.Contains(raw, listSum) {
		t.Errorf("the checkpoint holds the opt-out file's SHA-256")
	}

	// A changed list is refused by name; the list as it was resumes.
	write(t, list, listText+"19121212-1212\n")
	_, err = plans.Run(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || len(ce.Changed) != 1 || ce.Changed[0] != list {
		t.Fatalf("resume with the list changed: %v, want a refusal naming %s only", err, list)
	}
	write(t, list, listText)
	resumeRun(t, planFile, src, tgt)

	rep, err := plans.Verify(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w")})
	if err != nil {
		if rep != nil {
			t.Fatalf("%v: %v", err, rep.Problems)
		}
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), listSum) {
		t.Errorf("verify's report holds the opt-out file's SHA-256")
	}
	var found bool
	for _, f := range rep.Files {
		if f.Path == list {
			found = true
			if f.SHA256 != "" || !strings.HasPrefix(f.Digest, "$argon2id$") {
				t.Errorf("verify's report fingerprints the opt-out file as sha256 %q digest %q, want only a salted argon2id digest", f.SHA256, f.Digest)
			}
		}
	}
	if !found {
		t.Errorf("verify's report names no fingerprint of %s: %+v", list, rep.Files)
	}
}

// writeResumeSourceVisitsPNR is the identity number writeResumeSource's
// opt-out table holds (its last visit's patient).
func writeResumeSourceVisitsPNR(t *testing.T) string {
	t.Helper()
	return luhnPNR(50+resumeRedTeamRecords%40, 1+resumeRedTeamRecords%12, 1+resumeRedTeamRecords%28, 100+resumeRedTeamRecords)
}
