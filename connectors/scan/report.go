package scan

import (
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// SchemaVersion is the version of the JSON report's shape. It changes
// when a field is renamed or removed or changes meaning; new fields do
// not change it.
const SchemaVersion = 1

// Report is what a scan found: one value, rendered as JSON, Markdown or
// HTML (see WriteJSON, WriteMarkdown, WriteHTML). It holds counts,
// shapes and declared names only: no identity number, no free text, and
// no value whose cell is smaller than MinCell.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          string `json:"tool"`
	// Source is the scanned database, its password redacted.
	Source  string `json:"source"`
	Dialect string `json:"dialect"`
	// ReferenceDate is the date future dates and 10-digit identity
	// numbers were read against (YYYY-MM-DD).
	ReferenceDate string `json:"reference_date"`
	// MinCell is the smallest count a value may have to be shown.
	MinCell int `json:"min_cell"`
	// DistinctBound is the number of distinct values counted exactly per
	// column; beyond it distinct counts are estimates.
	DistinctBound int       `json:"distinct_bound"`
	Tables        []*Table  `json:"tables"`
	Findings      []Finding `json:"findings"`
	// NotMigrated lists the catalogue's objects a migration does not
	// carry (views, triggers, routines), by kind.
	NotMigrated []ObjectGroup `json:"not_migrated,omitempty"`
	// CatalogueLimited says the account may read only some tables of the
	// database, and the server left the others out of the catalogue this
	// report profiles (connectors.CatalogueScopeChecker).
	CatalogueLimited bool `json:"catalogue_limited,omitempty"`
	// LargeObjects lists the columns naming large objects whose content a
	// read of their table leaves out (connectors.LargeObjectLister).
	LargeObjects []connectors.ColumnObjects `json:"large_objects,omitempty"`
	catalogue    []connectors.Table
}

// Table is one table's profile.
type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
	// SizeBytes is the table's size on the server, indexes included, as
	// its catalogue tells it; -1 where the dialect does not (SQLite).
	SizeBytes  int64    `json:"size_bytes"`
	PrimaryKey []string `json:"primary_key"`
	// Profiled is false for a table the scan could not read in key order
	// (no primary key); only its row count is known then.
	Profiled    bool          `json:"profiled"`
	ForeignKeys []ForeignKey  `json:"foreign_keys,omitempty"`
	Columns     []*Column     `json:"columns"`
	EAV         *EAV          `json:"eav,omitempty"`
	stats       []*columnStat // per column, in Columns' order; not rendered
	proposals   []proposal
	attrs       *attributeStats // per-attribute profiles of the first pass
}

// ForeignKey is a declared or inferred reference and its orphan rows.
type ForeignKey struct {
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	// Declared is true for a constraint of the catalogue, false for one
	// inferred from same-named id columns.
	Declared bool `json:"declared"`
	// Orphans counts rows whose non-NULL reference names no row of
	// RefTable; -1 when the source cannot count them (no SELECT support).
	Orphans int64 `json:"orphans"`
}

// Column is one column's profile, or one EAV attribute's.
type Column struct {
	Name       string `json:"name"`
	SourceType string `json:"source_type,omitempty"`
	Charset    string `json:"charset,omitempty"`
	Canonical  string `json:"canonical,omitempty"`
	Nullable   bool   `json:"nullable"`
	// Class is what the values look like: "identity" (identity
	// numbers), "free_text", "code" (few distinct short values),
	// "date", "number", "key" or "value". Identity and free-text columns
	// show shapes and counts, never values.
	Class    string `json:"class"`
	Values   int64  `json:"values"`
	Nulls    int64  `json:"nulls"`
	Distinct int64  `json:"distinct"`
	// DistinctExact is false when Distinct is an estimate.
	DistinctExact bool `json:"distinct_exact"`
	// Min and Max are values, or shapes (MinMaxShapes) where values
	// could be personal data.
	Min          string `json:"min,omitempty"`
	Max          string `json:"max,omitempty"`
	MinMaxShapes bool   `json:"min_max_shapes,omitempty"`
	// Top lists the most frequent values (or shapes, TopShapes), at most
	// ten, each with a count of at least MinCell.
	Top       []Count `json:"top,omitempty"`
	TopShapes bool    `json:"top_shapes,omitempty"`
	// TopNote says why Top is empty or shortened.
	TopNote string `json:"top_note,omitempty"`
	// Lengths is the distribution of text lengths (characters) or byte
	// lengths.
	Lengths *Lengths `json:"lengths,omitempty"`
	// Identity is set for a column holding identity numbers.
	Identity *Identity `json:"identity,omitempty"`
	// Dates is set for a date column or text that holds dates.
	Dates *Dates `json:"dates,omitempty"`
	// Text counts damaged text.
	Text *TextDamage `json:"text,omitempty"`
	// Numeric is set for text that holds numbers.
	Numeric *NumericText `json:"numeric_text,omitempty"`
	// Unfit counts, per rule, the values the proposed receiving type
	// cannot hold (connectors.Rule codes).
	Unfit []Count `json:"unfit,omitempty"`
	// Proposed is the receiving-schema type the scan proposes, "" when
	// it has none.
	Proposed string `json:"proposed,omitempty"`
}

// Count is a value, shape or code with its count.
type Count struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Lengths is a length distribution.
type Lengths struct {
	Min     int     `json:"min"`
	Max     int     `json:"max"`
	Buckets []Count `json:"buckets"`
}

// Identity counts identity numbers by format and problem.
type Identity struct {
	// Formats counts values by shape: YYMMDD-NNNN, YYYYMMDDNNNN, …
	Formats []Count `json:"formats"`
	Valid   int64   `json:"valid"`
	// Coordination counts valid co-ordination numbers (day + 60).
	Coordination int64 `json:"coordination"`
	// Spaced counts values with surrounding white space.
	Spaced int64 `json:"spaced"`
	// Invalid counts values no rule accepts, by the first rule broken
	// (mappings/pnr's rule codes).
	Invalid []Count `json:"invalid,omitempty"`
	// AmbiguousCentury counts 10-digit numbers without a separator:
	// whether the person was 100 or older cannot be told from them.
	AmbiguousCentury int64 `json:"ambiguous_century"`
}

// Dates counts dates no calendar holds and dates after the reference.
type Dates struct {
	Zero       int64 `json:"zero"`       // 0000-00-00
	Partial    int64 `json:"partial"`    // 2019-05-00
	Impossible int64 `json:"impossible"` // 2023-02-30
	// OutOfRange counts dates a PostgreSQL source holds beyond every
	// target's calendar: infinity, -infinity, BC and years after 9999.
	OutOfRange int64 `json:"out_of_range"`
	Future     int64 `json:"future"` // after the reference date
}

// TextDamage counts damaged text values by what the mapping functions
// will do with them (mappings/lexical, which repair() and latin1() call).
type TextDamage struct {
	// Garbled counts text repair() puts right: UTF-8 read as Latin-1,
	// once or more.
	Garbled int64 `json:"garbled"`
	// GarbledTwice counts those of Garbled garbled more than once.
	GarbledTwice int64 `json:"garbled_twice"`
	// Controls counts text holding C1 controls (Windows-1252 read as
	// ISO 8859-1) that repair() makes Windows-1252 characters.
	Controls int64 `json:"c1_controls"`
	// Ambiguous counts text repair() archives as encoding_ambiguous:
	// garbled in part only, or a garbled character cut short.
	Ambiguous int64 `json:"ambiguous"`
	// AsWritten counts text repair() keeps as it is only because a
	// capital Å, Ä or É in it ends a word before a dash, an ellipsis, a
	// closing quote or a no-break space ("UMEÅ–SUNDSVALL"): garbled, the
	// same text is a Latin Extended letter ("UMEŖSUNDSVALL", a
	// Lithuanian "…IENĖ"), and nothing else in the value says which.
	AsWritten int64 `json:"as_written,omitempty"`
	// Invalid counts values latin1() reads as Windows-1252: bytes that
	// are not UTF-8 (or UTF-8 of characters no text holds there), in
	// text or in a blob that otherwise holds text.
	Invalid int64 `json:"invalid"`
	// InvalidAmbiguous counts values latin1() archives as
	// encoding_ambiguous: UTF-8 beside bytes that are not, or UTF-8 cut
	// in a character.
	InvalidAmbiguous int64 `json:"invalid_ambiguous"`
	// UTF8BesideInvalid counts, in a column with values of Invalid,
	// the values beyond ASCII latin1() reads as UTF-8: right where the
	// column holds both encodings, Latin-1 text whose bytes happen to be
	// UTF-8 where it holds Latin-1 only (C3 A5, "Ã¥", read as "å").
	UTF8BesideInvalid int64 `json:"utf8_beside_invalid,omitempty"`
}

// NumericText counts numbers written as text.
type NumericText struct {
	Numbers      int64 `json:"numbers"`
	DecimalComma int64 `json:"decimal_comma"`
	// NotNumber counts values of a numeric text column that no decimal
	// reader accepts.
	NotNumber int64 `json:"not_number"`
}

// EAV describes an entity–attribute–value table.
type EAV struct {
	Entity    string `json:"entity"`
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	// Version is the column that versions an attribute, if any.
	Version string `json:"version,omitempty"`
	// EntityTable is the table the entity column refers to, if known.
	EntityTable string `json:"entity_table,omitempty"`
	// Attributes profiles the value column per attribute.
	Attributes []*Column `json:"attributes"`
	stats      map[string]*columnStat
}

// ObjectGroup is one kind of catalogue object a migration leaves behind.
type ObjectGroup struct {
	Kind  string   `json:"kind"` // view, trigger, routine, schema
	Count int      `json:"count"`
	Names []string `json:"names,omitempty"`
}

// Finding is one registry finding: a count of values or rows that a
// mapping must decide about.
type Finding struct {
	// Code is stable: identity_numbers, identity_invalid,
	// identity_ambiguous_century, zero_date, partial_date,
	// impossible_date, date_out_of_range, future_date, garbled_text, c1_controls,
	// ambiguous_text, text_as_written, invalid_text, utf8_beside_latin1,
	// decimal_comma, not_a_number, orphan_rows, eav_table, unfit_value,
	// time_beyond_day, not_migrated, no_primary_key, catalogue_limited,
	// large_objects, proposal_note, no_receiving_type.
	Code      string `json:"code"`
	Table     string `json:"table,omitempty"`
	Column    string `json:"column,omitempty"`
	Attribute string `json:"attribute,omitempty"`
	Count     int64  `json:"count"`
	Message   string `json:"message"`
}

// SizeText is the table's size for people: bytes in KiB, MiB or GiB, or
// "unknown".
func (t *Table) SizeText() string {
	if t.SizeBytes < 0 {
		return "unknown"
	}
	f, unit := float64(t.SizeBytes), "bytes"
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if f < 1024 {
			break
		}
		f, unit = f/1024, u
	}
	if unit == "bytes" {
		return fmt.Sprintf("%d bytes", t.SizeBytes)
	}
	return fmt.Sprintf("%.1f %s", f, unit)
}
