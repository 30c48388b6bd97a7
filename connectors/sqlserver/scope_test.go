package sqlserver

import (
	"context"
	"database/sql/driver"
	"testing"
)

const wantScopeSQL = `SELECT ISNULL(HAS_PERMS_BY_NAME(@p1, 'SCHEMA', 'VIEW DEFINITION'), 0)`

// TestCatalogueLimited: the catalogue is whole only when the login has
// VIEW DEFINITION on the schema it reads (then every table shows in
// sys.tables, readable or not); anything else, SELECT on the schema
// alone included, is limited. The question names the schema read.
func TestCatalogueLimited(t *testing.T) {
	for _, tc := range []struct {
		answer any
		want   bool
	}{{int64(1), false}, {int64(0), true}} {
		f := &fakeServer{answers: map[string]fakeResult{
			wantScopeSQL: {columns: []string{"v"}, rows: [][]driver.Value{{tc.answer}}}}}
		s := f.snapshot(t, "reg")
		got, err := s.CatalogueLimited(context.Background())
		if err != nil || got != tc.want {
			t.Errorf("CatalogueLimited with HAS_PERMS_BY_NAME = %v: %v, %v; want %v", tc.answer, got, err, tc.want)
		}
		if len(f.sent) != 1 || len(f.sent[0].args) != 1 || f.sent[0].args[0] != "reg" {
			t.Errorf("sent %+v, want one question about schema reg", f.sent)
		}
	}
	s := (&fakeServer{}).snapshot(t, "reg")
	if _, err := s.CatalogueLimited(context.Background()); err == nil {
		t.Error("CatalogueLimited with the question failing = nil error")
	}
}
