package mappings

import (
	"fmt"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// BenchmarkApplyEntityPersonCopies measures a form of the synthetic
// store's shape with an opt-out list: person: reads the entity's
// personnr, and two of its 20 value rows are variables no column reads
// (asked since a row named as person:'s entity column is a copy of the
// number). copies adds a second birth date, which is joined.
func BenchmarkApplyEntityPersonCopies(b *testing.B) {
	for _, split := range []bool{false, true} {
		b.Run(fmt.Sprint("split=", split), func(b *testing.B) {
			const nvars = 18
			schema := "platform: b\ntables:\n  - name: reg\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n"
			cols := ""
			for i := 0; i < nvars; i++ {
				schema += fmt.Sprintf("      - {name: c%d, type: text}\n", i)
				cols += fmt.Sprintf("      c%d: v%d\n", i, i)
			}
			person, drop := "personnr", ""
			if split {
				person, drop = `{expr: 'fodd + "-" + sista4'}`, ", personnr: the person"
			}
			mapping := "tables:\n  - target: reg\n    source:\n      eav: {entities: inst, values: val, entity: inst_id, attribute: var, value: value}\n" +
				"    person: " + person + "\n    columns:\n      id: id\n" + cols + "    drop: {val_id: the value row's own number" + drop + "}\n"
			dir := b.TempDir()
			s, ds := LoadSchema(writeFile(b, dir, "s.yaml", schema))
			if ds.Err() != nil {
				b.Fatal(ds)
			}
			f, ds := ParseFile(writeFile(b, dir, "m.yaml", mapping))
			if ds.Err() != nil {
				b.Fatal(ds)
			}
			catalog := []connectors.Table{
				{Name: "inst", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "bigint", false), col("personnr", "varchar(13)", true)}},
				{Name: "val", PrimaryKey: []string{"val_id"}, Columns: []connectors.Column{col("val_id", "bigint", false), col("inst_id", "bigint", false),
					col("var", "varchar(20)", false), col("value", "text", true)}},
			}
			ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			list := NewPersonList(ReasonOptOut, "bench")
			for i := 0; i < 1000; i++ {
				if err := list.Add(fmt.Sprintf("19%06d-0000", 500101+i%28), ref, "x"); err != nil {
					continue
				}
			}
			prog, ds := Compile([]*File{f}, catalog, s, &Env{RefDate: ref, OptOut: list})
			if ds.Err() != nil {
				b.Fatal(ds.Err())
			}
			tp := prog.Tables[0]
			entity := []connectors.Value{int64(1), "19460101-0301"}
			var values [][]connectors.Value
			for i := 0; i < nvars; i++ {
				values = append(values, []connectors.Value{int64(i), int64(1), fmt.Sprintf("v%d", i), fmt.Sprintf("text %d", i)})
			}
			values = append(values, []connectors.Value{int64(100), int64(1), "asa", "2"}, []connectors.Value{int64(101), int64(1), "gammal", "x"})
			if split {
				values = append(values, []connectors.Value{int64(102), int64(1), "fodd", "460101"}, []connectors.Value{int64(103), int64(1), "sista4", "0301"},
					[]connectors.Value{int64(104), int64(1), "fodd", "460102"})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				eo := tp.ApplyEntity(entity, values)
				if eo.Entity.Kind != Migrated {
					b.Fatalf("%v %s %s", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Detail)
				}
			}
		})
	}
}
