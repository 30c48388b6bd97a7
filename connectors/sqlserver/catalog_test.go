package sqlserver

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// The catalogue queries of defaults and indexes are pinned (no server runs
// in CI), and their rows assemble into the neutral catalogue.
func TestCatalogueExtras(t *testing.T) {
	for _, want := range []string{"sys.default_constraints", "c.is_identity", "SCHEMA_ID(@p1)"} {
		if !strings.Contains(catalogueDefaultsSQL, want) {
			t.Errorf("defaults query lacks %s", want)
		}
	}
	for _, want := range []string{"i.is_primary_key = 0", "i.has_filter = 0", "ic.is_included_column = 0", "ORDER BY i.object_id, i.name, ic.key_ordinal"} {
		if !strings.Contains(catalogueIndexesSQL, want) {
			t.Errorf("indexes query lacks %s", want)
		}
	}
	cat := &catalogue{schema: "dbo",
		tables: []catTable{{1, "enhet"}},
		columns: []catColumn{
			{table: 1, name: "id", typeName: "int", maxLength: 4, precision: 10},
			{table: 1, name: "kod", typeName: "nvarchar", maxLength: 8, nullable: true},
			{table: 1, name: "n", typeName: "int", maxLength: 4, precision: 10, nullable: true},
			{table: 1, name: "skapad", typeName: "datetime2", maxLength: 8, precision: 27, scale: 7, nullable: true},
		},
		defaults: []catDefault{
			{table: 1, column: "id", identity: true},
			{table: 1, column: "kod", definition: "(N'A''s')"},
			{table: 1, column: "n", definition: "((0))"},
			{table: 1, column: "skapad", definition: "(getdate())"},
		},
		indexes: []catIndex{{1, "ix_kod_n", "kod", true}, {1, "ix_kod_n", "n", true}, {1, "ix_n", "n", false}},
	}
	got := cat.build()[0]
	if !got.Column("id").Identity {
		t.Error("id: no identity")
	}
	for col, want := range map[string]string{"kod": "A's", "n": "0", "skapad": "current_timestamp"} {
		if d := got.Column(col).Default; d.String() != want {
			t.Errorf("%s: default %q, want %q", col, d.String(), want)
		}
	}
	want := []connectors.Index{{Name: "ix_kod_n", Columns: []string{"kod", "n"}, Unique: true}, {Name: "ix_n", Columns: []string{"n"}}}
	if len(got.Indexes) != 2 || strings.Join(got.Indexes[0].Columns, ",") != "kod,n" || !got.Indexes[0].Unique || got.Indexes[1].Name != want[1].Name || got.Indexes[1].Unique {
		t.Errorf("indexes %+v, want %+v", got.Indexes, want)
	}
}

// A schema that declares what this connector cannot create is refused by
// Create, before any table or row is written (nothing is sent: no server).
func TestCreateRefusesConstraints(t *testing.T) {
	d := &DB{cfg: &config{where: "sqlserver://h"}}
	tables := []connectors.Table{{Name: "t", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Identity: true}}, PrimaryKey: []string{"id"}}}
	err := d.Create(context.Background(), tables)
	if err == nil || !strings.Contains(err.Error(), "does not create yet") {
		t.Errorf("got %v", err)
	}
}
