package plans

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// besokProgram compiles one mapping of the legacy table besok (id, nr)
// into visit.
func besokProgram(t testing.TB, visitID string) *mappings.Program {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	schema, ds := mappings.LoadSchema(write("schema.yaml", `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: note, type: text}
`))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := mappings.ParseFile(write("m.yaml", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: `+visitID+`
      note: {expr: 'string(nr)'}
`))
	if ds.Err() != nil {
		t.Fatalf("mapping: %v", ds)
	}
	int64Col := func(name string) connectors.Column {
		return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, SourceType: "bigint"}
	}
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{int64Col("id"), int64Col("nr")}}
	prog, ds := mappings.Compile([]*mappings.File{f}, []connectors.Table{besok}, schema, nil)
	if ds.Err() != nil {
		t.Fatalf("compile: %v", ds)
	}
	return prog
}

// An identity-keyed receiving table keeps no key set: claiming its rows
// allocates nothing, however many there are. (On the old code every key
// took 55 to 66 heap bytes.)
func TestInjectiveReceivingKeyKeepsNoSet(t *testing.T) {
	prog := besokProgram(t, "id")
	tp := prog.Tables[0]
	k := newReceivingKeys()
	k.skipInjective(prog)
	// The keys are boxed beforehand: only claim's own allocations count.
	ids := make([]connectors.Value, 1002)
	for i := range ids {
		ids[i] = int64(1_000_000 + i)
	}
	row := []connectors.Value{nil, "x"}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		row[0] = ids[i]
		o, err := k.claim(tp.Target, mappings.Outcome{Kind: mappings.Migrated, Row: row}, "besok", ids[i:i+1])
		i++
		if err != nil || o.Kind != mappings.Migrated {
			t.Fatalf("claim: %+v, %v", o, err)
		}
	})
	if allocs != 0 || len(k.tables) != 0 {
		t.Fatalf("an injective receiving key allocates %v per claim and keeps %d key sets, want none", allocs, len(k.tables))
	}
}

// A receiving key computed from the source key by an expression that
// merges keys (id % 10) is not injective: the set is kept and the second
// record with key 3 is archived as duplicate_key.
func TestTransformedReceivingKeyKeepsSet(t *testing.T) {
	prog := besokProgram(t, "{expr: id % 10}")
	tp := prog.Tables[0]
	k := newReceivingKeys()
	k.skipInjective(prog)
	claim := func(id, src int64) mappings.Outcome {
		o, err := k.claim(tp.Target, mappings.Outcome{Kind: mappings.Migrated, Row: []connectors.Value{id, "x"}}, "besok", []connectors.Value{src})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := claim(3, 3); o.Kind != mappings.Migrated {
		t.Fatalf("first record: %+v", o)
	}
	if o := claim(3, 13); o.Kind != mappings.Archived || o.Reason != ReasonDuplicateKey {
		t.Fatalf("13 %% 10 after 3: %+v, want archived duplicate_key", o)
	}
}
