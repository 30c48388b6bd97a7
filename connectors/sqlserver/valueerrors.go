package sqlserver

import (
	"errors"
	"fmt"
	"strings"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
)

// withoutValues gives a server error whose message quotes a value with
// that message replaced by what went wrong: 2627 and 2601 ("The duplicate
// key value is (19121212-1212)"), 245 and 248 ("Conversion failed when
// converting the varchar value '…'"), 2628 ("Truncated value: '…'"), and
// 50000 and above, which a procedure or trigger raised with any text.
// Every other message keeps its text with the identity numbers in it
// masked. Values can be personal data, and errors reach logs and
// reports; the original stays in the chain for errors.As.
func withoutValues(err error) error {
	var me mssql.Error
	if err == nil || !errors.As(err, &me) {
		return err
	}
	all := me.All
	if len(all) == 0 {
		all = []mssql.Error{me}
	}
	shown := make([]mssql.Error, len(all))
	for i, e := range all {
		e.All = nil
		e.Message = shownMessage(e.Number, e.Message)
		shown[i] = e
	}
	s := me
	s.All = shown
	if len(me.All) == 0 {
		s = shown[0]
	}
	text, orig := err.Error(), me.Error()
	if strings.Contains(text, orig) {
		text = strings.ReplaceAll(text, orig, s.Error())
	} else {
		text = s.Error()
	}
	text = connectors.MaskIdentityNumbers(text)
	if text == err.Error() {
		return err
	}
	return connectors.Withhold(err, text)
}

// shownMessage is a server message as an error may show it.
func shownMessage(number int32, msg string) string {
	switch {
	case number == 2627 || number == 2601:
		return "duplicate key value (the server's message quotes the value, withheld)"
	case number == 245 || number == 248 || number == 2628:
		return "a value does not fit its column (the server's message quotes the value, withheld)"
	case number >= 50000:
		return fmt.Sprintf("raised by a procedure or trigger, state %d (its message is withheld: it can name a value)", number)
	}
	return connectors.MaskIdentityNumbers(msg)
}
