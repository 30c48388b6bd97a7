package archive

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// rebag rewrites the payload manifests and the tag manifest over the
// package as it now is: an edit made by someone who also "repairs" the
// bag. Only what the package says of itself can catch it then.
func rebag(t *testing.T, dir string) {
	t.Helper()
	files, err := listFiles(dir, "data")
	if err != nil {
		t.Fatal(err)
	}
	var m256, m512 strings.Builder
	for _, rel := range files {
		sums, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(rel)), sha256.New(), sha512.New())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&m256, "%s  %s\n", sums[0], rel)
		fmt.Fprintf(&m512, "%s  %s\n", sums[1], rel)
	}
	if err := os.WriteFile(filepath.Join(dir, manifest256), []byte(m256.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifest512), []byte(m512.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var octets int64
	for _, rel := range files {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		octets += st.Size()
	}
	info, err := os.ReadFile(filepath.Join(dir, bagInfoName))
	if err != nil {
		t.Fatal(err)
	}
	oxum := regexp.MustCompile(`(?m)^Payload-Oxum: .*$`)
	info = oxum.ReplaceAll(info, []byte(fmt.Sprintf("Payload-Oxum: %d.%d", octets, len(files))))
	if err := os.WriteFile(filepath.Join(dir, bagInfoName), info, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeTagManifest(dir); err != nil {
		t.Fatal(err)
	}
}

// Verify reads the values archived alone back as it reads the records:
// a value that does not decode, or a count that is not package.json's,
// fails the package (archive verify said "every value read back" and
// printed package.json's count without reading them).
func TestVerifyReadsValuesArchivedAlone(t *testing.T) {
	const values = "data/content/schema2/table0/table0.xml"
	cases := []struct {
		name, file string
		tamper     func(dir string) error
	}{
		{"a value that does not decode", values, func(dir string) error {
			p := filepath.Join(dir, values)
			b, _ := os.ReadFile(p)
			// Same length, so the payload's size is unchanged.
			if !bytes.Contains(b, []byte("<c7>bytes</c7>")) {
				return fmt.Errorf("no bytes value in %s", b)
			}
			return os.WriteFile(p, bytes.Replace(b, []byte("<c7>bytes</c7>"), []byte("<c7>float</c7>"), 1), 0o600)
		}},
		{"package.json counts a value more", packageName, func(dir string) error {
			p := filepath.Join(dir, filepath.FromSlash(packageName))
			b, _ := os.ReadFile(p)
			if !bytes.Contains(b, []byte(`"values": 1,`)) {
				return fmt.Errorf("no values count in %s", b)
			}
			return os.WriteFile(p, bytes.Replace(b, []byte(`"values": 1,`), []byte(`"values": 2,`), 1), 0o600)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			if probs := Verify(dir); len(probs) > 0 {
				t.Fatalf("a fresh package fails: %v", probs)
			}
			if err := c.tamper(dir); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
			probs := Verify(dir)
			found := false
			for _, p := range probs {
				found = found || p.File == c.file
			}
			if !found {
				t.Fatalf("want a problem with %s, got %v", c.file, probs)
			}
		})
	}
}

// What a SIARD tool shows is what regflytt reads: the readable text of a
// value archived alone (c8, beside its bytes in c9) must be those bytes,
// and a raw cell must have its kind. An edited text cell passed (the
// Reader read only the bytes, and regflytt verify compared those), and a
// raw cell whose kind cell was removed read as NULL.
func TestVerifyReadsWhatASIARDToolShows(t *testing.T) {
	const records = "data/content/schema0/table0/table0.xml"
	const values = "data/content/schema2/table0/table0.xml"
	cases := []struct {
		name, file, from, to string
	}{
		{"an edited readable text", values, "<c8>Åsa</c8>", "<c8>Ösa</c8>"},
		{"a readable text added to bytes that are no text", values, "<c9>E5E4F6</c9>", "<c8>x</c8><c9>E5E4F6</c9>"},
		{"a readable text removed", values, "<c8>Åsa</c8>", ""},
		{"a raw cell without its kind", records, "<c4>invalid_date</c4>", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackageWithTextValue(t)
			if probs := Verify(dir); len(probs) > 0 {
				t.Fatalf("a fresh package fails: %v", probs)
			}
			p := filepath.Join(dir, c.file)
			b, _ := os.ReadFile(p)
			if !bytes.Contains(b, []byte(c.from)) {
				t.Fatalf("no %s in %s", c.from, b)
			}
			if err := os.WriteFile(p, bytes.Replace(b, []byte(c.from), []byte(c.to), 1), 0o600); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
			probs := Verify(dir)
			found := false
			for _, pr := range probs {
				found = found || pr.File == c.file
			}
			if !found {
				t.Fatalf("want a problem with %s, got %v", c.file, probs)
			}
		})
	}
}

// writePackageWithTextValue is writePackage with a text archived alone
// beside the bytes.
func writePackageWithTextValue(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(besok, Record{Key: []connectors.Value{int64(1)}, Reason: "invalid_date", Column: "visit_date", SourceColumn: "datum",
		Values: []connectors.Value{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, "Åsa"}}); err != nil {
		t.Fatal(err)
	}
	for i, v := range []connectors.Value{"Åsa", []byte{0xe5, 0xe4, 0xf6}} {
		if err := w.AddValue(besok, Value{Key: []connectors.Value{int64(4 + i)}, Column: "name", SourceColumn: "namn", Reason: "invalid_utf8", Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The columns metadata.xml declares are what every SIARD tool shows the
// cells under; regflytt reads the cells by package.json. The two must
// agree: columns renamed, swapped or retyped in metadata.xml passed, and
// a viewer showed each visit's date as its name.
func TestVerifyMetadataColumnsArePackageColumns(t *testing.T) {
	const metadata = "data/header/metadata.xml"
	cases := []struct {
		name     string
		from, to []string
	}{
		{"swapped", []string{"<name>datum</name>", "<name>namn</name>", "<name>@@</name>"}, []string{"<name>@@</name>", "<name>datum</name>", "<name>namn</name>"}},
		{"renamed", []string{"<name>namn</name>"}, []string{"<name>efternamn</name>"}},
		{"retyped", []string{"<type>DATE</type>"}, []string{"<type>VARCHAR(10)</type>"}},
		{"an outcome column renamed", []string{"<name>reason</name>"}, []string{"<name>orsak_</name>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			p := filepath.Join(dir, metadata)
			b, _ := os.ReadFile(p)
			for i := range c.from {
				if !bytes.Contains(b, []byte(c.from[i])) && c.from[i] != "<name>@@</name>" {
					t.Fatalf("no %s in metadata.xml", c.from[i])
				}
				b = bytes.Replace(b, []byte(c.from[i]), []byte(c.to[i]), 1)
			}
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			rebag(t, dir)
			if !hasProblem(Verify(dir), metadata, RuleMetadata) {
				t.Fatalf("want %s: %s, got %v", metadata, RuleMetadata, Verify(dir))
			}
		})
	}
}

// metadata.xml's owner and timespan are what a SIARD tool shows of whose
// the package is and which years it covers; package.json's are what
// regflytt reads (portfolio status judges the owner by it). They must
// agree.
func TestVerifyMetadataOwnerIsPackageOwner(t *testing.T) {
	const metadata = "data/header/metadata.xml"
	for _, c := range []struct{ from, to string }{
		{"<dataOwner>Region B</dataOwner>", "<dataOwner>Region C</dataOwner>"},
		{"<dataOriginTimespan>2019-05-01/2019-05-01</dataOriginTimespan>", "<dataOriginTimespan>2019-05-01/2029-05-01</dataOriginTimespan>"},
	} {
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
			t.Errorf("%s: want %s: %s, got %v", c.to, metadata, RuleMetadata, Verify(dir))
		}
	}
}

// A natural cell reads back only in the form the writer gives its type:
// a DECIMAL cell edited to what is no decimal ("1e5", "12,5", "abc")
// passed archive verify as "read back" (the Reader took any text as a
// decimal) where xmllint is not installed.
func TestVerifyRefusesANaturalCellOutOfItsForm(t *testing.T) {
	const records = "data/content/schema0/table0/table0.xml"
	for _, bad := range []string{"1e5", "12,5", "abc", "+1.5", ".5", "1."} {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := Create(dir, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		tbl := &connectors.Table{Name: "vikt", Columns: []connectors.Column{
			{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
			{Name: "kg", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
		}}
		if err := w.Add(tbl, Record{Key: []connectors.Value{int64(1)}, Reason: "r", Values: []connectors.Value{int64(1), connectors.Decimal("72.5")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Close(created); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, records)
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte("<c2>72.5</c2>")) {
			t.Fatalf("no decimal cell in %s", b)
		}
		if err := os.WriteFile(p, bytes.Replace(b, []byte("<c2>72.5</c2>"), []byte("<c2>"+bad+"</c2>"), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		rebag(t, dir)
		if !hasProblem(Verify(dir), records, RuleRows) {
			t.Errorf("%q: want %s: %s, got %v", bad, records, RuleRows, Verify(dir))
		}
	}
}

// Every table metadata.xml declares is one package.json describes: a
// SIARD tool shows each, and regflytt reads and compares only
// package.json's. A table added to metadata.xml with its files (another
// run's records, or an excluded patient's), re-bagged, passed archive
// verify and regflytt verify, its rows never decoded or compared.
func TestVerifyEveryMetadataTableIsAPackageTable(t *testing.T) {
	const metadata = "data/header/metadata.xml"
	for _, schema := range []int{schemaRecords, schemaOutcome, schemaValues} {
		t.Run(fmt.Sprintf("schema%d", schema), func(t *testing.T) {
			dir := writePackage(t)
			p := filepath.Join(dir, metadata)
			b, _ := os.ReadFile(p)
			// The schema's table0 declared again as table7, its files
			// copied beside it.
			start := bytes.Index(b, []byte(fmt.Sprintf("<folder>schema%d</folder>", schema)))
			open := start + bytes.Index(b[start:], []byte("<table>"))
			end := open + bytes.Index(b[open:], []byte("</table>")) + len("</table>")
			extra := bytes.Replace(b[open:end], []byte("<folder>table0</folder>"), []byte("<folder>table7</folder>"), 1)
			b = append(append(append([]byte{}, b[:end]...), extra...), b[end:]...)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			from, to := filepath.Join(dir, tablePath(schema, 0)), filepath.Join(dir, tablePath(schema, 7))
			if err := os.MkdirAll(to, 0o700); err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{".xml", ".xsd"} {
				x, err := os.ReadFile(filepath.Join(from, "table0"+ext))
				if err != nil {
					t.Fatal(err)
				}
				x = bytes.ReplaceAll(x, []byte("table0.xsd"), []byte("table7.xsd"))
				if err := os.WriteFile(filepath.Join(to, "table7"+ext), x, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			rebag(t, dir)
			if !hasProblem(Verify(dir), metadata, RuleMetadata) {
				t.Fatalf("want %s: %s, got %v", metadata, RuleMetadata, Verify(dir))
			}
		})
	}
}

// package.json's count per reason is what archive ls shows: it must be
// what the outcome rows say, not only add up to the records. Two reasons'
// counts swapped, re-bagged, passed archive verify and regflytt verify
// (which counts the reasons from the rows).
func TestVerifyReasonCountsAreTheOutcomeRows(t *testing.T) {
	dir := writePackage(t)
	editAndRebag(t, dir, packageName, `"invalid_date": 1,`, `"invalid_date": 2,`)
	editAndRebag(t, dir, packageName, `"not_null": 1`, `"not_null": 0`)
	if !hasProblem(Verify(dir), packageName, RuleCounts) {
		t.Fatalf("want %s: %s, got %v", packageName, RuleCounts, Verify(dir))
	}
}

// editAndRebag replaces the first from in a file of the package by to,
// and makes the bag again.
func editAndRebag(t *testing.T, dir, file, from, to string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(file))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(from)) {
		t.Fatalf("no %q in %s:\n%s", from, file, b)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(from), []byte(to), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	rebag(t, dir)
}

// bag-info.txt's Source-Organization is whose the package is to any BagIt
// tool; it must be the owner package.json names (as metadata.xml's
// dataOwner must be).
func TestVerifyBagInfoOrganizationIsPackageOwner(t *testing.T) {
	dir := writePackage(t)
	editAndRebag(t, dir, bagInfoName, "Source-Organization: Region B\n", "Source-Organization: Region C\n")
	if !hasProblem(Verify(dir), bagInfoName, RuleBagInfo) {
		t.Fatalf("want %s: %s, got %v", bagInfoName, RuleBagInfo, Verify(dir))
	}
}

// A package of another format (a later regflytt's) is refused naming its
// format and the regflytt that wrote it, to open it with.
func TestOpenNamesTheVersionOfAnotherFormat(t *testing.T) {
	dir := writePackage(t)
	editAndRebag(t, dir, packageName, `"format": "`+FormatVersion+`"`, `"format": "regflytt-archive-9"`)
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), `"regflytt-archive-9"`) || !strings.Contains(err.Error(), "written by regflytt test") {
		t.Fatalf("Open of another format: %v", err)
	}
	if probs := Verify(dir); len(probs) == 0 || !strings.Contains(fmt.Sprint(probs), "written by regflytt test") {
		t.Fatalf("Verify of another format: %v", probs)
	}
}

// A table package.json lists twice is read twice: archive ls showed it
// twice and archive verify passed it, each entry's count its own.
func TestVerifyRefusesATableListedTwice(t *testing.T) {
	dir := writePackage(t)
	p := filepath.Join(dir, packageName)
	var sum Summary
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	sum.Tables = append(sum.Tables, sum.Tables[0])
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rebag(t, dir)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("Open of a package listing table %s twice: %v", sum.Tables[0].Table, err)
	}
	if probs := Verify(dir); len(probs) == 0 {
		t.Fatal("Verify passes a package listing a table twice")
	}
}
