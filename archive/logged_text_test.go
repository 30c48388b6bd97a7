package archive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// What the clerk types as an extract's or a decryption's purpose, and an
// erasure's reference, is logged as written, in the access log and the
// event log, and shown by archive log: "PDL-begäran 19121212-1212" put
// the patient's identity number in the logs in clear, which the filter
// (--where, logged masked and digested) never does. Each is refused,
// nothing extracted, opened or erased, and nothing logged, naming the
// field, never the number.
func TestLoggedTextHoldingAnIdentityNumberIsRefused(t *testing.T) {
	for _, text := range []string{"PDL-begäran 19121212-1212", "utdrag 1212121212", "ärende 19900101-T123"} {
		t.Run(text, func(t *testing.T) {
			dir := writePackage(t)
			p, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			csv := filepath.Join(t.TempDir(), "x.csv")
			_, err = p.Extract(context.Background(), csv, ExtractRequest{Table: "besok", Purpose: text, Who: "anna", At: created})
			refusals := []error{err}
			if !errors.Is(err, ErrLoggedIdentity) {
				t.Errorf("an extract whose purpose holds an identity number: %v, want ErrLoggedIdentity", err)
			}
			if _, serr := os.Stat(csv); serr == nil {
				t.Error("the extract was written")
			}

			_, err = Erase(context.Background(), dir, EraseRequest{Identifies: func(v connectors.Value) bool { return v == "19121212-1212" }, Reference: text, Who: "anna", At: created.Add(time.Hour)})
			refusals = append(refusals, err)
			if !errors.Is(err, ErrLoggedIdentity) {
				t.Errorf("an erasure whose reference holds an identity number: %v, want ErrLoggedIdentity", err)
			}

			sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
			os.WriteFile(sealed, []byte("not read"), 0o600)
			_, err = DecryptLogged(context.Background(), sealed, filepath.Join(t.TempDir(), "opened"), Opening{Who: "anna", Purpose: text, At: created})
			refusals = append(refusals, err)
			if !errors.Is(err, ErrLoggedIdentity) {
				t.Errorf("a decryption whose purpose holds an identity number: %v, want ErrLoggedIdentity", err)
			}

			// Each refusal, not the last alone.
			for _, err := range refusals {
				for _, shown := range []string{"1212", "T123", "19900101"} {
					if err != nil && strings.Contains(err.Error(), shown) {
						t.Errorf("the refusal shows the number: %v", err)
					}
				}
			}
			access, _ := os.ReadFile(AccessLogPath(dir))
			besideSealed, _ := os.ReadFile(AccessLogPath(sealed))
			events, _ := os.ReadFile(filepath.Join(dir, eventsName))
			for _, log := range []string{string(access), string(besideSealed), string(events)} {
				if strings.Contains(log, text) || strings.Contains(log, "1212121212") || strings.Contains(log, "T123") {
					t.Errorf("a log holds the text:\n%s", log)
				}
			}
			if probs := Verify(dir); len(probs) > 0 {
				t.Fatal(probs)
			}
		})
	}
}

// A package named "." (archive extract . from inside it) had its access
// log written as "..access.jsonl" inside the package, which then failed
// verification (a file its tag manifest does not list), and archive log
// of the package by its name did not read it. The log is beside the
// package however its path is spelled, as an erasure's versions are.
func TestAccessLogOfAPackageNamedDot(t *testing.T) {
	dir := writePackage(t)
	t.Chdir(dir)
	p, err := Open(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Extract(context.Background(), filepath.Join(t.TempDir(), "x.csv"), ExtractRequest{Table: "besok", Purpose: "audit", Who: "anna", At: created}); err != nil {
		t.Fatal(err)
	}
	if got, want := AccessLogPath("."), dir+".access.jsonl"; got != want {
		t.Errorf("AccessLogPath(\".\") = %s, want %s", got, want)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Errorf("the package fails verification after an extract from inside it: %v", probs)
	}
	if logged, err := ReadAccessLog(dir); err != nil || len(logged) != 1 {
		t.Errorf("the access log beside the package holds %d entries (%v), want the extract", len(logged), err)
	}
}
