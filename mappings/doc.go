// Package mappings is the mapping language: declarative YAML that says how
// a legacy platform's tables become a receiving platform's tables. It
// parses mapping files (keeping every position, so problems are reported as
// file:line:col), checks them against the source catalogue and the
// receiving schema (Compile), and applies a compiled Program to one source
// row at a time, giving an Outcome: migrated, archived with a reason, or
// excluded.
//
// Neighbours: plans runs programs over rows streamed by connectors; verify
// re-applies them to check the target; archive stores what they archive.
// This package knows no database: rows in, outcomes out. A Program is a
// pure function of the source row (and, later, code lists and the
// pseudonymisation key), so the same row gives the same bytes on every run,
// which verification depends on.
//
// Sub-packages hold the domain's built-ins: pnr (personal identity numbers
// and keyed pseudonyms) and lexical (dates, decimal commas, Latin-1 and
// garbled text).
package mappings
