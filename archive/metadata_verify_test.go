package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Everything metadata.xml says is what a SIARD tool shows of the package
// (which register's records, from which platform, what each table and
// column is), and all of it follows from package.json, which regflytt
// reads and regflytt verify holds to the plan. Edited and re-bagged, the
// register's name, its platform or a column's description ("NOT NULL in
// the source") passed archive verify and regflytt verify: a viewer showed
// another register's name on the records.
func TestVerifyMetadataIsWhatThePackageSays(t *testing.T) {
	const metadata = "data/header/metadata.xml"
	for _, c := range []struct{ name, from, to string }{
		{"register", "<dbname>demo</dbname>", "<dbname>other</dbname>"},
		{"platform", "<databaseProduct>legacy-demo</databaseProduct>", "<databaseProduct>other</databaseProduct>"},
		{"package description", "register demo from legacy-demo", "register other from legacy-demo"},
		{"archiver", "<archiver>regflytt</archiver>", "<archiver>someone</archiver>"},
		{"producer", "<producerApplication>regflytt test</producerApplication>", "<producerApplication>regflytt 0.1</producerApplication>"},
		{"archival date", "<archivalDate>2026-01-01</archivalDate>", "<archivalDate>2025-01-01</archivalDate>"},
		{"schema", "<name>archived_records</name>", "<name>records</name>"},
		{"schema description", "Source records that could not be transformed", "Source records that were transformed"},
		{"table description", "Records of the source table besok that were archived", "Records of the source table patient that were archived"},
		{"column description", "<description>NOT NULL in the source. Canonical type bigint.</description>", "<description>Canonical type bigint.</description>"},
		{"outcome column description", "Stable reason code", "Unstable reason code"},
		{"column nullable", "<nullable>true</nullable>", "<nullable>false</nullable>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			p := filepath.Join(dir, metadata)
			b, _ := os.ReadFile(p)
			if !bytes.Contains(b, []byte(c.from)) {
				t.Fatalf("no %s in metadata.xml", c.from)
			}
			if err := os.WriteFile(p, bytes.Replace(b, []byte(c.from), []byte(c.to), 1), 0o600); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
			if !hasProblem(Verify(dir), metadata, RuleMetadata) {
				t.Errorf("want %s: %s, got %v", metadata, RuleMetadata, Verify(dir))
			}
		})
	}
	if ps := Verify(writePackage(t)); len(ps) != 0 {
		t.Fatalf("a package as written fails: %v", ps)
	}
}

// bag-info.txt is what a BagIt tool shows of the package: whose it is,
// which register's run, when and by what it was bagged. All of it
// follows from package.json; edited and re-bagged, another register's
// name on the package passed both verifications. (Fields regflytt does
// not write, an archivist's Contact-Name, are left to the archivist.)
func TestVerifyBagInfoIsWhatThePackageSays(t *testing.T) {
	for _, c := range []struct{ from, to string }{
		{"External-Identifier: demo run 20260101T000000Z\n", "External-Identifier: other run 20260101T000000Z\n"},
		{"Bag-Software-Agent: regflytt test\n", "Bag-Software-Agent: regflytt 0.1\n"},
		{"Bagging-Date: 2026-01-01\n", "Bagging-Date: 2025-01-01\n"},
		{"External-Description: SIARD 2.2 archive", "External-Description: SIARD 2.1 archive"},
		{"Bagging-Date:", "Bagging-Date: 2025-01-01\nBagging-Date:"},
	} {
		dir := writePackage(t)
		editAndRebag(t, dir, bagInfoName, c.from, c.to)
		if !hasProblem(Verify(dir), bagInfoName, RuleBagInfo) {
			t.Errorf("%q: want %s: %s, got %v", c.to, bagInfoName, RuleBagInfo, Verify(dir))
		}
	}
}

// The event log's chain shows an event edited or removed from its middle,
// not a log emptied, nor one whose counts are not the package's: a log
// emptied and re-bagged passed, and so did a record removed from a
// package with package.json's count and metadata.xml's rows lowered (the
// creation event still counting it). The log begins with the package's
// creation, and what it was created with, less what each erasure removed,
// is what the package holds.
func TestVerifyEventLogAccountsForThePackage(t *testing.T) {
	for _, c := range []struct {
		name, rule string
		edit       func(t *testing.T, dir string)
	}{
		{"emptied", RuleEventChain, func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, eventsName), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
		}},
		{"created with another count", RuleCounts, func(t *testing.T, dir string) {
			editAndRebag(t, dir, eventsName, `"records":3`, `"records":4`)
			rechain(t, dir)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			c.edit(t, dir)
			if !hasProblem(Verify(dir), eventsName, c.rule) {
				t.Errorf("want %s: %s, got %v", eventsName, c.rule, Verify(dir))
			}
		})
	}
}

// rechain writes the event log's chain again over its events as they
// now are, and the tag manifest.
func rechain(t *testing.T, dir string) {
	t.Helper()
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	events, err := p.Events()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, eventsName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if err := AppendEvent(dir, e); err != nil {
			t.Fatal(err)
		}
	}
}

// A natural cell reads back only in the form the writer gives its value,
// for every kind as for decimals: "+7", "07", "1", "1.50e0", a space for
// the T, an offset for the Z and an upper-case UUID read as the value
// written, and a cell edited so passed archive verify (where xmllint is
// not installed, or the form is valid XSD) and regflytt verify.
func TestVerifyRefusesEveryNaturalCellOutOfItsForm(t *testing.T) {
	const records = "data/content/schema0/table0/table0.xml"
	tbl := &connectors.Table{Name: "former", Columns: []connectors.Column{
		{Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "f", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBool}, Nullable: true},
		{Name: "dt", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true},
		{Name: "ts", Type: connectors.Type{Kind: connectors.KindTimestamp}, Nullable: true},
		// TIME(6): a bare TIME is TIME(0), which holds no half second
		// (such a value is written raw).
		{Name: "tm", Type: connectors.Type{Kind: connectors.KindTime, Precision: 6}, Nullable: true},
		{Name: "u", Type: connectors.Type{Kind: connectors.KindUUID}, Nullable: true},
	}}
	uuid, err := connectors.ParseUUID("0b7f6f7e-3c1a-4d2b-9a8e-1f2e3d4c5b6a")
	if err != nil {
		t.Fatal(err)
	}
	row := []connectors.Value{int64(7), 1.5, true, connectors.LocalDateTime{Date: connectors.Date{Year: 2019, Month: 5, Day: 1}, Hour: 10},
		time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC), connectors.Duration(10*time.Hour + 500*time.Millisecond), uuid}
	write := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := Create(dir, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add(tbl, Record{Key: []connectors.Value{int64(7)}, Reason: "r", Values: row}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Close(created); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if ps := Verify(write(t)); len(ps) != 0 {
		t.Fatalf("a package as written fails: %v", ps)
	}
	for _, c := range []struct{ from, to string }{
		{"<c1>7</c1>", "<c1>+7</c1>"},
		{"<c1>7</c1>", "<c1>07</c1>"},
		{"<c2>1.5</c2>", "<c2>1.50e0</c2>"},
		{"<c2>1.5</c2>", "<c2>0x1.8p0</c2>"},
		{"<c3>true</c3>", "<c3>1</c3>"},
		{"<c4>2019-05-01T10:00:00</c4>", "<c4>2019-05-01 10:00:00</c4>"},
		{"<c5>2019-05-01T10:00:00Z</c5>", "<c5>2019-05-01T12:00:00+02:00</c5>"},
		{"<c5>2019-05-01T10:00:00Z</c5>", "<c5>2019-05-01T10:00:00.000Z</c5>"},
		{"<c6>10:00:00.5</c6>", "<c6>10:00:00.500</c6>"},
		{"<c7>0b7f6f7e-3c1a-4d2b-9a8e-1f2e3d4c5b6a</c7>", "<c7>0B7F6F7E-3C1A-4D2B-9A8E-1F2E3D4C5B6A</c7>"},
	} {
		dir := write(t)
		editAndRebag(t, dir, records, c.from, c.to)
		if !hasProblem(Verify(dir), records, RuleRows) {
			t.Errorf("%s: want %s: %s, got %v", c.to, records, RuleRows, Verify(dir))
		}
	}
}

// A raw value (archived alone, or a companion of a column its type could
// not hold it in) reads back only in the bytes the writer gives it: the
// readable text and the bytes both edited to "+7", "1" or an offset for
// the Z read as the value archived, and passed.
func TestVerifyRefusesARawValueOutOfItsForm(t *testing.T) {
	const values = "data/content/schema2/table0/table0.xml"
	write := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := Create(dir, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range []connectors.Value{int64(7), true, time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC)} {
			if err := w.AddValue(besok, Value{Key: []connectors.Value{int64(4 + i)}, Column: "name", SourceColumn: "namn", Reason: "r", Value: v}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Close(created); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if ps := Verify(write(t)); len(ps) != 0 {
		t.Fatalf("a package as written fails: %v", ps)
	}
	for _, c := range []struct{ from, to string }{
		{"<c8>7</c8><c9>37</c9>", "<c8>+7</c8><c9>2B37</c9>"},
		{"<c8>true</c8><c9>74727565</c9>", "<c8>1</c8><c9>31</c9>"},
		{"<c8>2019-05-01T10:00:00Z</c8><c9>323031392D30352D30315431303A30303A30305A</c9>",
			"<c8>2019-05-01T12:00:00+02:00</c8><c9>323031392D30352D30315431323A30303A30302B30323A3030</c9>"},
	} {
		dir := write(t)
		editAndRebag(t, dir, values, c.from, c.to)
		if !hasProblem(Verify(dir), values, RuleRows) {
			t.Errorf("%s: want %s: %s, got %v", c.to, values, RuleRows, Verify(dir))
		}
	}
}

// A column whose source type metadata.xml gives otherwise than
// package.json is named with both source types: the problem read
// `column 1 is "id" INTEGER, package.json has "id" INTEGER`, the same
// words on both sides, when only the type the source declared differed.
func TestVerifyMetadataNamesAColumnsSourceTypeThatDiffers(t *testing.T) {
	const metadata = "data/header/metadata.xml"
	dir := writePackage(t)
	p := filepath.Join(dir, metadata)
	b, _ := os.ReadFile(p)
	i := bytes.Index(b, []byte("<typeOriginal>"))
	if i < 0 {
		t.Fatal("no typeOriginal in metadata.xml")
	}
	j := i + len("<typeOriginal>")
	k := bytes.Index(b[j:], []byte("</typeOriginal>"))
	was := string(b[j : j+k])
	edited := append(append(append([]byte(nil), b[:j]...), "edited(1)"...), b[j+k:]...)
	if err := os.WriteFile(p, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	rebag(t, dir)
	for _, pr := range Verify(dir) {
		if pr.File == metadata && pr.Rule == RuleMetadata {
			if !strings.Contains(pr.Detail, "edited(1)") || !strings.Contains(pr.Detail, was) {
				t.Errorf("the problem does not name both source types (%s, edited(1)): %s", was, pr.Detail)
			}
			return
		}
	}
	t.Fatalf("no %s problem: %v", RuleMetadata, Verify(dir))
}
