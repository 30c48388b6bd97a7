package conformance_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/connectors/sqlserver"
)

// typeMapDoc is the documented type map, relative to this package.
const typeMapDoc = "../TYPEMAP.md"

func render(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	err := conformance.RenderTypeMap(&b, []conformance.SourceMap{
		{Title: "MariaDB / MySQL", Package: "connectors/mysql", Rows: mysql.TypeMap()},
		{Title: "PostgreSQL", Package: "connectors/postgres", Rows: postgres.TypeMap()},
		{Title: "SQL Server", Package: "connectors/sqlserver", Rows: sqlserver.TypeMap()},
		{Title: "SQLite", Package: "connectors/sqlite", Rows: sqlite.TypeMap()},
	}, []connectors.Dialect{sqlite.Dialect{}, postgres.Dialect{}, mysql.Dialect{}, sqlserver.Dialect{Schema: "dbo"}})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTypeMapDoc fails when connectors/TYPEMAP.md is not what the code
// says; `go test ./connectors/... -run TypeMapDoc -update` rewrites it.
func TestTypeMapDoc(t *testing.T) {
	got := render(t)
	if *conformance.Update {
		if err := os.WriteFile(typeMapDoc, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(typeMapDoc)
	if err != nil {
		t.Fatalf("%v (run go test ./connectors/... -run TypeMapDoc -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w []byte
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if !bytes.Equal(g, w) {
				t.Fatalf("%s is out of date (first difference at line %d):\n  file: %s\n  code: %s\nrun go test ./connectors/... -run TypeMapDoc -update", typeMapDoc, i+1, w, g)
			}
		}
	}
}

// Every type of the writing direction is met by an edge case, and every
// edge case's type is shown there, so no documented type goes untested.
func TestEdgesCoverTargetTypes(t *testing.T) {
	used := map[string]bool{}
	names := map[string]bool{}
	for _, e := range conformance.Edges() {
		if names[e.Name] {
			t.Errorf("edge %s is listed twice", e.Name)
		}
		names[e.Name] = true
		used[e.Type] = true
		if !slices.Contains(conformance.TargetTypes(), e.Type) {
			t.Errorf("edge %s: type %s is not among TargetTypes", e.Name, e.Type)
		}
		if _, err := connectors.ParseType(e.Type); err != nil {
			t.Errorf("edge %s: %v", e.Name, err)
		}
	}
	for _, ts := range conformance.TargetTypes() {
		if !used[ts] {
			t.Errorf("target type %s has no edge case", ts)
		}
	}
}
