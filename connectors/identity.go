package connectors

import "context"

// Identifier is implemented by snapshots that can name the database they
// read by the server's own identity: a run records it in its checkpoint,
// and a resume reading another database (--source naming another one)
// is refused instead of adding that database's records to the first's.
//
// The identity is the server's, not the URL's, so that the same database
// reached another way (another host name or address, another user, a
// changed password) is the same source: PostgreSQL's cluster system
// identifier, MySQL's server_uuid, MariaDB's host name and port (it has
// no server UUID), SQL Server's server name, each with the database's
// name; SQLite's file by its absolute path, symbolic links resolved.
type Identifier interface {
	// Identity names the database for a person as well as for the
	// comparison ("PostgreSQL cluster 7716045423711979696, database
	// reg"). It never holds a user name or a password.
	Identity(ctx context.Context) (string, error)
}
