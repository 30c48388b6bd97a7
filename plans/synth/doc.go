// Package synth generates synthetic legacy registry platforms: faithful
// stand-ins for databases that cannot leave their CPUA, for regflytt's
// own tests, for benchmarks, and for RCO teams to rehearse a migration
// (`regflytt synth`). It is the plans room's workshop: it writes through
// connectors (a connectors.LegacyWriter, which stores what legacy
// platforms hold and receiving tables refuse), and it knows nothing of the
// mapping language; the mappings, receiving schemas and plans that migrate
// its platforms live in testdata/ beside the defect catalogue. Its
// neighbours: cmd/regflytt's synth and demo commands call it, plans' tests
// migrate what it writes, and mappings/lexical lends it MariaDB's Latin-1
// reading to garble text the way a wrong conversion does.
//
// # Platforms
//
// Generate builds one of three kinds of legacy platform (see Platform):
// eav, a form store with one text row per (form instance, variable); wide,
// a single-registry solution with a table per form and Latin-1 text; and
// mainsub, a main register whose two sub-registers report the same visits.
// Tables and columns have Swedish names, as legacy platforms do (personnr,
// vardenhet, besoksdatum), and are declared in each dialect's own words
// (int(11) and CHARACTER SET latin1 on MariaDB). PostgreSQL cannot hold
// a zero date in a date column, so its rendition declares the columns
// that carry them text: the values read back with the text MariaDB
// prints, as strings rather than dates, and the platform's mapping casts
// them the same way from either. Demo builds the small demo registry of
// `regflytt demo`.
//
// # Determinism and size
//
// Every row is derived from the seed and the numbers of the patient, form
// and value it belongs to, through a PCG stream of its own (math/rand/v2),
// never from what was written before. A table's pass recomputes whatever
// it needs of other tables' rows, so nothing is remembered between rows:
// memory holds one batch per table from 100 to 10,000,000 patients, and
// the same Config gives the same values, byte for byte, on every run and
// every dialect (Digest checks it by reading a database back through its
// Source). Personal identity numbers come from a keyed permutation of 32
// million birth dates and serials, so no two synthetic patients are one
// person.
//
// # Defects
//
// Each kind of bad data (see DefectID) is injected at a rate (Config.Rates
// over DefaultRates) into the rows it applies to, at most one per row so
// that every row's outcome has one cause. Stats counts the affected rows
// per defect and table, and Config.Observe reports each one. The defect
// catalogue, testdata/defects.yaml, says what a migration must make of
// each; TestDefectsWide, TestDefectsEAV and TestDefectsMainSub run the
// real migration path and hold every affected row to it. Where the
// mappings declare parents, a row's outcome is also its parent's doing
// (the visits of an archived patient are archived with them), and the
// tests derive every row's expected outcome, clean rows included, through
// those links.
//
// # Benchmark
//
// BenchmarkGenerate writes each platform at 1,000,000 patients into an
// SQLite file and into a writer that discards (the generator alone), and
// reports rows/s and the peak of live heap and of all runtime memory:
//
//	go test -c -o /tmp/synth.test ./plans/synth
//	cd plans/synth && /usr/bin/time -v /tmp/synth.test -test.run XXX \
//	    -test.bench BenchmarkGenerate -test.benchtime 1x
//
// REGFLYTT_BENCH_PATIENTS sets another size. /usr/bin/time -v adds the
// process's maximum resident set size, which includes SQLite's page
// cache. Measured on a 2-CPU AMD EPYC VM, Go 1.26, 1,000,000 patients,
// batches of 10,000 rows:
//
//	platform  rows       SQLite rows/s  discard rows/s  peak live heap  peak runtime memory
//	eav       9,179,016  705,000        3,234,000       5.8 MiB         17 MiB
//	wide      3,999,354  396,000        2,285,000       11.0 MiB        21 MiB
//	mainsub   3,249,158  409,000        1,734,000       8.3 MiB         21 MiB
//
// and 39 MiB maximum resident set size for the whole run of six (38 s).
// At 100,000 patients the peaks are within 3 MiB of these: memory does
// not grow with size. SQLite's inserts are the bottleneck; the generator
// alone is five to six times faster.
package synth
