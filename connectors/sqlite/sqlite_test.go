package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

func location(t *testing.T, path string) *connectors.Location {
	t.Helper()
	loc, err := connectors.ParseLocation("sqlite://" + path)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newTarget(t *testing.T) connectors.Target {
	db, err := sqlite.OpenTarget(context.Background(), location(t, filepath.Join(t.TempDir(), "t.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// capabilities is what SQLite declares it holds where dialects differ:
// no unsigned 64-bit integers, and no -0.0 (a REAL -0.0 is stored as the
// integer 0). Fractional seconds are text, so all seven digits the
// receiving-schema notation allows are kept.
var capabilities = conformance.Capabilities{
	UnsignedBigint:   false,
	NegativeZero:     false,
	Subnormals:       true,
	EndOfDay:         true,
	JSONScalars:      true,
	FractionalDigits: 7,
	PaddedKeys:       false,
}

// The declared capabilities hold for the dialect's code without a server:
// what ColumnType refuses and what CheckColumn refuses, edge by edge.
func TestDeclaredCapabilities(t *testing.T) {
	conformance.CheckCapabilities(t, sqlite.Dialect{}, capabilities)
}

func TestConformance(t *testing.T) {
	conformance.Run(t, newTarget, capabilities)
}

func TestSourceIsReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "src.db")
	tgt, err := sqlite.OpenTarget(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	tbl := connectors.Table{Name: "p", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tgt.Close()

	src, err := sqlite.OpenSource(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Begin(ctx); !errors.Is(err, connectors.ErrReadOnly) {
		t.Fatalf("Begin on a source: got %v, want ErrReadOnly", err)
	}
	if err := src.Create(ctx, []connectors.Table{tbl}); !errors.Is(err, connectors.ErrReadOnly) {
		t.Fatalf("Create on a source: got %v, want ErrReadOnly", err)
	}
}

func TestOpenSourceMissingFile(t *testing.T) {
	_, err := sqlite.OpenSource(context.Background(), location(t, filepath.Join(t.TempDir(), "nope.db")))
	if err == nil {
		t.Fatal("opening a missing source file succeeded")
	}
}

func TestTypeOfRoundTrips(t *testing.T) {
	for _, c := range conformance.Columns() {
		want, err := connectors.ParseType(c.Type)
		if err != nil {
			t.Fatal(err)
		}
		ddl, err := sqlite.Dialect{}.ColumnType(want)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		got := sqlite.TypeOf(ddl)
		if got.Kind != want.Kind {
			t.Errorf("%s -> %s -> %v: kind changed", c.Type, ddl, got)
		}
	}
}

// An existing receiving table is compared with the declared one; the
// cases only SQLite's own type names show are written by hand.
func TestCompareExisting(t *testing.T) {
	conformance.CompareExisting(t, newTarget,
		// NUMERIC affinity stores '60.50' as the REAL 60.5; DECIMAL_TEXT
		// keeps the text. Both read as decimal(5,1).
		conformance.HandCase{Name: "NumericAffinityDecimal", Column: "weight_kg", SourceType: "DECIMAL(5,1)", Want: "type weight_kg"},
		conformance.HandCase{Name: "Numeric50", Column: "weight_kg", SourceType: "NUMERIC(5,0)", Want: "type weight_kg"},
		conformance.HandCase{Name: "TextForVarchar", Column: "unit", SourceType: "TEXT", Want: "type unit"},
		conformance.HandCase{Name: "SameAsCreated", Column: "weight_kg", SourceType: "decimal_text(5, 1)", Want: ""},
	)
}
