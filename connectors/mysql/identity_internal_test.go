package mysql

import (
	"strings"
	"testing"
)

// MySQL is named by its server_uuid, which another host name or address
// does not change; MariaDB, which has none, by its own host name and
// port; the database either way.
func TestIdentityWording(t *testing.T) {
	cases := []struct{ version, host, port, uuid, db, want string }{
		{"8.0.36", "db1", "3306", "3e11fa47-71ca-11e1-9e33-c80aa9429562", "reg", "MySQL server 3e11fa47-71ca-11e1-9e33-c80aa9429562, database reg"},
		{"10.11.19-MariaDB-0+deb12u1", "vm", "3306", "", "reg", "MariaDB server vm port 3306, database reg"},
		{"5.5.62", "old", "3307", "", "reg", "MySQL server old port 3307, database reg"},
	}
	for _, c := range cases {
		if got := identity(c.version, c.host, c.port, c.uuid, c.db); got != c.want {
			t.Errorf("identity(%q, %q, %q, %q, %q) = %q, want %q", c.version, c.host, c.port, c.uuid, c.db, got, c.want)
		}
	}
	if !strings.Contains(identityQuery, "@@hostname") || !strings.Contains(identityQuery, "DATABASE()") {
		t.Errorf("the identity query reads neither the server's host name nor the database: %s", identityQuery)
	}
}
