package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/verify"
)

// contentTable has a text key, a float measurement and a text column.
var contentTable = connectors.Table{Name: "m", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
	{Name: "k", Type: connectors.Type{Kind: connectors.KindText}},
	{Name: "x", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	{Name: "note", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
}}

// compare writes actual into a fresh SQLite table, compares it with
// expected and drills down; it returns the differences as text.
func compare(t *testing.T, expected, actual [][]connectors.Value) (*verify.ContentCheck, []string) {
	t.Helper()
	ctx := context.Background()
	loc, _ := connectors.ParseLocation("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	db, err := sqlite.OpenTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create(ctx, []connectors.Table{contentTable}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &contentTable, actual); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	c, err := verify.NewContent(&contentTable, verify.BucketsFor(int64(len(expected))))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range expected {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := verify.CompareContent(ctx, snap, &tables[0], c)
	if err != nil {
		t.Fatal(err)
	}
	var keep [][]connectors.Value
	in := map[uint32]bool{}
	for _, b := range cc.Differing() {
		in[b] = true
	}
	for _, r := range expected {
		if b, _ := c.Bucket(r); in[b] {
			keep = append(keep, r)
		}
	}
	if err := verify.DrillDown(ctx, snap, &tables[0], c, cc, keep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range cc.Differences {
		out = append(out, fmt.Sprint(d.Key, " ", d.Kind, " ", d.Columns))
	}
	return cc, out
}

func rowsOf(n int) [][]connectors.Value {
	var out [][]connectors.Value
	for i := 0; i < n; i++ {
		out = append(out, []connectors.Value{fmt.Sprintf("k-%03d", i), float64(i) * 1.5, fmt.Sprintf("note %d", i)})
	}
	return out
}

func TestContentFloatsWithTolerance(t *testing.T) {
	exp := rowsOf(50)
	cases := []struct {
		name   string
		tamper func(rows [][]connectors.Value)
		want   []string
	}{
		{"equal", func([][]connectors.Value) {}, nil},
		// Within the tolerance: the last bits of a float as another
		// database may round it are the same measurement.
		{"rounded in the last bits", func(r [][]connectors.Value) { r[7][1] = r[7][1].(float64) * (1 + 1e-14) }, nil},
		{"changed float", func(r [][]connectors.Value) { r[7][1] = 99.0 }, []string{"[k-007] changed [x]"}},
		{"float made NULL", func(r [][]connectors.Value) { r[8][1] = nil }, []string{"[k-008] changed [x]"}},
		// A swap keeps every sum: the key-weighted sum moves.
		{"floats swapped", func(r [][]connectors.Value) { r[3][1], r[4][1] = r[4][1], r[3][1] }, []string{"[k-003] changed [x]", "[k-004] changed [x]"}},
		{"text and float changed", func(r [][]connectors.Value) { r[9][1], r[9][2] = 1.25, "other" }, []string{"[k-009] changed [note x]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := rowsOf(50)
			tc.tamper(act)
			cc, got := compare(t, exp, act)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v), want %q", got, cc.OK, tc.want)
			}
		})
	}
}

// Traps other diff tools fell into, through the content check: each
// tampered value must show as its key and column, and nothing else.
func TestContentTraps(t *testing.T) {
	base := [][]connectors.Value{
		{"a-b", 1.0, "x0"}, {"ab", 2.0, "y"}, {"A-B", 3.0, ""}, {"a b", 4.0, nil},
		{"null", 5.0, "NULL"}, {"pad", 6.0, "x"}, {"case", 7.0, "Ab"},
	}
	clone := func() [][]connectors.Value {
		out := make([][]connectors.Value, len(base))
		for i := range base {
			out[i] = slices.Clone(base[i])
		}
		return out
	}
	cases := []struct {
		name   string
		tamper func(r [][]connectors.Value)
		want   []string
	}{
		{"keys differing only by hyphen, case and space are distinct records", func([][]connectors.Value) {}, nil},
		{"NULL for ''", func(r [][]connectors.Value) { r[2][2] = nil }, []string{"[A-B] changed [note]"}},
		{"'' for NULL", func(r [][]connectors.Value) { r[3][2] = "" }, []string{"[a b] changed [note]"}},
		{"NULL for 'NULL'", func(r [][]connectors.Value) { r[4][2] = nil }, []string{"[null] changed [note]"}},
		{"trailing space", func(r [][]connectors.Value) { r[5][2] = "x " }, []string{"[pad] changed [note]"}},
		{"case only", func(r [][]connectors.Value) { r[6][2] = "AB" }, []string{"[case] changed [note]"}},
		{"a key by case only", func(r [][]connectors.Value) { r[2][0] = "a-B" }, []string{"[A-B] missing []", "[a-B] foreign []"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := clone()
			tc.tamper(act)
			cc, got := compare(t, base, act)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v), want %q", got, cc.OK, tc.want)
			}
		})
	}
}
