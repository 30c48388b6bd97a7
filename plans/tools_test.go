package plans_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// toolFixture is a small legacy registry with a coded column and a form
// store, and a plan over it.
func toolFixture(t *testing.T) (plan, srcURL string) {
	t.Helper()
	dir := t.TempDir()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("rok")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"besok":   {{int64(1), "J"}, {int64(2), "N"}, {int64(3), "X"}, {int64(4), "X"}, {int64(5), "Q"}},
		"instans": {{int64(1)}},
		"varde":   {{int64(1), int64(1), "vikt", "70"}, {int64(2), int64(1), "gammal", "x"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
  - name: form
    primary_key: [form_id]
    columns:
      - {name: form_id, type: bigint}
      - {name: weight, type: "decimal(5,1)"}
      - {name: height, type: smallint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: smoking
    codes: {J: current, N: never}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: smoking}
  - target: form
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    columns:
      form_id: id
      weight: {expr: decimal(vikt)}
      height: {expr: integer(langd)}
    drop: {varde_id: the value row's own number}
`)
	plan = writePlan(t, dir, "")
	return plan, srcURL
}

func TestMapCheckFindsWhatOnlyTheDataShows(t *testing.T) {
	plan, src := toolFixture(t)
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	text := ds.Error()
	for _, want := range []string{
		`m.yaml:9:38: warning C006: code list smoking does not map "X", which besok holds 2 times`,
		`warning C006: code list smoking does not map "Q", which besok holds once`,
		"warning M019: the mapping reads variable langd, but varde has no value of it",
		"warning M020: variable gammal (1 values in varde) is neither mapped nor dropped",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("map check lacks %q:\n%s", want, text)
		}
	}
	if err := ds.Err(); err != nil {
		t.Errorf("codes the run archives (and PASSes with) are errors: %v", err)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	plan, src := toolFixture(t)
	p := loadPlan(t, plan)
	rep, err := plans.DryRun(context.Background(), p, plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written["visit"] != 2 || rep.Written["form"] != 1 {
		t.Errorf("would write %v, want visit 2, form 1", rep.Written)
	}
	var got []string
	for _, u := range rep.Unmapped {
		got = append(got, u.Table+"."+u.Column+" "+u.Reason+" "+u.Value+" "+itoa(u.Count))
	}
	want := "besok.rok code_unmapped X 2|besok.rok code_unmapped Q 1|varde.variabel variable_not_mapped gammal 1"
	if strings.Join(got, "|") != want {
		t.Errorf("unmapped %q\nwant %q", strings.Join(got, "|"), want)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(plan), "archive")); !os.IsNotExist(err) {
		t.Error("a dry run wrote an archive")
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b, 10); err != nil || !strings.Contains(b.String(), "nothing was written") {
		t.Fatalf("text report: %v\n%s", err, b.String())
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

func TestMapDoc(t *testing.T) {
	plan, _ := toolFixture(t)
	p := loadPlan(t, plan)
	in, ds := p.LoadInputs()
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	sum, err := p.Fingerprint(in)
	if err != nil || len(sum) != 64 {
		t.Fatalf("fingerprint %q, %v", sum, err)
	}
	blocks := mappings.Document(mappings.DocMeta{Title: "T", Checksum: sum}, in.Mappings, in.Schema)
	var md, html bytes.Buffer
	if err := mappings.WriteMarkdown(&md, blocks); err != nil {
		t.Fatal(err)
	}
	if err := mappings.WriteHTML(&html, blocks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| smoking | varchar(10) | column rok | code list smoking |", "| (one version) | J | current |", "the form store instans", sum} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(html.String(), "<td>code list smoking</td>") {
		t.Errorf("html lacks the steps:\n%s", html.String())
	}
	// Changing a mapping changes the fingerprint.
	write(t, in.Mappings[0].Path, "# changed\n"+mustRead(t, in.Mappings[0].Path))
	if again, _ := p.Fingerprint(in); again == sum {
		t.Error("the fingerprint did not change with the mapping")
	}
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
