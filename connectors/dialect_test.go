package connectors

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestKeysetCondition(t *testing.T) {
	at := func(i int) string { return "@p" + strconv.Itoa(i+1) }
	cases := []struct {
		key       []string
		rowValues bool
		want      string
	}{
		{[]string{"a"}, true, "a > @p1"},
		{[]string{"a"}, false, "a > @p1"},
		{[]string{"a", "b"}, true, "(a, b) > (@p1, @p2)"},
		{[]string{"a", "b"}, false, "(a > @p1) OR (a = @p1 AND b > @p2)"},
		{[]string{"a", "b", "c"}, false, "(a > @p1) OR (a = @p1 AND b > @p2) OR (a = @p1 AND b = @p2 AND c > @p3)"},
	}
	for _, c := range cases {
		if got := KeysetCondition(c.key, c.rowValues, at); got != c.want {
			t.Errorf("KeysetCondition(%v, %v) = %q, want %q", c.key, c.rowValues, got, c.want)
		}
	}
}

func TestQuoteWith(t *testing.T) {
	cases := []struct {
		name, want string
		ok         bool
	}{
		{"patient", `"patient"`, true},
		{`we"ird`, `"we""ird"`, true},
		{"vårdenhet id", `"vårdenhet id"`, true},
		{"", "", false},
		{"a\x00b", "", false},
		{string(make([]byte, MaxIdentLength+1)), "", false},
	}
	for _, c := range cases {
		got, err := QuoteWith(c.name, '"', '"')
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("QuoteWith(%q) = %q, %v; want %q, ok=%v", c.name, got, err, c.want, c.ok)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := map[string]string{
		"postgres://u:s3cret@h:5432/db?sslmode=disable":     "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"mysql://root@127.0.0.1:3306/legacy":                "mysql://root@127.0.0.1:3306/legacy",
		"sqlserver://sa:p%40ss@h?database=x&password=again": "sqlserver://sa:xxxxx@h?database=x&password=xxxxx",
		"postgres://u:pa@ss:w@rd@h/db":                      "postgres://u:xxxxx@h/db",
		"not a url password=x":                              "not a url password=x",
		"sqlite:///tmp/x.db":                                "sqlite:///tmp/x.db",
		"root:s3cret@tcp(127.0.0.1:3306)/legacy":            "root:xxxxx@tcp(127.0.0.1:3306)/legacy",
		"mysql//root:s3cret@h/db":                           "mysql//root:xxxxx@h/db",
		"postgres://u:pa/ss@h/db":                           "postgres://u:xxxxx@h/db",
		"postgres://u:pa?ss@h/db":                           "postgres://u:xxxxx@h/db",
	}
	for in, want := range cases {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLocationEnv(t *testing.T) {
	t.Setenv("REGFLYTT_TEST_LOC", "postgres://u:topsecret@h/db")
	loc, err := ParseLocation("env:REGFLYTT_TEST_LOC")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Scheme != "postgres" || loc.Password() != "topsecret" || loc.String() != "postgres://u:xxxxx@h/db" {
		t.Fatalf("got scheme %q, string %q", loc.Scheme, loc.String())
	}
	if _, err := ParseLocation("env:REGFLYTT_TEST_UNSET_VARIABLE"); err == nil {
		t.Fatal("an unset variable gave no error")
	}
}

// Secrets gives every spelling a driver might echo, so Scrub can find it.
func TestLocationSecrets(t *testing.T) {
	loc, err := ParseLocation("postgres://u:p%40ss@h/db?sslmode=disable&password=a%26b&sslkey=k")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(loc.Secrets(), " ")
	if got != "p@ss p%40ss a%26b a&b k" {
		t.Fatalf("Secrets() = %q", got)
	}
	e := ScrubAll(errors.New("dial p%40ss and p@ss with a&b"), loc)
	if strings.Contains(e.Error(), "ss") || strings.Contains(e.Error(), "a&b") {
		t.Fatalf("ScrubAll left a secret: %v", e)
	}
}
