// Package all lists regflytt's connectors and opens a connection URL with
// the right one. It is the only place that knows every dialect, so that the
// rooms above import one package and the dialects never import each other.
package all

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/connectors/sqlserver"
)

// Connector is one dialect's entry points.
type Connector struct {
	Scheme     string
	Dialect    connectors.Dialect
	OpenSource func(ctx context.Context, loc *connectors.Location) (connectors.Source, error)
	OpenTarget func(ctx context.Context, loc *connectors.Location) (connectors.Target, error)
}

// Connectors lists every dialect regflytt speaks, by URL scheme.
func Connectors() map[string]Connector {
	list := []Connector{
		entry("sqlite", sqlite.Dialect{}, sqlite.OpenSource, sqlite.OpenTarget),
		entry("postgres", postgres.Dialect{}, postgres.OpenSource, postgres.OpenTarget),
		entry("mysql", mysql.Dialect{}, mysql.OpenSource, mysql.OpenTarget),
		entry("sqlserver", sqlserver.Dialect{Schema: "dbo"}, sqlserver.OpenSource, sqlserver.OpenTarget),
	}
	m := make(map[string]Connector, len(list))
	for _, c := range list {
		m[c.Scheme] = c
	}
	return m
}

// entry adapts a dialect package's constructors, which return its own
// concrete type, to the interfaces.
func entry[S connectors.Source, T connectors.Target](scheme string, d connectors.Dialect,
	openSource func(context.Context, *connectors.Location) (S, error),
	openTarget func(context.Context, *connectors.Location) (T, error)) Connector {
	return Connector{
		Scheme:  scheme,
		Dialect: d,
		OpenSource: func(ctx context.Context, l *connectors.Location) (connectors.Source, error) {
			s, err := openSource(ctx, l)
			if err != nil {
				return nil, err
			}
			return s, nil
		},
		OpenTarget: func(ctx context.Context, l *connectors.Location) (connectors.Target, error) {
			t, err := openTarget(ctx, l)
			if err != nil {
				return nil, err
			}
			return t, nil
		},
	}
}

func lookup(loc *connectors.Location) (Connector, error) {
	c, ok := Connectors()[loc.Scheme]
	if !ok {
		var names []string
		for n := range Connectors() {
			names = append(names, n)
		}
		sort.Strings(names)
		return Connector{}, fmt.Errorf("%s: unknown database scheme %q (known: %s)", loc, loc.Scheme, strings.Join(names, ", "))
	}
	return c, nil
}

// OpenSource opens a connection URL (or env:NAME) as a read-only source.
func OpenSource(ctx context.Context, url string) (connectors.Source, error) {
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		return nil, err
	}
	c, err := lookup(loc)
	if err != nil {
		return nil, err
	}
	s, err := c.OpenSource(ctx, loc)
	if err != nil {
		return nil, connectors.ScrubAll(fmt.Errorf("open source%s: %w", nameOnce(loc, err), err), loc)
	}
	return s, nil
}

// OpenTarget opens a connection URL (or env:NAME) as a writable target.
func OpenTarget(ctx context.Context, url string) (connectors.Target, error) {
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		return nil, err
	}
	c, err := lookup(loc)
	if err != nil {
		return nil, err
	}
	t, err := c.OpenTarget(ctx, loc)
	if err != nil {
		return nil, connectors.ScrubAll(fmt.Errorf("open target%s: %w", nameOnce(loc, err), err), loc)
	}
	return t, nil
}

// nameOnce gives " URL" for a connector's error that does not name the
// (redacted) URL itself, so that a connection error names it once.
func nameOnce(loc *connectors.Location, err error) string {
	if strings.Contains(err.Error(), loc.String()) {
		return ""
	}
	return " " + loc.String()
}
