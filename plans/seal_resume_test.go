package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// beginFailsOnceSealed is a target whose transactions fail once the
// sealed package exists: the run stops after its seal and before its
// finished checkpoint, as one killed there does.
type beginFailsOnceSealed struct {
	*plantest.FreezingCommits
	sealed string
}

func (b *beginFailsOnceSealed) Begin(ctx context.Context) (connectors.Tx, error) {
	if _, err := os.Stat(b.sealed); err == nil {
		return nil, errors.New("the test stops the run after its seal")
	}
	return b.FreezingCommits.Begin(ctx)
}

// A run stopped (or killed) after it sealed the package and before its
// finished checkpoint resumes and seals again. The resume removed the
// stopped run's ciphertext but not its checksum beside it (.sha512),
// which Encrypt refuses to replace: every resume then stopped at the
// seal, and the run could never finish. A SIGKILL during the encryption
// leaves its temporary file (.tmp), which Encrypt opens O_EXCL: the same.
func TestRunResumesAfterAStopAtTheSeal(t *testing.T) {
	for _, left := range []string{"the sealed package and its checksum", "a half-written ciphertext"} {
		t.Run(left, func(t *testing.T) {
			dir, plan, src, _ := sealedPlanFixture(t)
			work := filepath.Join(dir, "work")
			tgt := "sqlite://" + filepath.Join(dir, "r.db")
			sealed := filepath.Join(work, "archive"+plans.SealedSuffix)
			opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
				WrapTarget: func(tg connectors.Target) connectors.Target {
					return &beginFailsOnceSealed{FreezingCommits: &plantest.FreezingCommits{Target: tg}, sealed: sealed}
				}}
			if _, err := plantest.RunWithin(t, plan, opts); err == nil {
				t.Fatal("the run did not stop after its seal: the test proves nothing")
			}
			if _, err := os.Stat(sealed + ".sha512"); err != nil {
				t.Fatalf("the stopped run left no checksum of its sealed package: %v", err)
			}
			if left == "a half-written ciphertext" {
				// What a SIGKILL in the encryption leaves: its
				// temporary file, and no ciphertext or checksum yet.
				for _, p := range []string{sealed, sealed + ".sha512"} {
					if err := os.Remove(p); err != nil {
						t.Fatal(err)
					}
				}
				write(t, sealed+".tmp", "age-encryption.org/v1\n-> X25519 cut short")
			}
			rep, err := plantest.RunWithin(t, plan, plans.Options{SourceURL: src, TargetURL: tgt})
			plantest.MustPass(t, rep, err)
			for _, p := range []string{sealed, sealed + ".sha512"} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("the resumed run left no %s: %v", filepath.Base(p), err)
				}
			}
			if _, err := os.Stat(sealed + ".tmp"); err == nil {
				t.Error("the resumed run left the temporary ciphertext")
			}
		})
	}
}

// --restart moves the earlier run's archive package aside: a sealed one
// too, with its checksum. It moved only a package in clear, so after
// emptying the receiving tables the restarted run refused to start,
// since the earlier sealed package was in the way ("move the old sealed
// package away first (nothing was written)").
func TestRestartMovesTheSealedPackageAside(t *testing.T) {
	dir, plan, src, _ := sealedPlanFixture(t)
	work := filepath.Join(dir, "work")
	tgt := "sqlite://" + filepath.Join(dir, "r.db")
	sealed := filepath.Join(work, "archive"+plans.SealedSuffix)
	rep, err := plantest.RunWithin(t, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
	plantest.MustPass(t, rep, err)
	first, err := os.ReadFile(sealed + ".sha512")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = plantest.RunWithin(t, plan, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true})
	plantest.MustPass(t, rep, err)
	aside, _ := filepath.Glob(sealed + "*.replaced-*")
	if len(aside) != 2 {
		t.Fatalf("moved aside: %v, want the earlier sealed package and its checksum", aside)
	}
	again, err := os.ReadFile(sealed + ".sha512")
	if err != nil || string(again) == string(first) {
		t.Fatalf("the restarted run's checksum %q, %v: want a new sealed package", again, err)
	}
}
