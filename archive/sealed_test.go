package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"filippo.io/age"
)

// VerifySealed reads a sealed package in a clear copy beside it, in a
// folder only its owner may open, and removes the copy on every way out:
// a pass, a check that fails, an interrupt (Ctrl-C cancels ctx) while
// the copy is read, and one before the copy is made. A copy a killed
// verification left is named by Verify and VerifySealed.
func TestVerifySealedRemovesItsClearCopy(t *testing.T) {
	dir := writePackage(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
	if _, err := Encrypt(dir, sealed, id.Recipient()); err != nil {
		t.Fatal(err)
	}
	alone := func(when string) {
		t.Helper()
		entries, _ := os.ReadDir(filepath.Dir(sealed))
		// Its access log logs each opening in clear.
		entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == filepath.Base(AccessLogPath(sealed)) })
		if len(entries) != 2 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: beside the sealed package: %v, want only it, its checksum and its access log", when, names)
		}
	}
	var seen string
	r, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, func(clear string) ([]Problem, error) {
		seen = clear
		st, err := os.Stat(filepath.Dir(clear))
		if err != nil || st.Mode().Perm() != 0o700 || filepath.Dir(filepath.Dir(clear)) != filepath.Dir(sealed) {
			t.Errorf("the clear copy %s is not in a 0700 folder beside the sealed package (%v)", clear, err)
		}
		return nil, nil
	})
	if err != nil || len(r.Problems) > 0 || r.Package == nil || len(r.Records) != 1 || r.Records["besok"] != 3 {
		t.Fatalf("VerifySealed: %v, %v, records %v", err, r.Problems, r.Records)
	}
	if _, err := os.Stat(seen); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the clear copy %s is still there (%v)", seen, err)
	}
	alone("after a pass")

	// A check that fails, and an interrupt while the copy is read.
	if r, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, func(string) ([]Problem, error) {
		return []Problem{{File: "x", Rule: RuleRows}}, nil
	}); err != nil || len(r.Problems) != 1 {
		t.Fatalf("a failing check: %v, %v", err, r.Problems)
	}
	alone("after a FAIL")
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := VerifySealed(ctx, sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, func(string) ([]Problem, error) {
		cancel()
		return nil, nil
	}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted: %v, want context.Canceled", err)
	}
	alone("after an interrupt")
	if _, err := VerifySealed(ctx, sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted before: %v, want context.Canceled", err)
	}
	alone("after an interrupt before")
	other, _ := age.GenerateX25519Identity()
	if _, err := VerifySealed(context.Background(), sealed, []age.Identity{other}, Opening{Who: "anna", At: created}, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("a wrong key: %v", err)
	}
	alone("after a wrong key")

	// A checksum file that names another ciphertext.
	sum, _ := os.ReadFile(sealed + ".sha512")
	os.WriteFile(sealed+".sha512", []byte("00"+string(sum[2:])), 0o600)
	if r, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil); err != nil || !hasProblem(r.Problems, "../pkg.tar.age.sha512", RuleSealedFixity) {
		t.Fatalf("another checksum: %v, %v", err, r.Problems)
	}
	os.WriteFile(sealed+".sha512", sum, 0o600)

	// No checksum file (archive encrypt always writes one): a package
	// edited, sealed again and its checksum removed must not pass
	// unheld.
	os.Remove(sealed + ".sha512")
	if r, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil); err != nil || !hasProblem(r.Problems, "../pkg.tar.age.sha512", RuleSealedFixity) {
		t.Fatalf("no checksum file: %v, %v", err, r.Problems)
	}
	os.WriteFile(sealed+".sha512", sum, 0o600)

	// What a verification killed outright left.
	left := sealed + sealedVerifyInfix + "123"
	if err := os.Mkdir(left, 0o700); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(sealed); !hasProblem(probs, "../pkg.tar.age.verify-clear-123", RuleEraseLeftover) {
		t.Errorf("Verify does not name the clear copy left: %v", probs)
	}
	if r, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil); err != nil || !hasProblem(r.Problems, "../pkg.tar.age.verify-clear-123", RuleEraseLeftover) {
		t.Errorf("VerifySealed does not name the clear copy left: %v, %v", err, r.Problems)
	}
}
