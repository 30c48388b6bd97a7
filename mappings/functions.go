package mappings

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// Env is what a program may use besides the source row. It is fixed for a
// run, so that a program stays a pure function of (row, Env).
type Env struct {
	// RefDate resolves the century of 10-digit identity numbers. It comes
	// from the plan, never from the clock.
	RefDate time.Time
	// Pseudonymiser makes pseudonyms; nil when the plan gives no key.
	Pseudonymiser *pnr.Pseudonymiser
	// OptOut lists the patients who opted out, Erasure those who demanded
	// erasure; nil when the plan has no such list.
	OptOut, Erasure *PersonList
	// Lookups are the reference tables, by the name the mapping gives
	// them; the run loads them before compiling (see LookupsNeeded).
	Lookups map[string]*LookupTable
	// Selects are the result columns of select: sources, by query text;
	// the run describes them before compiling (see SelectsNeeded).
	Selects map[string][]connectors.Column
	// CodesUsed, when set, records every code a code list maps (see
	// CodeUse); verification reads it.
	CodesUsed *CodeUse

	// warnings collects what built-ins doubt while one record is applied.
	// Each table program has its own Env copy (forTable), and a program
	// is applied by one goroutine at a time.
	warnings *warnings
	// defs are the mapping files' definitions (define:), set by Compile.
	defs map[string]*Definition
}

// forTable gives a table program its own copy of the Env, sharing the
// run's lists and tables but with its own warnings.
func (e *Env) forTable() *Env {
	c := *e
	c.warnings = &warnings{}
	return &c
}

// warnings are the codes raised while applying one record, each once,
// and whether the record's identity number had its century inferred
// from the reference date alone (inferred: Outcome.CenturyInferred).
type warnings struct {
	codes    []string
	inferred bool
	// tenDigits is the first number of the record written with 10
	// digits and no '+', whose century was inferred (from the reference
	// date, moved back by born_by or not), for checkBirth.
	tenDigits pnr.Number
	// centuries are the record's numbers given to pnr() or pseudonym()
	// that another record could read a century apart (readCentury).
	centuries CenturyReading
	// unread are the texts given to pnr() or pseudonym() that could not
	// be read, for counting each once (unreadCentury).
	unread []string
}

// inferCentury notes a 10-digit identity number, s, whose century notes
// say was inferred, read without born_by: unless it was written with a
// '+', its century came from the reference date alone.
func (w *warnings) inferCentury(s string, n pnr.Number, notes pnr.Notes, bornBy time.Time) {
	if w != nil && notes.Has(pnr.NoteCentury) && !strings.ContainsRune(s, '+') {
		w.inferred = w.inferred || bornBy.IsZero()
		if w.tenDigits.IsZero() {
			w.tenDigits = n
		}
	}
}

// readCentury notes a number s given to pnr() or pseudonym(), read as
// n against ref, for Outcome.Centuries: every one whose century came
// from the reference date alone, and every one whose century was
// written (or born_by's) and lies a century or more before the one the
// reference date alone gives its ten digits, whichever place it has
// among the record's numbers.
func (w *warnings) readCentury(s string, n pnr.Number, notes pnr.Notes, bornBy, ref time.Time) {
	if w == nil || n.IsZero() {
		return
	}
	if notes.Has(pnr.NoteCentury) && !strings.ContainsRune(s, '+') && bornBy.IsZero() {
		w.centuries.note(n, true)
		return
	}
	if ref.IsZero() {
		return
	}
	// The reference date alone reads the ten digits as the latest such
	// date on or before it: another century where the birth a hundred
	// years on is on or before it too.
	y, m, d := n.BirthDate()
	ry, rm, rd := ref.Date()
	if y+100 < ry || y+100 == ry && (m < rm || m == rm && d <= rd) {
		w.centuries.note(n, false)
	}
}

// unreadCentury notes a text given to pnr() or pseudonym() that is no
// identity number (Outcome.Centuries.Unread), once per record: a column
// read by both functions is one number.
func (w *warnings) unreadCentury(s string) {
	if w == nil || slices.Contains(w.unread, s) {
		return
	}
	w.unread = append(w.unread, s)
	w.centuries.Unread = len(w.unread)
}

// centuryInferred says whether the record's number had its century
// inferred (inferCentury).
func (w *warnings) centuryInferred() bool { return w != nil && w.inferred }

func (w *warnings) add(code string) {
	if w == nil {
		return
	}
	for _, c := range w.codes {
		if c == code {
			return
		}
	}
	w.codes = append(w.codes, code)
}

func (w *warnings) reset() {
	if w != nil {
		w.codes = w.codes[:0]
		w.inferred = false
		w.tenDigits = pnr.Number{}
		w.centuries = CenturyReading{}
		clear(w.unread)
		w.unread = w.unread[:0]
	}
}

// take gives the codes raised (nil for none: the common case allocates
// nothing).
func (w *warnings) take() []string {
	if w == nil || len(w.codes) == 0 {
		return nil
	}
	return append([]string(nil), w.codes...)
}

// WarnCenturyResolved is counted when a 10-digit identity number read
// against the reference date gave a birth after the record's own date,
// and the century before was taken (see pnr.ParseBornBy).
const WarnCenturyResolved = "pnr_century_resolved"

// reasonError is how a built-in function says why a value cannot be
// transformed; the record is archived with Reason. Detail never holds the
// value.
type reasonError struct {
	Reason string
	Detail string
}

func (e *reasonError) Error() string { return e.Reason + ": " + e.Detail }

// Function documents one built-in function of mapping expressions. The
// list is the single source of map doc's reference and of its tests: each
// Example is evaluated and must give Result.
type Function struct {
	Name      string
	Signature string
	Doc       string
	// Reasons lists the reason codes a failure archives the record with.
	Reasons []string
	Example string
	Result  string
	impl    func(env *Env, args []any) (any, error)
	// nullByRule: the function gives NULL for a value by a documented rule
	// (strip of blank text, lookup of a NULL cell), so that NULL is
	// declared, not a value lost.
	nullByRule bool
}

// Functions lists the built-in functions, in the order map doc shows them.
// Every function returns NULL for a NULL argument unless it says
// otherwise, so a missing value stays missing rather than failing.
func Functions() []Function {
	return []Function{
		{Name: "pnr", Signature: "pnr(text[, born_by date]) text",
			Doc:     "A personal identity or co-ordination number in any shape (YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN, with spaces around it), checked (date, Luhn) and normalised to YYYYMMDDNNNN. The century of 10-digit forms is resolved against the plan's reference date; give the record's own date as born_by (pnr(personnr, besoksdatum): a person is born on or before their visit) and a 10-digit number whose birth would fall after it gets the century before, counted as the warning pnr_century_resolved. born_by is read like date(); NULL means no evidence.",
			Reasons: []string{"pnr_length", "pnr_digits", "pnr_separator", "pnr_month", "pnr_day", "pnr_checksum", "pnr_future", "pnr_year", "pnr_empty", "zero_date", "invalid_date", "date_format"},
			Example: `pnr("161202-1814", "2010-05-01")`, Result: "191612021814", impl: fnPNR},
		{Name: "pseudonym", Signature: "pseudonym(text[, born_by date]) text",
			Doc:     "The keyed pseudonym (HMAC-SHA-256, 32 hex characters) of an identity number in any shape: the same person gets the same pseudonym in every table and every run. The key comes from the plan (a file or an environment variable), never from the mapping. born_by works as in pnr(): pseudonym(personnr, besoksdatum) gives a 10-digit number written in a 2010 visit as 161202-1814 the pseudonym of 191612021814, not of 2016's, and counts pnr_century_resolved.",
			Reasons: []string{"pnr_checksum", "pnr_day", "zero_date", "invalid_date", "date_format", "…"},
			Example: `len(pseudonym("19121212-1212"))`, Result: "32", impl: fnPseudonym},
		{Name: "date", Signature: "date(text, layout...) date",
			Doc:     "A date read with the layouts (YYYY MM DD M D tokens: \"DD.MM.YYYY\"); without layouts, YYYY-MM-DD or YYYYMMDD. Zero dates (0000-00-00) and impossible dates (2023-02-30, 2024-05-00) are told apart; text two layouts read as two different dates (02/03/2024 by DD/MM/YYYY and MM/DD/YYYY) is archived as date_ambiguous, not read by the first.",
			Reasons: []string{"zero_date", "invalid_date", "date_format", "date_ambiguous"},
			Example: `string(date("24.12.2023", "DD.MM.YYYY"))`, Result: "2023-12-24", impl: fnDate},
		{Name: "datetime", Signature: "datetime(text, layout...) datetime",
			Doc:     "A date and time without a zone, read like date; layouts add HH mm ss and .fff.",
			Reasons: []string{"zero_date", "invalid_date", "date_format", "date_ambiguous"},
			Example: `string(datetime("2023-12-24 18:30", "YYYY-MM-DD HH:mm"))`, Result: "2023-12-24 18:30:00", impl: fnDateTime},
		{Name: "decimal", Signature: "decimal(text) decimal",
			Doc:     "An exact decimal from text with a decimal point or a decimal comma, spaces as thousands separators allowed (\"1 234,50\").",
			Reasons: []string{"bad_decimal"},
			Example: `string(decimal("1 234,50"))`, Result: "1234.50", impl: fnDecimal},
		{Name: "integer", Signature: "integer(text) int",
			Doc:     "A whole number from text, spaces around it allowed.",
			Reasons: []string{"bad_integer"},
			Example: `integer(" 42 ") + 1`, Result: "43", impl: fnInteger},
		{Name: "latin1", Signature: "latin1(bytes) text",
			Doc:     "Bytes or text decoded as Latin-1 the way MariaDB means it (Windows-1252: 0x80 is €) when they hold no UTF-8; UTF-8 is read as UTF-8, so a column holding both encodings migrates whole. A value holding both (UTF-8 beside Latin-1 bytes, or UTF-8 cut in the middle of a character by a length limit) is archived as encoding_ambiguous; UTF-8 of characters no text holds there (the Latin-1 bytes of \"MALMÖ–LUND\" are UTF-8 of a Hebrew accent), or that reads as a capital ending a word before punctuation as repair() reads it (\"UMEÅ–SUNDSVALL\"), is Latin-1. Bytes that are UTF-8 are read as UTF-8 even where Latin-1 characters were meant (C3 A5 for \"Ã¥\" gives \"å\", the text repair() makes of \"Ã¥\"); text that is valid UTF-8 is text a source has decoded (a latin1 column read as text) and is kept as it is; regflytt scan names UTF-8 values in a column that also holds Latin-1 bytes (utf8_beside_latin1).",
			Reasons: []string{"encoding_ambiguous"},
			Example: `latin1("Umeå")`, Result: "Umeå", impl: fnLatin1},
		{Name: "repair", Signature: "repair(text) text",
			Doc:     "Text garbled (UTF-8 read as Latin-1: \"SmÃ¶rgÃ¥s\"), once or more, put right; correct text is left as it is. Text garbled in part only (a garbled \"Ã…\" beside a correct \"ö\", or a garbled character cut short by a length limit) is archived as encoding_ambiguous. A capital Å, Ä or É ending a word before a dash, an ellipsis, a closing quote or a no-break space (\"UMEÅ–SUNDSVALL\", \"LULEÅ…\") is text as written, though its bytes are UTF-8 of a Latin Extended letter: a garbled letter is repaired only inside a word (\"PetroviÄ‡\", \"Å»UKOWSKI\"), so a garbled capital ending a name in capitals (Lithuanian \"…IENÄ–\" for \"…IENĖ\") stays as stored. A capital and a no-break space inside a word in capitals (correct \"UMEÅ<NBSP>SJUKHUS\", or a garbled Š: \"DUÅ<NBSP>AN\") reads both ways and is archived as encoding_ambiguous. Correct text whose every non-ASCII character pairs up into a Latin letter inside a word (\"Ã…\" meant literally) cannot be told from garbled text and is repaired. C1 controls (Windows-1252 read as ISO 8859-1) become their Windows-1252 characters: U+0080 is €.",
			Reasons: []string{"encoding_ambiguous"},
			Example: `repair("SmÃ¶rgÃ¥s")`, Result: "Smörgås", impl: fnRepair},
		{Name: "strip", Signature: "strip(text) text",
			Doc:     "Text without surrounding white space, no-break spaces and byte-order marks included; empty text becomes NULL.",
			Example: `strip("\u00a0 Umeå \ufeff")`, Result: "Umeå", impl: fnStrip, nullByRule: true},
		{Name: "lookup", Signature: "lookup(name, key, column[, default]) value",
			Doc:     "The column of the row with this key in a reference table declared under lookups:. A key not found archives the record, unless a default is given; a NULL key gives NULL; a decimal key is found by value (12.5 is the key 12.50). A key of a kind the table holds no key of (text against integers), or one that matches a key only after folding case, accents or trailing spaces, archives the record even with a default: it is written another way, not missing.",
			Reasons: []string{"lookup_missing"},
			Example: `lookup("unit", 1, "region")`, Result: "Region Norr", impl: fnLookup, nullByRule: true},
		{Name: "coalesce", Signature: "coalesce(value...) value",
			Doc:     "The first argument that is not NULL (as a ?? b). In a column, a later argument that reads a source column the first does not and holds another value archives the record (values_differ), unless the column says why the first wins (choice:); equal values are one value.",
			Reasons: []string{ReasonValuesDiffer},
			Example: `coalesce(nil, "x")`, Result: "x", impl: fnCoalesce},
		partialDateFunction, partialDatePrecisionFunction, // partialdate.go
		pnrKindFunction, // pnrkind.go
	}
}

func nilArg(args []any) bool { return len(args) > 0 && args[0] == nil }

func textArg(name string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64, uint64, int, connectors.Decimal:
		s, _ := connectors.FormatValue(x)
		return s, nil
	}
	return "", fmt.Errorf("%s: wants text, got %s", name, kindName(v))
}

func kindName(v any) string {
	if k := connectors.KindOf(v); k != connectors.KindInvalid {
		return k.String()
	}
	return fmt.Sprintf("%T", v)
}

// parsePNR reads the identity number of pnr() and pseudonym(): args[0],
// with args[1], when given, the date the person was born by.
func parsePNR(name string, env *Env, args []any) (pnr.Number, error) {
	if len(args) < 1 || len(args) > 2 {
		return pnr.Number{}, fmt.Errorf("%s: wants an identity number and optionally a date the person was born by, got %d arguments", name, len(args))
	}
	s, err := textArg(name, args[0])
	if err != nil {
		return pnr.Number{}, err
	}
	var bornBy time.Time
	if len(args) == 2 && args[1] != nil {
		switch x := args[1].(type) {
		case connectors.LocalDateTime:
			bornBy = x.Time()
		case time.Time:
			bornBy = x
		default:
			d, err := fnDate(env, args[1:])
			if err != nil {
				return pnr.Number{}, err
			}
			if d, ok := d.(connectors.Date); ok {
				bornBy = d.Time()
			}
		}
	}
	n, notes, err := pnr.ParseBornBy(s, env.RefDate, bornBy)
	if err != nil {
		if !bornBy.IsZero() && errors.Is(err, pnr.ErrReference) && !env.RefDate.IsZero() {
			return n, &reasonError{Reason: "invalid_date", Detail: "the born-by date is outside the years 1000-9999"}
		}
		var pe *pnr.Error
		if errors.As(err, &pe) {
			if name != "pnr_kind" {
				env.warnings.unreadCentury(s)
			}
			return n, &reasonError{Reason: "pnr_" + string(pe.Rule), Detail: "identity number: " + string(pe.Rule)}
		}
		return n, err
	}
	if notes.Has(pnr.NoteCenturyResolved) {
		env.warnings.add(WarnCenturyResolved)
	}
	env.warnings.inferCentury(s, n, notes, bornBy)
	if name != "pnr_kind" {
		env.warnings.readCentury(s, n, notes, bornBy, env.RefDate)
	}
	return n, nil
}

func fnPNR(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	n, err := parsePNR("pnr", env, args)
	if err != nil {
		return nil, err
	}
	return n.String(), nil
}

func fnPseudonym(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	if env.Pseudonymiser == nil {
		return nil, fmt.Errorf("pseudonym: the plan gives no pseudonymisation key")
	}
	n, err := parsePNR("pseudonym", env, args)
	if err != nil {
		return nil, err
	}
	return env.Pseudonymiser.Pseudonym(n), nil
}

func layouts(args []any) ([]string, error) {
	var out []string
	for _, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, fmt.Errorf("layouts must be text")
		}
		out = append(out, s)
	}
	return out, nil
}

func lexicalReason(err error) error {
	switch lexical.KindOf(err) {
	case lexical.KindZeroDate:
		return &reasonError{Reason: "zero_date", Detail: "a zero date (0000-00-00)"}
	case lexical.KindInvalidDate:
		return &reasonError{Reason: "invalid_date", Detail: "not a calendar date"}
	case lexical.KindNoLayout:
		return &reasonError{Reason: "date_format", Detail: err.Error()}
	case lexical.KindAmbiguousDate:
		return &reasonError{Reason: "date_ambiguous", Detail: err.Error()}
	case lexical.KindBadDecimal:
		return &reasonError{Reason: "bad_decimal", Detail: err.Error()}
	case lexical.KindBadInteger, lexical.KindOutOfRange:
		return &reasonError{Reason: "bad_integer", Detail: err.Error()}
	case lexical.KindMixedEncoding:
		return &reasonError{Reason: "encoding_ambiguous", Detail: err.Error()}
	}
	return err
}

func fnDate(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	switch x := args[0].(type) {
	case connectors.Date:
		return x, nil
	case connectors.InvalidDate:
		// A DATE column's zero date: read its text, so the reason tells a
		// zero date from an impossible one.
		return fnDate(env, append([]any{x.Raw}, args[1:]...))
	}
	s, err := textArg("date", args[0])
	if err != nil {
		return nil, err
	}
	ls, err := layouts(args[1:])
	if err != nil {
		return nil, err
	}
	d, err := lexical.ParseDate(s, ls)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return d, nil
}

func fnDateTime(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	switch x := args[0].(type) {
	case connectors.LocalDateTime:
		return x, nil
	case connectors.InvalidDate:
		return fnDateTime(env, append([]any{x.Raw}, args[1:]...))
	}
	s, err := textArg("datetime", args[0])
	if err != nil {
		return nil, err
	}
	ls, err := layouts(args[1:])
	if err != nil {
		return nil, err
	}
	d, err := lexical.ParseDateTime(s, ls)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return d, nil
}

func fnDecimal(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	if d, ok := args[0].(connectors.Decimal); ok {
		return d, nil
	}
	s, err := textArg("decimal", args[0])
	if err != nil {
		return nil, err
	}
	d, err := lexical.ParseDecimal(s)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return d, nil
}

func fnInteger(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	if n, ok := args[0].(int64); ok {
		return n, nil
	}
	s, err := textArg("integer", args[0])
	if err != nil {
		return nil, err
	}
	n, err := lexical.ParseInt(s)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return n, nil
}

func fnLatin1(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	var b []byte
	switch x := args[0].(type) {
	case []byte:
		b = x
	case string:
		if utf8.ValidString(x) {
			// Text the source decoded: its encoding is settled.
			return x, nil
		}
		b = []byte(x)
	default:
		return nil, fmt.Errorf("latin1: wants bytes or text, got %s", kindName(args[0]))
	}
	s, err := lexical.DecodeUTF8OrWindows1252(b)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return s, nil
}

func fnRepair(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	s, err := textArg("repair", args[0])
	if err != nil {
		return nil, err
	}
	r, err := lexical.RepairText(s)
	if err != nil {
		return nil, lexicalReason(err)
	}
	return r, nil
}

func fnStrip(env *Env, args []any) (any, error) {
	if nilArg(args) {
		return nil, nil
	}
	s, err := textArg("strip", args[0])
	if err != nil {
		return nil, err
	}
	s = lexical.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	return s, nil
}

func fnCoalesce(env *Env, args []any) (any, error) {
	for _, a := range args {
		if a != nil {
			return a, nil
		}
	}
	return nil, nil
}

// exprDetail is the part of an expression's runtime error safe to report:
// its first line, with quoted text (which may be a value) cut out.
func exprDetail(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	var b strings.Builder
	inQuote := false
	for _, r := range msg {
		if r == '"' {
			if !inQuote {
				b.WriteString(`"…"`)
			}
			inQuote = !inQuote
			continue
		}
		if !inQuote {
			b.WriteRune(r)
		}
	}
	return b.String()
}
