package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
)

// Two legacy records keyed by Latin-1 codes ('Ö1' is D6 31, 'Ä1' C4 31),
// repaired by latin1() on the way, each migrate with a length archived
// alone. The package names a value archived alone by its record's key
// alone, and wrote each bad byte of these keys as U+FFFD: both values
// read as one record's, the run passed while regflytt verify then failed
// its value equation ("1 archived alone" of 2, "1 values became NULL by
// no declared rule"), and a package giving each record the other's
// length was byte for byte the honest one. Each key is now held as its
// bytes: the honest package passes, the swapped one fails.
func TestValuesAloneOfLatin1KeysStayTheirRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "legacy.db")
	sqliteExec(t, src,
		"CREATE TABLE besok (kod TEXT PRIMARY KEY, langd TEXT)",
		"INSERT INTO besok VALUES (CAST(X'D631' AS TEXT), 'ca 180'), (CAST(X'C431' AS TEXT), 'ca 165')")
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: varchar(10)}
      - {name: length_cm, type: "decimal(5,1)"}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      id: {expr: latin1(kod)}
      length_cm: {expr: decimal(langd)}
`)
	p := loadPlan(t, writePlan(t, dir, "verification: {acknowledge: {values_archived_share.besok: a test of keys in Latin-1}}\n"))
	opts := plans.Options{SourceURL: "sqlite://" + src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, p, opts); err != nil {
		t.Fatalf("the run: %v", err)
	}
	pkgDir := filepath.Join(dir, "archive")
	pkg, err := archive.Open(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pkg.Values("besok")
	if err != nil || len(vals) != 2 || vals[0].KeyText == vals[1].KeyText {
		t.Fatalf("values archived alone %+v, %v: want two, under two keys", vals, err)
	}
	if sum, err := plans.Verify(ctx, p, opts); err != nil || !sum.Pass {
		t.Fatalf("the honest package fails: %v %v", err, sum.Problems)
	}
	lengths := map[string]any{vals[0].KeyText: vals[1].Value.Value, vals[1].KeyText: vals[0].Value.Value}
	rewritePackage(t, pkgDir, packageEdit{value: func(_ string, v *archive.Value) { v.Value = lengths[v.KeyText] }})
	sum, err := plans.Verify(ctx, p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) || sum.Pass {
		t.Fatalf("each record given the other's length: verify %v, pass %v", err, sum.Pass)
	}
}
