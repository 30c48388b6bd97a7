package plans_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// Every file a plan's run reads its decisions from is in the hash the
// registry holder approves: the schema, a mapping, a code-list file it
// includes and one that file includes in turn. An approved plan whose
// code list is edited afterwards (a code mapped to another, a policy
// turned from archive to null) is another version, and its approval
// stale; the exclusion lists' entries are data, read at the run, and not
// hashed (plans/portfolio says so on the review).
func TestHashCoversEveryFileThePlanReadsDecisionsFrom(t *testing.T) {
	dir := t.TempDir()
	plan := writePlan(t, dir, "optout: {file: optout.txt}\nrun: {reference_date: 2026-01-01}\n")
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: bigint}\n      - {name: sex, type: varchar(1)}\n")
	write(t, filepath.Join(dir, "m.yaml"), "codelists: [codes.yaml]\ntables:\n  - target: visit\n    source: besok\n    no_person: test\n    columns:\n      visit_id: id\n      sex: {from: kon, codelist: sex}\n")
	write(t, filepath.Join(dir, "codes.yaml"), "codelists: [more.yaml]\n")
	write(t, filepath.Join(dir, "more.yaml"), "codelists:\n  - name: sex\n    codes: {M: M, K: F}\n")
	write(t, filepath.Join(dir, "optout.txt"), "191212121212\n")
	hash := func() string {
		t.Helper()
		p, ds := plans.Load(plan)
		in, ids := p.LoadInputs()
		if ds.Err() != nil || ids.Err() != nil {
			t.Fatal(ds, ids)
		}
		h, err := p.Hash(in)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash()
	for _, c := range []struct{ file, text string }{
		{"schema.yaml", "platform: t\ntables:\n  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: bigint}\n      - {name: sex, type: varchar(2)}\n"},
		{"m.yaml", "codelists: [codes.yaml]\ntables:\n  - target: visit\n    source: besok\n    no_person: test\n    columns:\n      visit_id: id\n      sex: {from: kon, codelist: sex, default: K}\n"},
		{"more.yaml", "codelists:\n  - name: sex\n    unmapped: null\n    codes: {M: M, K: F}\n"},
	} {
		t.Run(c.file, func(t *testing.T) {
			old, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, c.file), c.text)
			defer write(t, filepath.Join(dir, c.file), string(old))
			if hash() == base {
				t.Errorf("editing %s kept the plan's hash: an approval of the old version still counts", c.file)
			}
		})
	}
	if hash() != base {
		t.Fatal("the files put back give another hash")
	}
	write(t, filepath.Join(dir, "optout.txt"), "191212121212\n194601010301\n")
	if hash() != base {
		t.Error("an exclusion list's entries changed the hash: identity numbers would be hashed into what every report prints")
	}
}
