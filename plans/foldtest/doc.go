// Package foldtest holds the tests that measure mappings.FoldLimit, what
// folding is sure of under a collation, against the servers' own
// comparison: every collation MariaDB lists and PostgreSQL's
// nondeterministic ICU collations, each over thousands of texts. They
// ask the servers much and a run nothing: the MariaDB one was the
// slowest test of the plans package (236 of its 1520 s of test time in
// one run of `go test ./plans`); as a package of their own, `go test
// ./...` runs them beside plans. The package has no code besides this
// comment.
package foldtest
