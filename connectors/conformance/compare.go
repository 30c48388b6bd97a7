package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// CompareExisting checks connectors.CompareTable on a dialect's real
// catalogue: a table that the dialect's Create made from the declared
// table compares equal (for every canonical kind, so a dialect that reads
// its own columns back differently is caught as a false difference), and
// each way a table created by someone else can differ is named with its
// column. extra are the dialect's own cases: tables written by hand in
// its DDL, for the differences only its own column types show.
func CompareExisting(t *testing.T, newTarget NewTarget, extra ...HandCase) {
	t.Run("CreatedTableIsEqual", func(t *testing.T) {
		tgt := newTarget(t)
		tbl, _ := roundTripTable(t)
		// Widths and sizes some dialects create as another type (and
		// must still call equal).
		for i, typ := range []string{"tinyint unsigned", "smallint unsigned", "integer unsigned", "real",
			"decimal(5,1)", "varbinary(16)", "varchar(20000)", "datetime(0)", "time(0)", "timestamptz(3)"} {
			ct, err := connectors.ParseType(typ)
			if err != nil {
				t.Fatal(err)
			}
			tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprintf("extra_%d", i), Type: ct, Nullable: i%2 == 0})
		}
		existing := createAndRead(t, tgt, *tbl)
		if ds := connectors.CompareTable(tgt.Dialect(), tbl, existing); len(ds) > 0 {
			for _, d := range ds {
				t.Errorf("a table Create made differs from its declaration: %s", d)
			}
		}
	})
	t.Run("CreatedTablePassesThePreWriteCheck", func(t *testing.T) {
		// A receiving table regflytt made in an earlier run (its rows
		// removed) with everything the schema can declare, its foreign
		// key and the CHECKs some dialects make for a column's type
		// included: the checks before a run must not refuse it, nor a
		// resumed run the constraints its stopped run made after the load.
		tgt := newTarget(t)
		unit := connectors.Table{Name: "care_unit", PrimaryKey: []string{"unit_id"}, Columns: []connectors.Column{
			{Name: "unit_id", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
			{Name: "hsa_id", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		}, Indexes: []connectors.Index{{Name: "care_unit_hsa", Columns: []string{"hsa_id"}, Unique: true}}}
		visit := connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
			{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
			{Name: "unit_id", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
			{Name: "note", Type: connectors.Type{Kind: connectors.KindText, Length: 200}, Nullable: true},
			{Name: "seq", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		}, Indexes: []connectors.Index{
			{Name: "visit_unit_seq", Columns: []string{"unit_id", "seq"}, Unique: true},
			{Name: "visit_note", Columns: []string{"note"}},
		}, ForeignKeys: []connectors.ForeignKey{{Name: "visit_unit", Columns: []string{"unit_id"}, RefTable: "care_unit", RefColumns: []string{"unit_id"}}}}
		every, _ := roundTripTable(t) // a column of every canonical kind
		tables := []connectors.Table{unit, visit, *every}
		ctx := context.Background()
		if err := tgt.Create(ctx, tables); err != nil {
			t.Fatalf("create: %v", err)
		}
		if cc, ok := tgt.(connectors.ConstraintCreator); ok {
			if err := cc.CreateConstraints(ctx, tables); err != nil {
				t.Fatalf("create constraints: %v", err)
			}
		}
		snap, err := tgt.Snapshot(ctx)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		defer snap.Close()
		for i := range tables {
			existing := findTable(t, snap, tables[i].Name)
			ds := append(connectors.CompareTable(tgt.Dialect(), &tables[i], existing), connectors.UndeclaredUniqueIndexes(&tables[i], existing)...)
			for _, d := range append(ds, connectors.UndeclaredForeignKeys(&tables[i], existing)...) {
				t.Errorf("a table regflytt made differs from its declaration: %s", d)
			}
		}
		if c, ok := snap.(connectors.ExistingTableChecker); ok {
			ds, err := c.CheckExistingTables(ctx, []string{"care_unit", "visit", every.Name})
			if err != nil {
				t.Fatalf("check existing tables: %v", err)
			}
			for _, d := range ds {
				t.Errorf("the pre-write check refuses a table regflytt made: %s", d)
			}
		}
	})
	declared := func() connectors.Table {
		return connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
			{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
			{Name: "weight_kg", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
			{Name: "unit", Type: connectors.Type{Kind: connectors.KindText, Length: 20}, Nullable: true},
			{Name: "visit_date", Type: connectors.Type{Kind: connectors.KindDate}},
		}}
	}
	cases := []struct {
		name   string
		change func(*connectors.Table)
		want   string // "what column" of the one difference
	}{
		{"DecimalScale", func(t *connectors.Table) { t.Columns[1].Type.Scale = 0 }, "type weight_kg"},
		{"DecimalPrecision", func(t *connectors.Table) { t.Columns[1].Type.Precision = 4 }, "type weight_kg"},
		{"VarcharLength", func(t *connectors.Table) { t.Columns[2].Type.Length = 10 }, "type unit"},
		{"TextKind", func(t *connectors.Table) { t.Columns[2].Type = connectors.Type{Kind: connectors.KindInt, Bits: 32} }, "type unit"},
		{"Nullable", func(t *connectors.Table) { t.Columns[3].Nullable = true }, "nullability visit_date"},
		{"NotNull", func(t *connectors.Table) { t.Columns[1].Nullable = false }, "nullability weight_kg"},
		{"MissingColumn", func(t *connectors.Table) { t.Columns = t.Columns[:3] }, "missing column visit_date"},
		{"ExtraColumn", func(t *connectors.Table) {
			t.Columns = append(t.Columns, connectors.Column{Name: "note", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true})
		}, "extra column note"},
		{"PrimaryKey", func(t *connectors.Table) {
			t.PrimaryKey = []string{"visit_id", "visit_date"}
		}, "primary key "},
		{"NoPrimaryKey", func(t *connectors.Table) { t.PrimaryKey = nil }, "primary key "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tgt := newTarget(t)
			decl := declared()
			other := declared()
			c.change(&other)
			existing := createAndRead(t, tgt, other)
			checkDifferences(t, connectors.CompareTable(tgt.Dialect(), &decl, existing), c.want)
		})
	}
	for _, h := range extra {
		t.Run(h.Name, func(t *testing.T) {
			tgt := newTarget(t)
			lw, ok := tgt.(connectors.LegacyWriter)
			if !ok {
				t.Fatalf("%T cannot create tables in its own DDL (no LegacyWriter)", tgt)
			}
			decl, hand := declared(), declared()
			c := hand.Column(h.Column)
			if c == nil {
				t.Fatalf("no column %s in the declared table", h.Column)
			}
			c.SourceType, c.Charset = h.SourceType, h.Charset
			if err := lw.CreateLegacy(context.Background(), []connectors.Table{hand}); err != nil {
				t.Fatalf("create by hand: %v", err)
			}
			existing := readTable(t, tgt, decl.Name)
			checkDifferences(t, connectors.CompareTable(tgt.Dialect(), &decl, existing), h.Want)
		})
	}
}

// HandCase is a dialect's own case for CompareExisting: the declared table
//
//	visit_id bigint NOT NULL, weight_kg decimal(5,1), unit varchar(20),
//	visit_date date NOT NULL, PRIMARY KEY (visit_id)
//
// created (by the dialect's LegacyWriter) with Column's type written by
// hand as SourceType in the dialect's DDL, and Charset where it has
// them; it must differ in exactly one way, Want ("what column", as in
// "type unit"). A Want of "" says it must not differ at all.
type HandCase struct {
	Name                        string
	Column, SourceType, Charset string
	Want                        string
}

func checkDifferences(t *testing.T, ds []connectors.Difference, want string) {
	t.Helper()
	var got []string
	for _, d := range ds {
		got = append(got, d.What+" "+d.Column)
		if d.Table != "visit" {
			t.Errorf("difference names table %q, want visit: %s", d.Table, d)
		}
		if !strings.Contains(d.String(), "table visit") {
			t.Errorf("message does not name the table: %s", d)
		}
	}
	if want == "" && len(got) == 0 {
		return
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("differences %q, want exactly %q; messages:", got, want)
		for _, d := range ds {
			t.Errorf("  %s", d)
		}
	}
}

func createAndRead(t *testing.T, tgt connectors.Target, tbl connectors.Table) *connectors.Table {
	t.Helper()
	if err := tgt.Create(context.Background(), []connectors.Table{tbl}); err != nil {
		t.Fatalf("create %s: %v", tbl.Name, err)
	}
	return readTable(t, tgt, tbl.Name)
}

func readTable(t *testing.T, tgt connectors.Target, name string) *connectors.Table {
	t.Helper()
	snap, err := tgt.Snapshot(context.Background())
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	return findTable(t, snap, name)
}
