package mappings

import (
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Open-ended dates. Legacy platforms wrote "no end yet" in many ways: a
// far-future sentinel (9999-12-31), MariaDB's zero date, PostgreSQL's
// infinity. None is a date the receiving platform should hold, and none
// is a reason to archive the record: a column says which it means, and
// those become NULL (open) by declaration, counted like null_when:
//
//	ended_on: {from: slutdatum, open_ended: [9999-12-31, zero, infinity]}
//
// zero is a zero date (0000-00-00, with or without a time; as the
// database's invalid date or as text), infinity and -infinity are
// PostgreSQL's (read as connectors.InvalidDate), a YYYY-MM-DD date matches
// a date, or the date part of a date and time; anything else is compared
// as text with the source value.

// openEnded is a column's compiled open_ended: list.
type openEnded struct {
	col   int
	zero  bool
	inf   map[string]bool // "infinity", "-infinity"
	dates map[connectors.Date]bool
	texts map[string]bool
}

// compileOpenEnded reads a column's open_ended list against its source
// column: from:, or the one column an expression reads.
func (c *compiler) compileOpenEnded(cm *ColumnMapping, cp *columnProgram) {
	if len(cm.OpenEnded) == 0 {
		return
	}
	oe := &openEnded{inf: map[string]bool{}, dates: map[connectors.Date]bool{}, texts: map[string]bool{}}
	switch {
	case cp.src >= 0:
		oe.col = cp.src
	case cp.expr != nil && len(cp.reads) == 1:
		oe.col = cp.reads[0]
	default:
		c.ds.add(cm.OpenEnded[0].Pos, "M030", "open_ended needs from: or an expression that reads one source column")
		return
	}
	for _, v := range cm.OpenEnded {
		switch s := strings.TrimSpace(v.Value); s {
		case "zero":
			oe.zero = true
		case "infinity", "-infinity":
			oe.inf[s] = true
		case "":
			c.ds.add(v.Pos, "M030", "open_ended lists an empty value: say zero, infinity, -infinity, a date or the text")
		default:
			if d, err := convert(s, connectors.Type{Kind: connectors.KindDate}); err == nil {
				oe.dates[d.(connectors.Date)] = true
			}
			oe.texts[s] = true
		}
	}
	cp.openEnded = oe
}

// matches reports whether the row's source value is one the column
// declares open.
func (oe *openEnded) matches(row []connectors.Value) bool {
	if oe == nil || oe.col >= len(row) {
		return false
	}
	switch v := row[oe.col].(type) {
	case nil:
		return false
	case connectors.InvalidDate:
		raw := strings.TrimSpace(v.Raw)
		return (oe.zero && strings.HasPrefix(raw, "0000-00-00")) || oe.inf[raw] || oe.texts[raw]
	case connectors.Date:
		return oe.dates[v]
	case connectors.LocalDateTime:
		return oe.dates[v.Date]
	case time.Time:
		return oe.dates[connectors.DateOf(v)]
	case string:
		s := strings.TrimSpace(v)
		if oe.zero && (strings.HasPrefix(s, "0000-00-00") || s == "00000000") {
			return true
		}
		if oe.inf[strings.ToLower(s)] || oe.texts[s] {
			return true
		}
		if d, err := convert(s, connectors.Type{Kind: connectors.KindDate}); err == nil {
			return oe.dates[d.(connectors.Date)]
		}
		if len(s) > 10 {
			if d, err := convert(s[:10], connectors.Type{Kind: connectors.KindDate}); err == nil {
				return oe.dates[d.(connectors.Date)]
			}
		}
		return false
	default:
		s, ok := connectors.FormatValue(v)
		return ok && oe.texts[s]
	}
}

// columnReasons compiles a column's reasons: and open_ended:.
func (c *compiler) columnReasons(cm *ColumnMapping, cp *columnProgram) {
	if len(cm.Reasons) > 0 {
		cp.reasons = map[string]string{}
		for from, to := range cm.Reasons {
			cp.reasons[from] = to.Value
		}
	}
	c.compileOpenEnded(cm, cp)
}
