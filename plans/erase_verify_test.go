package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A person's records erased from a sealed package (regflytt archive erase)
// are what the mappings still archive: verify fails naming each record
// missing, and says the package's log records the erasure and how it is
// accounted for, the plan's erasure list naming the person. With the
// person on the list the records are excluded (erasure) and verify
// passes; a record removed beside the erasure still fails.
func TestVerifyAccountsAnArchiveErasure(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum")}}},
		map[string][][]connectors.Value{"besok": {
			{int64(1), "19460101-0301", "2024-13-45"}, // the person erased: archived, invalid date
			{int64(2), "19121212-1212", "2020-02-30"}, // archived too, kept
			{int64(3), "19121212-1212", "2020-02-03"},
		}})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: patient, type: varchar(13)}\n      - {name: visit_date, type: date}\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    person: personnr\n    columns:\n      id: id\n      patient: personnr\n      visit_date: {expr: date(datum)}\n")
	write(t, filepath.Join(dir, "erasure.txt"), "194601010301\n")
	const lists = "run: {reference_date: 2026-01-01}\noptout: {none: no one opted out}\nverification: {archived_share_max: 0.9}\n"
	p := loadPlan(t, writePlan(t, dir, lists))
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	arc := filepath.Join(dir, "archive")
	erase := func(t *testing.T, person string) {
		t.Helper()
		_, err := archive.Erase(context.Background(), arc, archive.EraseRequest{Reference: "Dnr 2026-17", Who: "test", At: time.Now(), Tool: "regflytt test",
			Identifies: func(v connectors.Value) bool { return v == person }})
		if err != nil {
			t.Fatal(err)
		}
	}
	erase(t, "19460101-0301")
	sum, err := plans.Verify(ctx, p, opts)
	if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a package a record was erased from, the plan naming no one erased: %v", err)
	}
	var got []string
	for _, d := range sum.ArchiveExceptions {
		got = append(got, d.Table+" "+strings.Join(d.Key, ",")+" "+d.Kind)
	}
	if strings.Join(got, "|") != `besok ["1"] archive_missing` {
		t.Errorf("archive exceptions %q, want the erased visit missing", got)
	}
	problems := strings.Join(sum.Problems, "\n")
	for _, want := range []string{"erasure", "Dnr 2026-17", "1 record", "erasure list"} {
		if !strings.Contains(problems, want) {
			t.Errorf("no problem names %q (the package's erasure and how to account for it):\n%s", want, problems)
		}
	}

	// The person on the plan's erasure list: the record is excluded, and
	// the package holds what the mappings archive.
	listed := loadPlan(t, writePlan(t, dir, lists+"erasure: {file: erasure.txt}\n"))
	sum, err = plans.Verify(ctx, listed, opts)
	if err != nil || !sum.Pass {
		t.Fatalf("the erased person on the plan's erasure list: %v %v %v %+v %+v", err, sum.Problems, sum.ArchiveExceptions, sum.Findings, sum.Exceptions)
	}
	for _, tl := range sum.Tables {
		if tl.Source == "besok" && (tl.Excluded != 1 || tl.ExcludedBy["erasure"] != 1 || tl.Archived != 1) {
			t.Errorf("besok: %d excluded %v, %d archived; want the erased visit excluded for erasure, one archived", tl.Excluded, tl.ExcludedBy, tl.Archived)
		}
	}

	// A person erased from the package whom the list does not name: the
	// record is missing, the log's erasure notwithstanding, and named
	// though the erasure emptied the table (the package holds no table
	// besok any more).
	erase(t, "19121212-1212")
	sum, err = plans.Verify(ctx, listed, opts)
	if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a package erased of a person the plan's erasure list does not name: %v", err)
	}
	if len(sum.ArchiveExceptions) != 1 || sum.ArchiveExceptions[0].Kind != "archive_missing" || sum.ArchiveExceptions[0].Key[0] != `["2"]` {
		t.Errorf("archive exceptions %v, want visit 2 missing; problems %q", sum.ArchiveExceptions, sum.Problems)
	}
}

// A record archived because its parent was (parent:) belongs to the
// parent's person though the source declares no foreign key: the mapping
// does. An erasure of the person removes it with the parent; it was left
// in the package (the demo's visits of an erased patient) while the
// erasure reported no record referring to the person's.
func TestArchiveErasureFollowsTheMappingsParents(t *testing.T) {
	_, _, arc := runDemo(t, 300, "")
	pkg, err := archive.Open(arc)
	if err != nil {
		t.Fatal(err)
	}
	// A visit archived with its parent, and that parent's patient.
	column := func(table, name string) int {
		for _, ts := range pkg.Tables() {
			for i, c := range ts.Columns {
				if ts.Table == table && c.Name == name {
					return i
				}
			}
		}
		t.Fatalf("no column %s.%s in the package", table, name)
		return -1
	}
	visits := map[string]int64{}
	each := func(table string, fn func(archive.ArchivedRecord)) {
		recs, err := pkg.Records(table)
		if err != nil {
			t.Fatal(err)
		}
		for recs.Next() {
			fn(recs.Record())
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
			t.Fatal(err)
		}
	}
	each("besok", func(r archive.ArchivedRecord) {
		if r.Outcome.Reason == "parent_archived" {
			visits[fmt.Sprint(r.Values[column("besok", "patient_id")])]++
		}
	})
	var person string
	var linked int64
	each("patient", func(r archive.ArchivedRecord) {
		if n := visits[fmt.Sprint(r.Values[column("patient", "id")])]; n > 0 && person == "" {
			person, linked = r.Values[column("patient", "personnr")].(string), n
		}
	})
	if person == "" {
		t.Fatal("no archived patient with visits archived after it: the test would prove nothing")
	}
	res, err := archive.Erase(context.Background(), arc, archive.EraseRequest{Reference: "Dnr 2026-18", Who: "test", At: time.Now(), Tool: "regflytt test",
		Identifies: func(v connectors.Value) bool { return v == person }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records["patient"] != 1 || res.Linked["besok"] != linked {
		t.Errorf("erased %v, linked %v; want the patient and %d visits archived after it", res.Records, res.Linked, linked)
	}
}
