package sqlserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/regflytt/regflytt/connectors"
)

// The password, with characters URLs escape, in its decoded and encoded
// spellings; no error may carry any of them.
const (
	password        = "hemlig@Lösen:1"
	passwordInURL   = "hemlig%40L%C3%B6sen%3A1"
	passwordQueried = "hemlig%40L%C3%B6sen%3A1"
)

func location(t *testing.T, s string) *connectors.Location {
	t.Helper()
	loc, err := connectors.ParseLocation(s)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func noSecret(t *testing.T, s string) {
	t.Helper()
	for _, p := range []string{password, passwordInURL, "hemlig"} {
		if strings.Contains(s, p) {
			t.Errorf("%q shows the password", s)
		}
	}
}

// TestParseConfig checks the DSN with go-mssqldb's own parser, so that
// what the driver will do is what regflytt meant.
func TestParseConfig(t *testing.T) {
	raw := "sqlserver://regflytt:" + passwordInURL + "@db.region.se:1433?database=Kvalitetsregister&schema=reg&encrypt=true&ApplicationIntent=ReadWrite"
	for _, source := range []bool{true, false} {
		t.Run(fmt.Sprintf("source=%v", source), func(t *testing.T) {
			cfg, err := parseConfig(location(t, raw), source)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.schema != "reg" || cfg.database != "Kvalitetsregister" {
				t.Errorf("schema %q, database %q", cfg.schema, cfg.database)
			}
			if strings.Contains(strings.ToLower(cfg.dsn), "schema=") {
				t.Errorf("DSN %s passes schema to the driver", redacted(cfg.dsn))
			}
			p, err := msdsn.Parse(cfg.dsn)
			if err != nil {
				t.Fatalf("driver refuses the DSN: %v", err)
			}
			if p.Host != "db.region.se" || p.Port != 1433 || p.Database != "Kvalitetsregister" || p.User != "regflytt" || p.Password != password {
				t.Errorf("driver reads host %q port %d database %q user %q", p.Host, p.Port, p.Database, p.User)
			}
			if p.ReadOnlyIntent != source {
				t.Errorf("ReadOnlyIntent = %v, want %v", p.ReadOnlyIntent, source)
			}
			if p.AppName != "regflytt" {
				t.Errorf("app name %q", p.AppName)
			}
			// decode relies on both (values.go).
			if p.Encoding.GuidConversion || p.Encoding.GetTimezone() != time.UTC {
				t.Errorf("guid conversion %v, timezone %v", p.Encoding.GuidConversion, p.Encoding.GetTimezone())
			}
			if p.Encryption != msdsn.EncryptionRequired {
				t.Errorf("encrypt=true was lost: %v", p.Encryption)
			}
			noSecret(t, cfg.where)
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(location(t, "mssql://sa@localhost/SQLEXPRESS?database=x&app+name=legacy"), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.schema != "dbo" {
		t.Errorf("schema %q, want dbo", cfg.schema)
	}
	p, err := msdsn.Parse(cfg.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if p.Instance != "SQLEXPRESS" || p.AppName != "legacy" || p.ReadOnlyIntent {
		t.Errorf("instance %q, app name %q, read-only intent %v", p.Instance, p.AppName, p.ReadOnlyIntent)
	}
}

// bulk_copy is regflytt's own: on by default, off writes INSERTs, and
// the driver never sees it (msdsn would keep an unknown key as a
// connection parameter).
func TestParseConfigBulkCopy(t *testing.T) {
	for raw, insertRows := range map[string]bool{
		"sqlserver://h?database=x":               false,
		"sqlserver://h?database=x&bulk_copy=on":  false,
		"sqlserver://h?database=x&BULK_COPY=OFF": true,
		"sqlserver://h?database=x&bulk_copy=off": true,
	} {
		cfg, err := parseConfig(location(t, raw), false)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if cfg.insertRows != insertRows {
			t.Errorf("%s: insert rows %v, want %v", raw, cfg.insertRows, insertRows)
		}
		if strings.Contains(strings.ToLower(cfg.dsn), "bulk_copy") {
			t.Errorf("%s: the driver's DSN %q carries bulk_copy", raw, cfg.dsn)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	base := "sqlserver://u:" + passwordInURL + "@h:1433"
	cases := map[string]string{
		"no database":       base,
		"empty database":    base + "?database=",
		"timezone":          base + "?database=x&timezone=Europe/Stockholm",
		"guid conversion":   base + "?database=x&guid+conversion=true",
		"bad schema":        base + "?database=x&schema=a%00b",
		"duplicate key":     base + "?database=x&Database=y",
		"duplicate schema":  base + "?database=x&schema=a&schema=b",
		"no host":           "sqlserver://?database=x",
		"password as param": "sqlserver://h?password=" + passwordQueried,
		"bad bulk_copy":     base + "?database=x&bulk_copy=maybe",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parseConfig(location(t, raw), true)
			if err == nil {
				t.Fatal("accepted")
			}
			noSecret(t, err.Error())
		})
	}
	if _, err := parseConfig(location(t, "postgres://h/db"), true); err == nil {
		t.Error("a postgres URL was accepted")
	}
}

// TestScrub: an error echoing the connection string, in any spelling,
// loses the password and keeps its chain.
func TestScrub(t *testing.T) {
	cfg, err := parseConfig(location(t, "sqlserver://u:"+passwordInURL+"@h?database=x&password=other%20secret"), true)
	if err != nil {
		t.Fatal(err)
	}
	sentinel := errors.New("login failed")
	echo := fmt.Errorf("driver says %s / %s / %s / %s: %w", cfg.dsn, password, "other secret", "other+secret", sentinel)
	got := cfg.errorf("connect: %w", echo)
	noSecret(t, got.Error())
	if strings.Contains(got.Error(), "other secret") || strings.Contains(got.Error(), "other+secret") || strings.Contains(got.Error(), "other%20secret") {
		t.Errorf("%q shows the password parameter", got)
	}
	if !errors.Is(got, sentinel) {
		t.Error("scrubbing lost the error chain")
	}
	if !strings.HasPrefix(got.Error(), "sqlserver sqlserver://u:xxxxx@h?") {
		t.Errorf("error does not start with the redacted location: %q", got)
	}
}

// TestOpenErrorHasNoPassword goes through the real driver to a port where
// nothing listens: the error names the place, not the password.
func TestOpenErrorHasNoPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	raw := "sqlserver://regflytt:" + passwordInURL + "@127.0.0.1:1?database=x&dial+timeout=2&connection+timeout=5"
	for _, open := range []func(context.Context, *connectors.Location) (*DB, error){OpenSource, OpenTarget} {
		db, err := open(ctx, location(t, raw))
		if err == nil {
			db.Close()
			t.Fatal("connected to 127.0.0.1:1")
		}
		noSecret(t, err.Error())
		if !strings.Contains(err.Error(), "127.0.0.1:1") {
			t.Errorf("error %q does not name the server", err)
		}
	}
}

func TestLocationIsRedacted(t *testing.T) {
	loc := location(t, "sqlserver://u:"+passwordInURL+"@h:1433?database=x&password="+passwordQueried)
	noSecret(t, loc.String())
	cfg, err := parseConfig(loc, true)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, cfg.where)
}

// redacted is connectors.Redact, for test messages that show a DSN.
func redacted(dsn string) string { return connectors.Redact(dsn) }
