package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// An extract filtered on an identity number logs which one by its masked
// form and a salted, slow digest of its ten digits, which whoever holds a
// patient's number can check and nobody can reverse cheaply: an unkeyed
// SHA-256 of one is no secret, since the ten billion numbers are hashed
// in minutes. Another value is logged by its digest alone.
func TestExtractLogsNoIdentityNumber(t *testing.T) {
	dir := writePackage(t)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := t.TempDir()
	for i, v := range []string{"19121212-1212", "1212121212"} {
		if _, err := p.Extract(context.Background(), filepath.Join(outs, strconv.Itoa(i)+".csv"), ExtractRequest{Table: "besok", WhereColumn: "namn", WhereValue: v, Purpose: "erasure check", Who: "anna", At: created}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Extract(context.Background(), filepath.Join(outs, "id.csv"), ExtractRequest{Table: "besok", WhereColumn: "id", WhereValue: "2", Purpose: "p", Who: "anna", At: created}); err != nil {
		t.Fatal(err)
	}
	access, _ := os.ReadFile(AccessLogPath(dir))
	events, _ := os.ReadFile(filepath.Join(dir, eventsName))
	for _, log := range []string{string(access), string(events)} {
		// Nor its birth date: beside the digest it would leave a thousand
		// candidates for the last four, tried in under a minute.
		for _, v := range []string{"19121212-1212", "1212121212", "191212121212", "121212"} {
			sum := sha256.Sum256([]byte(v))
			if strings.Contains(log, v) || strings.Contains(log, hex.EncodeToString(sum[:])) {
				t.Errorf("the log names %s, or by its SHA-256:\n%s", v, log)
			}
		}
		for _, want := range []string{`"where":"namn = 19******-**** (digest $argon2id$v=19$m=19456,t=2,p=1$`, `"where":"namn = ********** (digest $argon2id$`, `"where":"id = (digest $argon2id$`} {
			if !strings.Contains(log, want) {
				t.Errorf("the log lacks %s:\n%s", want, log)
			}
		}
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatal(probs)
	}
}

// The access log answers the question the patient data law lets a
// patient ask: who has accessed my records. An extract filtered on a
// listed person's number, in any of its shapes, is found by the ten
// digits; another person's is not, nor one filtered on something else.
func TestAccessLogFindsAPersonsExtracts(t *testing.T) {
	dir := writePackage(t)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := t.TempDir()
	for i, v := range []string{"19121212-1212", "1212121212", "19101010-1010", "2", "19121212-1212 and more"} {
		if _, err := p.Extract(context.Background(), filepath.Join(outs, strconv.Itoa(i)+".csv"), ExtractRequest{Table: "besok", WhereColumn: "namn", WhereValue: v, Purpose: "case " + strconv.Itoa(i), Who: "anna", At: created}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := ReadAccessLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 {
		t.Fatalf("%d access log entries, want 5", len(entries))
	}
	// The last names the person in a text: its records are theirs.
	for i, want := range []bool{true, true, false, false, true} {
		if got := entries[i].FilteredOn("1212121212"); got != want {
			t.Errorf("entry %d (%s): FilteredOn = %v, want %v", i, entries[i].Where, got, want)
		}
	}
	// A century written on both sides tells two people apart; where
	// either lacks it, the entry may be either's.
	if entries[0].FilteredOn("201212121212") || !entries[0].FilteredOn("191212121212") || !entries[1].FilteredOn("201212121212") {
		t.Errorf("centuries: 19121212-**** taken for 2012, or not for 1912, or 121212**** not for 2012")
	}
	// A package copied without the access log beside it keeps its
	// accesses in its event log.
	if err := os.Rename(AccessLogPath(dir), AccessLogPath(dir)+".elsewhere"); err != nil {
		t.Fatal(err)
	}
	if kept, err := Accesses(dir); err != nil || len(kept) != 5 || !kept[0].FilteredOn("1212121212") {
		t.Errorf("without the access log beside it, Accesses gives %d entries (%v), want 5", len(kept), err)
	}
	os.Rename(AccessLogPath(dir)+".elsewhere", AccessLogPath(dir))
	if both, err := Accesses(dir); err != nil || len(both) != 5 {
		t.Errorf("Accesses gives %d entries from both logs (%v), want each of 5 once", len(both), err)
	}
	if !entries[2].FilteredOn("1010101010") {
		t.Errorf("the other person's extract is not found by their number: %s", entries[2].Where)
	}
	for i, want := range []bool{true, true, true, false, false} {
		if got := entries[i].FilteredOnIdentityNumber(); got != want {
			t.Errorf("entry %d (%s): FilteredOnIdentityNumber = %v, want %v", i, entries[i].Where, got, want)
		}
	}
}

// A damaged package whose outcome row names another record is named by
// row, not by the cell's text, which an edit can have filled with
// anything: a record's identity number.
func TestVerifyDoesNotEchoADamagedCell(t *testing.T) {
	dir := writePackage(t)
	path := filepath.Join(dir, "data/content/schema1/table0/table0.xml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := strings.Replace(string(b), "<c1>1</c1>", "<c1>19121212-1212</c1>", 1)
	if damaged == string(b) {
		t.Fatal("the outcome table has no row 1 to damage")
	}
	if err := os.WriteFile(path, []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	probs := Verify(dir)
	rows := 0
	for _, p := range probs {
		if strings.Contains(p.String(), "1212-1212") {
			t.Errorf("a problem shows the cell: %s", p)
		}
		if p.Rule == "siard-rows" {
			rows++
		}
	}
	if rows == 0 {
		t.Errorf("verify does not name the damaged row: %v", probs)
	}
}

// An extract filtered on a text that names identity numbers (a free-text
// note) kept the records of the persons it names, and logged none of
// them ("a value holding an identity number, not logged"): archive log
// --person-list did not list it as their access. It is logged with each
// number masked and its digest, never the text, and found by each.
func TestExtractOnAFreeTextLogsThePersonsItNames(t *testing.T) {
	dir := writePackage(t)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	text := "ring Åsa 19121212-1212, om 1010101010"
	if _, err := p.Extract(context.Background(), filepath.Join(t.TempDir(), "x.csv"), ExtractRequest{Table: "besok", WhereColumn: "namn", WhereValue: text, Purpose: "note", Who: "anna", At: created}); err != nil {
		t.Fatal(err)
	}
	access, _ := os.ReadFile(AccessLogPath(dir))
	events, _ := os.ReadFile(filepath.Join(dir, eventsName))
	for _, log := range []string{string(access), string(events)} {
		for _, v := range []string{"1212-1212", "1212121212", "1010101010", "121212", "101010", "Åsa", "ring"} {
			if strings.Contains(log, v) {
				t.Errorf("the log holds %q of the text:\n%s", v, log)
			}
		}
		for _, want := range []string{"19******-**** (digest $argon2id$", "********** (digest $argon2id$"} {
			if !strings.Contains(log, want) {
				t.Errorf("the log lacks %s:\n%s", want, log)
			}
		}
	}
	entries, err := Accesses(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d accesses, %v", len(entries), err)
	}
	e := entries[0]
	for number, want := range map[string]bool{"1212121212": true, "191212121212": true, "201212121212": false, "1010101010": true, "1212121213": false, "1010101011": false} {
		if got := e.FilteredOn(number); got != want {
			t.Errorf("FilteredOn(%s) = %v, want %v (%s)", number, got, want, e.Where)
		}
	}
	// The text may be in anyone's record: it is no filter on one number.
	if e.FilteredOnIdentityNumber() {
		t.Errorf("a free-text filter counts as one on an identity number: %s", e.Where)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatal(probs)
	}
}

// A reserve number (19900101-T123) is masked like an identity number
// (connectors.MaskIdentityNumbers masks its serial), but has no ten
// digits to digest: a filter on one, alone or in a text, is logged
// without it and without a digest of digits that are no one's number
// (its date and the serial's digits), and is found by no identity
// number.
func TestExtractOnAReserveNumberLogsNoDigitsOfIt(t *testing.T) {
	for _, where := range []string{"19900101-T123", "ring om 19900101-T123", "19121212-1212 och 19900101-T123"} {
		t.Run(where, func(t *testing.T) {
			dir := writePackage(t)
			p, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Extract(context.Background(), filepath.Join(t.TempDir(), "x.csv"), ExtractRequest{Table: "besok", WhereColumn: "namn", WhereValue: where, Purpose: "note", Who: "anna", At: created}); err != nil {
				t.Fatal(err)
			}
			entries, err := Accesses(dir)
			if err != nil || len(entries) != 1 {
				t.Fatalf("%d accesses, %v", len(entries), err)
			}
			e := entries[0]
			if strings.Contains(e.Where, "T123") || strings.Contains(e.Where, "19900101-****") {
				t.Errorf("the log names the reserve number: %s", e.Where)
			}
			for _, number := range []string{"9900101123", "1990010112"} {
				if e.FilteredOn(number) {
					t.Errorf("FilteredOn(%s): the reserve number's digits read as an identity number's (%s)", number, e.Where)
				}
			}
			// Found by the reserve number's normal form, as archive log
			// --person-list asks (mappings.ReserveForm), not another's.
			if !e.FilteredOn("19900101T123") || !e.FilteredOn("900101T123") || e.FilteredOn("20900101T123") || e.FilteredOn("19900101T124") {
				t.Errorf("FilteredOn does not tell the reserve number (%s)", e.Where)
			}
			if strings.HasPrefix(where, "1912") && !e.FilteredOn("1212121212") {
				t.Errorf("the identity number beside it is not found: %s", e.Where)
			}
		})
	}
}

// An extract filtered on a number written in full-width digits, or with
// its birth date's dashes, is logged as the number it is: masked, its
// ten digits digested, so that the patient's accesses are found by their
// number; never in clear, and never a crash on the masked form being
// shorter than the text it masks.
func TestExtractOnANumberInAnotherShapeLogsIt(t *testing.T) {
	dir := writePackage(t)
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := t.TempDir()
	values := []string{"１９１２１２１２－１２１２", "１２１２１２１２１２", "1912-12-12-1212", "besök １９１２１２１２１２１２"}
	for i, v := range values {
		if _, err := p.Extract(context.Background(), filepath.Join(outs, strconv.Itoa(i)+".csv"), ExtractRequest{Table: "besok", WhereColumn: "namn", WhereValue: v, Purpose: "case " + strconv.Itoa(i), Who: "anna", At: created}); err != nil {
			t.Fatalf("extract on %q: %v", v, err)
		}
	}
	entries, err := ReadAccessLog(dir)
	if err != nil || len(entries) != len(values) {
		t.Fatalf("%d access log entries (%v), want %d", len(entries), err, len(values))
	}
	for i, e := range entries {
		if !e.FilteredOn("1212121212") || !e.FilteredOn("191212121212") {
			t.Errorf("entry %d (%s) is not found by the number it was filtered on", i, e.Where)
		}
	}
	access, _ := os.ReadFile(AccessLogPath(dir))
	events, _ := os.ReadFile(filepath.Join(dir, eventsName))
	for _, log := range []string{string(access), string(events)} {
		for _, v := range []string{"１２１２", "1212121212", "12-12-1212", "121212"} {
			if strings.Contains(log, v) {
				t.Errorf("the log holds %s:\n%s", v, log)
			}
		}
	}
}
