package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/connectors"
)

// Closing a package stopped by its context (a second Ctrl-C while a run
// assembles its archive) gives the context's error at any point, and
// leaves no package a reader takes for complete; a Close let to finish
// verifies as before.
func TestCloseContextStopsLeavingNoCompletePackage(t *testing.T) {
	for calls := int64(0); calls < 64; calls++ {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := Create(dir, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := w.Add(besok, Record{Key: []connectors.Value{int64(i)}, Reason: "not_null", Column: "visit_date", SourceColumn: "datum",
				Values: []connectors.Value{int64(i), nil, "x"}}); err != nil {
				t.Fatal(err)
			}
		}
		ctx := &errAfter{Context: context.Background()}
		ctx.n.Store(calls)
		_, err = w.CloseContext(ctx, created)
		if err == nil {
			if _, verr := OpenVerified(dir); verr != nil {
				t.Fatalf("closed after %d checks: %v", calls, verr)
			}
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped after %d checks: %v, want context.Canceled", calls, err)
		}
		if _, verr := OpenVerified(dir); verr == nil {
			t.Fatalf("stopped after %d checks, the package verifies as complete", calls)
		}
	}
	t.Fatal("Close never finished")
}

// Sealing stopped by its context writes no sealed package and no
// checksum, removes its temporary ciphertext, and leaves the package in
// clear as it was, so that a resumed run seals it.
func TestEncryptContextStopsLeavingNoSealedPackage(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	for calls := int64(0); calls < 64; calls++ {
		dir := writePackage(t)
		out := dir + ".tar.age"
		ctx := &errAfter{Context: context.Background()}
		ctx.n.Store(calls)
		_, err := EncryptContext(ctx, dir, out, id.Recipient())
		if err == nil {
			if _, derr := Decrypt(context.Background(), out, filepath.Join(t.TempDir(), "opened"), id); derr != nil {
				t.Fatalf("sealed after %d checks: %v", calls, derr)
			}
			return
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped after %d checks: %v, want context.Canceled", calls, err)
		}
		for _, p := range SealFiles(out) {
			if _, serr := os.Stat(p); serr == nil {
				t.Fatalf("stopped after %d checks, %s is left", calls, filepath.Base(p))
			}
		}
		if _, verr := OpenVerified(dir); verr != nil {
			t.Fatalf("stopped after %d checks, the package in clear is damaged: %v", calls, verr)
		}
	}
	t.Fatal("Encrypt never finished")
}
