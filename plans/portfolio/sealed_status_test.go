package portfolio

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
)

// sealedRunFixture runs, as the migration, the status fixture's archived
// plan with its archive package sealed to a fresh age key (SQLite source
// and target), and records the legacy system decommissioned: its work
// directory holds what regflytt run leaves, archive.tar.age and its
// .sha512, no folder.
func sealedRunFixture(t *testing.T) (reportsDir string, ps []*plans.Plan) {
	t.Helper()
	plansDir, reportsDir := statusFixture(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(plansDir, "a-archived.yaml")
	text := mustReadFile(t, path)
	text = strings.Replace(text, "archive:\n  dir: archive\n", "archive:\n  dir: archive\n  encrypt_to: ["+id.Recipient().String()+"]\n", 1)
	text = strings.Replace(text, "  archive_handed_over: 2027-10-01\n", "  archive_handed_over: 2027-10-01\n  legacy_decommissioned: 2028-03-01\n", 1)
	mustWrite(t, path, text)
	approveFixture(t, path, "Anna Andersson", "registerhållare")

	ctx := context.Background()
	src := "sqlite://" + filepath.Join(t.TempDir(), "legacy.db")
	db, err := all.OpenTarget(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "rok", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := db.Create(ctx, []connectors.Table{besok}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Both codes the code list maps: no alarm to acknowledge.
	if _, err := tx.Write(ctx, &besok, [][]connectors.Value{{int64(1), "J"}, {int64(2), "N"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	p, _ := fixturePlan(t, path)
	work := filepath.Join(reportsDir, "a-archived")
	if err := os.RemoveAll(work); err != nil {
		t.Fatal(err)
	}
	// The migration's run: after the legacy system was frozen.
	started := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(t.TempDir(), "r.db"),
		WorkDir: work, Now: func() time.Time { return started }})
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(work, "archive"+plans.SealedSuffix)); err != nil {
		t.Fatalf("the run sealed no package: %v", err)
	}
	ps, ds, err := LoadPlans(plansDir)
	if err != nil || ds.Err() != nil {
		t.Fatal(err, ds)
	}
	return reportsDir, ps
}

// A registry whose plan is done and whose archive package the run sealed
// (archive.encrypt_to) never reached archived or decommissioned: the
// follow-up could not tell the sealed package from another without its
// key. The run's report.json names the SHA-512 of what it sealed; the
// sealed package that still has it is the run's, and counts.
func TestStatusCountsTheRunsSealedArchive(t *testing.T) {
	reportsDir, ps := sealedRunFixture(t)
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "decommissioned" || a.Verification != "PASS" || len(a.Problems) != 0 {
		t.Errorf("the run's sealed package: %s %s %v", a.State, a.Verification, a.Problems)
	}
}

// A sealed package altered after the run sealed it (another ciphertext at
// its name, its .sha512 written anew to match) is not the run's package:
// not archived, and said why.
func TestStatusRefusesASealedArchiveAlteredAfterTheRun(t *testing.T) {
	reportsDir, ps := sealedRunFixture(t)
	sealed := filepath.Join(reportsDir, "a-archived", "archive"+plans.SealedSuffix)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	// Another package at the same name, sealed to another key, its checksum beside it as encrypt writes it.
	clearDir := filepath.Join(t.TempDir(), "other")
	writeArchive(t, clearDir, archive.Meta{Register: "a-archived", Owner: "Västra Götalandsregionen", Run: "20270902T080000Z"})
	for _, f := range []string{sealed, sealed + ".sha512"} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := archive.Encrypt(clearDir, sealed, other.Recipient()); err != nil {
		t.Fatal(err)
	}
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	a := st.Plans[0]
	if why := strings.Join(a.Problems, ";"); a.State != "verified" || !strings.Contains(why, "not the one the run sealed") {
		t.Errorf("a sealed package altered after the run: %s %v", a.State, a.Problems)
	}

	// One byte appended to the run's ciphertext is an alteration too.
	reportsDir, ps = sealedRunFixture(t)
	sealed = filepath.Join(reportsDir, "a-archived", "archive"+plans.SealedSuffix)
	f, err := os.OpenFile(sealed, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	st, err = followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "verified" {
		t.Errorf("a sealed package with a byte appended: %s %v", a.State, a.Problems)
	}
}
