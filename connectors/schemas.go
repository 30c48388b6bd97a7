package connectors

import "context"

// SchemaLister is an optional extra of a Snapshot, found by type
// assertion, for dialects whose catalogue reads one schema of a database
// that may hold others (PostgreSQL's schema=). A registry that keeps
// tables in another schema too (history, a sub-register) would have their
// records neither migrated nor archived nor excluded while verification
// accounts for every record of the schema it reads: the extra lets it
// say so instead.
type SchemaLister interface {
	// OtherSchemas lists the schemas of the database, besides the one
	// the catalogue reads and the server's own, that hold base tables
	// not created by an extension, with how many, in name order.
	OtherSchemas(ctx context.Context) ([]SchemaTables, error)
}

// SchemaTables is a schema and its number of base tables.
type SchemaTables struct {
	Schema string
	Tables int
}

// InheritanceLister is an optional extra of a Snapshot, found by type
// assertion, for dialects where reading a table also reads the rows of
// the tables that inherit from it (PostgreSQL's INHERITS, the
// partitioning of servers before version 10). The catalogue lists such a
// child as a table of its own, so each of its records would be read
// twice, once as its parent's: a caller must refuse that, not count it.
type InheritanceLister interface {
	// Inherited lists the tables of the catalogue that inherit from
	// another table of it, in name order.
	Inherited(ctx context.Context) ([]Inheritance, error)
}

// Inheritance is a child table and the parent it inherits from.
type Inheritance struct {
	Child, Parent string
}

// HistoryLister is an optional extra of a Snapshot, found by type
// assertion, for dialects whose tables can keep earlier versions of their
// rows out of sight of a read (MariaDB's WITH SYSTEM VERSIONING): a plain
// SELECT and COUNT(*) give the current rows only, so the earlier versions,
// and every row since deleted, would be neither migrated nor archived nor
// excluded while verification, counting the same way, accounted for
// every record it saw. The extra lets it say so instead.
type HistoryLister interface {
	// History lists the tables of the catalogue that keep earlier
	// versions of their rows, with how many, in name order; a table that
	// keeps none is left out.
	History(ctx context.Context) ([]TableHistory, error)
}

// TableHistory is a table and the number of earlier row versions it
// keeps beside its current rows.
type TableHistory struct {
	Table    string
	Versions int64
}

// EngineChecker is an optional extra of a Snapshot, found by type
// assertion, for dialects with several storage engines (MariaDB). A
// receiving table made by hand on a non-transactional engine (MyISAM,
// Aria, MEMORY, BLACKHOLE) keeps a batch's rows when the batch's
// transaction rolls back, or keeps none at all: the commit unit of rows,
// archive part and checkpoint no longer holds, and a resumed run writes
// rows twice. A caller refuses such a table before writing.
type EngineChecker interface {
	// OtherEngines gives, for each of tables that exists with another
	// storage engine than the one Create uses, that engine; want names
	// the one Create uses.
	OtherEngines(ctx context.Context, tables []string) (engines map[string]string, want string, err error)
}

// ExistingTableChecker is an optional extra of a target's Snapshot, found
// by type assertion, for dialects whose tables can hold what the neutral
// catalogue does not read and that changes what a write stores: SQLite's
// ON CONFLICT clauses, under which an insert that meets a key replaces
// the row there or is dropped without an error, and its columns'
// collations (NOCASE takes 'ABC' and 'abc' for one key), PostgreSQL's
// nondeterministic collations (the same), SQL Server's IGNORE_DUP_KEY
// (an insert of a key that is there is dropped with a warning); on every
// dialect the unique indexes the catalogue does not read (over an
// expression or a column prefix, partial, of another collation), which
// refuse rows the declared key lets through, CHECK constraints Create
// does not make and foreign keys with an ON DELETE or ON UPDATE action or
// a deferred check (which refuse or change rows otherwise than the ones
// CreateConstraints makes), and triggers, which can change or drop rows
// without an error. A caller refuses an
// existing receiving table with such a difference before writing, as it
// refuses one CompareTable finds.
type ExistingTableChecker interface {
	// CheckExistingTables gives the differences of each of tables (which
	// exist) from the table Create makes, a Difference each.
	CheckExistingTables(ctx context.Context, tables []string) ([]Difference, error)
}

// CatalogueScopeChecker is an optional extra of a Snapshot, found by type
// assertion, for dialects whose catalogue shows an account only the
// tables it may read (MariaDB's and MySQL's information_schema): an
// account granted SELECT table by table sees those tables alone, and the
// others are missing from the catalogue, so their records would be
// neither migrated nor archived nor excluded while every count, taken
// through the same catalogue, agreed. The extra lets a caller say so.
type CatalogueScopeChecker interface {
	// CatalogueLimited reports whether the account may read only some of
	// the database's tables, so that tables it may not read can be
	// missing from the catalogue; false when it may read them all.
	CatalogueLimited(ctx context.Context) (bool, error)
}

// LargeObjectLister is an optional extra of a Snapshot, found by type
// assertion, for dialects that keep a large object's content apart from
// the table that names it (PostgreSQL's pg_largeobject, named by an oid
// or lo column): a read of the table gives the object's number only, so
// the content would be neither migrated nor archived while every count
// agreed. The extra lets a caller say so.
type LargeObjectLister interface {
	// LargeObjects lists the columns of the catalogue's tables whose
	// values name large objects that exist, with how many rows do, in
	// table and column order; a column naming none is left out.
	LargeObjects(ctx context.Context) ([]ColumnObjects, error)
}

// ColumnObjects is a column and the number of its rows that name a large
// object.
type ColumnObjects struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Rows   int64  `json:"rows"`
}
