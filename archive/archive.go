// Package archive keeps the records a migration could not transform, in
// their source shape and byte for byte, in a package owned by the
// registry's new CPUA: SIARD 2.2 (unzipped) inside a BagIt 1.0 bag.
//
//	bagit.txt, bag-info.txt             BagIt declaration; Source-Organization is the new CPUA
//	manifest-sha256.txt, -sha512.txt    every payload file's digests
//	tagmanifest-sha256.txt              the tag files' digests
//	regflytt/package.json               register, platforms, CPUAs, RCOs, plan fingerprint,
//	                                    and each column's canonical type (what Reader needs)
//	regflytt/events.jsonl               append-only, hash-chained log: created, verified, …
//	data/header/metadata.xml            SIARD 2.2 metadata (validates against metadata.xsd)
//	data/header/siardversion/2.2/
//	data/content/schema0/tableM/        archived records, in the source table's shape
//	data/content/schema1/tableM/        one outcome row per archived record: reason, rule, column
//	data/content/schema2/tableM/        values archived alone (value granularity)
//
// Values are exact (see values.go): natural SIARD cells where the
// column's type holds the value, kind and bytes where it does not.
//
// A run writes rows in chunks under .parts/: each Sync closes the chunks
// it wrote to (written under a temporary name, synced, renamed), so a
// chunk is complete or absent. Close assembles each table's XML from its
// chunks, writes the metadata and the bag, and removes .parts.
//
// Reader is the only parser of packages; Verify checks one.
//
// Neighbours: plans writes packages while it runs; verify and
// cmd/regflytt read them through Reader.
package archive

import (
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// FormatVersion names this package format in regflytt/package.json.
const FormatVersion = "regflytt-archive-1"

// Meta describes the package: whose it is and where it came from.
type Meta struct {
	Register string `json:"register"`
	// RegisterName is the register's full name.
	RegisterName string `json:"register_name,omitempty"`
	// Owner is the CPUA responsible for the registry after the migration,
	// and so for its archived history.
	Owner string `json:"owner"`
	// FormerOwner is the CPUA before the migration.
	FormerOwner  string `json:"former_owner,omitempty"`
	RCOFormer    string `json:"rco_former,omitempty"`
	RCO          string `json:"rco,omitempty"`
	SourceSystem string `json:"source_platform"`
	// TargetSystem is the receiving platform chosen for the register.
	TargetSystem string `json:"target_platform,omitempty"`
	Plan         string `json:"plan"`
	// PlanFingerprint is plans.Plan.Fingerprint: plan, schema and mappings.
	PlanFingerprint string `json:"plan_fingerprint,omitempty"`
	// PlanHash is plans.Plan.Hash, the version of the plan the registry
	// holder approves: without its approvals and progress, which are
	// recorded after the run without changing what it did.
	PlanHash string `json:"plan_hash,omitempty"`
	// Run names the run that wrote the package (its start, UTC).
	Run string `json:"run,omitempty"`
	// ReferenceDate is the plan's date 10-digit identity numbers are read
	// against (YYYY-MM-DD), which erasure matches with too.
	ReferenceDate string `json:"reference_date,omitempty"`
	// LegalBasis and ReviewDate come from the plan when it names them.
	LegalBasis  string `json:"legal_basis,omitempty"`
	ReviewDate  string `json:"review_date,omitempty"`
	ToolVersion string `json:"tool_version"`
}

// Record is one archived source record.
type Record struct {
	Key []connectors.Value
	// Reason is the outcome's stable reason code; Column and SourceColumn
	// name where it failed; Detail explains without the value.
	Reason, Column, SourceColumn, Detail string
	// Values is the whole source row, in the source table's column order.
	Values []connectors.Value
	// CareUnit is the reporting care unit, where the plan names one.
	CareUnit string
	// KeyText, when set, is written as the outcome's key instead of a
	// rendering of Key (a package rewritten from another keeps its text).
	KeyText string
}

// Value is one value archived alone: its record migrated with NULL in the
// column, under value granularity.
type Value struct {
	Key                                  []connectors.Value
	Column, SourceColumn, Reason, Detail string
	Value                                connectors.Value
	// CareUnit is the reporting care unit, where the plan names one.
	CareUnit string
	// KeyText: as Record.KeyText.
	KeyText string
}

// Summary is the package's content, as regflytt/package.json records it.
type Summary struct {
	Format  string         `json:"format"`
	Meta    Meta           `json:"meta"`
	Created string         `json:"created"`
	Tables  []TableSummary `json:"tables"`
	// Timespan is the first and last date in the archived records.
	Timespan string `json:"data_origin_timespan"`
}

// TableSummary describes one source table's part of the package.
type TableSummary struct {
	Table   string           `json:"table"`
	Records int64            `json:"records"`
	Reasons map[string]int64 `json:"reasons"`
	// Values counts values archived alone (value granularity).
	Values int64 `json:"values,omitempty"`
	// Folder is the table's folder index in schema0 and schema1, and
	// ValuesFolder in schema2 (-1 when none).
	Folder       int `json:"folder"`
	ValuesFolder int `json:"values_folder"`
	// Columns are the source table's, in order; Companions the columns
	// whose raw cells follow them (see values.go), in cell order.
	Columns     []ColumnSummary `json:"columns"`
	Companions  []string        `json:"companions,omitempty"`
	PrimaryKey  []string        `json:"primary_key,omitempty"`
	ForeignKeys []ForeignKeyDoc `json:"foreign_keys,omitempty"`
	// Person names the columns the mapping's person: read, for erasure:
	// a number split over two of them (a birth date, the last four) is
	// no value of its own. Nil when the package does not say (written
	// before packages kept it, or a table no mapping reads as records:
	// an unmapped table, a form store's).
	Person *PersonDoc `json:"person,omitempty"`
}

// PersonDoc is what a table's mapping declared of its person: the source
// columns its person: read, none when it declared no person: (a parent:,
// no_person:).
type PersonDoc struct {
	Columns []string `json:"columns"`
	// Form, on a form store's entities and values tables, says how its
	// person: reads the number from value rows: joined across the rows of
	// one entity, each row no number of its own.
	Form *PersonForm `json:"form,omitempty"`
}

// PersonForm is what a form store's person: reads: entity columns
// (PersonDoc.Columns of the entities table) and variables, each a value
// row of the values table, which a run joins per entity (form instance).
// archive erase joins the archived rows of one entity as the run did.
type PersonForm struct {
	// Entities is the entities table, EntityKey its key column.
	Entities  string `json:"entities"`
	EntityKey string `json:"entity_key"`
	// Values is the values table; Entity, Attribute and Value its
	// columns naming the entity, the variable and the value.
	Values    string `json:"values"`
	Entity    string `json:"entity"`
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	// Variables are the names of the value rows holding the values the
	// person: reads, in no order: its variables, and the entity
	// columns it reads (a value row named as one is a copy of the
	// person's value to the run; erase takes a name the entities table
	// has for that column). A package written before lists the
	// variables only.
	Variables []string `json:"variables"`
}

// ForeignKeyDoc is a foreign key the source declared, or a parent the
// mapping declared (parent:): erasure follows it from an erased record to
// the archived records that refer to it.
type ForeignKeyDoc struct {
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	// Parent says the mapping declared it, not the source.
	Parent bool `json:"parent,omitempty"`
}

// ParentKey names, as connectors.ForeignKey.Name, a foreign key a
// mapping's parent: declares: the package keeps it marked Parent.
const ParentKey = "parent (declared by the mapping)"

// ColumnSummary is one source column: its name, the type the legacy
// platform declared, and the canonical type its natural cells are read as.
type ColumnSummary struct {
	Name       string  `json:"name"`
	SourceType string  `json:"source_type"`
	Charset    string  `json:"charset,omitempty"`
	Nullable   bool    `json:"nullable"`
	Type       TypeDoc `json:"type"`
}

// TypeDoc is a canonical column type as package.json keeps it: the kind
// by name, so the file does not depend on the numbering of Kind.
type TypeDoc struct {
	Kind      string `json:"kind"`
	Bits      int    `json:"bits,omitempty"`
	Unsigned  bool   `json:"unsigned,omitempty"`
	Precision int    `json:"precision,omitempty"`
	Scale     int    `json:"scale,omitempty"`
	Length    int    `json:"length,omitempty"`
}

func typeDoc(t connectors.Type) TypeDoc {
	return TypeDoc{t.Kind.String(), t.Bits, t.Unsigned, t.Precision, t.Scale, t.Length}
}

// Type gives the canonical type back; a kind this version does not know
// reads as text.
func (d TypeDoc) Type() connectors.Type {
	t := connectors.Type{Kind: connectors.KindText, Bits: d.Bits, Unsigned: d.Unsigned, Precision: d.Precision, Scale: d.Scale, Length: d.Length}
	for k := connectors.KindInt; k <= connectors.KindJSON; k++ {
		if k.String() == d.Kind {
			t.Kind = k
		}
	}
	return t
}

func dateRange(lo, hi connectors.Date, any bool) string {
	if !any {
		return "no dates in the archived records"
	}
	return lo.String() + "/" + hi.String()
}

// spanOf gives the calendar date a value holds, for dataOriginTimespan.
func spanOf(v connectors.Value) (connectors.Date, bool) {
	switch x := v.(type) {
	case connectors.Date:
		return x, x.Valid()
	case connectors.LocalDateTime:
		return x.Date, x.Valid()
	case time.Time:
		d := connectors.DateOf(x.UTC())
		return d, d.Valid()
	}
	return connectors.Date{}, false
}

func dateBefore(a, b connectors.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}
