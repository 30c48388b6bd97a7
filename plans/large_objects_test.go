package plans_test

import (
	"os"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A PostgreSQL table that names large objects by an oid column holds
// their numbers only; the content is in pg_largeobject. The column read
// as text migrated the numbers, which name nothing on the receiving
// platform, and run and verify passed with the content in no outcome.
// Such a column is now a finding (large_objects_not_read.<table>.<column>)
// that fails run and verify until the plan acknowledges it; a column
// naming no object that exists (anteckning) raises none.
func TestLargeObjectsNotReadIsAFinding(t *testing.T) {
	t.Parallel()
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	legacy := pgtest.NewDatabase(t)
	pgtest.Exec(t, legacy,
		"CREATE TABLE bilaga (id int PRIMARY KEY, dokument oid, anteckning oid)",
		"INSERT INTO bilaga VALUES (1, lo_from_bytea(0, 'journal 1'), NULL), (2, lo_from_bytea(0, 'journal 2'), 4294967000), (3, NULL, NULL)",
	)
	unreadUntilAcknowledged(t, legacy,
		"platform: lo\ntables:\n  - name: bilaga\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n      - {name: dokument, type: text}\n      - {name: anteckning, type: text}\n",
		"version: 1\ntables:\n  - target: bilaga\n    source: bilaga\n    columns: {id: id, dokument: dokument, anteckning: anteckning}\n",
		map[string]int64{"large_objects_not_read.bilaga.dokument": 2},
		"verification:\n  acknowledge:\n    large_objects_not_read.bilaga.dokument: the documents are kept in the document archive\n")
}
