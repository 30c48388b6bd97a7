package mysql_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A MariaDB registry's DECIMAL(65,30) key, which the receiving notation
// cannot declare as a decimal, is declared text, as the proposal says; a
// run into a MariaDB target then created the tables before it in the
// schema and stopped at that one with the server's "Error 1170: BLOB/TEXT
// column 'k' used in key specification without a key length", offering
// to resume, which failed the same way. A key InnoDB cannot index whole
// (text or bytes without a length that fits, json, or columns together
// longer than its 3072 bytes: error 1071) is now refused before any table
// is created, naming the table and column and what to declare; so is an
// index whose columns together are too long, which failed after the load,
// the rows written. A unique one MariaDB makes as a hash (USING HASH) is
// left to it, as before.
func TestCreateRefusesAKeyInnoDBCannotIndex(t *testing.T) {
	integer := connectors.Type{Kind: connectors.KindInt, Bits: 32}
	varchar := func(n int) connectors.Type { return connectors.Type{Kind: connectors.KindText, Length: n} }
	first := connectors.Table{Name: "a_first", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: integer}}}
	cases := []struct {
		name  string
		table connectors.Table
		want  string // "" when MariaDB takes it
	}{
		{"text key", connectors.Table{Name: "kdec", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
			{Name: "k", Type: connectors.Type{Kind: connectors.KindText}}, {Name: "v", Type: integer, Nullable: true}}},
			"table kdec: primary key column k"},
		{"bytes key", connectors.Table{Name: "kb", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
			{Name: "k", Type: connectors.Type{Kind: connectors.KindBytes}}}},
			"table kb: primary key column k"},
		{"varchar(769) key", connectors.Table{Name: "kv", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
			{Name: "k", Type: varchar(769)}}},
			"table kv: primary key column k"},
		{"two columns too long together", connectors.Table{Name: "kk", PrimaryKey: []string{"k", "i"}, Columns: []connectors.Column{
			{Name: "k", Type: varchar(768)}, {Name: "i", Type: integer}}},
			"table kk: primary key (k, i)"},
		{"an index too long together", connectors.Table{Name: "ki", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			{Name: "id", Type: integer}, {Name: "a", Type: varchar(500), Nullable: true}, {Name: "b", Type: varchar(500), Nullable: true}},
			Indexes: []connectors.Index{{Name: "ix_ab", Columns: []string{"a", "b"}}}},
			"table ki index ix_ab"},
		{"varchar(768) key", connectors.Table{Name: "ok768", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
			{Name: "k", Type: varchar(768)}}}, ""},
		{"varchar(767) and int", connectors.Table{Name: "ok767", PrimaryKey: []string{"k", "i"}, Columns: []connectors.Column{
			{Name: "k", Type: varchar(767)}, {Name: "i", Type: integer}}}, ""},
		{"a unique index MariaDB hashes", connectors.Table{Name: "okhash", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			{Name: "id", Type: integer}, {Name: "a", Type: varchar(500), Nullable: true}, {Name: "b", Type: varchar(500), Nullable: true}},
			Indexes: []connectors.Index{{Name: "uk_ab", Columns: []string{"a", "b"}, Unique: true}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mysql.Dialect{}.ConstraintStatements(&c.table)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "3072") {
				t.Errorf("got %v, want a refusal naming %q and the 3072-byte limit", err, c.want)
			}
		})
	}
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	for _, c := range cases {
		t.Run("server/"+c.name, func(t *testing.T) {
			db := openTarget(t, mytest.NewDatabase(t))
			ctx := context.Background()
			err := db.Create(ctx, []connectors.Table{first, c.table})
			if err == nil {
				// What was accepted, the server creates, indexes included.
				if c.want != "" {
					t.Fatalf("created; want a refusal naming %q", c.want)
				}
				if err := db.CreateConstraints(ctx, []connectors.Table{first, c.table}); err != nil {
					t.Fatalf("accepted, and the server refused its indexes: %v", err)
				}
				return
			}
			if c.want == "" || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			snap, err := db.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			tables, err := snap.Tables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(tables) != 0 {
				t.Errorf("refused, and %d tables were created before it (%s first): want none", len(tables), tables[0].Name)
			}
		})
	}
}
