package archive

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// ExtractRequest says what to extract from a package, by whom and why.
// Every extract is logged: access to personal data is logged and kept
// (PDL).
type ExtractRequest struct {
	Table string
	// WhereColumn and WhereValue, when set, keep only the records whose
	// column holds exactly this text (valueText: connectors.FormatValue,
	// a double as the package writes it).
	WhereColumn, WhereValue string
	Purpose, Who            string
	At                      time.Time
	// Values extracts the table's values archived alone (granularity:
	// value: their records migrated with those columns empty) instead of
	// its records: one line each, with its record's key, the column, the
	// reason and the value. A filter picks records, so it is refused.
	Values bool
}

// ErrLoggedIdentity refuses a text logged as written (an extract's or a
// decryption's purpose, an erasure's reference) that holds an identity
// number or a reserve number: the logs never hold one in clear.
var ErrLoggedIdentity = errors.New("it is logged as written, and holds what reads as an identity number or a reserve number (ten or twelve digits, with '-' or '+' before the last four, or a reserve number's date and serial): name the person by the filter (--where, logged masked and digested) or the person list, never in the text; a case number of ten or twelve digits is written with its digits grouped otherwise (2026/000123)")

// CheckLoggedText refuses a text the logs keep as written (field names
// it: "purpose", "reference") that holds an identity number or a reserve
// number (ErrLoggedIdentity); the error names the field, not the text.
func CheckLoggedText(field, text string) error {
	if connectors.MaskIdentityNumbers(text) != text {
		return fmt.Errorf("the %s: %w", field, ErrLoggedIdentity)
	}
	return nil
}

// ExtractResult is what an extract wrote.
type ExtractResult struct {
	// Records is how many records the CSV holds.
	Records int64
	// OtherShapes counts, for an extract filtered on an identity number,
	// the records it left out whose column holds the same number written
	// in another shape (with or without its century, '-' or '+'), by
	// that shape, each digit written N: the filter keeps exactly its
	// text, and a patient's number typed as they wrote it finds none of
	// the records the source wrote otherwise.
	OtherShapes map[string]int64
	// ValuesAlone is how many values of the table the package holds
	// archived alone (granularity: value, their records migrated): an
	// extract holds archived records only, so these are not in it, and
	// whoever reads it must be told so.
	ValuesAlone int64
	// Values is how many values archived alone a Values extract holds.
	Values int64
}

// AccessLogPath is the access log kept beside a package: one JSON line
// per extract, appended and synced, outside the bag so that the package's
// digests do not change with every access.
//
// It is beside the package however its path is spelled: named "." from
// inside it (or "..", "pkg/."), the name was "..access.jsonl" inside
// the package, which then failed verification, and archive log of the
// package by its name did not read it.
func AccessLogPath(dir string) string {
	base := filepath.Clean(dir)
	if b := filepath.Base(base); b == "." || b == ".." {
		if abs, err := filepath.Abs(base); err == nil {
			base = abs
		}
	}
	return base + ".access.jsonl"
}

// Extract writes the records of one table, with their outcomes, as CSV to
// path (created 0600, complete or absent), and logs the extract both in
// the package's event log and in the access log beside it. The log holds
// who, when, the purpose, the table, the filter's column and a salted,
// slow digest of its value (never the value; an identity number masked
// beside it, loggedWhere) and the count. If the access cannot be logged, nothing is extracted.
//
// Text that is not UTF-8 and bytes are written as \x followed by hex, so
// the CSV is text; the package keeps the exact bytes. NULL is \N, apart
// from the empty text, and text that begins with a backslash gets one
// more, so that neither reads as NULL or bytes.
//
// ctx stops it (Ctrl-C) until the access is logged: a stopped extract
// leaves no file and no log entry, and gives ctx's error. Once the
// access log has the entry the extract is finished, so that no file is
// left that the log does not name, nor an entry for no file.
func (p *Package) Extract(ctx context.Context, path string, req ExtractRequest) (ExtractResult, error) {
	if strings.TrimSpace(req.Purpose) == "" {
		return ExtractResult{}, errors.New("an extract needs its purpose: access to personal data is logged with why")
	}
	if err := CheckLoggedText("purpose", req.Purpose); err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	}
	t, err := p.table(req.Table)
	if err != nil {
		return ExtractResult{}, err
	}
	if req.Values && req.WhereColumn != "" {
		return ExtractResult{}, fmt.Errorf("archive %s: a filter keeps records by a column's value, and values archived alone are no records: extract the values of %s whole", p.Dir, req.Table)
	}
	where := -1
	if req.WhereColumn != "" {
		if where = indexOf(t.Columns, req.WhereColumn); where < 0 {
			return ExtractResult{}, fmt.Errorf("archive %s: table %s has no column %s", p.Dir, req.Table, req.WhereColumn)
		}
	}
	// Inside a package (this one or another) the extract is no part of
	// its manifests, and the package stops verifying.
	if pkg, err := Enclosing(filepath.Dir(path)); err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	} else if pkg != "" {
		return ExtractResult{}, fmt.Errorf("extract: %s lies inside the archive package %s: write the extract outside it", path, pkg)
	}
	// The CSV is a new file: one that is there (an earlier extract, or
	// anything else) is not replaced.
	if err := CheckNew(path); err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	cw := csv.NewWriter(f)
	if req.Values {
		n, err := p.writeValues(ctx, cw, t.Table)
		if err != nil {
			return ExtractResult{}, err
		}
		if err := finishCSV(ctx, cw, f); err != nil {
			return ExtractResult{}, err
		}
		e := Event{Event: "extracted", At: req.At.UTC().Format(time.RFC3339), Who: req.Who, Purpose: req.Purpose, Table: req.Table,
			Count: map[string]int64{"values": n}}
		if err := p.logExtract(e); err != nil {
			return ExtractResult{}, err
		}
		if err := NewName(tmp, path); err != nil {
			return ExtractResult{}, fmt.Errorf("extract: %w", err)
		}
		done = true
		return ExtractResult{Values: n}, nil
	}
	header := make([]string, 0, len(t.Columns)+5)
	for _, c := range t.Columns {
		header = append(header, c.Name)
	}
	header = append(header, "outcome_reason", "outcome_column", "outcome_source_column", "outcome_detail", "care_unit")
	if err := cw.Write(header); err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	}
	recs, err := p.Records(req.Table)
	if err != nil {
		return ExtractResult{}, err
	}
	defer recs.Close()
	var n int64
	var others map[string]int64
	number := connectors.IdentityNumberShaped(req.WhereValue)
	filterDigits := identityDigitsOf(req.WhereValue)
	for read := 0; recs.Next(); read++ {
		if read%checkEvery == 0 && ctx.Err() != nil {
			return ExtractResult{}, fmt.Errorf("extract: stopped, nothing written or logged: %w", ctx.Err())
		}
		rec := recs.Record()
		if where >= 0 {
			if s, ok := valueText(rec.Values[where]); !ok || s != req.WhereValue {
				if ok && number && sameNumberOtherShape(s, req.WhereValue, filterDigits) {
					if others == nil {
						others = map[string]int64{}
					}
					others[shapeOf(s)]++
				}
				continue
			}
		}
		line := make([]string, 0, len(header))
		for _, v := range rec.Values {
			line = append(line, csvText(v))
		}
		o := rec.Outcome
		line = append(line, o.Reason, o.Column, o.SourceColumn, o.Detail, o.CareUnit)
		if err := cw.Write(line); err != nil {
			return ExtractResult{}, fmt.Errorf("extract: %w", err)
		}
		n++
	}
	if err := recs.Err(); err != nil {
		return ExtractResult{}, err
	}
	if err := finishCSV(ctx, cw, f); err != nil {
		return ExtractResult{}, err
	}
	e := Event{Event: "extracted", At: req.At.UTC().Format(time.RFC3339), Who: req.Who, Purpose: req.Purpose, Table: req.Table,
		Count: map[string]int64{"records": n}}
	if req.WhereColumn != "" {
		e.Where = req.WhereColumn + " = " + loggedWhere(req.WhereValue)
	}
	if err := p.logExtract(e); err != nil {
		return ExtractResult{}, err
	}
	if err := NewName(tmp, path); err != nil {
		return ExtractResult{}, fmt.Errorf("extract: %w", err)
	}
	done = true
	return ExtractResult{Records: n, OtherShapes: others, ValuesAlone: t.Values}, nil
}

// finishCSV flushes and closes an extract's file; ctx stops it until
// then, the last moment before the access is logged.
func finishCSV(ctx context.Context, cw *csv.Writer, f *os.File) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("extract: stopped, nothing written or logged: %w", err)
	}
	return nil
}

// writeValues writes the values archived alone of a table as CSV lines:
// the record's key as archived (a JSON array of its values' text), the
// receiving and source column, the reason, its detail, the care unit,
// and the value as a records extract writes one.
func (p *Package) writeValues(ctx context.Context, cw *csv.Writer, table string) (int64, error) {
	if err := cw.Write([]string{"key", "column", "source_column", "reason", "detail", "care_unit", "value"}); err != nil {
		return 0, fmt.Errorf("extract: %w", err)
	}
	var n int64
	var werr error
	err := p.eachValue(table, func(v ArchivedValue) {
		if werr != nil {
			return
		}
		if n%checkEvery == 0 && ctx.Err() != nil {
			werr = fmt.Errorf("extract: stopped, nothing written or logged: %w", ctx.Err())
			return
		}
		werr = cw.Write([]string{v.KeyText, v.Column, v.SourceColumn, v.Reason, v.Detail, v.CareUnit, csvText(v.Value.Value)})
		n++
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// logExtract logs an extract in the access log beside the package, beside
// the sealed package it is a clear copy of, and in its event log.
func (p *Package) logExtract(e Event) error {
	if err := appendAccessLog(p.Dir, e); err != nil {
		return err
	}
	// A clear copy of a sealed package is removed once used: the access
	// is logged beside the sealed package too, where it stays. A sealed
	// package no longer where it was opened from is not followed, but
	// the access log its decryption began there is (DecryptLogged): renamed
	// in its folder, it reads that log by the name it was sealed under
	// (SealedLoggedAccesses).
	sealed, err := p.sealedFrom()
	if err != nil {
		return err
	}
	if sealed != "" && (isRegularFile(sealed) || exists(AccessLogPath(sealed))) {
		kept := e
		// Masked: a clerk names a copy after the request it serves.
		kept.Note = "from a clear copy, " + connectors.MaskIdentityNumbers(filepath.Base(p.Dir))
		if err := appendAccessLog(sealed, kept); err != nil {
			return err
		}
	}
	return AppendEvent(p.Dir, e)
}

// isRegularFile says whether path is a regular file (a sealed package).
func isRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// exists says whether something is at path.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// sameNumberOtherShape says whether the text s is the identity number
// filter (IdentityNumberShaped, both) written in another shape: the same
// ten digits YYMMDDNNNN, and the same century where both write one.
// b is the filter's digits (identityDigitsOf), read once per extract,
// not once per record.
func sameNumberOtherShape(s, filter, b string) bool {
	if s == filter || !connectors.IdentityNumberShaped(s) {
		return false
	}
	a := identityDigitsOf(s)
	if a[len(a)-10:] != b[len(b)-10:] {
		return false
	}
	return len(a) != 12 || len(b) != 12 || a[:2] == b[:2]
}

// shapeOf writes an identity number's shape, each digit as N
// (19121212-1212 reads NNNNNNNN-NNNN): how to type it, none of it.
func shapeOf(s string) string {
	b := []byte(s)
	for i, c := range b {
		if isDigitByte(c) {
			b[i] = 'N'
		}
	}
	return string(b)
}

// csvText renders a value for the CSV: NULL as empty, text as itself when
// it is UTF-8, bytes and other text as \x and hex.
func csvText(v connectors.Value) string {
	switch x := v.(type) {
	case nil:
		return `\N`
	case string:
		return csvString(x)
	case connectors.JSON:
		return csvString(string(x))
	}
	s, _ := valueText(v)
	return s
}

// valueText is a value's text in an extract and for its filter:
// connectors.FormatValue, but a double as the package's cells write it
// (INF, -INF, NaN: doubleText), not as Go prints it.
func valueText(v connectors.Value) (string, bool) {
	if x, ok := v.(float64); ok {
		return doubleText(x), true
	}
	return connectors.FormatValue(v)
}

// csvString writes text as it is, unless it could be read as something
// else: text that is not UTF-8, or holds a NUL (which ends a field for
// many CSV readers, silently), as \x and hex, text that begins with a
// backslash with one more (so "\N" and "\x41" stay text).
func csvString(s string) string {
	switch {
	case !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0:
		return `\x` + hex.EncodeToString([]byte(s))
	case strings.HasPrefix(s, `\`):
		return `\` + s
	}
	return s
}

func appendAccessLog(dir string, e Event) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return appendLog(AccessLogPath(dir), append(line, '\n'))
}

// appendLog appends b, whole lines, to the access log at path (created
// 0600), synced before it returns: an access is logged before it is
// done.
func appendLog(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("access log: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("access log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}

// loggedWhere is how the access log names the value an extract was
// filtered on: never as it is, nor by an unkeyed hash (an identity
// number's SHA-256 is reversed by hashing the ten billion numbers, in
// minutes), but by a salted, slow digest (connectors.SlowDigest), which
// whoever holds the value can check and nobody can search for cheaply.
// An identity number is logged masked as reports show it (19121212-****),
// so a reader sees which birth date, with the digest of its ten digits
// YYMMDDNNNN (pnr.Key, whatever shape the filter wrote), so that the
// controller can tell a patient which extracts were of them (Event.
// FilteredOn). A value holding one, such as free text, is not logged,
// nor digested (the rest of it may be a name): each number it holds is,
// masked with the digest of its ten digits (textNaming), so that the
// extract is found as an access of every person the text names.
func loggedWhere(v string) string {
	if f := connectors.FoldDigits(v); f != v && connectors.MaskIdentityNumbers(f) != f {
		// A number in full-width or other digits (１９１２１２１２－１２１２)
		// is logged as its ASCII form is, so that its digest is of the
		// ten digits every shape shares; the masked text is then of v's
		// length, as textNaming wants.
		v = f
	}
	switch masked := connectors.MaskIdentityNumbers(v); {
	case connectors.IdentityNumberShaped(v):
		return hideDigits(masked) + " " + digestNote(identityDigits(v))
	case masked == v:
		return digestNote(v)
	default:
		// A reserve number alone (19900101-T123) is logged as an
		// identity number is: masked, with the digest of its key
		// (reserveAt), so that archive log --person-list finds it.
		if len(v) >= 4 && masked[len(v)-4:] == "****" {
			if start, key, ok := reserveAt(v, len(v)-4); ok && start == 0 {
				return hideDigits(masked) + " " + digestNote(key)
			}
		}
		return textNaming(v, masked)
	}
}

// reserveAt reads the reserve number (19900101-T123, 900101TF12) whose
// serial MaskIdentityNumbers masked at v[k:k+4]: where it begins, and
// its key, the last six digits of its date and its serial in upper case
// (900101T123), the ten characters its digest is of. The key leaves the
// century out as pnr.Key does, so that a list entry of 6 date digits finds
// an extract on 8 (Event.FilteredOn), as a run's lists match reserve
// numbers (mappings.ReserveForm); the masked form keeps a written
// century, which tells two 8-digit dates apart. ok is false where
// v[k:k+4] is an identity number's last four digits.
func reserveAt(v string, k int) (start int, key string, ok bool) {
	serial := v[k : k+4]
	if identityDigitsOf(serial) == serial {
		return 0, "", false
	}
	start = k
	if start > 0 && (v[start-1] == '-' || v[start-1] == '+' || v[start-1] == ' ') {
		start--
	}
	end := start
	for start > 0 && isDigitByte(v[start-1]) {
		start--
	}
	if n := end - start; n != 6 && n != 8 {
		return 0, "", false
	}
	return start, v[end-6:end] + strings.ToUpper(serial), true
}

// textNamingOpen begins the logged filter of a text that holds identity
// numbers: each one masked with its digest, separated by textNamingSep.
const (
	textNamingOpen = "a text naming: "
	textNamingSep  = "), "
)

// textNaming logs a text that holds identity numbers by those numbers
// alone, each masked with the digest of its ten digits. masked is
// MaskIdentityNumbers(v), which masks a number's last four digits in
// place: the two are of one length, and each "****" in masked over
// digits in v ends a number.
func textNaming(v, masked string) string {
	var items []string
	for k := 0; k+4 <= len(masked); k++ {
		if masked[k:k+4] != "****" || v[k:k+4] == "****" {
			continue
		}
		if identityDigitsOf(v[k:k+4]) != v[k:k+4] {
			// A reserve number's serial (19900101-T123): its date and
			// the serial's digits are no one's identity number; its
			// key (reserveAt) is digested.
			if start, key, ok := reserveAt(v, k); ok {
				items = append(items, hideDigits(masked[start:k+4])+" "+digestNote(key))
			}
			k += 3
			continue
		}
		// The number runs back over digits, '-', '+' and the space
		// before its last four.
		start := k
		for start > 0 && (isDigitByte(masked[start-1]) || masked[start-1] == '-' || masked[start-1] == '+' || start == k && masked[start-1] == ' ') {
			start--
		}
		for start < k && !isDigitByte(masked[start]) {
			start++
		}
		if digits := identityDigitsOf(v[start : k+4]); len(digits) >= 10 {
			items = append(items, hideDigits(masked[start:k+4])+" "+digestNote(digits[len(digits)-10:]))
		}
		k += 3
	}
	if len(items) == 0 {
		return "(a value holding an identity number, not logged)"
	}
	return textNamingOpen + strings.Join(items, ", ")
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// hideDigits writes the birth date of a masked identity number as '*',
// all but a written century (19121212-**** reads 19******-****,
// 121212**** reads **********): beside its digest, the birth date the
// mask shows would leave a thousand candidates for the last four (their
// check digit rules out nine in ten), which a slow digest of 40 ms tries
// in under a minute, so the log would hold the number. A century leaves
// tens of millions, and tells two people a century apart apart
// (Event.FilteredOn). The shape stays, so a reader sees that the filter
// was an identity number.
func hideDigits(masked string) string {
	b := []byte(masked)
	keep := 0
	if n := len(identityDigitsOf(masked)); n == 8 {
		keep = 2
	}
	for i, c := range b {
		if isDigitByte(c) {
			if keep > 0 {
				keep--
				continue
			}
			b[i] = '*'
		}
	}
	return string(b)
}

// identityDigitsOf gives the digits of v.
func identityDigitsOf(v string) string {
	var d []byte
	for i := 0; i < len(v); i++ {
		if isDigitByte(v[i]) {
			d = append(d, v[i])
		}
	}
	return string(d)
}

const digestOpen = "(digest "

func digestNote(v string) string { return digestOpen + connectors.SlowDigest(v) + ")" }

// identityDigits gives the ten digits YYMMDDNNNN every shape of an
// identity number writes (pnr.Key), so that one digest serves them all.
func identityDigits(v string) string {
	var d []byte
	for i := 0; i < len(v); i++ {
		if v[i] >= '0' && v[i] <= '9' {
			d = append(d, v[i])
		}
	}
	return string(d[len(d)-10:])
}
