package mysql

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// Every error errorf wraps hides what a server message says of a value:
// a trigger's SIGNAL (1644) with any text, and an identity number in any
// other message; the server error stays in the chain.
func TestErrorfShowsNoValue(t *testing.T) {
	loc, err := connectors.ParseLocation("mysql://root@db.example:3306/reg")
	if err != nil {
		t.Fatal(err)
	}
	d := &DB{loc: loc}
	for _, e := range []*mysql.MySQLError{
		{Number: 1644, SQLState: [5]byte{'4', '5', '0', '0', '0'}, Message: "patient 19121212-1212 is already registered"},
		{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'}, Message: "Duplicate entry '191212121212' for key 'PRIMARY'"},
		{Number: 1452, SQLState: [5]byte{'2', '3', '0', '0', '0'}, Message: "Cannot add or update a child row: a foreign key constraint fails (`reg`.`besok`, CONSTRAINT `fk` FOREIGN KEY (`pnr`) REFERENCES `patient` (`pnr`)) key 1212121212"},
	} {
		err := d.errorf("insert into besok: %w", withoutValues(e))
		msg := err.Error()
		if strings.Contains(msg, "1212-1212") || strings.Contains(msg, "1212121212") {
			t.Errorf("%d: the error shows the value: %s", e.Number, msg)
		}
		if !strings.Contains(msg, "insert into besok") {
			t.Errorf("%d: the error lost its context: %s", e.Number, msg)
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != e.Number {
			t.Errorf("%d: not a MySQLError any more: %v", e.Number, err)
		}
	}
}

// The driver's own log lines go to slog with the password and identity
// numbers taken out.
func TestDriverLogShowsNoValue(t *testing.T) {
	var b bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&b, nil)))
	defer slog.SetDefault(old)
	driverLogger{secret: "Hemlig9"}.Print("dial root:Hemlig9@h: row 19121212-1212")
	if s := b.String(); strings.Contains(s, "Hemlig9") || strings.Contains(s, "1212-1212") || !strings.Contains(s, "mysql driver") {
		t.Errorf("driver log: %s", s)
	}
}
