package archive

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzTableXML feeds damaged table XML to the reader and to Verify: they
// fail with an error naming the file, never panic, and never accept a
// cell they cannot read back.
//
//	go test ./archive -run XXX -fuzz FuzzTableXML -fuzztime 30s
func FuzzTableXML(f *testing.F) {
	dir := writePackage(f)
	rows := filepath.Join(dir, "data/content/schema0/table0/table0.xml")
	seed, err := os.ReadFile(rows)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`<table xmlns="` + tableNS + `" version="2.2"><row><c1>1</c1><c4>bytes</c4><c5>ZZ</c5></row></table>`))
	f.Add([]byte(`<table xmlns="` + tableNS + `" version="2.2"><row><c2 file="../../x" length="1" digest="00"/></row></table>`))
	f.Add([]byte(`<table xmlns="` + tableNS + `" version="2.2"><row><c1>\u12</c1></row></table>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(rows, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if recs, err := p.Records("besok"); err == nil {
			for recs.Next() {
			}
			recs.Close()
		}
		Verify(dir)
	})
}
