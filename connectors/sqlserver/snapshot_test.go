package sqlserver

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"
)

// TestClassifySnapshotOff: SQL Server's error 3952, however wrapped,
// becomes ErrSnapshotIsolationOff with the command that allows it; other
// errors keep their chain.
func TestClassifySnapshotOff(t *testing.T) {
	d := &DB{cfg: &config{where: "sqlserver sqlserver://u:xxxxx@h?database=Reg", database: "Reg]X"}}
	server := mssql.Error{Number: 3952, Message: "Snapshot isolation transaction failed accessing database 'Reg]X' because snapshot isolation is not allowed in this database."}
	err := d.classify("count visit", fmt.Errorf("query: %w", server))
	if !errors.Is(err, ErrSnapshotIsolationOff) {
		t.Errorf("%v is not ErrSnapshotIsolationOff", err)
	}
	var me mssql.Error
	if !errors.As(err, &me) || me.Number != 3952 {
		t.Errorf("%v lost the server's error", err)
	}
	if !strings.Contains(err.Error(), "ALTER DATABASE [Reg]]X] SET ALLOW_SNAPSHOT_ISOLATION ON") {
		t.Errorf("%q does not say how to allow snapshot isolation", err)
	}

	other := mssql.Error{Number: 208, Message: "Invalid object name 'visit'."}
	err = d.classify("count visit", other)
	if errors.Is(err, ErrSnapshotIsolationOff) || !errors.As(err, &me) || me.Number != 208 {
		t.Errorf("classify(208) = %v", err)
	}
}
