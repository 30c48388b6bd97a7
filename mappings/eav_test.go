package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

const eavSchema = `platform: test
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: smoking, type: varchar(10)}
      - {name: registered, type: date, not_null: true}
`

func eavCatalog() []connectors.Table {
	return []connectors.Table{{
		Name: "instans", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{col("id", "integer", false), col("datum", "varchar(10)", true)},
	}, {
		Name: "varde", PrimaryKey: []string{"varde_id"},
		Columns: []connectors.Column{col("varde_id", "integer", false), col("instans_id", "integer", false),
			col("variabel", "varchar(20)", false), col("varde", "text", true), col("ver", "integer", true)},
	}}
}

func eavProgram(t *testing.T, granularity string) *TableProgram {
	t.Helper()
	return eavProgramOn(t, granularity, eavCatalog())
}

// eavProgramOn compiles eavProgram's mapping against catalog.
func eavProgramOn(t *testing.T, granularity string, catalog []connectors.Table) *TableProgram {
	t.Helper()
	mapping := `codelists:
  - name: smoking
    versions:
      "1": {"1": current, "2": never}
      "2": {J: current, N: never}
tables:
  - target: registration
    granularity: ` + granularity + `
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, version: ver}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
    drop: {gammal: retired in 2015, varde_id: the value row's own number; each value migrates with its instance}
`
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, catalog, schema, testEnv(t))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	if len(prog.Tables) != 1 || prog.Tables[0].EAV == nil {
		t.Fatal("no EAV program")
	}
	if got := strings.Join(prog.Tables[0].EAV.Variables(), ","); got != "rok,vikt" {
		t.Fatalf("variables %s, want rok,vikt", got)
	}
	return prog.Tables[0]
}

func val(id int64, v string, value connectors.Value, ver int64) []connectors.Value {
	return []connectors.Value{id, int64(1), v, value, ver}
}

func TestApplyEntity(t *testing.T) {
	tp := eavProgram(t, "record")
	entity := []connectors.Value{int64(1), "2024-03-01"}
	values := [][]connectors.Value{
		val(10, "gammal", "x", 1),  // retired variable: archived, not lost
		val(11, "rok", "2", 1),     // old code-list version
		val(12, "vikt", "72,5", 1), // decimal comma
		val(13, "vikt", "80", 1),   // a second weight for the same form
	}
	eo := tp.ApplyEntity(entity, values)
	if eo.Entity.Kind != Migrated {
		t.Fatalf("entity %v %s %s", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Detail)
	}
	want := []string{"archived:variable_not_mapped", "migrated:", "migrated:", "archived:duplicate_value"}
	for i, w := range want {
		if got := eo.Values[i].Kind.String() + ":" + eo.Values[i].Reason; got != w {
			t.Errorf("value row %d: %s, want %s", i, got, w)
		}
	}
	if !strings.Contains(eo.Values[0].Detail, "retired in 2015") {
		t.Errorf("the drop reason is not carried: %q", eo.Values[0].Detail)
	}
	row := eo.Entity.Row
	if row[1] != connectors.Decimal("72.5") || row[2] != "never" || row[3] != (connectors.Date{Year: 2024, Month: 3, Day: 1}) {
		t.Fatalf("target row %v", row)
	}

	// One bad value under record granularity archives the entity and all
	// its values, each with the reason.
	bad := [][]connectors.Value{val(11, "rok", "F", 2), val(12, "vikt", "72,5", 1)}
	eo = tp.ApplyEntity(entity, bad)
	if eo.Entity.Kind != Archived || eo.Entity.Reason != "code_unmapped" {
		t.Fatalf("entity %v %s", eo.Entity.Kind, eo.Entity.Reason)
	}
	for i, vo := range eo.Values {
		if vo.Kind != Archived || vo.Reason != "code_unmapped" {
			t.Errorf("value %d: %v %s", i, vo.Kind, vo.Reason)
		}
	}
}

func TestApplyEntityValueGranularity(t *testing.T) {
	tp := eavProgram(t, "value")
	entity := []connectors.Value{int64(1), "2024-03-01"}
	values := [][]connectors.Value{val(11, "rok", "F", 2), val(12, "vikt", "72,5", 1)}
	eo := tp.ApplyEntity(entity, values)
	if eo.Entity.Kind != Migrated {
		t.Fatalf("entity %v %s", eo.Entity.Kind, eo.Entity.Reason)
	}
	if eo.Values[0].Kind != Archived || eo.Values[0].Reason != "code_unmapped" || eo.Values[1].Kind != Migrated {
		t.Fatalf("values %+v", eo.Values)
	}
	if eo.Entity.Row[2] != nil || eo.Entity.Row[1] != connectors.Decimal("72.5") {
		t.Fatalf("row %v", eo.Entity.Row)
	}
}

func TestApplyEntityOptOutExcludesEveryValue(t *testing.T) {
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    person: pnr
    columns:
      registration_id: id
      registered: {expr: date(datum)}
    drop: {varde_id: the value row's own number, ver: this form's variables have one version}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, eavCatalog(), schema, testEnv(t, "19121212-1212"))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	eo := prog.Tables[0].ApplyEntity([]connectors.Value{int64(1), "2024-03-01"},
		[][]connectors.Value{val(1, "pnr", "121212+1212", 1), val(2, "annat", "x", 1)})
	if eo.Entity.Kind != Excluded {
		t.Fatalf("entity %v", eo.Entity.Kind)
	}
	for i, vo := range eo.Values {
		if vo.Kind != Excluded || vo.Detail != "" {
			t.Errorf("value %d of an opted-out patient: %v %q", i, vo.Kind, vo.Detail)
		}
	}
}

// ApplyEntity reuses its value rows' outcomes from call to call: each
// call's are its own, whatever the call before gave, fewer or more.
func TestApplyEntityReusesNothingStale(t *testing.T) {
	tp := eavProgram(t, "record")
	entity := []connectors.Value{int64(1), "2024-03-01"}
	// Alone, each entity's outcomes as a fresh program gives them.
	entities := [][][]connectors.Value{
		{val(10, "gammal", "x", 1), val(11, "rok", "F", 2), val(12, "vikt", "72,5", 1), val(13, "vikt", "80", 1)},
		{val(14, "vikt", "70", 1)},
		{val(15, "rok", "J", 2), val(16, "vikt", "71", 1)},
		{val(17, "gammal", "y", 1), val(18, "rok", "1", 1), val(19, "vikt", "72", 1), val(20, "vikt", "73", 1), val(21, "rok", "N", 2), val(22, "x", "1", 1)},
		{},
		{val(23, "vikt", "74", 1)},
		{val(24, "gammal", "z", 1), val(25, "x", "2", 1)},
		{val(26, "vikt", "75", 1), val(27, "vikt", "76", 1)},
	}
	show := func(eo EntityOutcome) string {
		var b strings.Builder
		for _, vo := range eo.Values {
			b.WriteString(vo.Kind.String() + ":" + vo.Reason + ":" + vo.Column + ":" + vo.SourceColumn + ":" + vo.Detail + "|")
		}
		return b.String()
	}
	var want []string
	for _, values := range entities {
		want = append(want, show(eavProgram(t, "record").ApplyEntity(entity, values)))
	}
	for round := 0; round < 2; round++ {
		for i, values := range entities {
			if got := show(tp.ApplyEntity(entity, values)); got != want[i] {
				t.Errorf("round %d, entity %d: %s, alone %s", round, i, got, want[i])
			}
		}
	}
	if !strings.Contains(want[0], "archived") || !strings.Contains(want[2], "migrated") {
		t.Fatalf("the entities give no mix of outcomes: %q", want)
	}
}

// A values table without a primary key is read in (entity, attribute)
// order only, so two values of one variable for one form come in the
// order the server's sort leaves them, which a PostgreSQL cursor and a
// keyset read break otherwise: the one kept, and the one archived as
// duplicate_value, must not depend on it, or a run and its verification
// disagree. With a primary key its order decides, as before.
func TestApplyEntityDuplicateValueWithoutValuesKey(t *testing.T) {
	catalog := eavCatalog()
	catalog[1].PrimaryKey = nil
	entity := []connectors.Value{int64(1), "2024-03-01"}
	a, b := val(12, "vikt", "72,5", 1), val(13, "vikt", "80", 1)
	weight := func(tp *TableProgram, values ...[]connectors.Value) (connectors.Value, []string) {
		eo := tp.ApplyEntity(entity, values)
		var fates []string
		for _, vo := range eo.Values {
			fates = append(fates, vo.Kind.String()+":"+vo.Reason)
		}
		return eo.Entity.Row[1], fates
	}
	tp := eavProgramOn(t, "record", catalog)
	w1, f1 := weight(tp, a, b)
	w2, f2 := weight(tp, b, a)
	if w1 != w2 {
		t.Errorf("the weight kept depends on the order the rows came in: %v one way, %v the other", w1, w2)
	}
	if len(f1) != 2 || f1[0] == f1[1] || f1[0] != f2[1] || f1[1] != f2[0] {
		t.Errorf("outcomes %v one way and %v the other: want one row kept, the other archived as duplicate_value, each outcome in the order given", f1, f2)
	}
	keyed := eavProgram(t, "record")
	if w, _ := weight(keyed, b, a); w != connectors.Decimal("80.0") {
		t.Errorf("with a primary key the first row given is kept; kept %v", w)
	}
}

// A values table whose own key has the name of a mapped entity column (both
// tables keyed by id, as legacy form stores often are) is accounted for by
// listing that name under drop:, which can only mean the values table's
// column: the entity's is mapped. Before, the drop was "both mapped and
// dropped" and its absence "neither read nor dropped": no mapping compiled.
func TestEAVValuesKeyNamedLikeAMappedEntityColumn(t *testing.T) {
	catalog := []connectors.Table{{
		Name: "instans", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{col("id", "integer", false), col("datum", "varchar(10)", true)},
	}, {
		Name: "varde", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{col("id", "integer", false), col("instans_id", "integer", false),
			col("variabel", "varchar(20)", false), col("varde", "text", true), col("ver", "integer", true)},
	}}
	mapping := `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, version: ver}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
      smoking: rok
    drop: {id: the value row's own number}
`
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	if _, ds := Compile([]*File{f}, catalog, schema, testEnv(t)); ds.Err() != nil {
		t.Fatal(ds.Err())
	}
	// Not dropped, the values table's id is still left behind.
	f, ds = ParseFile(writeFile(t, dir, "m2.yaml", strings.Replace(mapping, "    drop: {id: the value row's own number}\n", "", 1)))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	_, ds = Compile([]*File{f}, catalog, schema, testEnv(t))
	if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "values column varde.id is neither read nor dropped") {
		t.Fatalf("got %v, want the values table's id left behind", err)
	}
}
