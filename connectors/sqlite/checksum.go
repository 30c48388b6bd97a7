package sqlite

// Checksums: SQLite has no SHA-256 among its built-in SQL functions (the
// sha3 extension is not in the driver, and registering a Go function
// would hash in Go anyway, one call per row through the driver), so a
// snapshot of this connector is not a connectors.Checksummer.
// connectors.Checksum and connectors.HashRecords compute SQLite's
// checksums in Go from scanned rows: the same bytes, read from a local
// file, where no rows cross a network that pushdown would save.
