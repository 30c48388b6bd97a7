package mappings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A key given twice is an error in every kind of file regflytt reads,
// at the second place and naming the first; yaml.v3 alone keeps both and
// the readers would take the first silently.
func TestDuplicateKeysInEveryFileKind(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lists := write("lists.yaml", `codelists:
  - name: smoking
    versions:
      "1": {"1": current}
      "1": {"1": never}
`)
	cases := []struct {
		name string
		load func() Diagnostics
		want []string // second:first positions, as line:col
	}{
		{"mapping", func() Diagnostics {
			_, ds := ParseFile(write("m.yaml", `tables:
  - target: visit
    source: besok
    source: patient
    columns: {visit_id: id}
`))
			return ds
		}, []string{"m.yaml:4:5 first at " + filepath.Join(dir, "m.yaml") + ":3:5"}},
		{"mapping column", func() Diagnostics {
			_, ds := ParseFile(write("m2.yaml", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: {from: id, cast: bigint, cast: integer}
`))
			return ds
		}, []string{"m2.yaml:5:42 first at " + filepath.Join(dir, "m2.yaml") + ":5:28"}},
		{"inline code-list versions", func() Diagnostics {
			_, ds := ParseFile(write("m3.yaml", `codelists:
  - name: sex
    versions:
      "1": {M: male}
      "2": {M: male, M: female}
tables: []
`))
			return ds
		}, []string{"m3.yaml:5:22 first at " + filepath.Join(dir, "m3.yaml") + ":5:13"}},
		{"code-list file", func() Diagnostics {
			var ds Diagnostics
			LoadCodeLists(lists, &ds)
			return ds
		}, []string{"lists.yaml:5:7 first at " + lists + ":4:7"}},
		{"schema", func() Diagnostics {
			_, ds := LoadSchema(write("schema.yaml", `platform: x
platform: y
tables:
  - name: t
    primary_key: [id]
    columns:
      - {name: id, type: integer, type: bigint}
`))
			return ds
		}, []string{
			"schema.yaml:2:1 first at " + filepath.Join(dir, "schema.yaml") + ":1:1",
			"schema.yaml:7:35 first at " + filepath.Join(dir, "schema.yaml") + ":7:20",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, d := range c.load() {
				if d.Code != "Y004" {
					continue
				}
				_, first, _ := strings.Cut(d.Message, "(first at ")
				first, _, _ = strings.Cut(first, ")")
				got = append(got, filepath.Base(d.Pos.File)+":"+strings.TrimPrefix(d.Pos.String(), d.Pos.File+":")+" first at "+first)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("Y004 diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// A file of the wrong kind (data named as a mapping) never has its
// contents quoted in a diagnostic.
func TestWrongKindOfFileIsNotEchoed(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"data.yaml":   "191212121212: Kalle Anka\n19121212-1212: x\n",
		"anchor.yaml": "a: *191212121212\n",
		"binary.yaml": "\x00\x01191212121212\xff\xfe",
		"csv.yaml":    "personnr,namn\n191212121212,Kalle Anka\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, ds := ParseFile(p)
		if len(ds) == 0 {
			t.Errorf("%s: accepted as a mapping", name)
		}
		for _, d := range ds {
			msg := d.Message
			if strings.Contains(msg, "191212") || strings.Contains(msg, "Kalle") {
				t.Errorf("%s: a diagnostic quotes the file: %s", name, d)
			}
		}
	}
}

// What yaml.v3 quotes of its own grammar stays in the message: the fix
// depends on it.
func TestYAMLErrorKeepsGrammarTokens(t *testing.T) {
	_, ds := ParseYAMLBytes("m.yaml", []byte("a: {b: f(x, \"y\"), c: 1\n"))
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "did not find expected ',' or '}'") {
		t.Fatalf("got %v", ds)
	}
}
