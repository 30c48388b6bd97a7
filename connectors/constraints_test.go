package connectors_test

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

// Defaults as the catalogues write them read into the receiving notation;
// what it cannot say is not carried (the scan lists it).
func TestParseSQLDefault(t *testing.T) {
	cases := []struct {
		sql  string
		kind connectors.Kind
		want string // the notation, "-" none, "?" not portable
	}{
		{"'A'", connectors.KindText, "A"},
		{"'it''s'", connectors.KindText, "it's"},
		{`'a\b'`, connectors.KindText, `a\b`}, // PostgreSQL, SQLite: a backslash is itself
		{"N'x'", connectors.KindText, "x"},
		{"'A'::character varying", connectors.KindText, "A"},
		{"''", connectors.KindText, ""},
		{"0", connectors.KindInt, "0"},
		{"-12.50", connectors.KindDecimal, "-12.50"},
		{"(1)", connectors.KindInt, "1"},
		{"1", connectors.KindBool, "true"},
		{"true", connectors.KindBool, "true"},
		{"NULL", connectors.KindText, "-"},
		{"NULL::character varying", connectors.KindText, "-"},
		{"current_timestamp()", connectors.KindTimestamp, "current_timestamp"},
		{"CURRENT_TIMESTAMP", connectors.KindDateTime, "current_timestamp"},
		{"now()", connectors.KindTimestamp, "current_timestamp"},
		{"curdate()", connectors.KindDate, "current_timestamp"},
		{"utc_timestamp(6)", connectors.KindTimestamp, "current_timestamp"},
		{"datetime('now', 'localtime')", connectors.KindDateTime, "current_timestamp"},
		{"'2020-01-01'::date", connectors.KindDate, "2020-01-01"},
		{"'0000-00-00'", connectors.KindDate, "?"},
		{"current_timestamp()", connectors.KindText, "?"},
		{"nextval('s'::regclass)", connectors.KindInt, "?"},
		{"uuid()", connectors.KindText, "?"},
		{"'abc'", connectors.KindInt, "?"},
		{"'x' || 'y'", connectors.KindText, "?"},
	}
	for _, c := range cases {
		d, ok := connectors.ParseSQLDefault(c.sql, c.kind)
		got := describeDefault(d, ok)
		if got != c.want {
			t.Errorf("%s (%v): got %q, want %q", c.sql, c.kind, got, c.want)
		}
	}
	// MariaDB's COLUMN_DEFAULT escapes a backslash.
	if d, ok := connectors.ParseMariaDBDefault(`'a\\\\b'`, connectors.KindText); describeDefault(d, ok) != `a\\b` {
		t.Errorf("MariaDB: got %q", describeDefault(d, ok))
	}
}

func describeDefault(d *connectors.Default, ok bool) string {
	switch {
	case ok && d == nil:
		return "-"
	case ok:
		return d.String()
	}
	return "?"
}

func TestDefaultSQL(t *testing.T) {
	cases := []struct {
		typ  string
		def  connectors.Default
		want string
	}{
		{"integer", connectors.Default{Value: "7"}, "7"},
		{"decimal(3,1)", connectors.Default{Value: "2.5"}, "2.5"},
		{"boolean", connectors.Default{Value: "true"}, "TRUE"},
		{"varchar(5)", connectors.Default{Value: "it's"}, "'it''s'"},
		{"date", connectors.Default{Now: true}, "CURRENT_DATE"},
		{"timestamptz", connectors.Default{Now: true}, "CURRENT_TIMESTAMP"},
		{"date", connectors.Default{Value: "2020-01-01"}, "'2020-01-01'"},
		{"varchar(2)", connectors.Default{Value: "abc"}, "error"},
		{"text", connectors.Default{Now: true}, "error"},
		{"bytes", connectors.Default{Value: "x"}, "error"},
		{"tinyint", connectors.Default{Value: "300"}, "error"},
	}
	for _, c := range cases {
		typ, err := connectors.ParseType(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := connectors.DefaultSQL(typ, &c.def)
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("%s %+v: got %q (%v), want %q", c.typ, c.def, got, err, c.want)
		}
	}
}

// Index and foreign-key names become unique in the schema (sakila's
// idx_fk_film_id is on two tables); what cannot be carried is said.
func TestPlanSchemaCarriesConstraints(t *testing.T) {
	smallint := connectors.Type{Kind: connectors.KindInt, Bits: 16, Unsigned: true}
	film := connectors.Table{Name: "film", PrimaryKey: []string{"film_id"}, Columns: []connectors.Column{
		{Name: "film_id", SourceType: "smallint unsigned", Type: smallint, Identity: true},
		{Name: "title", SourceType: "varchar(128)", Type: connectors.Type{Kind: connectors.KindText, Length: 128}, Default: &connectors.Default{Value: "untitled"}},
		{Name: "big", SourceType: "bigint unsigned", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}, Identity: true},
		{Name: "amount", SourceType: "decimal(65,2)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 65, Scale: 2}, Nullable: true},
	}, Indexes: []connectors.Index{{Name: "idx_title", Columns: []string{"title"}}, {Name: "ix_amount", Columns: []string{"amount"}}}}
	inventory := connectors.Table{Name: "inventory", PrimaryKey: []string{"inventory_id"}, Columns: []connectors.Column{
		{Name: "inventory_id", SourceType: "int", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "film_id", SourceType: "smallint unsigned", Type: smallint},
	}, Indexes: []connectors.Index{{Name: "idx_fk_film_id", Columns: []string{"film_id"}}},
		ForeignKeys: []connectors.ForeignKey{{Name: "fk_inventory_film", Columns: []string{"film_id"}, RefTable: "film", RefColumns: []string{"film_id"}}}}
	actor := connectors.Table{Name: "film_actor", PrimaryKey: []string{"film_id"}, Columns: []connectors.Column{
		{Name: "film_id", SourceType: "smallint unsigned", Type: smallint},
	}, Indexes: []connectors.Index{{Name: "idx_fk_film_id", Columns: []string{"film_id"}}},
		ForeignKeys: []connectors.ForeignKey{{Name: "fk_x", Columns: []string{"film_id"}, RefTable: "gone", RefColumns: []string{"id"}}}}
	plans := connectors.PlanSchema([]connectors.Table{film, inventory, actor}, postgres.Dialect{})
	if c := plans[0].Columns[0]; !c.Identity || c.Default != nil {
		t.Errorf("film_id: %+v", c)
	}
	if c := plans[0].Columns[1]; c.Default == nil || c.Default.Value != "untitled" {
		t.Errorf("title: %+v", c)
	}
	left := strings.Join(plans[0].LeftOut, "\n")
	for _, want := range []string{"identity of big: the receiving type decimal(20,0) cannot number rows", "index ix_amount: column amount cannot be declared"} {
		if !strings.Contains(left, want) {
			t.Errorf("film: LeftOut lacks %q: %v", want, plans[0].LeftOut)
		}
	}
	if plans[1].Indexes[0].Name != "inventory_idx_fk_film_id" || plans[2].Indexes[0].Name != "film_actor_idx_fk_film_id" {
		t.Errorf("index names %v, %v", plans[1].Indexes, plans[2].Indexes)
	}
	if len(plans[1].ForeignKeys) != 1 || len(plans[2].ForeignKeys) != 0 || !strings.Contains(strings.Join(plans[2].LeftOut, ""), "table gone is not in the proposal") {
		t.Errorf("foreign keys %v, %v (%v)", plans[1].ForeignKeys, plans[2].ForeignKeys, plans[2].LeftOut)
	}
	want := []string{
		`ALTER TABLE "film" ALTER COLUMN "film_id" ADD GENERATED BY DEFAULT AS IDENTITY`,
		`SELECT setval(pg_catalog.pg_get_serial_sequence('"film"', 'film_id'), greatest(coalesce(max("film_id"), 0), 0) + 1, false) FROM "film"`,
		`ALTER TABLE "film" ALTER COLUMN "title" SET DEFAULT 'untitled'`,
		`CREATE INDEX "idx_title" ON "film" ("title")`,
	}
	if got := plans[0].AfterLoad; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("after load:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := plans[1].AfterLoad; len(got) != 2 || got[1] != `ALTER TABLE "inventory" ADD CONSTRAINT "fk_inventory_film" FOREIGN KEY ("film_id") REFERENCES "film" ("film_id")` {
		t.Errorf("inventory after load: %q", got)
	}

	// SQLite: the default, the identity and the foreign key in CREATE
	// TABLE; the index and the foreign-key check after the load.
	plans = connectors.PlanSchema([]connectors.Table{film, inventory}, sqlite.Dialect{})
	for _, want := range []string{`"film_id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `"title" VARCHAR(128) DEFAULT 'untitled' NOT NULL`} {
		if !strings.Contains(plans[0].CreateSQL, want) {
			t.Errorf("sqlite film lacks %s:\n%s", want, plans[0].CreateSQL)
		}
	}
	if !strings.Contains(plans[1].CreateSQL, `CONSTRAINT "fk_inventory_film" FOREIGN KEY ("film_id") REFERENCES "film" ("film_id")`) {
		t.Errorf("sqlite inventory:\n%s", plans[1].CreateSQL)
	}
	if got := plans[1].AfterLoad; len(got) != 2 || got[1] != `PRAGMA foreign_key_check("inventory")` {
		t.Errorf("sqlite inventory after load: %q", got)
	}
}

// A constraint that exists with the declared definition is not created
// again; one under the declared name with another definition is an error.
func TestPendingConstraints(t *testing.T) {
	declared := connectors.Table{Name: "t", Columns: []connectors.Column{{Name: "id", Identity: true}, {Name: "a"}},
		Indexes:     []connectors.Index{{Name: "ix_a", Columns: []string{"a"}}},
		ForeignKeys: []connectors.ForeignKey{{Name: "fk", Columns: []string{"a"}, RefTable: "u", RefColumns: []string{"id"}}}}
	existing := declared
	existing.Columns = []connectors.Column{{Name: "id", Identity: true}, {Name: "a"}}
	existing.ForeignKeys = []connectors.ForeignKey{{Name: "fk_t_0", Columns: []string{"a"}, RefTable: "u", RefColumns: []string{"id"}}}
	todo, err := connectors.PendingConstraints(&declared, &existing)
	if err != nil || len(todo.Indexes) != 0 || len(todo.ForeignKeys) != 0 || todo.Columns[0].Identity {
		t.Errorf("pending %+v, %v", todo, err)
	}
	existing.Indexes = []connectors.Index{{Name: "ix_a", Columns: []string{"a"}, Unique: true}}
	if _, err := connectors.PendingConstraints(&declared, &existing); err == nil || !strings.Contains(err.Error(), "index ix_a exists") {
		t.Errorf("a differing index: %v", err)
	}
	todo, _ = connectors.PendingConstraints(&declared, nil)
	if len(todo.Indexes) != 1 || len(todo.ForeignKeys) != 1 || !todo.Columns[0].Identity {
		t.Errorf("nothing exists: %+v", todo)
	}
}

// The comparison before a run's first write does not object to indexes and
// foreign keys not created yet, nor to those that are as declared, but to
// one of the declared name with another definition.
func TestCompareTableConstraints(t *testing.T) {
	integer := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	declared := connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: integer, Identity: true}, {Name: "a", Type: integer, Nullable: true, Default: &connectors.Default{Value: "1"}}},
		Indexes: []connectors.Index{{Name: "ix_a", Columns: []string{"a"}}}}
	existing := declared
	existing.Indexes = nil
	existing.Columns = []connectors.Column{{Name: "id", Type: integer, SourceType: "INTEGER"}, {Name: "a", Type: integer, Nullable: true, SourceType: "INTEGER"}}
	if d := connectors.CompareTable(sqlite.Dialect{}, &declared, &existing); len(d) != 0 {
		t.Errorf("before the constraints: %v", d)
	}
	existing.Indexes = declared.Indexes
	existing.Columns[0].Identity = true
	if d := connectors.CompareTable(sqlite.Dialect{}, &declared, &existing); len(d) != 0 {
		t.Errorf("as declared: %v", d)
	}
	existing.Indexes = []connectors.Index{{Name: "ix_a", Columns: []string{"id", "a"}}}
	d := connectors.CompareTable(sqlite.Dialect{}, &declared, &existing)
	if len(d) != 1 || !strings.Contains(d[0].String(), "index ix_a exists over (id, a)") {
		t.Errorf("a differing index: %v", d)
	}
}
