// Package verifytest holds the tests that hold a migration to its
// verification: a run's own end check (the expected side taken from
// what the run wrote and archived, a trigger or a changed source caught,
// the drill-down into differing buckets refined over tables of 80,000
// rows on SQLite, PostgreSQL and MariaDB) and `regflytt verify` (a
// tampered target, archive or plan caught on each server, findings,
// acknowledgements, the report's format). In one run of `go test
// ./plans` they took a fifth of the package's test time; as a package of
// their own, `go test ./...` runs them beside plans. Their fixtures
// shared with plans are in plans/plantest. The package has no code
// besides this comment.
package verifytest
