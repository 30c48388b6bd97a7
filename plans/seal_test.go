package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A plan that names age recipients gets its archive package sealed: the
// ciphertext with its SHA-512 beside it, no package left in clear, and the
// recipient's key opens a package that verifies.
func TestRunSealsArchiveToPlanRecipients(t *testing.T) {
	ctx := context.Background()
	dir, plan, src, id := sealedPlanFixture(t)
	work := filepath.Join(dir, "work")
	rep, err := plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "r.db"), WorkDir: work})
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	sealed := filepath.Join(work, "archive"+plans.SealedSuffix)
	if _, err := os.Stat(filepath.Join(work, "archive")); !os.IsNotExist(err) {
		t.Fatal("the package in clear is left beside the sealed one")
	}
	sum, err := os.ReadFile(sealed + ".sha512")
	if err != nil || len(strings.Fields(string(sum))[0]) != 128 {
		t.Fatalf("no SHA-512 beside the sealed package: %v", err)
	}
	// report.json names what the run sealed, so that the follow-up can
	// tell the sealed package is the run's without its key.
	var written verify.Report
	if b, err := os.ReadFile(filepath.Join(work, "report.json")); err != nil || json.Unmarshal(b, &written) != nil {
		t.Fatalf("report.json: %v", err)
	}
	if s := written.Archive.Sealed; s == nil || s.SHA512 != strings.Fields(string(sum))[0] || s.File != "archive"+plans.SealedSuffix || s.Register != "test" || s.Owner != "B" || s.Run == "" {
		t.Errorf("report.json's archive.sealed: %+v", s)
	}
	p, err := archive.Decrypt(context.Background(), sealed, filepath.Join(dir, "opened"), id)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := p.CountRecords(); n["logg"] != 1 {
		t.Fatalf("opened package holds %v", n)
	}
	// A recipient that is not an age key is a plan error with its place.
	text, err := os.ReadFile(filepath.Join(dir, "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := write(t, filepath.Join(dir, "bad.yaml"), strings.Replace(string(text), id.Recipient().String(), "age1nope", 1))
	if _, ds := plans.Load(bad); ds.Err() == nil || !strings.Contains(ds.Err().Error(), "P035") {
		t.Fatalf("bad recipient: %v", ds.Err())
	}
}

// sealedPlanFixture gives a plan whose archive is sealed to a fresh age
// identity, over an SQLite source of one mapped table (besok) and one
// unmapped (logg, archived whole), in a temporary directory.
func sealedPlanFixture(t *testing.T) (dir string, plan *plans.Plan, src string, id *age.X25519Identity) {
	t.Helper()
	dir = t.TempDir()
	var err error
	id, err = age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: note, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      note: anteckning
`)
	plan = loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive, encrypt_to: [`+id.Recipient().String()+`]}
`))
	src = "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("anteckning")}},
		{Name: "logg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("text")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), "x"}}, "logg": {{int64(1), "unmapped, so archived"}}})
	return dir, plan, src, id
}
