package archive

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// reading is what VerifyEach found, in an order-free form: the problems
// sorted, the records counted, and every record handed over, per table of
// a complete read.
type reading struct {
	problems []string
	counts   map[string]int64
	records  map[string][]string
}

func readPackage(t testing.TB, dir string, paired bool) reading {
	t.Helper()
	readPaired = paired
	defer func() { readPaired = true }()
	handed := map[string][]string{}
	r := VerifyEach(dir, func(table string, rec ArchivedRecord) {
		b, err := connectors.AppendRow(nil, rec.Values)
		if err != nil {
			t.Fatalf("a record handed over does not encode: %v", err)
		}
		handed[table] = append(handed[table], fmt.Sprintf("%d %x %s %q %q %q %q %q", rec.Row, b, rec.KeyText, rec.Outcome.Reason, rec.Outcome.Column, rec.Outcome.SourceColumn, rec.Outcome.Detail, rec.Outcome.CareUnit))
	})
	out := reading{counts: r.Records, records: map[string][]string{}}
	for _, p := range r.Problems {
		out.problems = append(out.problems, p.String())
	}
	sort.Strings(out.problems)
	// A table whose files are damaged may hand over the records before
	// the damage when read in pairs, none when read separately: compare
	// the tables read through.
	for table := range r.Records {
		out.records[table] = handed[table]
	}
	return out
}

// agreeReadings fails the test unless reading the package at dir in pairs
// finds exactly what reading each file on its own, then the records, does.
func agreeReadings(t testing.TB, dir string) reading {
	t.Helper()
	sep, pair := readPackage(t, dir, false), readPackage(t, dir, true)
	if !reflect.DeepEqual(sep.problems, pair.problems) {
		t.Errorf("problems differ:\nseparately %q\nin pairs   %q", sep.problems, pair.problems)
	}
	if !reflect.DeepEqual(sep.counts, pair.counts) {
		t.Errorf("records counted differ: separately %v, in pairs %v", sep.counts, pair.counts)
	}
	if !reflect.DeepEqual(sep.records, pair.records) {
		t.Errorf("records handed over differ:\nseparately %q\nin pairs   %q", sep.records, pair.records)
	}
	return pair
}

func TestPairedReadingAgrees(t *testing.T) {
	const (
		recs = "data/content/schema0/table0/table0.xml"
		outs = "data/content/schema1/table0/table0.xml"
	)
	edit := func(rel, from, to string) func(string) error {
		return func(dir string) error {
			p := filepath.Join(dir, rel)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !bytes.Contains(b, []byte(from)) {
				return fmt.Errorf("%s holds no %q", rel, from)
			}
			return os.WriteFile(p, bytes.Replace(b, []byte(from), []byte(to), 1), 0o600)
		}
	}
	cases := []struct {
		name   string
		tamper func(dir string) error
		// complete says whether the records still read through.
		complete bool
	}{
		{"sound", func(string) error { return nil }, true},
		{"a record's value edited", edit(recs, "<c1>2</c1>", "<c1>7</c1>"), true},
		{"a record removed", edit(recs, "<row><c1>2</c1>", "<rox><c1>2</c1>"), false},
		{"an outcome row removed", func(dir string) error {
			p := filepath.Join(dir, outs)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			i := bytes.LastIndex(b, []byte("<row>"))
			j := bytes.LastIndex(b, []byte("</row>"))
			return os.WriteFile(p, append(b[:i:i], b[j+len("</row>"):]...), 0o600)
		}, false},
		{"a record that does not decode", edit(recs, "<c1>2</c1>", "<c1>two</c1>"), false},
		{"a cell beyond the columns", edit(recs, "<c1>2</c1>", "<c1>2</c1><c40>x</c40>"), false},
		{"an outcome naming another record", edit(outs, "<c1>2</c1>", "<c1>5</c1>"), false},
		{"broken XML in the records", edit(recs, "</row>", "</rox>"), false},
		{"broken XML in the outcomes", edit(outs, "</row>", "</rox>"), false},
		{"records file removed", func(dir string) error { return os.Remove(filepath.Join(dir, recs)) }, false},
		{"outcome file removed", func(dir string) error { return os.Remove(filepath.Join(dir, outs)) }, false},
		{"records file unreadable as a table", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, recs), []byte("<other/>"), 0o600)
		}, false},
		{"content after the table", func(dir string) error {
			f, err := os.OpenFile(filepath.Join(dir, outs), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("<row/>")
			return err
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			if err := c.tamper(dir); err != nil {
				t.Fatal(err)
			}
			got := agreeReadings(t, dir)
			if _, read := got.counts["besok"]; read != c.complete {
				t.Errorf("records read through: %v, want %v (problems %q)", read, c.complete, got.problems)
			}
			if c.name == "sound" {
				if len(got.problems) > 0 || got.counts["besok"] != 3 || len(got.records["besok"]) != 3 {
					t.Errorf("a sound package: %d records handed over, counts %v, problems %q", len(got.records["besok"]), got.counts, got.problems)
				}
			} else if len(got.problems) == 0 {
				t.Errorf("a damaged package passes")
			}
		})
	}
}

// FuzzPairedReading damages a records or an outcome table XML: reading the
// pair side by side must find what reading them one by one does.
//
//	go test ./archive -run XXX -fuzz FuzzPairedReading -fuzztime 30s
func FuzzPairedReading(f *testing.F) {
	dir := writePackage(f)
	files := []string{"data/content/schema0/table0/table0.xml", "data/content/schema1/table0/table0.xml"}
	var sound [2][]byte
	for i, rel := range files {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			f.Fatal(err)
		}
		sound[i] = b
		f.Add(uint8(i), b)
		f.Add(uint8(i), bytes.Replace(b, []byte("</row>"), nil, 1))
		f.Add(uint8(i), bytes.Replace(b, []byte("<c2>"), []byte("<c9>"), 1))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		// One package, its two files written afresh each time: the one
		// damaged, the other as it was.
		for i, rel := range files {
			b := sound[i]
			if i == int(which)%len(files) {
				b = data
			}
			if err := os.WriteFile(filepath.Join(dir, rel), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		agreeReadings(t, dir)
	})
}
