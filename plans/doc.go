// Package plans is a register's migration plan and its execution. A plan
// file holds the strategy's template (register, chosen receiving system,
// current and future CPUA and RCO) and the technical run (source, target,
// receiving schema, mapping files, archive). Load reads it with every
// position kept; Check validates it and the files it names; Run executes
// it: stream the source in keyset batches from one read-only snapshot,
// apply the compiled mappings, write migrated rows to the target in
// transactions, archive what could not be transformed, and check the
// ledger with verify.
//
// Neighbours: cmd/regflytt calls it; it uses mappings, verify and archive,
// and reaches databases through connectors/all. The portfolio (the
// strategy's IT systems and registries) is loaded here too, because plans
// are checked against it.
package plans
