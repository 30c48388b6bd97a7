package sqlserver

import (
	"errors"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"
)

// SQL Server's messages that quote a value reach no error text; the
// error still says what went wrong and stays an mssql.Error for
// errors.As.
func TestErrorsWithholdQuotedValues(t *testing.T) {
	c := &config{where: "sqlserver db.example:1433/reg"}
	for _, e := range []mssql.Error{
		{Number: 2627, Message: "Violation of PRIMARY KEY constraint 'PK_t'. Cannot insert duplicate key in object 'dbo.t'. The duplicate key value is (19121212-1212)."},
		{Number: 2601, Message: "Cannot insert duplicate key row in object 'dbo.t' with unique index 'ux'. The duplicate key value is (191212121212)."},
		{Number: 245, Message: "Conversion failed when converting the varchar value '19121212-1212' to data type int."},
		{Number: 2628, Message: "String or binary data would be truncated in table 'reg.dbo.t', column 'c'. Truncated value: '19121212-121'."},
		{Number: 50000, Message: "patient 121212-1212 already registered"},
		{Number: 547, Message: "The INSERT statement conflicted with the FOREIGN KEY constraint \"fk\". key 1212121212"},
		{Number: 2627, Message: "first", All: []mssql.Error{{Number: 3621, Message: "The statement has been terminated."}, {Number: 2627, Message: "The duplicate key value is (19121212-1212)."}}},
	} {
		err := c.errorf("insert into t: %w", e)
		msg := err.Error()
		for _, v := range []string{"1212-1212", "121212121", "1212-121"} {
			if strings.Contains(msg, v) {
				t.Errorf("%d: the error shows the value: %s", e.Number, msg)
			}
		}
		if !strings.Contains(msg, "insert into t") || !strings.Contains(msg, "db.example") {
			t.Errorf("%d: the error lost its context: %s", e.Number, msg)
		}
		var me mssql.Error
		if !errors.As(err, &me) || me.Number != e.Number {
			t.Errorf("%d: not an mssql.Error any more: %v", e.Number, err)
		}
	}
}
