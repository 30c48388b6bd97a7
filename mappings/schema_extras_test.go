package mappings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

const extrasSchema = `platform: p
tables:
  - name: enhet
    primary_key: [id]
    columns:
      - {name: id, type: integer, identity: true}
      - {name: kod, type: varchar(4), not_null: true, default: A}
      - {name: skapad, type: datetime, default: current_timestamp}
      - {name: aktiv, type: boolean, default: "true"}
      - {name: tom, type: varchar(3), default: ""}
    indexes:
      - {name: uk_kod, columns: [kod], unique: true}
  - name: besok
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: enhet_id, type: integer}
      - {name: enhet_kod, type: varchar(4)}
      - {name: datum, type: date}
    indexes:
      - {name: ix_datum, columns: [datum]}
    foreign_keys:
      - {name: fk_enhet, columns: [enhet_id], references: {table: enhet, columns: [id]}}
      - {name: fk_kod, columns: [enhet_kod], references: {table: enhet, columns: [kod]}}
`

// The receiving-schema notation declares defaults, identities, indexes and
// foreign keys, and LoadSchema hands them on in the catalogue's shape.
func TestLoadSchemaExtras(t *testing.T) {
	s, ds := LoadSchema(writeTemp(t, extrasSchema))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	enhet, besok := s.Table("enhet"), s.Table("besok")
	if c := enhet.Column("id"); !c.Identity || c.Nullable {
		t.Errorf("id: identity %v nullable %v", c.Identity, c.Nullable)
	}
	for col, want := range map[string]connectors.Default{"kod": {Value: "A"}, "skapad": {Now: true}, "aktiv": {Value: "true"}, "tom": {Value: ""}} {
		if got := enhet.Column(col).Default; got == nil || *got != want {
			t.Errorf("%s: default %+v, want %+v", col, got, want)
		}
	}
	if len(enhet.Indexes) != 1 || !enhet.Indexes[0].Unique || enhet.Indexes[0].Columns[0] != "kod" {
		t.Errorf("enhet indexes %+v", enhet.Indexes)
	}
	if len(besok.Indexes) != 1 || besok.Indexes[0].Unique {
		t.Errorf("besok indexes %+v", besok.Indexes)
	}
	if len(besok.ForeignKeys) != 2 || besok.ForeignKeys[1].RefColumns[0] != "kod" || besok.ForeignKeys[0].RefTable != "enhet" {
		t.Errorf("besok foreign keys %+v", besok.ForeignKeys)
	}
	if !connectors.DeclaresConstraints(s.Tables) {
		t.Error("DeclaresConstraints: false")
	}
}

// Every malformed declaration is named at its line and column with its code.
func TestLoadSchemaExtrasDiagnostics(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"default of another type", "{name: kod, type: varchar(4), not_null: true, default: A}|{name: kod, type: integer, not_null: true, default: A}", ":7:61: error S006"},
		{"default too long", "default: A}|default: ABCDE}", ":7:64: error S006"},
		{"now on text", "type: varchar(3), default: \"\"|type: varchar(3), default: current_timestamp", ":10:48: error S006"},
		{"null default", "default: \"true\"|default: null", ":9:47: error S006"},
		{"identity on text", "{name: id, type: integer, identity: true}|{name: id, type: text, identity: true}", ":6:42: error S007"},
		{"identity outside the key", "{name: kod, type: varchar(4), not_null: true, default: A}|{name: kod, type: integer, not_null: true, identity: true}", ":7:62: error S007: column enhet.kod: an identity column must be a column of the primary key"},
		{"identity with a default", "{name: id, type: integer, identity: true}|{name: id, type: integer, identity: true, default: 1}", ":6:45: error S007"},
		{"index column unknown", "columns: [datum]}|columns: [datum, dag]}", ":21:43: error S004"},
		{"fk column unknown", "columns: [enhet_id]|columns: [enhet]", ":23:36: error S004"},
		{"fk table unknown", "{table: enhet, columns: [id]}|{table: unit, columns: [id]}", ":23:67: error S005"},
		{"fk to no key", "{name: uk_kod, columns: [kod], unique: true}|{name: uk_kod, columns: [kod]}", ":24:16: error S005"},
		{"fk of another type", "{name: enhet_id, type: integer}|{name: enhet_id, type: bigint}", ":23:16: error S005"},
		{"index name twice", "{name: ix_datum,|{name: uk_kod,", ":21:16: error S002"},
		{"unknown field", "unique: true}|unique: true, uniq: 1}", ":12:54: error Y002"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, repl, _ := strings.Cut(tc.edit, "|")
			if !strings.Contains(extrasSchema, old) {
				t.Fatalf("edit %q not found", old)
			}
			_, ds := LoadSchema(writeTemp(t, strings.Replace(extrasSchema, old, repl, 1)))
			err := ds.Err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func writeTemp(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "schema.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
