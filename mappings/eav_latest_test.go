package mappings

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// latestCatalog is eavCatalog with a change time (andrad, datetime), a
// text column (andrad_txt) and a float (seq_f) on the value rows.
func latestCatalog(keyed bool) []connectors.Table {
	c := eavCatalog()
	c[1].Columns = append(c[1].Columns, col("andrad", "datetime", true), col("andrad_txt", "varchar(20)", true), col("seq_f", "double", true))
	if !keyed {
		c[1].PrimaryKey = nil
	}
	return c
}

// compileLatest compiles a form-store mapping whose eav: says latest_by:
// latestBy; the line of latest_by: is 6.
func compileLatest(t *testing.T, catalog []connectors.Table, latestBy string) (*TableProgram, Diagnostics, string) {
	t.Helper()
	mapping := `tables:
  - target: registration
    source:
      eav:
        {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde,
         latest_by: ` + latestBy + `}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
      smoking: {from: rok}
    drop:
`
	for _, c := range []string{"varde_id", "ver", "andrad", "andrad_txt", "seq_f"} {
		if c != latestBy {
			mapping += "      " + c + ": not read\n"
		}
	}
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	path := writeFile(t, dir, "m.yaml", mapping)
	f, ds := ParseFile(path)
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, catalog, schema, testEnv(t))
	if ds.Err() != nil {
		return nil, ds, path
	}
	return prog.Tables[0], ds, path
}

func at(day, hour int) connectors.LocalDateTime {
	return connectors.LocalDateTimeOf(time.Date(2024, 3, day, hour, 0, 0, 0, time.UTC))
}

// lval is a value row of latestCatalog.
func lval(id int64, v string, value connectors.Value, changed connectors.Value) []connectors.Value {
	return []connectors.Value{id, int64(1), v, value, int64(1), changed, nil, nil}
}

// A form holding a variable twice (a correction entered later) migrates
// the value with the greatest latest_by and archives the others as
// superseded_value, whatever order the rows come in; without latest_by
// the first in key order migrates (duplicate_value), as before.
func TestApplyEntityLatestBy(t *testing.T) {
	entity := []connectors.Value{int64(1), "2024-03-01"}
	for _, keyed := range []bool{true, false} {
		tp, ds, _ := compileLatest(t, latestCatalog(keyed), "andrad")
		if tp == nil {
			t.Fatal(ds)
		}
		cases := []struct {
			name   string
			values [][]connectors.Value
			want   connectors.Value // the weight migrated
			fates  string
		}{
			{"correction later in key order",
				[][]connectors.Value{lval(1, "vikt", "70", at(1, 8)), lval(2, "vikt", "72", at(2, 8))},
				connectors.Decimal("72.0"), "archived:superseded_value migrated:"},
			{"correction earlier in key order",
				[][]connectors.Value{lval(1, "vikt", "72", at(3, 8)), lval(2, "vikt", "70", at(2, 8))},
				connectors.Decimal("72.0"), "migrated: archived:superseded_value"},
			{"three, the middle latest",
				[][]connectors.Value{lval(1, "vikt", "70", at(1, 8)), lval(2, "vikt", "74", at(5, 8)), lval(3, "vikt", "72", at(3, 8))},
				connectors.Decimal("74.0"), "archived:superseded_value migrated: archived:superseded_value"},
			{"tie goes to the later in key order",
				[][]connectors.Value{lval(1, "vikt", "70", at(1, 8)), lval(2, "vikt", "72", at(1, 8))},
				connectors.Decimal("72.0"), "archived:superseded_value migrated:"},
			{"an empty time never wins",
				[][]connectors.Value{lval(1, "vikt", "70", at(1, 8)), lval(2, "vikt", "72", nil)},
				connectors.Decimal("70.0"), "migrated: archived:superseded_value"},
			{"a zero date never wins",
				[][]connectors.Value{lval(1, "vikt", "72", connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}), lval(2, "vikt", "70", at(1, 8))},
				connectors.Decimal("70.0"), "archived:superseded_value migrated:"},
			{"all empty: the later in key order",
				[][]connectors.Value{lval(1, "vikt", "70", nil), lval(2, "vikt", "72", nil)},
				connectors.Decimal("72.0"), "archived:superseded_value migrated:"},
			{"other variables untouched",
				[][]connectors.Value{lval(1, "rok", "J", nil), lval(2, "vikt", "70", at(1, 8)), lval(3, "gammal", "x", at(9, 9))},
				connectors.Decimal("70.0"), "migrated: migrated: archived:variable_not_mapped"},
		}
		for _, c := range cases {
			if !keyed && strings.HasPrefix(c.name, "tie") || !keyed && strings.HasPrefix(c.name, "all empty") {
				continue // without a key, ties go by the rows' encoded values
			}
			eo := tp.ApplyEntity(entity, c.values)
			var fates []string
			for _, vo := range eo.Values {
				fates = append(fates, vo.Kind.String()+":"+vo.Reason)
			}
			if eo.Entity.Kind != Migrated {
				t.Errorf("keyed %v, %s: entity %v %s %s", keyed, c.name, eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Detail)
				continue
			}
			if got := eo.Entity.Row[1]; got != c.want {
				t.Errorf("keyed %v, %s: weight %v, want %v", keyed, c.name, got, c.want)
			}
			if got := strings.Join(fates, " "); got != c.fates {
				t.Errorf("keyed %v, %s: outcomes %s, want %s", keyed, c.name, got, c.fates)
			}
			// The order the rows are given in does not decide (unkeyed
			// stores come in whatever order the server leaves ties).
			rev := make([][]connectors.Value, len(c.values))
			for i, v := range c.values {
				rev[len(c.values)-1-i] = v
			}
			if !keyed {
				if eo := tp.ApplyEntity(entity, rev); eo.Entity.Row[1] != c.want {
					t.Errorf("unkeyed, %s, rows reversed: weight %v, want %v", c.name, eo.Entity.Row[1], c.want)
				}
			}
		}
	}
}

// A value of the person's variable that a later one superseded is still
// asked of the opt-out list: the form of a listed patient is excluded
// whichever copy migrates.
func TestApplyEntityLatestBySupersededPersonValueExcludes(t *testing.T) {
	tp, ds, _ := compileLatestPerson(t)
	if tp == nil {
		t.Fatal(ds)
	}
	entity := []connectors.Value{int64(1), "2024-03-01"}
	values := [][]connectors.Value{
		lval(1, "pnr", "19121212-1212", at(1, 8)), // listed, superseded
		lval(2, "pnr", "19460101-0301", at(2, 8)),
		lval(3, "vikt", "70", at(1, 8)),
	}
	eo := tp.ApplyEntity(entity, values)
	if eo.Entity.Kind != Excluded {
		t.Fatalf("entity %v %s: a listed number in a superseded value let the form through", eo.Entity.Kind, eo.Entity.Reason)
	}
	for i, vo := range eo.Values {
		if vo.Kind != Excluded {
			t.Errorf("value %d: %v %s", i, vo.Kind, vo.Reason)
		}
	}
}

func compileLatestPerson(t *testing.T) (*TableProgram, Diagnostics, string) {
	t.Helper()
	mapping := `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, latest_by: andrad}
    person: pnr
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {varde_id: the value row's own number, ver: not read, andrad_txt: not read, seq_f: not read}
`
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	path := writeFile(t, dir, "m.yaml", mapping)
	f, ds := ParseFile(path)
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, "19121212-1212")
	prog, ds := Compile([]*File{f}, latestCatalog(true), schema, env)
	if ds.Err() != nil {
		return nil, ds, path
	}
	return prog.Tables[0], ds, path
}

// latest_by naming no column, a text, float or structural column is an
// error M089 at the setting's line, naming the table and column.
func TestLatestByDiagnostics(t *testing.T) {
	for _, c := range []struct{ by, want string }{
		{"andrd", "values table varde has no column andrd"},
		{"andrad_txt", "column varde.andrad_txt is text"},
		{"seq_f", "column varde.seq_f is float"},
		{"variabel", "column varde.variabel is text"},
		{"instans_id", "is the form store's entity, attribute or value column"},
	} {
		tp, ds, path := compileLatest(t, latestCatalog(true), c.by)
		if tp != nil {
			t.Errorf("latest_by: %s compiled", c.by)
			continue
		}
		var found bool
		for _, d := range ds {
			if d.Code == "M089" {
				found = true
				if got := d.Pos.String(); got != fmt.Sprintf("%s:6:21", path) {
					t.Errorf("latest_by: %s: at %s, want %s:6:21", c.by, got, path)
				}
				if !strings.Contains(d.Message, c.want) {
					t.Errorf("latest_by: %s: %q does not say %q", c.by, d.Message, c.want)
				}
			}
		}
		if !found {
			t.Errorf("latest_by: %s: no M089 in %v", c.by, ds)
		}
	}
	for _, ok := range []string{"andrad", "ver", "varde_id"} {
		if tp, ds, _ := compileLatest(t, latestCatalog(true), ok); tp == nil {
			t.Errorf("latest_by: %s refused: %v", ok, ds)
		}
	}
}

// A value row naming a mapped variable in another case (VIKT for vikt),
// entered after the row naming it exactly, is to a case-blind source
// (utf8mb4_general_ci, NOCASE) that variable's correction, the latest.
// It was archived as variable_not_mapped and the superseded value
// migrated under PASS: latest_by names the row the source reads, and
// regflytt cannot tell which spelling the source's reader takes, so the
// form is archived (variable_spelling). A variant entered before the
// exact spelling is superseded as it was (variable_not_mapped), the
// exact one being the latest either way.
func TestApplyEntityLatestByLaterVariantSpelling(t *testing.T) {
	tp, ds, _ := compileLatest(t, latestCatalog(true), "andrad")
	if tp == nil {
		t.Fatal(ds)
	}
	entity := []connectors.Value{int64(1), "2024-03-01"}
	eo := tp.ApplyEntity(entity, [][]connectors.Value{lval(1, "vikt", "70", at(1, 8)), lval(2, "VIKT", "72", at(2, 8))})
	if eo.Entity.Kind != Archived || eo.Entity.Reason != ReasonVariableSpelling {
		t.Errorf("a later VIKT beside vikt: entity %v %s (row %v), want archived %s", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row, ReasonVariableSpelling)
	}
	for i, vo := range eo.Values {
		if vo.Kind != Archived {
			t.Errorf("value row %d: %v %s, want archived with its form", i+1, vo.Kind, vo.Reason)
		}
	}
	eo = tp.ApplyEntity(entity, [][]connectors.Value{lval(1, "VIKT", "70", at(1, 8)), lval(2, "vikt", "72", at(2, 8))})
	if eo.Entity.Kind != Migrated || eo.Entity.Row[1] != connectors.Decimal("72.0") {
		t.Errorf("an earlier VIKT beside vikt: entity %v %s, weight %v, want migrated 72.0", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row)
	}
	if vo := eo.Values[0]; vo.Kind != Archived || vo.Reason != ReasonVariableNotMapped {
		t.Errorf("the earlier VIKT: %v %s, want archived %s", vo.Kind, vo.Reason, ReasonVariableNotMapped)
	}
}

// So is a form whose row names a variable in characters the attribute
// column's collation may take for a mapped variable (utf8mb4_general_ci
// takes 'vıkt' for 'vikt') when it is later than a row that filled a
// variable: to the source it may be that variable's latest value.
func TestApplyEntityLatestByLaterUnsureSpelling(t *testing.T) {
	catalog := latestCatalog(true)
	catalog[1].Columns[2].Collation = "utf8mb4_general_ci"
	tp, ds, _ := compileLatest(t, catalog, "andrad")
	if tp == nil {
		t.Fatal(ds)
	}
	entity := []connectors.Value{int64(1), "2024-03-01"}
	eo := tp.ApplyEntity(entity, [][]connectors.Value{lval(1, "rok", "J", at(1, 8)), lval(2, "vikt", "70", at(1, 8)), lval(3, "v\u0131kt", "72", at(2, 8))})
	if eo.Entity.Kind != Archived || eo.Entity.Reason != ReasonVariableSpelling {
		t.Errorf("a later vıkt beside vikt: entity %v %s (row %v), want archived %s", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row, ReasonVariableSpelling)
	}
	// Earlier than every row that filled a variable (regflytt cannot
	// tell which one the collation takes it for): superseded either way.
	eo = tp.ApplyEntity(entity, [][]connectors.Value{lval(1, "rok", "J", at(3, 8)), lval(2, "vikt", "72", at(2, 8)), lval(3, "v\u0131kt", "70", at(1, 8))})
	if eo.Entity.Kind != Migrated || eo.Entity.Row[1] != connectors.Decimal("72.0") {
		t.Errorf("an earlier vıkt beside vikt: entity %v %s, weight %v, want migrated 72.0", eo.Entity.Kind, eo.Entity.Reason, eo.Entity.Row)
	}
}
