package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regflytt/regflytt/connectors"
)

// withoutValues gives a server error whose message may quote a value
// (SQLSTATE class 22, a data exception: `invalid input syntax for type
// date: "19121212-1212"`, `value "191212121212" is out of range for type
// integer`) with the quoted text withheld, or, where it quotes nothing,
// its identity numbers masked; a PL/pgSQL RAISE (class P0), whose text a
// trigger wrote from anything, reduced to its SQLSTATE. Every other
// message keeps its quoted names (a relation, a constraint) with the
// identity numbers in it masked. Values can be personal data, and errors
// reach logs and reports; the original stays in the chain for errors.As.
func withoutValues(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	msg := pe.Message
	switch {
	case strings.HasPrefix(pe.Code, "22"):
		if q := withoutQuoted(msg); q != msg {
			msg = q + " (the server's message quoted the value, withheld)"
		} else {
			// A function's own data exception (RAISE … USING ERRCODE)
			// can name the value unquoted.
			msg = connectors.MaskIdentityNumbers(msg)
		}
	case strings.HasPrefix(pe.Code, "P0"):
		msg = "raised by a function or trigger (its message is withheld: it can name a value)"
	default:
		msg = connectors.MaskIdentityNumbers(msg)
	}
	if msg == pe.Message {
		return err
	}
	shown := *pe
	shown.Message = msg
	text := err.Error()
	if !strings.Contains(text, pe.Error()) {
		// A wrapper that rewrote the message: the server's text alone.
		return connectors.Withhold(err, connectors.MaskIdentityNumbers(shown.Error()))
	}
	return connectors.Withhold(err, connectors.MaskIdentityNumbers(strings.ReplaceAll(text, pe.Error(), shown.Error())))
}

// withoutQuoted replaces each double-quoted run of s with "…".
func withoutQuoted(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		if r == '"' {
			if !in {
				b.WriteString(`"…"`)
			}
			in = !in
			continue
		}
		if !in {
			b.WriteRune(r)
		}
	}
	return b.String()
}
