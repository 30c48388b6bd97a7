// Package faulttest holds the tests that run regflytt as a process and
// kill, interrupt or race it (SIGKILL at random moments, Ctrl-C, two runs
// into one target), each run resumed and compared with a clean run's. They
// are the slowest of the plans tests, so they are a package of their own:
// `go test ./...` gives them their own timeout and runs them beside the
// plans package. The package has no code besides this comment.
package faulttest
