package connectors

import "testing"

func TestCheckSelect(t *testing.T) {
	ok := map[string]string{
		"SELECT 1":                             "SELECT 1",
		"  select a from t;  ":                 "select a from t",
		"WITH x AS (SELECT 1) SELECT * FROM x": "WITH x AS (SELECT 1) SELECT * FROM x",
		"-- why\nSELECT ';' FROM t":            "-- why\nSELECT ';' FROM t",
		"/* c; */ SELECT \"a;b\" FROM t":       "/* c; */ SELECT \"a;b\" FROM t",
	}
	for in, want := range ok {
		got, err := CheckSelect(in)
		if err != nil || got != want {
			t.Errorf("CheckSelect(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"DELETE FROM t",
		"SELECT 1; DROP TABLE t",
		"SELECT 'unterminated",
		"/* SELECT */ UPDATE t SET a = 1",
		"INSERT INTO t SELECT 1",
		"",
	} {
		if _, err := CheckSelect(bad); err == nil {
			t.Errorf("CheckSelect(%q) accepted a query that is not one SELECT", bad)
		}
	}
}
