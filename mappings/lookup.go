package mappings

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/regflytt/regflytt/connectors"
)

// MaxLookupRows bounds a lookup table held in memory. A bigger reference
// table is a join, which a select: source lets the database do.
const MaxLookupRows = 1_000_000

// LookupTable is a reference table in memory, keyed by one column's
// canonical encoding, so a key matches only a value of the same kind.
type LookupTable struct {
	Table   *connectors.Table
	Key     string
	columns map[string]int
	rows    map[string][]connectors.Value
	// kinds are the kinds of the keys held: a key of another kind is
	// written another way, not missing.
	kinds map[connectors.Kind]bool
	// folded holds each text key as FoldText reads it, made on the first
	// key not found (a lookup is shared by a run's jobs).
	foldOnce sync.Once
	folded   map[string]bool
}

// NewLookupTable starts an empty lookup table over t keyed by key.
func NewLookupTable(t *connectors.Table, key string) (*LookupTable, error) {
	if t.ColumnIndex(key) < 0 {
		return nil, fmt.Errorf("lookup table %s has no column %s", t.Name, key)
	}
	l := &LookupTable{Table: t, Key: key, columns: map[string]int{}, rows: map[string][]connectors.Value{}, kinds: map[connectors.Kind]bool{}}
	for i, c := range t.Columns {
		l.columns[c.Name] = i
	}
	return l, nil
}

// Add stores a row (copied). A second row with the same key is an error:
// a lookup must be unambiguous.
func (l *LookupTable) Add(row []connectors.Value) error {
	if len(l.rows) >= MaxLookupRows {
		return fmt.Errorf("lookup table %s has more than %d rows: read it with a select: source and a JOIN instead", l.Table.Name, MaxLookupRows)
	}
	k, err := lookupKey(row[l.columns[l.Key]])
	if err != nil {
		return fmt.Errorf("lookup table %s: %w", l.Table.Name, err)
	}
	if _, dup := l.rows[string(k)]; dup {
		return fmt.Errorf("lookup table %s: key column %s is not unique", l.Table.Name, l.Key)
	}
	l.rows[string(k)] = append([]connectors.Value(nil), row...)
	l.kinds[connectors.KindOf(row[l.columns[l.Key]])] = true
	return nil
}

// lookupKey encodes a key as a lookup table holds it: a decimal by its
// value, since a legacy join compares decimals so (a decimal(4,1)
// column's 12.5 is the decimal(5,2) key 12.50, where byte for byte every
// such record got the default); other kinds as they are.
func lookupKey(v connectors.Value) ([]byte, error) {
	if d, ok := v.(connectors.Decimal); ok {
		if k, ok := numberKey(string(d)); ok {
			v = connectors.Decimal(k)
		}
	}
	return connectors.AppendValue(nil, v)
}

// FoldText is key text as a case-, accent- and trailing-space-blind
// collation (MariaDB's utf8mb4_general_ci, SQLite NOCASE with RTRIM, SQL
// Server's *_CI_AI) compares it: trailing spaces dropped, accents
// stripped, lower case. regflytt compares keys byte for byte; a key that
// matches only folded is one the source joins and regflytt would not.
func FoldText(s string) string {
	s = strings.TrimRight(s, " ")
	if isASCII(s) {
		// No accents to strip, and NFD and NFC leave ASCII as it is:
		// skip building the transform chain, per key of a blind source.
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	return strings.ToLower(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// mismatch says why a key that is not found is not missing either: the
// table holds no key of its kind, or holds it in another spelling the
// source's collation would take for it. "" when the key is missing.
func (l *LookupTable) mismatch(key connectors.Value) string {
	if len(l.rows) == 0 {
		return ""
	}
	k := connectors.KindOf(key)
	if !l.kinds[k] {
		return fmt.Sprintf("the key is a %s value and %s.%s holds no %s key: convert it (string(…), int(…), decimal(…))", k, l.Table.Name, l.Key, k)
	}
	s, ok := key.(string)
	if !ok {
		return ""
	}
	l.foldOnce.Do(func() {
		l.folded = map[string]bool{}
		ki := l.columns[l.Key]
		for _, row := range l.rows {
			if t, ok := row[ki].(string); ok {
				l.folded[FoldText(t)] = true
			}
		}
	})
	if l.folded[FoldText(s)] {
		return fmt.Sprintf("the key matches a key of %s.%s only after folding case, accents or trailing spaces, as the source's collation may: normalise both sides (upper(), trim())", l.Table.Name, l.Key)
	}
	return ""
}

// Len is the number of rows held.
func (l *LookupTable) Len() int { return len(l.rows) }

// fnLookup implements lookup(name, key, column[, default]).
func fnLookup(env *Env, args []any) (any, error) {
	if len(args) < 3 || len(args) > 4 {
		return nil, fmt.Errorf("lookup takes (name, key, column[, default])")
	}
	name, _ := args[0].(string)
	column, _ := args[2].(string)
	l := env.Lookups[name]
	if l == nil {
		return nil, fmt.Errorf("no lookup named %q", name)
	}
	ci, ok := l.columns[column]
	if !ok {
		return nil, fmt.Errorf("lookup %s has no column %q", name, column)
	}
	if args[1] == nil {
		return nil, nil
	}
	key, err := canonical(args[1])
	if err != nil {
		return nil, err
	}
	k, err := lookupKey(key)
	if err != nil {
		return nil, err
	}
	row, ok := l.rows[string(k)]
	if !ok {
		// A default is for keys the table has no row for, not for keys
		// written another way: every record would get it.
		if why := l.mismatch(key); why != "" {
			return nil, &reasonError{Reason: "lookup_missing", Detail: fmt.Sprintf("no row in %s with this %s: %s", l.Table.Name, l.Key, why)}
		}
		if len(args) == 4 {
			return args[3], nil
		}
		return nil, &reasonError{Reason: "lookup_missing", Detail: fmt.Sprintf("no row in %s with this %s", l.Table.Name, l.Key)}
	}
	return row[ci], nil
}

// LookupsNeeded lists the lookups the mapping files declare, one per
// name; the same name declared twice must mean the same table and key.
func LookupsNeeded(files []*File) ([]*LookupSpec, Diagnostics) {
	var ds Diagnostics
	byName := map[string]*LookupSpec{}
	var out []*LookupSpec
	eachTable(files, func(tm *TableMapping) {
		for _, l := range tm.Lookups {
			if first, ok := byName[l.Name.Value]; ok {
				if first.Table.Value != l.Table.Value || first.Key.Value != l.Key.Value {
					ds.add(l.Pos, "M018", "lookup %s is declared differently at %s", l.Name.Value, first.Pos)
				}
				continue
			}
			byName[l.Name.Value] = l
			out = append(out, l)
		}
	})
	return out, ds
}

// lookupCall is a lookup() call with literal name and column.
type lookupCall struct {
	name, column string
}

// checkLookups checks the lookup() calls of an expression against the
// lookups its table mapping declares and the source catalogue.
func (c *compiler) checkLookups(src Str, catalog map[string]*connectors.Table) {
	declared := map[string]*LookupSpec{}
	for _, l := range c.tm.Lookups {
		declared[l.Name.Value] = l
	}
	for _, call := range freeNamesWith(src.Value, c.env.defs).lookups {
		l := declared[call.name]
		if l == nil {
			c.ds.add(src.Pos, "M018", "lookup %q is not declared under lookups: of this table mapping", call.name)
			continue
		}
		if t := catalog[l.Table.Value]; t != nil && call.column != "" && t.Column(call.column) == nil {
			c.ds.add(src.Pos, "M018", "lookup %s: table %s has no column %s%s", call.name, t.Name, call.column, suggest(call.column, columnNames(t)))
		}
	}
}

func (c *compiler) checkLookupSpecs(catalog map[string]*connectors.Table) {
	for _, l := range c.tm.Lookups {
		t := catalog[l.Table.Value]
		if t == nil {
			c.ds.add(l.Table.Pos, "M001", "lookup table %s does not exist in the source database%s", l.Table.Value, suggest(l.Table.Value, tableNames(catalog)))
			continue
		}
		if t.Column(l.Key.Value) == nil {
			c.ds.add(l.Key.Pos, "M003", "lookup table %s has no column %s%s", t.Name, l.Key.Value, suggest(l.Key.Value, columnNames(t)))
		}
	}
}
