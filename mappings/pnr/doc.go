// Package pnr parses, normalises, validates and pseudonymises Swedish
// personal identity numbers (personnummer) and co-ordination numbers
// (samordningsnummer) in the shapes legacy registry databases hold them.
//
// # Room and neighbours
//
// This is the identity-number room of the mapping language. The mappings
// package calls it when a mapping turns a source column into a normalised
// number, a pseudonym, or an archived record with a reason. pnr knows
// nothing of databases, rows, plans or keys' storage: strings and a date
// go in, values and typed errors come out. It is pure, does no I/O and
// allocates nothing on the success path of Parse.
//
// # Why the reference date is explicit
//
// A ten-digit number (YYMMDD-NNNN) leaves the century to be inferred from
// "today". If today were time.Now, the same mapping applied to the same row
// a year later — by `regflytt verify`, or by a resumed run — could give
// different bytes, and verification compares bytes. So Parse takes the
// reference date as an argument and callers pass a date from the plan or
// the row, never the clock.
//
// Prefer the date the value was recorded (a registration or visit date in
// the same row) over the migration date: a ten-digit number is only right
// relative to the day it was written. A person registered as 250301-NNNN at
// age 98 has since turned 100 and, read against today's date, would be
// born in 2025 instead of 1925. Such a misreading passes every check;
// [NoteCentury] marks the values whose century was inferred so the ledger
// can count them. [ParseBornBy] takes that date as evidence: a person cannot
// be born after their own registration, so a birth read after it moves a
// century back ([NoteCenturyResolved]).
//
// # Matching lists
//
// Two sources often write one person in different shapes, and a reference
// date can read the same ten digits a century apart. [Key] is what every
// shape shares and the check digit covers (YYMMDDNNNC); [ParseKey] reads it
// without a reference date and says whether the century was written.
// Opt-out and erasure lists are matched on it.
//
// # Personal data
//
// Errors name the rule that failed ([Rule]), never the input, so they can
// be logged, counted and put in reconciliation reports. [Number.String]
// does return the number: it is for writing into a target, not for logs.
// [Pseudonymiser] replaces a number with a keyed hash; it never prints its
// key.
package pnr
