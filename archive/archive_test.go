package archive

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

var besok = &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
	{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, SourceType: "int(11)"},
	{Name: "datum", Type: connectors.Type{Kind: connectors.KindDate}, SourceType: "date", Nullable: true},
	{Name: "namn", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, SourceType: "varchar(40)", Charset: "latin1", Nullable: true},
}}

var created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testMeta() Meta {
	return Meta{Register: "demo", Owner: "Region B", FormerOwner: "Region A", SourceSystem: "legacy-demo", Run: "20260101T000000Z", ToolVersion: "test"}
}

func writePackage(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Key: []connectors.Value{int64(1)}, Reason: "invalid_date", Column: "visit_date", SourceColumn: "datum",
			Values: []connectors.Value{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, "Åsa"}},
		{Key: []connectors.Value{int64(2)}, Reason: "invalid_utf8", Column: "name", SourceColumn: "namn", CareUnit: "SU/Sahlgrenska",
			Values: []connectors.Value{int64(2), connectors.Date{Year: 2019, Month: 5, Day: 1}, "Ko\xffr\xc3"}},
		{Key: []connectors.Value{int64(3)}, Reason: "not_null", Column: "visit_date", SourceColumn: "datum",
			Values: []connectors.Value{int64(3), nil, "a <b> & \\c"}},
	}
	for i, rec := range recs {
		if err := w.Add(besok, rec); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := w.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.AddValue(besok, Value{Key: []connectors.Value{int64(4)}, Column: "name", SourceColumn: "namn", Reason: "invalid_utf8", Value: []byte{0xe5, 0xe4, 0xf6}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readAll reads every record of a table back through Reader.
func readAll(t *testing.T, p *Package, table string) []ArchivedRecord {
	t.Helper()
	recs, err := p.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	var out []ArchivedRecord
	for recs.Next() {
		out = append(out, recs.Record())
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameValue compares two values exactly, kind included, through the
// canonical encoding (which keeps NaN's and -0's bits and the Go type).
func sameValue(a, b connectors.Value) bool {
	ea, err1 := connectors.AppendValue(nil, a)
	eb, err2 := connectors.AppendValue(nil, b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

func TestPackageRoundTrip(t *testing.T) {
	dir := writePackage(t)
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("a fresh package fails: %v", probs)
	}
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Owner() != "Region B" || p.Timespan() != "2019-05-01/2019-05-01" {
		t.Fatalf("owner %q, timespan %q", p.Owner(), p.Timespan())
	}
	got := readAll(t, p, "besok")
	want := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, "Åsa"},
		{int64(2), connectors.Date{Year: 2019, Month: 5, Day: 1}, "Ko\xffr\xc3"},
		{int64(3), nil, "a <b> & \\c"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !sameValue(got[i].Values[j], want[i][j]) {
				t.Errorf("record %d column %d: got %#v, want %#v", i+1, j, got[i].Values[j], want[i][j])
			}
		}
	}
	if o := got[1].Outcome; o.Reason != "invalid_utf8" || o.Column != "name" || o.SourceColumn != "namn" || o.CareUnit != "SU/Sahlgrenska" || got[1].KeyText != `["2"]` {
		t.Errorf("outcome %+v key %s", o, got[1].KeyText)
	}
	vals, err := p.Values("besok")
	if err != nil || len(vals) != 1 || !sameValue(vals[0].Value.Value, []byte{0xe5, 0xe4, 0xf6}) || vals[0].SourceColumn != "namn" {
		t.Fatalf("values %+v, %v", vals, err)
	}
	counts, err := p.CountRecords()
	if err != nil || counts["besok"] != 3 {
		t.Fatalf("CountRecords = %v, %v", counts, err)
	}
	// The zero date is kept verbatim: its bytes in the raw cell, its kind
	// beside them, the natural DATE cell left out.
	data, err := os.ReadFile(filepath.Join(dir, "data/content/schema0/table0/table0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<row><c1>1</c1><c3>Åsa</c3><c4>invalid_date</c4><c5>303030302D30302D3030</c5></row>") {
		t.Fatalf("record not kept verbatim:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(dir, partsDir)); !os.IsNotExist(err) {
		t.Fatalf("the chunks are left behind: %v", err)
	}
}

// Every conformance edge value, archived in its own column type, in a
// text column, and alone, reads back with identical bytes and kind; so do
// invalid UTF-8, Latin-1 bytes, and a byte string beside a text of the
// same hex.
func TestEdgeValuesByteExact(t *testing.T) {
	edges := conformance.Edges()
	type probe struct {
		name  string
		typ   connectors.Type
		value connectors.Value
	}
	var probes []probe
	for _, e := range edges {
		typ, err := connectors.ParseType(e.Type)
		if err != nil {
			t.Fatalf("edge %s: %v", e.Name, err)
		}
		probes = append(probes,
			probe{e.Name, typ, e.Value},
			probe{e.Name + "_in_text", connectors.Type{Kind: connectors.KindText}, e.Value},
			probe{e.Name + "_in_bytes", connectors.Type{Kind: connectors.KindBytes}, e.Value})
	}
	text := connectors.Type{Kind: connectors.KindText, Length: 20}
	probes = append(probes,
		probe{"invalid_utf8", text, "4B6F\x4b\x6f\xff\x72\xc3"},
		probe{"latin1", text, "\xe5\xe4\xf6"},
		probe{"latin1_bytes", text, []byte{0xe5, 0xe4, 0xf6}},
		probe{"hex_text", connectors.Type{Kind: connectors.KindBytes}, "4B6F"},
		probe{"hex_bytes", connectors.Type{Kind: connectors.KindBytes}, []byte{0x4b, 0x6f}},
		probe{"escape_lookalike", text, `\u005C and \u0000`},
		probe{"null", text, nil},
		probe{"date_in_int", connectors.Type{Kind: connectors.KindInt, Bits: 32}, connectors.Date{Year: 2024, Month: 2, Day: 30}},
		probe{"small_uint", connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}, uint64(7)},
	)
	tbl := &connectors.Table{Name: "edges", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, SourceType: "int"}}}
	row := []connectors.Value{int64(1)}
	for _, p := range probes {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: p.name, Type: p.typ, SourceType: p.typ.String(), Nullable: true})
		row = append(row, p.value)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(tbl, Record{Key: []connectors.Value{int64(1)}, Reason: "edge", Values: row}); err != nil {
		t.Fatal(err)
	}
	for _, p := range probes {
		if err := w.AddValue(tbl, Value{Key: []connectors.Value{int64(1)}, SourceColumn: p.name, Reason: "edge", Value: p.value}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("Verify: %v", probs)
	}
	validateIfPossible(t, dir)
	pkg, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, pkg, "edges")
	if len(got) != 1 {
		t.Fatalf("%d records", len(got))
	}
	vals, err := pkg.Values("edges")
	if err != nil || len(vals) != len(probes) {
		t.Fatalf("%d values, %v", len(vals), err)
	}
	for i, p := range probes {
		if !sameValue(got[0].Values[i+1], p.value) {
			t.Errorf("%s (%s): record gives %#v, want %#v", p.name, p.typ, got[0].Values[i+1], p.value)
		}
		if !sameValue(vals[i].Value.Value, p.value) || vals[i].SourceColumn != p.name {
			t.Errorf("%s: value alone gives %#v, want %#v", p.name, vals[i].Value.Value, p.value)
		}
	}
}

// validateIfPossible runs the XSD checks when xmllint is installed; under
// CI=true its absence fails the test.
func validateIfPossible(t *testing.T, dir string) {
	t.Helper()
	probs, err := ValidateXSD(context.Background(), dir)
	if errors.Is(err, ErrNoXmllint) {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Log(err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Fatalf("XSD: %v", probs)
	}
}

func TestXSDValidation(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("xmllint not installed")
	}
	dir := writePackage(t)
	validateIfPossible(t, dir)
	// A date no calendar has, forced into the natural DATE cell, fails
	// the table's own schema.
	p := filepath.Join(dir, "data/content/schema0/table0/table0.xml")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("<c2>2019-05-01</c2>"), []byte("<c2>2019-02-30</c2>"), 1), 0o600)
	probs, err := ValidateXSD(context.Background(), dir)
	if err != nil || len(probs) != 1 || probs[0].File != "data/content/schema0/table0/table0.xml" {
		t.Fatalf("problems %v, %v", probs, err)
	}
	if strings.Contains(probs[0].Detail, "2019-02-30") {
		t.Fatalf("the problem repeats the value: %s", probs[0].Detail)
	}
}

func TestLOBFiles(t *testing.T) {
	old := lobThreshold
	lobThreshold = 8
	defer func() { lobThreshold = old }()
	tbl := &connectors.Table{Name: "bilaga", Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "fil", Type: connectors.Type{Kind: connectors.KindBytes}, SourceType: "longblob"},
	}}
	dir := filepath.Join(t.TempDir(), "pkg")
	w, _ := Create(dir, testMeta())
	big := bytes.Repeat([]byte{0, 1, 0xff}, 100)
	if err := w.Add(tbl, Record{Reason: "r", Values: []connectors.Value{int64(1), big}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	lob := "data/content/schema0/table0/lob2/record1.bin"
	if b, err := os.ReadFile(filepath.Join(dir, lob)); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("LOB file: %v", err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatal(probs)
	}
	validateIfPossible(t, dir)
	p, _ := Open(dir)
	if got := readAll(t, p, "bilaga"); !sameValue(got[0].Values[1], big) {
		t.Fatal("LOB not read back")
	}
	// A cell naming another digest type than the SHA-256 its digest is,
	// or holding text beside its file: regflytt read the file, a SIARD
	// tool finds its digest wrong, or reads the text.
	const rows = "data/content/schema0/table0/table0.xml"
	for _, c := range []struct{ from, to string }{
		{`digestType="SHA-256"`, `digestType="MD5"`},
		{`"/>`, `">00FF</c2>`},
	} {
		copyDir := filepath.Join(t.TempDir(), "pkg")
		if err := os.CopyFS(copyDir, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		editAndRebag(t, copyDir, rows, c.from, c.to)
		if !hasProblem(Verify(copyDir), rows, RuleLOB) && !hasProblem(Verify(copyDir), rows, RuleRows) {
			t.Errorf("%s: passes: %v", c.to, Verify(copyDir))
		}
	}
	// A LOB file cut short fails as a LOB and as a digest, naming it.
	os.WriteFile(filepath.Join(dir, lob), big[:10], 0o600)
	if !hasProblem(Verify(dir), "data/content/schema0/table0/table0.xml", RuleLOB) || !hasProblem(Verify(dir), lob, RuleDigest) {
		t.Fatalf("a damaged LOB passes: %v", Verify(dir))
	}
}

func hasProblem(probs []Problem, file, rule string) bool {
	for _, p := range probs {
		if p.File == file && p.Rule == rule {
			return true
		}
	}
	return false
}

func TestVerifyFindsTampering(t *testing.T) {
	const rows = "data/content/schema0/table0/table0.xml"
	cases := []struct {
		name, file, rule string
		tamper           func(dir string) error
	}{
		{"flipped byte", rows, RuleDigest, func(dir string) error {
			p := filepath.Join(dir, rows)
			b, _ := os.ReadFile(p)
			i := bytes.Index(b, []byte("<c1>2</c1>"))
			b[i+4] = '7'
			return os.WriteFile(p, b, 0o600)
		}},
		{"deleted file", "data/content/schema1/table0/table0.xsd", RuleMissing, func(dir string) error {
			return os.Remove(filepath.Join(dir, "data/content/schema1/table0/table0.xsd"))
		}},
		{"added file", "data/content/schema0/table0/extra.xml", RuleUnlisted, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data/content/schema0/table0/extra.xml"), []byte("<x/>"), 0o600)
		}},
		{"added tag file", "notes.txt", RuleUnlisted, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
		}},
		{"edited metadata", "data/header/metadata.xml", RuleDigest, func(dir string) error {
			p := filepath.Join(dir, "data/header/metadata.xml")
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, bytes.Replace(b, []byte("Region B"), []byte("Region C"), 1), 0o600)
		}},
		{"edited event log", eventsName, RuleDigest, func(dir string) error {
			p := filepath.Join(dir, eventsName)
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, bytes.Replace(b, []byte("created"), []byte("creaTed"), 1), 0o600)
		}},
		{"edited manifest", manifest256, RuleDigest, func(dir string) error {
			p := filepath.Join(dir, manifest256)
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			return os.WriteFile(p, b, 0o600)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writePackage(t)
			if err := c.tamper(dir); err != nil {
				t.Fatal(err)
			}
			probs := Verify(dir)
			if !hasProblem(probs, c.file, c.rule) {
				t.Fatalf("want %s: %s among %v", c.file, c.rule, probs)
			}
			if _, err := Check(dir); !errors.Is(err, ErrVerify) {
				t.Fatalf("Check passed a tampered package: %v", err)
			}
		})
	}
}

func TestEventLogIsAppendOnly(t *testing.T) {
	dir := writePackage(t)
	if err := AppendEvent(dir, Event{Event: "verified", At: created.Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("an appended event breaks the package: %v", probs)
	}
	// Dropping the first event, even with a fresh tag manifest, breaks
	// the chain.
	p := filepath.Join(dir, eventsName)
	b, _ := os.ReadFile(p)
	_, rest, _ := bytes.Cut(b, []byte{'\n'})
	os.WriteFile(p, rest, 0o600)
	if err := writeTagManifest(dir); err != nil {
		t.Fatal(err)
	}
	if !hasProblem(Verify(dir), eventsName, RuleEventChain) {
		t.Fatalf("a removed event passes: %v", Verify(dir))
	}
}

// After Sync, what was added is in complete chunks under their final
// names; what was added after it is only in a temporary chunk.
func TestSyncLeavesCompleteChunks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	w, _ := Create(dir, testMeta())
	add := func(id int64) {
		if err := w.Add(besok, Record{Reason: "r", Values: []connectors.Value{id, nil, "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	add(1)
	add(2)
	if err := w.Sync(); err != nil {
		t.Fatal(err)
	}
	add(3)
	chunk, err := os.ReadFile(filepath.Join(dir, partsDir, "s0t0-000000.rows"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(chunk, []byte("</row>\n")); n != 2 || !bytes.HasSuffix(chunk, []byte("</row>\n")) {
		t.Fatalf("synced chunk holds %d complete rows:\n%s", n, chunk)
	}
	if _, err := os.Stat(filepath.Join(dir, partsDir, "s0t0-000001.rows")); !os.IsNotExist(err) {
		t.Fatal("an unsynced chunk has its final name")
	}
}

func TestCreateRefusesUsedDir(t *testing.T) {
	dir := writePackage(t)
	if _, err := Create(dir, Meta{}); err == nil {
		t.Fatal("Create reused a directory holding a package")
	}
}

func TestEscapes(t *testing.T) {
	for _, s := range []string{"", "a", `\`, `\u005C`, "\r\n", "\x00\x01\t\n\x1f\x7f", "\uFFFE\uFFFF", "😀"} {
		got, err := unescapeText(escapeText(s))
		if err != nil || got != s {
			t.Errorf("%q: got %q, %v", s, got, err)
		}
	}
	// Only the escapes escapeText writes are read: an escaped surrogate
	// read as U+FFFD (WriteRune's replacement), where a SIARD tool shows
	// the surrogate; an escaped letter or lower-case digits are no form
	// regflytt writes.
	for _, s := range []string{`\uD800`, `\uDFFF`, `\u0041`, `\u001f`, `\u005c`, `\u0020`} {
		if got, err := unescapeText(s); err == nil {
			t.Errorf("%s reads as %q", s, got)
		}
	}
}

// BenchmarkWriter measures writing archived records (with a Sync every
// 5000, as the runner's batches do) and closing the package.
func BenchmarkWriter(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "pkg")
	w, err := Create(dir, testMeta())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := Record{Key: []connectors.Value{int64(i)}, Reason: "invalid_date", Column: "visit_date", SourceColumn: "datum",
			Values: []connectors.Value{int64(i), connectors.InvalidDate{Raw: "2024-05-00"}, "Anna-Karin Ståhlberg"}}
		if err := w.Add(besok, rec); err != nil {
			b.Fatal(err)
		}
		if i%5000 == 4999 {
			if err := w.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := w.Close(created); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	size := int64(0)
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if info, err := d.Info(); err == nil && !d.IsDir() {
			size += info.Size()
		}
		return nil
	})
	b.ReportMetric(float64(size)/float64(b.N), "package-bytes/record")
}

func TestExtractLogsAccess(t *testing.T) {
	dir := writePackage(t)
	out := filepath.Join(t.TempDir(), "out.csv")
	p, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Extract(context.Background(), out, ExtractRequest{Table: "besok", Who: "anna"}); err == nil {
		t.Fatal("an extract without a purpose ran")
	}
	res, err := p.Extract(context.Background(), out, ExtractRequest{Table: "besok", WhereColumn: "id", WhereValue: "2", Purpose: "research request 12", Who: "anna", At: created})
	if err != nil || res.Records != 1 {
		t.Fatalf("extract: %d, %v", res.Records, err)
	}
	b, _ := os.ReadFile(out)
	want := "id,datum,namn,outcome_reason,outcome_column,outcome_source_column,outcome_detail,care_unit\n2,2019-05-01,\\x4b6fff72c3,invalid_utf8,name,namn,,SU/Sahlgrenska\n"
	if string(b) != want {
		t.Fatalf("CSV:\n%s\nwant:\n%s", b, want)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	access, _ := os.ReadFile(AccessLogPath(dir))
	events, _ := os.ReadFile(filepath.Join(dir, eventsName))
	for _, log := range [][]byte{access, events} {
		if !bytes.Contains(log, []byte(`"event":"extracted"`)) || !bytes.Contains(log, []byte(`"purpose":"research request 12"`)) ||
			!bytes.Contains(log, []byte(`"who":"anna"`)) || !bytes.Contains(log, []byte(`"where":"id = (digest $argon2id$`)) {
			t.Fatalf("log lacks the extract:\n%s", log)
		}
	}
	// The package still verifies: the event is chained and the tag
	// manifest follows it.
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatal(probs)
	}
}

func TestEraseRemovesEveryTrace(t *testing.T) {
	patient := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
	}}
	visit := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"},
		ForeignKeys: []connectors.ForeignKey{{Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}}},
		Columns: []connectors.Column{
			{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
			{Name: "patient_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
			{Name: "anteckning", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		}}
	const erased, kept = "19121212-1212", "19500101-0003"
	dir := filepath.Join(t.TempDir(), "pkg")
	w, _ := Create(dir, testMeta())
	adds := []struct {
		t   *connectors.Table
		rec Record
	}{
		{patient, Record{Key: []connectors.Value{int64(1)}, Reason: "not_null", Values: []connectors.Value{int64(1), erased}}},
		{patient, Record{Key: []connectors.Value{int64(2)}, Reason: "not_null", Values: []connectors.Value{int64(2), kept}}},
		// Latin-1 bytes beside the number: a raw cell, hex in the file.
		{patient, Record{Key: []connectors.Value{int64(3)}, Reason: "invalid_utf8", Values: []connectors.Value{int64(3), erased + "\xe5"}}},
		{visit, Record{Key: []connectors.Value{int64(10)}, Reason: "invalid_date", Values: []connectors.Value{int64(10), int64(1), "follow-up"}}},
		{visit, Record{Key: []connectors.Value{int64(11)}, Reason: "invalid_date", Values: []connectors.Value{int64(11), int64(2), "follow-up"}}},
	}
	for _, a := range adds {
		if err := w.Add(a.t, a.rec); err != nil {
			t.Fatal(err)
		}
	}
	w.AddValue(visit, Value{Key: []connectors.Value{int64(12)}, Column: "note", SourceColumn: "anteckning", Reason: "r", Value: "ring " + erased})
	// A key that is not UTF-8 is held as its bytes' hex (KeyText): the
	// number in it is found there too.
	w.AddValue(patient, Value{Key: []connectors.Value{erased + "\xe5"}, Column: "note", SourceColumn: "personnr", Reason: "r", Value: "x"})
	if _, err := w.Close(created); err != nil {
		t.Fatal(err)
	}
	identifies := func(v connectors.Value) bool {
		s, _ := v.(string)
		return strings.Contains(s, "121212")
	}
	res, err := Erase(context.Background(), dir, EraseRequest{Identifies: identifies, Reference: "Dnr 2026/123", Who: "anna", At: created.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records["patient"] != 2 || res.Linked["besok"] != 1 || res.Values["besok"] != 1 || res.Values["patient"] != 1 {
		t.Fatalf("result %+v", res)
	}
	if probs := Verify(dir); len(probs) > 0 {
		t.Fatalf("the erased package fails: %v", probs)
	}
	// No file holds the number, as text or as the hex of a raw cell.
	needles := [][]byte{[]byte("121212"), []byte(fmt.Sprintf("%X", "121212")), []byte(fmt.Sprintf("%x", "121212"))}
	filepath.WalkDir(filepath.Dir(dir), func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s still holds %s", p, n)
			}
		}
		return nil
	})
	p, _ := Open(dir)
	if got := readAll(t, p, "patient"); len(got) != 1 || got[0].Values[1] != kept {
		t.Fatalf("patients left: %+v", got)
	}
	if got := readAll(t, p, "besok"); len(got) != 1 || got[0].Values[0] != int64(11) {
		t.Fatalf("visits left: %+v", got)
	}
	events, _ := os.ReadFile(filepath.Join(dir, eventsName))
	if !bytes.Contains(events, []byte(`"event":"created"`)) || !bytes.Contains(events, []byte(`"event":"erased"`)) || !bytes.Contains(events, []byte("Dnr 2026/123")) {
		t.Fatalf("event log:\n%s", events)
	}
	for _, stale := range []string{dir + ".erase-new", dir + ".erase-old"} {
		if _, err := os.Stat(stale); !os.IsNotExist(err) {
			t.Fatalf("%s left behind", stale)
		}
	}
}

func TestEncryptedPackageRoundTrips(t *testing.T) {
	dir := writePackage(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pkg.tar.age")
	sum, err := Encrypt(dir, out, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{out, out + ".sha512"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	ct, _ := os.ReadFile(out)
	if got := fmt.Sprintf("%x", sha512.Sum512(ct)); got != sum {
		t.Fatal("the printed SHA-512 is not the ciphertext's")
	}
	if bytes.Contains(ct, []byte("Region B")) || bytes.Contains(ct, []byte("besok")) {
		t.Fatal("the ciphertext holds clear text")
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := Decrypt(context.Background(), out, filepath.Join(t.TempDir(), "x"), other); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("a wrong key gives %v", err)
	}
	back := filepath.Join(t.TempDir(), "back")
	p, err := Decrypt(context.Background(), out, back, id)
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p, "besok")
	if len(got) != 3 || !sameValue(got[1].Values[2], "Ko\xffr\xc3") {
		t.Fatalf("decrypted records %+v", got)
	}
	// A flipped ciphertext byte fails, naming the file.
	ct[len(ct)/2] ^= 1
	os.WriteFile(out, ct, 0o600)
	if _, err := Decrypt(context.Background(), out, filepath.Join(t.TempDir(), "y"), id); err == nil || !strings.Contains(err.Error(), out) {
		t.Fatalf("damaged ciphertext: %v", err)
	}
}

// A package whose records were archived because their parent was
// (parent_archived), but which records no link from their table to any
// other (written before packages kept the mapping's parent:), cannot
// erase them with their parent's person: Erase refuses, naming the table,
// rather than leave them and report that nothing referred to the person.
func TestEraseRefusesParentArchivedRecordsItCannotFollow(t *testing.T) {
	patient := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "personnr", Type: connectors.Type{Kind: connectors.KindText, Length: 13}, Nullable: true},
	}}
	visit := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "patient_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}}
	parent := connectors.ForeignKey{Name: ParentKey, Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}}
	// A link the source declared to another table (a care unit's): it
	// does not lead from a visit to its patient.
	unit := connectors.ForeignKey{Name: "besok_enhet", Columns: []string{"id"}, RefTable: "enhet", RefColumns: []string{"id"}}
	write := func(t *testing.T, fks ...connectors.ForeignKey) string {
		dir := filepath.Join(t.TempDir(), "pkg")
		w, err := Create(dir, testMeta())
		if err != nil {
			t.Fatal(err)
		}
		v := *visit
		v.ForeignKeys = fks
		for _, a := range []struct {
			t   *connectors.Table
			rec Record
		}{
			{patient, Record{Key: []connectors.Value{int64(1)}, Reason: "invalid_date", Values: []connectors.Value{int64(1), "19121212-1212"}}},
			{&v, Record{Key: []connectors.Value{int64(10)}, Reason: "parent_archived", Values: []connectors.Value{int64(10), int64(1)}}},
		} {
			if err := w.Add(a.t, a.rec); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Close(created); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	req := EraseRequest{Identifies: func(v connectors.Value) bool { return v == "19121212-1212" }, Reference: "Dnr 2026/124", Who: "anna", At: created.Add(time.Hour)}
	_, err := Erase(context.Background(), write(t), req)
	if err == nil || !strings.Contains(err.Error(), "besok") || !strings.Contains(err.Error(), "parent_archived") {
		t.Fatalf("erasing from a package that cannot follow parent_archived records: %v", err)
	}
	// A package written before packages kept the mapping's parent: whose
	// source declared another link of the table: the visit stayed while
	// erase said nothing referred to the person.
	res, err := Erase(context.Background(), write(t, unit), req)
	if err == nil || !strings.Contains(err.Error(), "besok") || !strings.Contains(err.Error(), "parent_archived") {
		t.Fatalf("erasing from a package whose only link of besok leads elsewhere: %+v, %v", res, err)
	}
	res, err = Erase(context.Background(), write(t, unit, parent), req)
	if err != nil || res.Records["patient"] != 1 || res.Linked["besok"] != 1 {
		t.Fatalf("erasing with the parent linked: %+v, %v", res, err)
	}
}
