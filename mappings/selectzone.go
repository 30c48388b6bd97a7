package mappings

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// A select runs in UTC (the connectors pin the session's time zone), so
// an instant column (a MariaDB TIMESTAMP, a PostgreSQL timestamptz, a SQL
// Server datetimeoffset) compared with a wall-clock literal is compared
// with that moment in UTC. A code list that changed at the registry's
// midnight is then switched an hour or two late: the records of the first
// hours of the day are read by the old list, and the run says PASS, since
// the list's version was the one the select named. Nothing after the
// select can see it; map check can, from the query's text and the
// catalogue, and warns (M022).

// sqlToken is one token of a query: an identifier (bare or quoted), a
// string literal, or an operator.
type sqlToken struct {
	text string
	kind byte // 'i' identifier or keyword, 's' string literal, 'o' operator
}

// sqlTokens splits a query into tokens, skipping comments and numbers'
// insides no more carefully than a warning needs: a query the servers
// refuse never gets this far.
func sqlTokens(q string) []sqlToken {
	var out []sqlToken
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for j < len(q) {
				if q[j] == '\\' && j+1 < len(q) {
					b.WriteByte(q[j+1])
					j += 2
					continue
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			out = append(out, sqlToken{b.String(), 's'})
			i = j + 1
		case c == '"' || c == '`' || c == '[':
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			j := strings.IndexByte(q[i+1:], end)
			if j < 0 {
				return out
			}
			out = append(out, sqlToken{q[i+1 : i+1+j], 'i'})
			i += j + 2
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			out = append(out, sqlToken{q[i:j], 'i'})
			i = j
		case c == '<' || c == '>' || c == '!' || c == '=':
			j := i + 1
			for j < len(q) && (q[j] == '=' || q[j] == '>') && j-i < 2 {
				j++
			}
			out = append(out, sqlToken{q[i:j], 'o'})
			i = j
		default:
			out = append(out, sqlToken{string(c), 'o'})
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// midnightLiteral is a date, or a date and time at midnight: the way a
// registry's day boundary is written as a wall clock.
// A year before 1900 is a lower bound that keeps zero dates out (as the
// README's example does), not a day on which anything changed.
var midnightLiteral = regexp.MustCompile(`^(19|2\d)\d{2}-\d{2}-\d{2}([ T]00:00(:00(\.0+)?)?)?$`)

var comparisons = map[string]bool{"<": true, "<=": true, ">": true, ">=": true, "=": true, "<>": true, "!=": true}

// instantComparisons gives, for a select's query, each "column literal"
// where an instant column of a table the query names is compared with a
// midnight literal. A query that converts time zones itself (AT TIME
// ZONE, CONVERT_TZ, timezone(), SWITCHOFFSET) is taken to know.
func instantComparisons(q string, catalog map[string]*connectors.Table) []string {
	toks := sqlTokens(q)
	named := map[string]bool{}
	for i, t := range toks {
		if t.kind != 'i' {
			continue
		}
		w := strings.ToLower(t.text)
		switch w {
		case "convert_tz", "timezone", "switchoffset", "todatetimeoffset":
			return nil
		case "zone":
			if i >= 2 && strings.EqualFold(toks[i-1].text, "time") && strings.EqualFold(toks[i-2].text, "at") {
				return nil
			}
		}
		named[w] = true
	}
	instant := map[string]bool{}
	for name, t := range catalog {
		if t == nil || !named[strings.ToLower(name)] && !named[strings.ToLower(lastPart(name))] {
			continue
		}
		for _, c := range t.Columns {
			if c.Type.Kind == connectors.KindTimestamp {
				instant[strings.ToLower(c.Name)] = true
			}
		}
	}
	if len(instant) == 0 {
		return nil
	}
	// literalAfter gives the string literal at toks[j] (after an optional
	// DATE/TIMESTAMP keyword), or "".
	literalAfter := func(j int) string {
		if j < len(toks) && toks[j].kind == 'i' {
			switch strings.ToLower(toks[j].text) {
			case "date", "timestamp", "datetime":
				j++
			}
		}
		if j < len(toks) && toks[j].kind == 's' && midnightLiteral.MatchString(strings.TrimSpace(toks[j].text)) {
			return toks[j].text
		}
		return ""
	}
	seen := map[string]bool{}
	var out []string
	add := func(col, lit string) {
		k := col + " '" + lit + "'"
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for i, t := range toks {
		if t.kind != 'i' || !instant[strings.ToLower(t.text)] {
			continue
		}
		next := i + 1
		switch {
		case next >= len(toks):
		case toks[next].kind == 'o' && comparisons[toks[next].text]:
			if lit := literalAfter(next + 1); lit != "" {
				add(t.text, lit)
			}
		case toks[next].kind == 'i' && strings.EqualFold(toks[next].text, "between"):
			if lit := literalAfter(next + 1); lit != "" {
				add(t.text, lit)
			}
			for j := next + 2; j < len(toks) && j < next+6; j++ {
				if toks[j].kind == 'i' && strings.EqualFold(toks[j].text, "and") {
					if lit := literalAfter(j + 1); lit != "" {
						add(t.text, lit)
					}
					break
				}
			}
		}
		// The literal first: '2015-01-01' <= col, or <= b.col.
		op := i - 1
		if op >= 2 && toks[op].text == "." && toks[op-1].kind == 'i' {
			op -= 2
		}
		if op >= 1 && toks[op].kind == 'o' && comparisons[toks[op].text] {
			j := op - 1
			if toks[j].kind == 's' && midnightLiteral.MatchString(strings.TrimSpace(toks[j].text)) {
				add(t.text, toks[j].text)
			}
		}
	}
	return out
}

func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// warnInstantComparisons warns (M022) of a select comparing an instant
// with a midnight written as a wall clock.
func warnInstantComparisons(ds *Diagnostics, p Pos, q string, catalog map[string]*connectors.Table) {
	found := instantComparisons(q, catalog)
	if len(found) == 0 {
		return
	}
	ds.warn(p, "M022", "%s", fmt.Sprintf("select: an instant (a MariaDB TIMESTAMP, a PostgreSQL timestamptz) is compared with a wall-clock midnight (%s), and a select runs in UTC: that is midnight UTC, 01:00 or 02:00 in Sweden, so a record of the day's first hours is read as of the day before (a code list's old version, under PASS); write the boundary in UTC ('2014-12-31 23:00:00' for Swedish midnight of 2015-01-01) or convert the column (PostgreSQL: col AT TIME ZONE 'Europe/Stockholm'; MariaDB: CONVERT_TZ(col, '+00:00', 'Europe/Stockholm'))",
		strings.Join(found, ", ")))
}
