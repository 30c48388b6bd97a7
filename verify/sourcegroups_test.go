package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

func TestGroupValueYearsNullAndUnreadable(t *testing.T) {
	cases := []struct {
		v    connectors.Value
		year bool
		want string
	}{
		{int64(42), false, "42"},
		{nil, false, GroupNull},
		{nil, true, GroupNull},
		{connectors.Date{Year: 2019, Month: 3, Day: 1}, true, "2019"},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 2}}, true, "2020"},
		{time.Date(2021, 5, 6, 0, 0, 0, 0, time.UTC), true, "2021"},
		{"2018-12-31", true, "2018"},
		{"2018-12-31 10:00:00", true, "2018"},
		{"19850101-1234", true, GroupUnreadable},
		{"2018-13-40", true, GroupUnreadable},
		{connectors.InvalidDate{Raw: "0000-00-00"}, true, GroupUnreadable},
	}
	for _, c := range cases {
		if got := GroupValue(c.v, c.year); got != c.want {
			t.Errorf("GroupValue(%T, year %v) = %q, want %q", c.v, c.year, got, c.want)
		}
	}
}

// Every control group value must balance against the source's own count:
// one record too few in the ledger fails naming table, group and value.
func TestCheckSourceGroupsFailsAGroupThatDoesNotBalance(t *testing.T) {
	l := NewLedger()
	tl := l.Table("besok", "visit")
	groups := []string{"vardenhet_id", "year(registrerad)"}
	for _, rec := range []struct{ unit, year, outcome string }{
		{"1", "2019", "m"}, {"1", "2020", "a"}, {"2", "2020", "e"}, {"2", "NULL", "m"},
	} {
		if err := tl.ForGroups(groups, []string{rec.unit, rec.year}); err != nil {
			t.Fatal(err)
		}
		switch rec.outcome {
		case "m":
			tl.Migrate()
		case "a":
			tl.Archive("zero_date")
		case "e":
			tl.Exclude("opt_out")
		}
	}
	balanced := map[string]map[string]map[string]int64{"besok": {
		"vardenhet_id":      {"1": 2, "2": 2},
		"year(registrerad)": {"2019": 1, "2020": 2, "NULL": 1},
	}}
	r := &Report{Pass: true}
	CheckSourceGroups(balanced, l, r)
	if !r.Pass || len(r.SourceGroups) != 5 {
		t.Fatalf("balanced groups: pass %v, %d checks, problems %v", r.Pass, len(r.SourceGroups), r.Problems)
	}
	for _, c := range r.SourceGroups {
		if c.Group == "year(registrerad)" && c.Value == "2020" && (c.Archived != 1 || c.Excluded != 1 || c.SourceRows != 2) {
			t.Errorf("2020: %+v", c)
		}
	}

	// The source holds a record of unit 2 the ledger never counted.
	balanced["besok"]["vardenhet_id"]["2"] = 3
	r = &Report{Pass: true}
	CheckSourceGroups(balanced, l, r)
	if r.Pass {
		t.Fatal("an unbalanced group passed")
	}
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "besok") || !strings.Contains(r.Problems[0], "vardenhet_id = 2") {
		t.Fatalf("problems %v: want one naming besok and vardenhet_id = 2", r.Problems)
	}

	// A group the ledger counts but the source was not counted by fails.
	r = &Report{Pass: true}
	CheckSourceGroups(map[string]map[string]map[string]int64{}, l, r)
	if r.Pass {
		t.Fatal("groups with no source count passed")
	}
}

func TestForGroupsCapsDistinctValues(t *testing.T) {
	tl := NewLedger().Table("patient", "patient")
	for i := 0; i < MaxSourceGroups; i++ {
		if err := tl.ForGroups([]string{"id"}, []string{strings.Repeat("x", 1) + time.Duration(i).String()}); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
	}
	err := tl.ForGroups([]string{"id"}, []string{"one too many"})
	if err == nil || !strings.Contains(err.Error(), "patient") || !strings.Contains(err.Error(), "id") {
		t.Fatalf("err %v: want the cap naming table and group", err)
	}
}

// A plan that groups by a column holding identity numbers (against the
// README's advice) gets its groups named masked, in the checks and in
// the problem that names the group that does not balance.
func TestSourceGroupsMaskIdentityNumbers(t *testing.T) {
	l := NewLedger()
	tl := l.Table("patient", "patient")
	for _, p := range []string{"19121212-1212", "19121212-1212", "1212121212"} {
		if err := tl.ForGroups([]string{"pnr"}, []string{p}); err != nil {
			t.Fatal(err)
		}
		tl.Migrate()
	}
	r := &Report{Pass: true}
	CheckSourceGroups(map[string]map[string]map[string]int64{"patient": {"pnr": {"19121212-1212": 3, "1212121212": 1}}}, l, r)
	if r.Pass {
		t.Fatal("an unbalanced group passed")
	}
	var b strings.Builder
	for _, c := range r.SourceGroups {
		b.WriteString(c.Value + "\n")
	}
	b.WriteString(strings.Join(r.Problems, "\n"))
	if s := b.String(); strings.Contains(s, "1212-1212") || strings.Contains(s, "1212121212") || !strings.Contains(s, "pnr = 19121212-****") {
		t.Errorf("groups and problems:\n%s", s)
	}
}
