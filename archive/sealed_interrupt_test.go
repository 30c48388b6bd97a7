package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"filippo.io/age"
)

// errAfter is a context whose Err is nil for its first n calls and
// context.Canceled after: Ctrl-C arriving while a read is under way.
type errAfter struct {
	context.Context
	n atomic.Int64
}

func (c *errAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// sealedTar writes a sealed file holding a tar of one large table entry
// and an event log after it, sealed to id.
func sealedTar(t *testing.T, id *age.X25519Identity) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(w)
	big := bytes.Repeat([]byte("19121212-1212;x\n"), 1<<19) // 8 MiB
	for _, e := range []struct {
		name string
		body []byte
	}{{"data/patient.csv", big}, {eventsName, []byte("{}\n")}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(e.body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "big.tar.age")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Ctrl-C was seen only between the tar's entries: a sealed package's
// table of gigabytes was decrypted to its end (archive decrypt writing
// it in clear all the while, archive log --identity reading it through),
// the signal caught and nothing else stopping it. Both stop within the
// entry: archive decrypt leaves no clear copy.
func TestSealedReadsStopWithinAnEntry(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := sealedTar(t, id)
	// Fewer checks than the entries' reads, more than the entries.
	const checks = 6
	ctx := &errAfter{Context: context.Background()}
	ctx.n.Store(checks)
	if _, err := SealedEvents(ctx, file, []age.Identity{id}); !errors.Is(err, context.Canceled) {
		t.Errorf("SealedEvents interrupted within an entry: %v, want context.Canceled", err)
	}
	ctx = &errAfter{Context: context.Background()}
	ctx.n.Store(checks)
	dir := filepath.Join(t.TempDir(), "opened")
	if _, err := Decrypt(ctx, file, dir, id); !errors.Is(err, context.Canceled) {
		t.Errorf("Decrypt interrupted within an entry: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("an interrupted Decrypt left its clear copy")
	}
}
