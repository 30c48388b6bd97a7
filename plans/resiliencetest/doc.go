// Package resiliencetest holds the tests of a run, in the test's own
// process, whose peer fails under it: a source or target that stops
// answering (frozen through a proxy, at a commit, at the end check, at a
// close, at a second Ctrl-C), connections killed mid-run, and a run lock
// lost or its SQLite file replaced or removed. Each waits out stall
// warnings, stall limits and reconnects, so together they took a third of
// the plans package's time while using little of the machine: as a
// package of their own, `go test ./...` runs them beside plans (and gives
// them their own timeout), and `go test ./plans` fits go test's default
// 10 minutes again. Their fixtures shared with the tests of plans are in
// plans/plantest. The package has no code besides this comment.
package resiliencetest
