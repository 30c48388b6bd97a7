package sqlserver

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Identifier = (*snapshot)(nil)

// identityQuery names the instance by its own name (@@SERVERNAME, or the
// server property where that is NULL), not by the host name or address
// the URL gives, with the database.
const identityQuery = `SELECT ISNULL(@@SERVERNAME, CONVERT(nvarchar(256), SERVERPROPERTY('ServerName'))), DB_NAME()`

// Identity names the instance, the database and the schema the catalogue
// reads (two schemas of one database are two sources).
func (s *snapshot) Identity(ctx context.Context) (string, error) {
	var server, db sql.NullString
	if err := s.conn.QueryRowContext(ctx, identityQuery).Scan(&server, &db); err != nil {
		return "", s.d.classify("read the server's identity", err)
	}
	return identity(server.String, db.String, s.d.cfg.schema), nil
}

// identity words what Identity read.
func identity(server, db, schema string) string {
	if schema == "" {
		schema = defaultSchema
	}
	return fmt.Sprintf("SQL Server %s, database %s, schema %s", server, db, schema)
}
