package sqlserver

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// config is a sqlserver:// location turned into what go-mssqldb reads.
type config struct {
	// dsn is for the driver only: it holds the password.
	dsn      string
	schema   string
	database string
	// where names the location in messages, password redacted.
	where string
	// secrets are the password in every spelling an error might echo.
	secrets []string
	// insertRows says Tx.Write sends multi-row INSERTs instead of a bulk
	// copy (?bulk_copy=off).
	insertRows bool
}

// Parameters regflytt handles itself or refuses, lower case as go-mssqldb
// matches them (msdsn/conn_str.go:888 lower-cases URL keys).
const (
	paramSchema    = "schema"
	paramBulkCopy  = "bulk_copy"
	paramDatabase  = "database"
	paramIntent    = "applicationintent"
	paramAppName   = "app name"
	paramTimezone  = "timezone"
	paramGUIDConv  = "guid conversion"
	defaultSchema  = "dbo"
	defaultAppName = "regflytt"
)

// parseConfig reads a sqlserver:// (or mssql://) location. A source gets
// ApplicationIntent=ReadOnly, whatever the URL says, so that an
// availability group routes it to a readable secondary when one is set up.
func parseConfig(loc *connectors.Location, source bool) (*config, error) {
	where := "sqlserver " + loc.String()
	if loc.URL == nil || loc.Scheme != "sqlserver" {
		return nil, fmt.Errorf("%s: not a sqlserver:// URL", where)
	}
	u := *loc.URL
	u.Scheme = "sqlserver" // the driver accepts no other scheme (msdsn/conn_str.go:898)
	if u.Host == "" {
		return nil, fmt.Errorf("%s: no host (want sqlserver://user:password@host:1433?database=name)", where)
	}
	cfg := &config{schema: defaultSchema, where: where}
	q := u.Query()
	out := url.Values{}
	seen := map[string]bool{}
	for k, vs := range q {
		lk := strings.ToLower(k)
		if len(vs) != 1 || seen[lk] {
			// The driver lower-cases keys and refuses duplicates; say which.
			return nil, fmt.Errorf("%s: parameter %s given more than once (keys are case-insensitive)", where, k)
		}
		seen[lk] = true
		v := vs[0]
		switch lk {
		case paramSchema:
			if err := connectors.CheckIdent(v); err != nil {
				return nil, fmt.Errorf("%s: schema: %w", where, err)
			}
			cfg.schema = v
			continue // regflytt's own: the driver would reject it
		case paramBulkCopy:
			switch strings.ToLower(v) {
			case "on":
			case "off":
				cfg.insertRows = true
			default:
				return nil, fmt.Errorf("%s: bulk_copy=%s: want on or off", where, v)
			}
			continue // regflytt's own
		case paramDatabase:
			cfg.database = v
		case paramTimezone:
			return nil, fmt.Errorf("%s: remove the timezone parameter: regflytt reads datetime and datetime2 as zone-less wall clocks, and the driver builds them in that zone, which moves a clock that falls in a daylight-saving gap", where)
		case paramGUIDConv:
			return nil, fmt.Errorf("%s: remove the %q parameter: regflytt reorders uniqueidentifier bytes itself", where, k)
		case paramIntent:
			if source {
				continue // replaced below
			}
		}
		if secretParam(lk) {
			cfg.secrets = append(cfg.secrets, secretForms(v)...)
		}
		out[lk] = []string{v}
	}
	if cfg.database == "" {
		return nil, fmt.Errorf("%s: no database (add ?database=NAME; regflytt does not rely on the login's default database)", where)
	}
	if source {
		// "ReadOnly" is matched case-sensitively (msdsn/conn_str.go:524).
		out[paramIntent] = []string{"ReadOnly"}
	}
	if _, ok := out[paramAppName]; !ok {
		out[paramAppName] = []string{defaultAppName} // so a DBA sees who is reading
	}
	u.RawQuery = out.Encode()
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			cfg.secrets = append(cfg.secrets, secretForms(p)...)
		}
	}
	cfg.dsn = u.String()
	return cfg, nil
}

// secretForms lists a password as it is and as URL encodings spell it,
// since an error may echo the connection string in either form.
func secretForms(p string) []string {
	if p == "" {
		return nil
	}
	forms := []string{p}
	for _, f := range []string{url.QueryEscape(p), url.PathEscape(p), url.UserPassword("", p).String()[1:]} {
		if f != p {
			forms = append(forms, f)
		}
	}
	return forms
}

// secretParam says a parameter carries a secret (password=, or a client
// secret or token for Entra ID sign-in), as connectors.Redact judges it.
func secretParam(k string) bool {
	return strings.Contains(k, "password") || strings.Contains(k, "passwd") || k == "pwd" ||
		strings.Contains(k, "secret") || strings.Contains(k, "token")
}

// scrub removes the password, in every spelling, from an error's text,
// longest spelling first so that a shorter one inside it cannot leave a
// remnant, and the values a server message quotes (withoutValues).
func (c *config) scrub(err error) error {
	err = withoutValues(err)
	secrets := append([]string(nil), c.secrets...)
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, s := range secrets {
		err = connectors.Scrub(err, s)
	}
	return err
}

// errorf wraps an error with context, scrubs the password from it, and
// puts the (already redacted) location in front, which is left out of the
// scrubbing so that a short password cannot garble it.
func (c *config) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", c.where, c.scrub(fmt.Errorf(format, args...)))
}
