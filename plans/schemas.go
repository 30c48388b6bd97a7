package plans

import (
	"context"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// FindingSchemaNotRead is the finding of a source schema the plan does
// not read: schema_not_read.<schema> in verification.acknowledge.
const FindingSchemaNotRead = "schema_not_read"

// askSource asks the source snapshot one of its optional extras (the
// schemas, history, catalogue scope or large objects it keeps out of a
// read, connectors.SchemaLister and its kin), the zero answer where the
// connector has no such extra.
func askSource[I, T any](snap connectors.Snapshot, ask func(I) (T, error)) (T, error) {
	var zero T
	x, ok := snap.(I)
	if !ok {
		return zero, nil
	}
	out, err := ask(x)
	if err != nil {
		return zero, fmt.Errorf("source: %w", err)
	}
	return out, nil
}

// schemaFindings raises one finding per source schema the plan does not
// read: its records are in no outcome, while every table of the schema
// the plan reads is accounted for (mapped, or archived whole), so a
// verification that named none would say every source record is
// accounted for. The plan acknowledges a schema that is not the
// registry's with its reason.
func schemaFindings(schemas []connectors.SchemaTables) []verify.Finding {
	var out []verify.Finding
	for _, st := range schemas {
		tables := "tables"
		if st.Tables == 1 {
			tables = "table"
		}
		out = append(out, verify.Finding{Kind: FindingSchemaNotRead, Subject: st.Schema, Count: int64(st.Tables),
			Message: fmt.Sprintf("the source database holds %d %s in schema %s, which this plan does not read: their records are neither migrated, archived nor excluded (migrate them with a plan whose source names ?schema=%s, or acknowledge why they are not the registry's)", st.Tables, tables, st.Schema, st.Schema)})
	}
	return out
}

// FindingHistoryNotRead is the finding of a source table that keeps
// earlier versions of its rows no read sees: history_not_read.<table> in
// verification.acknowledge.
const FindingHistoryNotRead = "history_not_read"

// historyFindings raises one finding per source table with earlier row
// versions (MariaDB's system versioning): a read gives the current rows
// only, and every count agrees with it, so the earlier versions and the
// rows since deleted are in no outcome while verification would say
// every source record is accounted for. The plan acknowledges a history
// that is not the registry's to keep with its reason.
func historyFindings(hs []connectors.TableHistory) []verify.Finding {
	var out []verify.Finding
	for _, h := range hs {
		versions := "earlier row versions"
		if h.Versions == 1 {
			versions = "earlier row version"
		}
		out = append(out, verify.Finding{Kind: FindingHistoryNotRead, Subject: h.Table, Count: h.Versions,
			Message: fmt.Sprintf("source table %s keeps %d %s (system versioning: updated and deleted rows), which a read of the table leaves out: they are neither migrated, archived nor excluded (archive them through a select: source reading %s FOR SYSTEM_TIME ALL, or acknowledge why they are not the registry's to keep)", h.Table, h.Versions, versions, h.Table)})
	}
	return out
}

// FindingSourceWithoutSnapshot is the finding of a source table whose
// storage engine keeps no snapshot: source_without_snapshot.<table> in
// verification.acknowledge.
const FindingSourceWithoutSnapshot = "source_without_snapshot"

// snapshotFindings raises one finding per source table the ledger read
// whose engine is not the one the source's snapshot covers (MariaDB's
// MyISAM, Aria, MEMORY beside InnoDB): each page of it is read as the
// table is at that moment, so a write the legacy platform makes during
// the run is in some pages and not in others, the counts (taken as the
// table is at the end) can agree with it, and the end check compares
// with what was read. The plan acknowledges it when the platform's
// writes were stopped for the run (the freeze window).
func snapshotFindings(engines map[string]string, snapshotEngine string, ledger *verify.Ledger) []verify.Finding {
	var out []verify.Finding
	for _, tl := range ledger.Tables {
		engine, ok := engines[tl.Source]
		if !ok {
			continue
		}
		if engine == "" {
			engine = "an engine the server does not name"
		}
		out = append(out, verify.Finding{Kind: FindingSourceWithoutSnapshot, Subject: tl.Source, Count: tl.Read, Of: tl.Read,
			Message: fmt.Sprintf("source table %s is stored by %s, which keeps no snapshot (only %s tables are read at the run's snapshot): its %d %s were read as they were at each page, so a write the platform made during the read is in some pages and not in others, and no count or check of this run can see it (run with the platform's writes stopped and acknowledge it, saying so, or read a copy of the database whose tables are %s)", tl.Source, engine, snapshotEngine, tl.Read, recordWord(tl.Read), snapshotEngine)})
	}
	return out
}

// FindingLargeObjectsNotRead is the finding of a source column naming
// large objects whose content no read sees:
// large_objects_not_read.<table>.<column> in verification.acknowledge.
const FindingLargeObjectsNotRead = "large_objects_not_read"

// largeObjectFindings raises one finding per source column naming large
// objects: a read gives their numbers, so their content is in no outcome
// while verification, counting rows, would say every source record is
// accounted for. The plan acknowledges content that is not the
// registry's to keep with its reason.
func largeObjectFindings(cols []connectors.ColumnObjects) []verify.Finding {
	var out []verify.Finding
	for _, c := range cols {
		out = append(out, verify.Finding{Kind: FindingLargeObjectsNotRead, Subject: c.Table + "." + c.Column, Count: c.Rows,
			Message: fmt.Sprintf("%d %s of source table %s name large objects in column %s, whose content (in pg_largeobject) a read of the table leaves out: it is neither migrated nor archived, only its number (read it with lo_get() in a select: source, or acknowledge why it is not the registry's to keep)", c.Rows, recordWord(c.Rows), c.Table, c.Column)})
	}
	return out
}

// FindingCatalogueLimited is the finding of a source account that may
// read only some of the database's tables: catalogue_limited.source in
// verification.acknowledge.
const FindingCatalogueLimited = "catalogue_limited"

// scopeFindings raises the finding of a catalogue the account's grants
// limit: the tables it may not read are in no table list, so their
// records are in no outcome while verification, counting the tables it
// sees, would say every source record is accounted for. The plan
// acknowledges it when the tables granted are the whole registry.
func scopeFindings(limited bool) []verify.Finding {
	if !limited {
		return nil
	}
	return []verify.Finding{{Kind: FindingCatalogueLimited, Subject: "source",
		Message: "the source account may see only some tables of the database (on MariaDB and MySQL, SELECT granted table by table; on SQL Server, no VIEW DEFINITION on the schema): the server leaves the tables it may not see out of the catalogue, so their records are neither migrated, archived nor excluded and no count shows them (read with an account granted SELECT, and on SQL Server VIEW DEFINITION, on the whole database or schema, or acknowledge why the tables it sees are the whole registry)"}}
}

// checkInheritance refuses a source whose catalogue holds a table that
// inherits from another (connectors.InheritanceLister): reading the
// parent reads the child's rows too, so each of the child's records
// would be accounted twice, as the parent's and as its own, with every
// count agreeing.
func checkInheritance(ctx context.Context, s *session) error {
	l, ok := s.snap.(connectors.InheritanceLister)
	if !ok {
		return nil
	}
	inh, err := l.Inherited(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if len(inh) == 0 {
		return nil
	}
	var pairs []string
	for _, in := range inh {
		pairs = append(pairs, in.Child+" inherits from "+in.Parent)
	}
	return fmt.Errorf("source table %s: reading a parent table reads its children's rows too, so their records would be accounted twice (as the parent's and as their own); regflytt cannot read a parent alone yet: migrate from a copy of the source where the children are detached (ALTER TABLE child NO INHERIT parent)", strings.Join(pairs, ", "))
}
