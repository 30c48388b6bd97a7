package postgres

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Identifier = (*snapshot)(nil)

// identityCanRead says whether pg_control_system() exists (PostgreSQL 9.6
// on) and this user may call it. Asked first, in a query that cannot
// fail, since a failed statement would end the snapshot's transaction.
const identityCanRead = `SELECT CASE WHEN to_regprocedure('pg_catalog.pg_control_system()') IS NULL THEN false
	ELSE has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') END`

// identityQuery reads the cluster's system identifier, which initdb
// chose at random and a physical replica shares with its primary: the
// same cluster whatever host name, address or user reaches it.
const identityQuery = `SELECT system_identifier::text, current_database() FROM pg_catalog.pg_control_system()`

// identityFallback names the server by its address and port where the
// system identifier cannot be read: weaker (a server reached through
// another address is taken for another), never wrong the other way.
const identityFallback = `SELECT coalesce(host(inet_server_addr()), 'local socket'), coalesce(inet_server_port()::text, ''), current_database()`

// Identity names the cluster by its system identifier, the database and
// the schema the catalogue reads (two schemas of one database are two
// sources).
func (s *snapshot) Identity(ctx context.Context) (string, error) {
	var can bool
	if err := s.tx.QueryRow(ctx, identityCanRead).Scan(&can); err != nil {
		return "", s.db.errorf(err, "read the server's identity")
	}
	if can {
		var id, db string
		if err := s.tx.QueryRow(ctx, identityQuery).Scan(&id, &db); err != nil {
			return "", s.db.errorf(err, "read the server's identity")
		}
		return identity("cluster "+id, db, s.db.schema), nil
	}
	var addr, port, db string
	if err := s.tx.QueryRow(ctx, identityFallback).Scan(&addr, &port, &db); err != nil {
		return "", s.db.errorf(err, "read the server's identity")
	}
	return identity(fmt.Sprintf("server %s port %s", addr, port), db, s.db.schema), nil
}

// identity is how Identity words the server, the database and the
// schema.
func identity(server, db, schema string) string {
	return fmt.Sprintf("PostgreSQL %s, database %s, schema %s", server, db, schema)
}
