package plans

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/connectors/sqlserver"
	"github.com/regflytt/regflytt/mappings"
)

// textKeyProgram maps the legacy table besok, keyed by text, to visit
// keyed by the same text.
func textKeyProgram(t *testing.T) *mappings.Program {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	schema, ds := mappings.LoadSchema(write("schema.yaml", "platform: t\ntables:\n  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: varchar(20)}\n"))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := mappings.ParseFile(write("m.yaml", "tables:\n  - target: visit\n    source: besok\n    columns: {visit_id: id}\n"))
	if ds.Err() != nil {
		t.Fatalf("mapping: %v", ds)
	}
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindText, Length: 20}, SourceType: "varchar(20)"}}}
	prog, ds := mappings.Compile([]*mappings.File{f}, []connectors.Table{besok}, schema, nil)
	if ds.Err() != nil {
		t.Fatalf("compile: %v", ds)
	}
	return prog
}

// SQL Server compares keys without their trailing spaces under every
// collation: source keys 'a' and 'a ', two records byte for byte, are one
// receiving key there. The second is archived as a duplicate key, as the
// target would have refused it, instead of stopping the run at the
// server with the target half written; a target that tells them apart
// takes both.
func TestReceivingKeysOfATargetBlindToTrailingSpaces(t *testing.T) {
	prog := textKeyProgram(t)
	tp := prog.Tables[0]
	for _, c := range []struct {
		name    string
		dialect connectors.Dialect
		dup     bool
	}{
		{"sqlserver", sqlserver.Dialect{}, true},
		{"sqlite", sqlite.Dialect{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := newReceivingKeys()
			k.forTarget(c.dialect)
			// The table's key is the source key, one to one byte for
			// byte: only a target blind to trailing spaces keeps the set.
			k.skipInjective(prog)
			var got []mappings.Outcome
			for _, id := range []string{"a", "a ", "a  "} {
				o, err := k.claim(tp.Target, mappings.Outcome{Kind: mappings.Migrated, Row: []connectors.Value{id}}, "besok", []connectors.Value{id})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, o)
			}
			if got[0].Kind != mappings.Migrated {
				t.Fatalf("first key: %+v", got[0])
			}
			for _, o := range got[1:] {
				if dup := o.Kind == mappings.Archived && o.Reason == ReasonDuplicateKey; dup != c.dup {
					t.Errorf("a key with trailing spaces: %+v, want a duplicate key %v", o, c.dup)
				}
			}
		})
	}
}
