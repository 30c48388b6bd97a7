package plans_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/plans/synth"
)

// writeDemo writes the demo registry (seed 7) into a database through
// its connector, as `regflytt synth` would (plantest.WriteDemo).
func writeDemo(t *testing.T, dbURL string, patients int) *synth.DemoStats {
	t.Helper()
	return plantest.WriteDemo(t, dbURL, patients, 7)
}

// pgReadOnlyUser makes a role that may only SELECT in a PostgreSQL test
// database and returns the database's URL with that role.
func pgReadOnlyUser(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	role := "ro_" + strings.TrimPrefix(db, "regflytt_test_")
	pgtest.Exec(t, pgtest.AdminURL(t), "CREATE ROLE "+role+" LOGIN")
	// Cleanups run last-registered first, so the role's grants are dropped
	// in its database before the database itself goes.
	t.Cleanup(func() {
		pgtest.Exec(t, dbURL, "DROP OWNED BY "+role)
		pgtest.Exec(t, pgtest.AdminURL(t), "DROP ROLE IF EXISTS "+role)
	})
	pgtest.Exec(t, dbURL,
		"REVOKE ALL ON SCHEMA public FROM PUBLIC",
		"GRANT USAGE ON SCHEMA public TO "+role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+role)
	u.User = url.User(role)
	return u.String()
}

// The demo plan, MariaDB to PostgreSQL, with a source user that may only
// SELECT: the migration succeeds without a single write to the source.
func TestDemoMariaDBToPostgreSQL(t *testing.T) {
	t.Parallel()
	src := mytest.NewDatabase(t)
	tgt := pgtest.NewDatabase(t)
	st := writeDemo(t, src, 500)
	ro := mytest.NewReadOnlyUser(t, src)
	rep, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{
		SourceURL: ro, TargetURL: tgt, WorkDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
}

// The demo plan, PostgreSQL to MariaDB, with a source role that may only
// SELECT, read inside the connector's READ ONLY snapshot.
func TestDemoPostgreSQLToMariaDB(t *testing.T) {
	t.Parallel()
	src := pgtest.NewDatabase(t)
	tgt := mytest.NewDatabase(t)
	st := writeDemo(t, src, 500)
	ro := pgReadOnlyUser(t, src)
	rep, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{
		SourceURL: ro, TargetURL: tgt, WorkDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
}

// A server that does not answer gives a clear error that never shows the
// password.
func TestUnreachableServer(t *testing.T) {
	for _, u := range []string{
		"postgres://regflytt:s3cr3t-pw@127.0.0.1:1/legacy?sslmode=disable&connect_timeout=2",
		"mysql://regflytt:s3cr3t-pw@127.0.0.1:1/legacy",
	} {
		_, err := plans.Run(context.Background(), loadPlan(t, demoPlan), plans.Options{
			SourceURL: u, TargetURL: "sqlite://" + t.TempDir() + "/t.db", WorkDir: t.TempDir(),
		})
		if err == nil {
			t.Fatalf("%s: a run against a closed port succeeded", u)
		}
		msg := err.Error()
		if strings.Contains(msg, "s3cr3t-pw") {
			t.Fatalf("the password reached the error: %s", msg)
		}
		if !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "xxxxx") {
			t.Errorf("the error does not name the server (with the password masked): %s", msg)
		}
		t.Log(msg)
	}
}
