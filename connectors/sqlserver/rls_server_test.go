package sqlserver_test

// Row-level security and the catalogue's scope against a real SQL Server,
// run only when REGFLYTT_TEST_MSSQL names one (see mstest). Never run
// here: no SQL Server was available where this was written.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlserver"
	"github.com/regflytt/regflytt/connectors/sqlserver/mstest"
)

// rlsCount counts table in a snapshot of its own.
func rlsCount(t *testing.T, src *sqlserver.DB, table string) (int64, error) {
	t.Helper()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	return snap.Count(context.Background(), table)
}

// catalogueLimited asks a snapshot of src whether its catalogue is limited.
func catalogueLimited(t *testing.T, src *sqlserver.DB) bool {
	t.Helper()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	limited, err := snap.(connectors.CatalogueScopeChecker).CatalogueLimited(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return limited
}

// TestServerRowFilter: an enabled filter predicate hides rows from the
// login that creates it (a sysadmin: predicates exempt no one); the read
// is refused naming the table and the policy, a table no predicate names
// is read, and with the policy off the table is read whole. A login with
// db_datareader alone sees no policy and is refused every read until it
// is granted VIEW DEFINITION, and its catalogue counts as limited until
// then.
func TestServerRowFilter(t *testing.T) {
	dbURL := mstest.NewDatabase(t)
	mstest.Exec(t, dbURL,
		"CREATE TABLE dbo.patient (id int PRIMARY KEY)",
		"INSERT INTO dbo.patient VALUES (1), (2)",
		"CREATE TABLE dbo.visit (id int PRIMARY KEY, county int NOT NULL)",
		"INSERT INTO dbo.visit VALUES (1, 1), (2, 2), (3, 2)",
		"CREATE SCHEMA sec",
		"CREATE FUNCTION sec.county_one(@county int) RETURNS TABLE WITH SCHEMABINDING AS RETURN SELECT 1 AS ok WHERE @county = 1",
		"CREATE SECURITY POLICY sec.visit_by_county ADD FILTER PREDICATE sec.county_one(county) ON dbo.visit WITH (STATE = ON)",
	)
	admin := openSource(t, dbURL)
	if n, err := rlsCount(t, admin, "patient"); err != nil || n != 2 {
		t.Fatalf("Count(patient) = %d, %v; want 2", n, err)
	}
	_, err := rlsCount(t, admin, "visit")
	if !errors.Is(err, sqlserver.ErrRowFilter) || !strings.Contains(err.Error(), "sec.visit_by_county") {
		t.Fatalf("Count(visit) under an enabled filter predicate = %v, want ErrRowFilter naming sec.visit_by_county", err)
	}
	if catalogueLimited(t, admin) {
		t.Error("the creating login's catalogue is limited")
	}

	// A login with db_datareader alone.
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	login := "regflytt_reader_" + hex.EncodeToString(rnd[:4])
	password := "Rf-" + hex.EncodeToString(rnd[:]) + "-x9"
	server := mstest.URL(t)
	mstest.Exec(t, server, "CREATE LOGIN ["+login+"] WITH PASSWORD = N'"+password+"', CHECK_POLICY = OFF")
	t.Cleanup(func() { mstest.Exec(t, server, "DROP LOGIN ["+login+"]") })
	mstest.Exec(t, dbURL,
		"CREATE USER ["+login+"] FOR LOGIN ["+login+"]",
		"ALTER ROLE db_datareader ADD MEMBER ["+login+"]",
	)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(login, password)
	reader := openSource(t, u.String())
	if _, err := rlsCount(t, reader, "patient"); !errors.Is(err, sqlserver.ErrRowFilter) {
		t.Errorf("Count(patient) by a login that sees no policy = %v, want ErrRowFilter", err)
	}
	if !catalogueLimited(t, reader) {
		t.Error("a db_datareader login's catalogue is not limited (a DENY on one table would hide it)")
	}
	mstest.Exec(t, dbURL, "GRANT VIEW DEFINITION TO ["+login+"]")
	if n, err := rlsCount(t, reader, "patient"); err != nil || n != 2 {
		t.Errorf("Count(patient) with VIEW DEFINITION = %d, %v; want 2", n, err)
	}
	if _, err := rlsCount(t, reader, "visit"); !errors.Is(err, sqlserver.ErrRowFilter) {
		t.Errorf("Count(visit) with VIEW DEFINITION = %v, want ErrRowFilter", err)
	}
	if catalogueLimited(t, reader) {
		t.Error("a login with VIEW DEFINITION on the database has a limited catalogue")
	}

	mstest.Exec(t, dbURL, "ALTER SECURITY POLICY sec.visit_by_county WITH (STATE = OFF)")
	if n, err := rlsCount(t, admin, "visit"); err != nil || n != 3 {
		t.Errorf("Count(visit) with the policy off = %d, %v; want 3", n, err)
	}
}
