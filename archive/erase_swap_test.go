package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// swapPackage writes a package of two patients, the first the one
// erased, and gives its folder and a request erasing that patient.
func swapPackage(t *testing.T) (string, EraseRequest) {
	t.Helper()
	patient := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"erased", "kept"} {
		if err := w.Add(patient, Record{Key: []connectors.Value{int64(i + 1)}, Reason: "not_null", Values: []connectors.Value{int64(i + 1), v}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	return dir, EraseRequest{Identifies: func(v connectors.Value) bool { return v == "erased" }, Reference: "Dnr 40", Who: "test", At: created.Add(time.Hour)}
}

// patientsLeft lists the personnr values the package at dir holds.
func patientsLeft(t *testing.T, dir string) []string {
	t.Helper()
	p, err := OpenVerified(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := p.eachRecord(context.Background(), func(_ *TableSummary, rec ArchivedRecord) { out = append(out, rec.Values[1].(string)) }); err != nil {
		t.Fatal(err)
	}
	return out
}

// beside lists the names in the folder holding dir.
func beside(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// failRename makes the nth call of renameDir (from 1) and every later
// one fail, for the test.
func failRename(t *testing.T, nth int) {
	calls := 0
	renameDir = func(from, to string) error {
		calls++
		if calls >= nth {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("injected failure")}
		}
		return os.Rename(from, to)
	}
	t.Cleanup(func() { renameDir = os.Rename })
}

// Putting the new version in the old one's place failing (the second
// rename) left the old version moved aside (PKG.erase-old, still holding
// the person) and the new one beside it (PKG.erase-new), PKG itself
// gone. The old version goes back in its place, the new one is removed,
// and the erasure says it is not done.
func TestEraseFailedSwapPutsTheOldVersionBack(t *testing.T) {
	dir, req := swapPackage(t)
	failRename(t, 2)
	failing := renameDir
	calls := 0
	renameDir = func(from, to string) error {
		calls++
		if calls == 3 { // putting the old one back works
			return os.Rename(from, to)
		}
		return failing(from, to)
	}
	_, err := Erase(context.Background(), dir, req)
	if err == nil || !strings.Contains(err.Error(), "NOT done") {
		t.Fatalf("a failed swap: %v, want an error saying the erasure is not done", err)
	}
	if names := beside(t, dir); !slices.Equal(names, []string{"pkg"}) {
		t.Errorf("beside the package: %v, want only it (no clear copy left)", names)
	}
	if left := patientsLeft(t, dir); !slices.Equal(left, []string{"erased", "kept"}) {
		t.Errorf("the package holds %v, want the old version, as it was", left)
	}
}

// When the old version cannot be put back either, the error names both
// copies, and until they are dealt with a later erasure and verification
// refuse the package: the old copy still holds the erased person.
func TestEraseFailedSwapLeftoversAreNoticed(t *testing.T) {
	dir, req := swapPackage(t)
	failRename(t, 2)
	_, err := Erase(context.Background(), dir, req)
	if err == nil || !strings.Contains(err.Error(), dir+".erase-old") || !strings.Contains(err.Error(), dir+".erase-new") {
		t.Fatalf("a failed swap that cannot be undone: %v, want an error naming both copies", err)
	}
	renameDir = os.Rename
	// The user puts the new version in place, as told, but leaves the
	// old one.
	if err := os.Rename(dir+".erase-new", dir); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); !slices.ContainsFunc(probs, func(p Problem) bool { return p.Rule == RuleEraseLeftover }) {
		t.Errorf("verify with the old version left beside the package: %v, want an %s problem", probs, RuleEraseLeftover)
	}
	if _, err := Erase(context.Background(), dir, req); err == nil || !strings.Contains(err.Error(), dir+".erase-old") {
		t.Errorf("a later erasure with the old version left beside the package: %v, want a refusal naming it", err)
	}
}

// The old version moved aside and not removed (removing it failed)
// still holds the erased person: the erasure fails, naming it, and a
// later verification does not pass the package while it is there.
func TestEraseOldVersionNotRemovedIsNoticed(t *testing.T) {
	dir, req := swapPackage(t)
	removeAll = func(string) error { return errors.New("injected failure") }
	t.Cleanup(func() { removeAll = os.RemoveAll })
	if _, err := Erase(context.Background(), dir, req); err == nil || !strings.Contains(err.Error(), dir+".erase-old") {
		t.Fatalf("the old version not removed: %v, want an error naming it", err)
	}
	if probs := Verify(dir); !slices.ContainsFunc(probs, func(p Problem) bool { return p.Rule == RuleEraseLeftover }) {
		t.Errorf("verify with the old version left beside the package: %v, want an %s problem", probs, RuleEraseLeftover)
	}
}

// An erasure stopped (Ctrl-C cancels the command's context) while it
// reads returns the context's error and leaves the package as it was,
// with no new version beside it.
func TestEraseStopsWhenCancelled(t *testing.T) {
	for _, when := range []string{"before", "while finding"} {
		t.Run(when, func(t *testing.T) {
			dir, req := swapPackage(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if when == "before" {
				cancel()
			} else {
				identifies := req.Identifies
				req.Identifies = func(v connectors.Value) bool {
					cancel()
					return identifies(v)
				}
			}
			_, err := Erase(ctx, dir, req)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("a stopped erasure: %v, want context.Canceled", err)
			}
			// Said in the user's words, not a bare "context canceled".
			if !strings.Contains(err.Error(), "stopped, nothing erased") {
				t.Errorf("a stopped erasure: %v, want it to say it stopped with nothing erased", err)
			}
			if names := beside(t, dir); !slices.Equal(names, []string{"pkg"}) {
				t.Errorf("beside the package: %v, want only it", names)
			}
			if left := patientsLeft(t, dir); !slices.Equal(left, []string{"erased", "kept"}) {
				t.Errorf("the package holds %v, want it as it was", left)
			}
		})
	}
}

// The package named by another spelling of its path (".", from inside
// it; a trailing "/.") is the same package, and the old version an
// interrupted erasure left beside it is as much beside it: verify and a
// later erasure looked for "./.erase-old" inside it, and passed.
func TestEraseLeftoversFoundWhateverThePathsSpelling(t *testing.T) {
	dir, req := swapPackage(t)
	removeAll = func(string) error { return errors.New("injected failure") }
	_, err := Erase(context.Background(), dir, req)
	removeAll = os.RemoveAll
	if err == nil {
		t.Fatal("the old version not removed: no error")
	}
	t.Chdir(dir)
	for _, spelling := range []string{".", "./", dir + "/.", "../" + filepath.Base(dir) + "/."} {
		if probs := Verify(spelling); !slices.ContainsFunc(probs, func(p Problem) bool { return p.Rule == RuleEraseLeftover }) {
			t.Errorf("verify %q with the old version left beside the package: %v, want an %s problem", spelling, probs, RuleEraseLeftover)
		}
		if _, err := Erase(context.Background(), spelling, req); err == nil || !strings.Contains(err.Error(), filepath.Base(dir)+".erase-old exists") {
			t.Errorf("erase %q with the old version left beside the package: %v, want a refusal naming it", spelling, err)
		}
	}
}

// Holds finds a person as Erase does, in a record or only in a value
// archived alone, and no longer once the person is erased; another
// person's number is not found.
func TestHoldsFindsWhatEraseErases(t *testing.T) {
	patient := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, _ := Create(dir, testMeta())
	if err := w.Add(patient, Record{Key: []connectors.Value{int64(1)}, Reason: "not_null", Values: []connectors.Value{int64(1), "19121212-1212"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddValue(patient, Value{Key: []connectors.Value{int64(2)}, Column: "note", SourceColumn: "note", Reason: "r", Value: "ring 19500101-0003"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	naming := func(digits string) EraseRequest {
		return EraseRequest{Identifies: func(v connectors.Value) bool {
			s, _ := v.(string)
			return strings.Contains(s, digits)
		}, Reference: "Dnr 7", Who: "anna", At: created.Add(time.Hour)}
	}
	holds := func(digits string) bool {
		t.Helper()
		held, err := Holds(context.Background(), dir, naming(digits))
		if err != nil {
			t.Fatal(err)
		}
		return held
	}
	if !holds("121212") || !holds("500101") {
		t.Fatal("a person in a record, or only in a value archived alone, is not found")
	}
	if holds("460101") {
		t.Fatal("a person the package does not hold is found")
	}
	for _, digits := range []string{"121212", "500101"} {
		if _, err := Erase(context.Background(), dir, naming(digits)); err != nil {
			t.Fatal(err)
		}
		if holds(digits) {
			t.Fatalf("%s is found once erased", digits)
		}
	}
}
