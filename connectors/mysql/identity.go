package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// identityQuery reads what names the server and the database. MySQL has
// a server_uuid, made at random when its data directory was; MariaDB
// (10.11 too) has none, and SHOW VARIABLES then gives no row rather than
// an error, so one query serves both. The host name is the server's own
// (@@hostname), not the one the URL names: the same server reached by
// another name or address, or by another user, is the same source.
const identityQuery = `SELECT VERSION(), @@hostname, @@port, DATABASE()`

// Identity names the server (by its server_uuid on MySQL, its host name
// and port on MariaDB) and the database.
func (s *snapshot) Identity(ctx context.Context) (string, error) {
	if s.conn == nil {
		return "", s.db.errorf("snapshot is closed")
	}
	var version, host, port string
	var db sql.NullString
	if err := s.conn.QueryRowContext(ctx, identityQuery).Scan(&version, &host, &port, &db); err != nil {
		return "", s.db.errorf("read the server's identity: %w", err)
	}
	var uuid string
	rows, err := s.conn.QueryContext(ctx, "SHOW VARIABLES LIKE 'server_uuid'")
	if err != nil {
		return "", s.db.errorf("read the server's identity: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var name string
		if err := rows.Scan(&name, &uuid); err != nil {
			return "", s.db.errorf("read the server's identity: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return "", s.db.errorf("read the server's identity: %w", err)
	}
	return identity(version, host, port, uuid, db.String), nil
}

// identity words what Identity read: the server by its UUID where it has
// one, else by its host name and port.
func identity(version, host, port, uuid, db string) string {
	if uuid != "" {
		return fmt.Sprintf("MySQL server %s, database %s", uuid, db)
	}
	product := "MySQL"
	if strings.Contains(strings.ToLower(version), "mariadb") {
		product = "MariaDB"
	}
	return fmt.Sprintf("%s server %s port %s, database %s", product, host, port, db)
}
