package connectors

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Location is a parsed connection URL. Its String never shows the password.
type Location struct {
	Scheme string
	URL    *url.URL
	raw    string
}

// EnvPrefix marks a connection string to be read from an environment
// variable: "env:REGFLYTT_SOURCE" keeps a password off the command line and
// out of shell history.
const EnvPrefix = "env:"

// ShownEnvName is the name of an environment variable as a message may
// show it: itself when it reads like a conventional one (upper-case
// letters, digits and '_', not starting with a digit, with an '_' or at
// most 10 characters, fewer than 12 digits), else a note that it is
// withheld. What stands where a variable's name belongs is sometimes the
// secret itself (env:postgres://u:pw@h/db, the pseudonymisation key
// written as key_env), and a message saying that no such variable is set
// would print it. EnvNameLike, which says what could be a name at all, is
// too wide for that: a random key of letters and digits (k3yS3cretXYZ, a
// base32 JBSWY3DPEHPK3PXP) passes it.
func ShownEnvName(name string) string {
	if envNameShown(name) {
		return name
	}
	return "(a name not shown: it does not read like a conventional variable name of A-Z, 0-9 and _, and the secret itself is sometimes written there)"
}

func envNameShown(name string) bool {
	if !EnvNameLike(name) {
		return false
	}
	underscore := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_':
			underscore = true
		case c >= 'a' && c <= 'z':
			return false
		}
	}
	return underscore || len(name) <= 10
}

// EnvNameLike says whether name reads like an environment variable's
// name (ShownEnvName).
func EnvNameLike(name string) bool {
	if name == "" || len(name) > 64 || isDigit(name[0]) {
		return false
	}
	digits := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isDigit(c):
			digits++
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		default:
			return false
		}
	}
	return digits < 12
}

// ParseLocation reads a connection URL (sqlite://, postgres://, mysql://,
// sqlserver://), or "env:NAME" naming a variable that holds one. Errors
// never contain the password.
func ParseLocation(s string) (*Location, error) {
	if name, ok := strings.CutPrefix(s, EnvPrefix); ok {
		v, set := os.LookupEnv(name)
		if !set || v == "" {
			return nil, fmt.Errorf("environment variable %s is not set (it should hold the connection URL)", ShownEnvName(name))
		}
		s = v
	}
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		// Not echoed, not even redacted: a string of unknown shape has no
		// part known to be safe to print.
		return nil, notURL(s)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the input, password included: say less.
		return nil, fmt.Errorf("connection %s: malformed URL", Redact(s))
	}
	switch scheme = strings.ToLower(scheme); scheme {
	case "postgresql":
		scheme = "postgres"
	case "mariadb":
		scheme = "mysql"
	case "mssql":
		scheme = "sqlserver"
	}
	return &Location{Scheme: scheme, URL: u, raw: s}, nil
}

// notURL explains a connection string that is not a URL without quoting
// it: only its shape is named.
func notURL(s string) error {
	hint := ""
	switch {
	case strings.Contains(s, "@tcp(") || strings.Contains(s, "@unix("):
		hint = " (it looks like a Go driver DSN, user:password@tcp(host)/db: write mysql://user@host:3306/db)"
	case strings.Contains(s, "//"), strings.Contains(s, ":/"):
		hint = " (the scheme's :// is incomplete)"
	case strings.Contains(s, "=") && strings.Contains(s, " "):
		hint = " (it looks like key=value settings: write postgres://user@host:5432/db)"
	}
	return fmt.Errorf("the connection string (%d characters, not shown) is not a URL%s: want scheme://…, one of sqlite, postgres, mysql, sqlserver, with the password in an environment variable (env:NAME)", len(s), hint)
}

// Raw returns the full URL, password included: for drivers only, never for
// messages.
func (l *Location) Raw() string { return l.raw }

// Password returns the URL's password, for Scrub.
func (l *Location) Password() string {
	if l.URL.User == nil {
		return ""
	}
	p, _ := l.URL.User.Password()
	return p
}

// Secrets lists every form in which a message could echo a secret of the
// location: the password decoded and as written (percent-escaped), and
// the values of query parameters that carry secrets (password=, sslkey=
// …). Error paths pass driver errors through Scrub with each.
func (l *Location) Secrets() []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(l.Password())
	if _, rest, ok := strings.Cut(l.raw, "://"); ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
			}
		}
	}
	if _, query, ok := strings.Cut(l.raw, "?"); ok {
		for _, p := range strings.Split(query, "&") {
			if k, v, ok := strings.Cut(p, "="); ok && isSecretParam(k) {
				add(v)
				if dec, err := url.QueryUnescape(v); err == nil {
					add(dec)
				}
			}
		}
	}
	return out
}

// ScrubAll is Scrub with every secret of loc.
func ScrubAll(err error, loc *Location) error {
	for _, s := range loc.Secrets() {
		err = Scrub(err, s)
	}
	return err
}

// String is the URL with its password replaced, safe for logs and reports.
func (l *Location) String() string { return Redact(l.raw) }

// Redact replaces the password in a connection string, and the values of
// query parameters that commonly carry secrets, with "xxxxx". It works on
// strings url.Parse rejects, because those reach error messages too: in
// whatever shape (URL, Go driver DSN user:pass@tcp(host)/db, a mistyped
// mysql//…), everything after the first ":" of the user part and before
// the last "@" is masked. A password holding "/", "?" or "@" unescaped is
// masked whole; a URL whose query holds an "@" loses a little more than
// its password, which is the safe side.
func Redact(s string) string {
	const mask = "xxxxx"
	prefix, rest := "", s
	if scheme, r, ok := strings.Cut(s, "://"); ok {
		prefix, rest = scheme+"://", r
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if colon := strings.IndexByte(rest[:at], ':'); colon >= 0 {
			rest = rest[:colon+1] + mask + rest[at:]
		}
	}
	s = prefix + rest
	if q := strings.IndexByte(s, '?'); q >= 0 {
		params := strings.Split(s[q+1:], "&")
		for i, p := range params {
			k, _, ok := strings.Cut(p, "=")
			if ok && isSecretParam(k) {
				params[i] = k + "=" + mask
			}
		}
		s = s[:q+1] + strings.Join(params, "&")
	}
	return s
}

func isSecretParam(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "password") || strings.Contains(k, "passwd") || k == "pwd" ||
		strings.Contains(k, "secret") || strings.Contains(k, "token") || k == "sslkey"
}

// Scrub returns err with every occurrence of secret in its text replaced,
// keeping the chain for errors.Is and errors.As. Drivers sometimes echo a
// connection string in their errors; connectors pass theirs through Scrub.
func Scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return Withhold(err, strings.ReplaceAll(err.Error(), secret, "xxxxx"))
}

// ErrReadOnly is returned (wrapped) when a write reaches a source snapshot.
var ErrReadOnly = errors.New("read-only snapshot")
