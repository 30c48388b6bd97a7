package scan_test

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres"
)

// A short text column with few values is a code column to the skeleton,
// which writes a code list of its values: a value that holds an identity
// number (one patient's typed into the smoking column, a note naming one)
// must not be copied into a file that is reviewed, mailed and committed.
func TestSkeletonCodeListsHoldNoIdentityNumber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE besok (id INTEGER PRIMARY KEY, rok TEXT, notering TEXT, sida TEXT)`}
	for i := 1; i <= 40; i++ {
		rok, note, sida := []string{"J", "N"}[i%2], []string{"x", "y", "akut"}[i%3], []string{"H", "V"}[i%2]
		switch i {
		case 7:
			rok = "19121212-1212"
		case 8:
			note = "ring 121212-1212"
		case 9:
			note = "1212121212"
		}
		stmts = append(stmts, "INSERT INTO besok VALUES ("+itoa(i)+", '"+rok+"', '"+note+"', '"+sida+"')")
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	rep := scanURL(t, "sqlite://"+path)
	var lists string
	for _, f := range rep.Skeleton("receiving", postgres.Dialect{}) {
		if strings.Contains(string(f.Data), "1212-1212") || strings.Contains(string(f.Data), "1212121212") {
			t.Errorf("%s holds an identity number:\n%s", f.Name, f.Data)
		}
		if f.Name == "codelists.yaml" {
			lists = string(f.Data)
		}
	}
	// The columns of plain codes still get their list.
	if !strings.Contains(lists, `"H": "H"`) {
		t.Errorf("the code column sida lost its code list:\n%s", lists)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// A code column where one identity number stands often enough to be
// counted, and a text column of numbers one of which is an identity
// number: the report shows neither, not as a frequent value and not as
// the column's smallest or largest.
func TestReportShowsNoIdentityNumberOfACodeColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE besok (id INTEGER PRIMARY KEY, rok TEXT, vikt TEXT)`}
	for i := 1; i <= 45; i++ {
		rok, vikt := []string{"J", "N"}[i%2], itoa(60+i%30)
		if i <= 5 {
			rok = "19121212-1212"
		}
		if i == 6 {
			vikt = "191212121212"
		}
		stmts = append(stmts, "INSERT INTO besok VALUES ("+itoa(i)+", '"+rok+"', '"+vikt+"')")
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	rep := scanURL(t, "sqlite://"+path)
	var b bytes.Buffer
	for name, write := range map[string]func() error{
		"json": func() error { return rep.WriteJSON(&b) },
		"md":   func() error { return rep.WriteMarkdown(&b) },
		"html": func() error { return rep.WriteHTML(&b) },
	} {
		b.Reset()
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if s := b.String(); strings.Contains(s, "1212-1212") || strings.Contains(s, "121212121212") || strings.Contains(s, "1212121212") {
			t.Errorf("the %s report shows an identity number:\n%s", name, s)
		}
		if !strings.Contains(b.String(), "19121212-\\*\\*\\*\\*") && !strings.Contains(b.String(), "19121212-****") {
			t.Errorf("the %s report no longer counts the identity number in the code column, masked", name)
		}
	}
}
