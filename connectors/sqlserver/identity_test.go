package sqlserver

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// SQL Server names the instance by its own name, not by the host the URL
// gives, with the database and the schema (no server here: the query's
// text and the wording are what is checked).
func TestIdentity(t *testing.T) {
	var snap connectors.Snapshot = &snapshot{}
	if _, ok := snap.(connectors.Identifier); !ok {
		t.Fatal("SQL Server snapshots have no Identity")
	}
	for _, want := range []string{"@@SERVERNAME", "SERVERPROPERTY('ServerName')", "DB_NAME()"} {
		if !strings.Contains(identityQuery, want) {
			t.Errorf("the identity query lacks %s: %s", want, identityQuery)
		}
	}
	if got, want := identity(`SRV01\REG`, "kvalreg", "dbo"), `SQL Server SRV01\REG, database kvalreg, schema dbo`; got != want {
		t.Errorf("identity = %q, want %q", got, want)
	}
	if got, want := identity("SRV01", "kvalreg", ""), "SQL Server SRV01, database kvalreg, schema dbo"; got != want {
		t.Errorf("identity without a schema = %q, want %q", got, want)
	}
}
