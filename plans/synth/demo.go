package synth

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/regflytt/regflytt/connectors"
)

// DemoConfig sizes the demo registry.
type DemoConfig struct {
	Patients int
	Seed     uint64
}

// DemoStats says what Demo wrote, and how many rows carry each deliberate
// defect, so that tests and the demo can check every one is accounted for.
type DemoStats struct {
	Rows map[string]int64
	// Defects counts rows per defect: "zero_date", "bad_decimal",
	// "visit_of_archived_patient" (a sound visit whose patient is archived),
	// "missing_care_unit", "height_out_of_range", "log_rows".
	Defects map[string]int64
}

// DemoTables declares the legacy-demo platform: a single-registry solution
// with Swedish table names, dates and weights stored as text, and a log
// table no mapping reads. Patients and visits name the care unit
// (vardenhet_id) that reported them; the access tables (access.go) hold
// the platform's users and what they may see.
func DemoTables() []connectors.Table {
	return append([]connectors.Table{
		table("vardenhet", "id", "integer", "namn", "varchar(100)", "region", "varchar(40) null"),
		table("patient", "id", "integer", "personnr", "varchar(13)", "kon", "varchar(1) null", "registrerad", "varchar(10) null", "vardenhet_id", "integer"),
		table("besok", "id", "integer", "patient_id", "integer", "vardenhet_id", "integer null",
			"besoksdatum", "varchar(10) null", "vikt", "varchar(8) null", "langd", "integer null", "rokare", "integer null"),
		table("logg", "id", "integer", "handelse", "text"),
	}, AccessTables()...)
}

var regions = []string{"Region Skåne", "Region Uppsala", "Västra Götalandsregionen", "Region Västerbotten", "Region Stockholm"}

// Demo writes the demo legacy registry into tgt: patients, care units,
// about three visits per patient, a short log, and deliberately bad rows
// at fixed intervals (zero dates, a garbled weight, a missing care unit, a
// height beyond smallint) that a migration must archive, not lose.
func Demo(ctx context.Context, tgt connectors.Target, cfg DemoConfig) (*DemoStats, error) {
	if cfg.Patients < 1 {
		return nil, fmt.Errorf("demo: need at least one patient")
	}
	tables := DemoTables()
	if err := tgt.Create(ctx, tables); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x7265676600000001))
	st := &DemoStats{Rows: map[string]int64{}, Defects: map[string]int64{}}

	units := max(3, cfg.Patients/15)
	w := newWriter(ctx, tgt, &tables[0])
	var unitRegions []accessUnit
	for i := 1; i <= units; i++ {
		reg := regions[r.IntN(len(regions))]
		unitRegions = append(unitRegions, accessUnit{id: int64(i), region: reg})
		if err := w.add(int64(i), fmt.Sprintf("Vårdenhet %d, %s", i, reg), reg); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	st.Rows["vardenhet"] = w.n

	w = newWriter(ctx, tgt, &tables[1])
	for i := 1; i <= cfg.Patients; i++ {
		y, m, d := 1930+r.IntN(80), 1+r.IntN(12), 1+r.IntN(28)
		sex := []string{"M", "K"}[r.IntN(2)]
		reg := fmt.Sprintf("%04d-%02d-%02d", 2010+r.IntN(14), 1+r.IntN(12), 1+r.IntN(28))
		if i%89 == 0 {
			reg = "0000-00-00" // a MySQL zero date kept as text
			st.Defects["zero_date"]++
		}
		// The unit that registered the patient: drawn without the random
		// stream, so that every other value stays as earlier seeds gave it.
		unit := int64(1 + (i*7)%units)
		if err := w.add(int64(i), personnummer(r, y, m, d), sex, reg, unit); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	st.Rows["patient"] = w.n

	w = newWriter(ctx, tgt, &tables[2])
	visit := 0
	for p := 1; p <= cfg.Patients; p++ {
		for k := 0; k < 1+r.IntN(5); k++ {
			visit++
			var unit connectors.Value = int64(1 + r.IntN(units))
			date := fmt.Sprintf("%04d-%02d-%02d", 2012+r.IntN(12), 1+r.IntN(12), 1+r.IntN(28))
			weight := fmt.Sprintf("%d.%d", 45+r.IntN(70), r.IntN(10))
			var height connectors.Value = int64(150 + r.IntN(50))
			var smoker connectors.Value = int64(r.IntN(3))
			switch {
			case visit%97 == 0:
				date = "0000-00-00"
				st.Defects["zero_date"]++
			case visit%131 == 0:
				weight = "7O.5" // a letter O typed for a zero
				st.Defects["bad_decimal"]++
			case visit%151 == 0:
				unit = nil
				st.Defects["missing_care_unit"]++
			case visit%263 == 0:
				height = int64(40000)
				st.Defects["height_out_of_range"]++
			}
			if p%89 == 0 && visit%97 != 0 && visit%131 != 0 && visit%151 != 0 && visit%263 != 0 {
				// A sound visit of a patient archived for a zero date:
				// it follows its patient (the plan declares the parent).
				st.Defects["visit_of_archived_patient"]++
			}
			if visit%7 == 0 {
				smoker = nil
			}
			if err := w.add(int64(visit), int64(p), unit, date, weight, height, smoker); err != nil {
				return nil, err
			}
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	st.Rows["besok"] = w.n

	w = newWriter(ctx, tgt, &tables[3])
	for i, e := range []string{"inloggning", "export", "ändring av variabellista", "inloggning", "utloggning"} {
		if err := w.add(int64(i+1), e); err != nil {
			return nil, err
		}
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	st.Rows["logg"] = w.n
	st.Defects["log_rows"] = w.n
	if err := writeAccess(ctx, tgt, cfg.Seed, unitRegions, st); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return st, nil
}
