package synth_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/plans/synth"
)

// digestOf reads a database back through its Source and hashes its
// canonical dump; it also checks the rows against the generator's Stats.
func digestOf(t *testing.T, url string, st *synth.Stats) string {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d, counts, err := synth.Digest(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(counts) != fmt.Sprint(st.Rows) {
		t.Errorf("the database holds %v rows per table, Stats say %v", counts, st.Rows)
	}
	return d
}

func sqliteURL(t *testing.T, name string) string {
	return "sqlite://" + filepath.Join(t.TempDir(), name)
}

// The same configuration gives the same data, value for value; another
// seed gives other data.
func TestSameSeedSameData(t *testing.T) {
	for _, p := range synth.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			cfg := synth.Config{Platform: p, Patients: 300, Seed: 7, Rates: testRates(p)}
			var digests []string
			for _, seed := range []uint64{7, 7, 8} {
				cfg.Seed = seed
				url := sqliteURL(t, "legacy.db")
				digests = append(digests, digestOf(t, url, generate(t, url, cfg)))
			}
			if digests[0] != digests[1] {
				t.Errorf("seed 7 twice: digests %s and %s", digests[0], digests[1])
			}
			if digests[0] == digests[2] {
				t.Errorf("seeds 7 and 8 give the same data")
			}
		})
	}
}

// The same configuration gives the same data on every dialect, read back
// through each one's Source: SQLite always, MariaDB and PostgreSQL when
// their test servers are given.
func TestDialectsAgree(t *testing.T) {
	targets := map[string]func(t *testing.T) string{}
	if os.Getenv(mytest.EnvVar) != "" {
		targets["mariadb"] = func(t *testing.T) string { return mytest.NewDatabase(t) }
	}
	if os.Getenv(pgtest.EnvVar) != "" {
		targets["postgres"] = func(t *testing.T) string { return pgtest.NewDatabase(t) }
	}
	if len(targets) == 0 {
		t.Skipf("neither %s nor %s is set: nothing to compare SQLite with", mytest.EnvVar, pgtest.EnvVar)
	}
	for _, p := range synth.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			cfg := synth.Config{Platform: p, Patients: 300, Seed: 3, Rates: testRates(p)}
			url := sqliteURL(t, "legacy.db")
			want := digestOf(t, url, generate(t, url, cfg))
			var wantDump bytes.Buffer
			dump(t, url, &wantDump)
			for name, newDB := range targets {
				url := newDB(t)
				if got := digestOf(t, url, generate(t, url, cfg)); got != want {
					var gotDump bytes.Buffer
					dump(t, url, &gotDump)
					t.Errorf("%s: digest %s, SQLite's %s; first difference: %s", name, got, want, firstDiff(gotDump.String(), wantDump.String()))
				}
			}
		})
	}
}

func dump(t *testing.T, url string, w *bytes.Buffer) {
	t.Helper()
	src, err := all.OpenSource(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := synth.Dump(context.Background(), src, w); err != nil {
		t.Fatal(err)
	}
}

// firstDiff names the first line two dumps differ in (synthetic data: no
// one's personal data is printed).
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: %q vs %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// Rates are what they say: at a rate of 10%, about a tenth of the rows a
// defect applies to get it; at 0, none.
func TestRatesAreKept(t *testing.T) {
	rates := map[synth.DefectID]float64{synth.ZeroDate: 0.1, synth.DecimalComma: 0}
	var ops, zero, comma int64
	url := sqliteURL(t, "legacy.db")
	st := generate(t, url, synth.Config{Platform: synth.Wide, Patients: 4000, Seed: 5, Rates: rates,
		Observe: func(in synth.Injection) {
			switch in.Defect {
			case synth.ZeroDate:
				zero++
			case synth.DecimalComma:
				comma++
			}
		}})
	ops = st.Rows["operation"]
	share := float64(zero) / float64(ops)
	if share < 0.085 || share > 0.115 {
		t.Errorf("zero dates in %.3f of %d operations at a rate of 0.1", share, ops)
	}
	if comma != 0 || st.DefectRows(synth.DecimalComma) != 0 {
		t.Errorf("%d decimal commas at rate 0", comma)
	}
	// The default rates hold where no rate is given: a few per thousand.
	if n := st.DefectRows(synth.CodeOldVersion); n == 0 || float64(n)/float64(ops) > 0.03 {
		t.Errorf("%d old codes in %d operations at the default rate %v", n, ops, synth.DefaultRates[synth.CodeOldVersion])
	}
}

func TestConfigRefusals(t *testing.T) {
	cases := []struct {
		cfg  synth.Config
		want string
	}{
		{synth.Config{Platform: "flat", Patients: 100}, "unknown platform"},
		{synth.Config{Platform: synth.Wide, Patients: 99}, "want 100..10000000"},
		{synth.Config{Platform: synth.Wide, Patients: 10_000_001}, "want 100..10000000"},
		{synth.Config{Platform: synth.Wide, Patients: 100, Rates: map[synth.DefectID]float64{"zero_daet": 0.1}}, "has no defect zero_daet"},
		{synth.Config{Platform: synth.Wide, Patients: 100, Rates: map[synth.DefectID]float64{synth.MergeConflict: 0.1}}, "has no defect merge_conflict"},
		{synth.Config{Platform: synth.Wide, Patients: 100, Rates: map[synth.DefectID]float64{synth.ZeroDate: 1.5}}, "want 0..1"},
		{synth.Config{Platform: synth.Wide, Patients: 100, Rates: map[synth.DefectID]float64{synth.ZeroDate: 0.6, synth.ZeroDay: 0.6}}, "add up to more than 1"},
	}
	for _, c := range cases {
		url := sqliteURL(t, "x.db")
		loc, _ := connectors.ParseLocation(url)
		db, err := sqlite.OpenTarget(context.Background(), loc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = synth.Generate(context.Background(), db, c.cfg)
		db.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
}

// A database that already holds a platform's tables is refused before
// anything is written.
func TestGenerateRefusesExistingTables(t *testing.T) {
	url := sqliteURL(t, "legacy.db")
	cfg := synth.Config{Platform: synth.EAV, Patients: 100, Seed: 1}
	st := generate(t, url, cfg)
	before := digestOf(t, url, st)
	ctx := context.Background()
	tgt, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = synth.Generate(ctx, tgt.(synth.Writer), cfg)
	tgt.Close()
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second Generate: got %v, want a refusal", err)
	}
	if digestOf(t, url, st) != before {
		t.Error("the refused Generate changed the database")
	}
}

// Every platform declares tables every dialect with a legacy writer can
// create, in the dialect's own words.
func TestTablesPerDialect(t *testing.T) {
	for _, p := range synth.Platforms() {
		for _, d := range []string{"sqlite", "mysql", "postgres", "sqlserver"} {
			tables, err := synth.Tables(p, d)
			if err != nil {
				t.Fatalf("%s on %s: %v", p, d, err)
			}
			for _, tb := range tables {
				if len(tb.PrimaryKey) != 1 || tb.Columns[0].Name != tb.PrimaryKey[0] || tb.Columns[0].Type.Kind != connectors.KindInt {
					t.Errorf("%s.%s: key %v, want its first column, an integer", p, tb.Name, tb.PrimaryKey)
				}
				for _, c := range tb.Columns {
					if (d == "sqlserver") != (c.SourceType == "") {
						t.Errorf("%s on %s: %s.%s has source type %q", p, d, tb.Name, c.Name, c.SourceType)
					}
				}
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/digests.golden")

// The data of a seed does not change unnoticed between versions of the
// generator: RCO teams quote a seed to rehearse the same platform again.
// A deliberate change of the generator rewrites the file with
// go test ./plans/synth -run TestGoldenDigests -update, and says why in
// its commit.
func TestGoldenDigests(t *testing.T) {
	const golden = "testdata/digests.golden"
	var b strings.Builder
	for _, p := range synth.Platforms() {
		url := sqliteURL(t, "legacy.db")
		cfg := synth.Config{Platform: p, Patients: 100, Seed: 1}
		fmt.Fprintf(&b, "%s 100 patients seed 1: %s\n", p, digestOf(t, url, generate(t, url, cfg)))
	}
	if *update {
		if err := os.MkdirAll("testdata", 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("the generator's data changed:\n got %s\nwant %s", b.String(), want)
	}
}
