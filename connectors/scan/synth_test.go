package scan_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/scan"
	"github.com/regflytt/regflytt/plans/synth"
)

// refDate is the synthetic plans' reference date (testdata/plans/*.yaml).
var refDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type platformDB struct {
	url   string
	stats *synth.Stats
}

// generate writes a synthetic platform with every defect into SQLite.
func generate(t testing.TB, p synth.Platform, patients int) platformDB {
	t.Helper()
	ctx := context.Background()
	db := platformDB{url: "sqlite://" + filepath.Join(t.TempDir(), string(p)+".db")}
	tgt, err := all.OpenTarget(ctx, db.url)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	rates := map[synth.DefectID]float64{}
	for _, n := range synth.DefectNames(p) {
		rates[synth.DefectID(n)] = 0.02
	}
	db.stats, err = synth.Generate(ctx, tgt.(synth.Writer), synth.Config{Platform: p, Patients: patients, Seed: 11, Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func scanURL(t testing.TB, url string) *scan.Report {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep, err := scan.Scan(ctx, src, scan.Options{ReferenceDate: refDate, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// finding sums the counts of a finding code at a table, column and
// attribute.
func finding(rep *scan.Report, code, table, column, attr string) int64 {
	var n int64
	for _, f := range rep.Findings {
		if f.Code == code && f.Table == table && f.Column == column && f.Attribute == attr {
			n += f.Count
		}
	}
	return n
}

func column(t *testing.T, rep *scan.Report, table, name string) *scan.Column {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Name == table {
			for _, c := range tr.Columns {
				if c.Name == name {
					return c
				}
			}
		}
	}
	t.Fatalf("no column %s.%s in the report", table, name)
	return nil
}

func format(c *scan.Column, f string) int64 {
	if c.Identity == nil {
		return 0
	}
	for _, x := range c.Identity.Formats {
		if x.Value == f {
			return x.Count
		}
	}
	return 0
}

// expect is one defect class the scan detects: where the generator puts
// it (its record's table), and what the scan must count for it.
type expect struct {
	defect synth.DefectID
	table  string // the generator's record's table
	got    func(rep *scan.Report) int64
	also   []synth.DefectID // further defects the same count holds
	alsoIn string
}

// formatIn counts the identity numbers of one format in a column.
func formatIn(t *testing.T, table, col, f string) func(*scan.Report) int64 {
	return func(rep *scan.Report) int64 { return format(column(t, rep, table, col), f) }
}

func find(code, table, column, attr string) func(*scan.Report) int64 {
	return func(rep *scan.Report) int64 { return finding(rep, code, table, column, attr) }
}

// patientExpects are the identity-number defects of every platform's
// patient table.
func patientExpects(t *testing.T) []expect {
	col := func(f func(c *scan.Column) int64) func(*scan.Report) int64 {
		return func(rep *scan.Report) int64 { return f(column(t, rep, "patient", "personnr")) }
	}
	return []expect{
		{defect: synth.PNRShort, table: "patient", got: col(func(c *scan.Column) int64 { return format(c, "YYMMDD-NNNN") })},
		{defect: synth.PNRPlus, table: "patient", got: col(func(c *scan.Column) int64 { return format(c, "YYMMDD+NNNN") })},
		{defect: synth.PNRTwelve, table: "patient", also: []synth.DefectID{synth.PatientTwoFormats}, alsoIn: "patient",
			got: col(func(c *scan.Column) int64 { return format(c, "YYYYMMDDNNNN") })},
		{defect: synth.PNRSpaces, table: "patient", got: col(func(c *scan.Column) int64 { return c.Identity.Spaced })},
		{defect: synth.PNRCoordination, table: "patient", got: col(func(c *scan.Column) int64 { return c.Identity.Coordination })},
		{defect: synth.PNRChecksum, table: "patient", got: find("identity_invalid", "patient", "personnr", "")},
		{defect: synth.PNRMissing, table: "patient", got: col(func(c *scan.Column) int64 { return c.Nulls })},
	}
}

// Scanning each synthetic platform finds every defect class the scan
// detects with the counts the generator injected.
func TestScanFindsInjectedDefects(t *testing.T) {
	cases := map[synth.Platform]func(t *testing.T) []expect{
		synth.Wide: func(t *testing.T) []expect {
			return append(patientExpects(t),
				expect{defect: synth.ZeroDate, table: "operation", got: find("zero_date", "operation", "op_datum", "")},
				expect{defect: synth.ZeroDay, table: "operation", got: find("partial_date", "operation", "op_datum", "")},
				expect{defect: synth.FutureDate, table: "operation", got: find("future_date", "operation", "op_datum", "")},
				expect{defect: synth.ZeroDateTime, table: "operation", got: find("zero_date", "operation", "inskriven", "")},
				expect{defect: synth.DecimalComma, table: "operation", got: find("decimal_comma", "operation", "vikt", "")},
				expect{defect: synth.BadDecimal, table: "operation", got: find("not_a_number", "operation", "vikt", "")},
				expect{defect: synth.TextGarbled, table: "operation", got: find("garbled_text", "operation", "diagnos", "")},
				expect{defect: synth.TextInvalidBytes, table: "uppfoljning", got: find("invalid_text", "uppfoljning", "anteckning", "")},
				expect{defect: synth.OrphanForm, table: "operation", got: find("orphan_rows", "operation", "patient_id", "")},
				expect{defect: synth.UnknownRef, table: "operation", got: find("orphan_rows", "operation", "vardenhet_id", "")},
				expect{defect: synth.OrphanDetail, table: "uppfoljning", got: find("orphan_rows", "uppfoljning", "operation_id", "")},
				expect{defect: synth.OptOutOtherFormat, table: "avregistrerad", got: find("identity_numbers", "avregistrerad", "personnummer", ""),
					also: []synth.DefectID{synth.OptOutOtherCentury}, alsoIn: "avregistrerad"},
				expect{defect: synth.PartialDate, table: "patient", got: find("partial_date", "patient", "registrerad", "")},
				expect{defect: synth.PNRCenturyFromDate, table: "uppfoljning", got: formatIn(t, "uppfoljning", "personnr", "YYMMDD-NNNN")},
			)
		},
		synth.EAV: func(t *testing.T) []expect {
			v := "formular_varde"
			return append(patientExpects(t),
				expect{defect: synth.ZeroDate, table: "formular_instans", got: find("zero_date", v, "varde", "besoksdatum")},
				expect{defect: synth.ZeroDay, table: "formular_instans", got: find("partial_date", v, "varde", "besoksdatum")},
				expect{defect: synth.FutureDate, table: "formular_instans", got: find("future_date", v, "varde", "besoksdatum")},
				expect{defect: synth.ZeroDateTime, table: "formular_instans", got: find("zero_date", "formular_instans", "skapad", "")},
				expect{defect: synth.DecimalComma, table: "formular_instans", got: find("decimal_comma", v, "varde", "vikt")},
				expect{defect: synth.BadDecimal, table: "formular_instans", got: find("not_a_number", v, "varde", "vikt")},
				expect{defect: synth.TextGarbled, table: "formular_instans", got: find("garbled_text", v, "varde", "diagnos")},
				expect{defect: synth.OrphanForm, table: "formular_instans", got: find("orphan_rows", "formular_instans", "patient_id", "")},
				expect{defect: synth.OrphanDetail, table: v, got: find("orphan_rows", v, "instans_id", "")},
				expect{defect: synth.OptOutOtherFormat, table: "avregistrering", got: find("identity_numbers", "avregistrering", "personnr", ""),
					also: []synth.DefectID{synth.OptOutOtherCentury}, alsoIn: "avregistrering"},
			)
		},
		synth.MainSub: func(t *testing.T) []expect {
			a := "delreg_kirurgi"
			return append(patientExpects(t),
				expect{defect: synth.ZeroDate, table: a, got: find("zero_date", a, "besoksdatum", "")},
				expect{defect: synth.FutureDate, table: a, got: find("future_date", a, "besoksdatum", "")},
				expect{defect: synth.DecimalComma, table: a, got: find("decimal_comma", a, "vikt", "")},
				expect{defect: synth.OrphanForm, table: a, got: find("orphan_rows", a, "patient_id", "")},
				expect{defect: synth.OrphanForm, table: "delreg_rehab", got: find("orphan_rows", "delreg_rehab", "patient_id", "")},
				expect{defect: synth.OptOutOtherFormat, table: "avregistrerad", got: find("identity_numbers", "avregistrerad", "personnummer", ""),
					also: []synth.DefectID{synth.OptOutOtherCentury}, alsoIn: "avregistrerad"},
				expect{defect: synth.PartialDate, table: "patient", got: find("partial_date", "patient", "registrerad", "")},
				expect{defect: synth.PNRCenturyFromDate, table: "delreg_rehab", got: formatIn(t, "delreg_rehab", "personnr", "YYMMDD-NNNN")},
			)
		},
	}
	for _, p := range synth.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			db := generate(t, p, 2000)
			rep := scanURL(t, db.url)
			for _, e := range cases[p](t) {
				want := db.stats.Defects[e.defect][e.table]
				for _, d := range e.also {
					want += db.stats.Defects[d][e.alsoIn]
				}
				if want == 0 {
					t.Errorf("%s: the generator injected none into %s: the test proves nothing", e.defect, e.table)
				}
				if got := e.got(rep); got != want {
					t.Errorf("%s in %s: the scan counts %d, the generator injected %d", e.defect, e.table, got, want)
				}
			}
			if p == synth.EAV {
				var eav *scan.EAV
				for _, tr := range rep.Tables {
					if tr.EAV != nil {
						if eav != nil {
							t.Errorf("two EAV tables: %s and %s", eav.Entity, tr.Name)
						}
						eav = tr.EAV
						if tr.Name != "formular_varde" || eav.Attribute != "variabel" || eav.Value != "varde" || eav.Entity != "instans_id" || eav.EntityTable != "formular_instans" {
							t.Errorf("EAV recognised as %s: %+v", tr.Name, eav)
						}
					}
				}
				if eav == nil || len(eav.Attributes) < 5 {
					t.Fatalf("the form store's value table is not recognised as EAV: %+v", eav)
				}
			}
		})
	}
}

// The per-attribute profiles made during the first pass equal those of a
// second pass over the EAV table.
func TestAttributesInOnePass(t *testing.T) {
	db := generate(t, synth.EAV, 500)
	var one, two bytes.Buffer
	if err := scanURL(t, db.url).WriteJSON(&one); err != nil {
		t.Fatal(err)
	}
	scan.SetFirstPassAttributes(false)
	defer scan.SetFirstPassAttributes(true)
	if err := scanURL(t, db.url).WriteJSON(&two); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(one.Bytes(), []byte(`"attributes": [`)) {
		t.Fatal("no EAV attributes in the report")
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Errorf("the reports differ between one and two passes")
	}
}
