package scan_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/plans/synth"
)

// identityNumbers reads every text value of the source that has the
// shape of an identity number, in every column, as written and with its
// separator and spaces removed.
func identityNumbers(t *testing.T, url string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for i := range tables {
		rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			for _, v := range rows.Row() {
				s, ok := v.(string)
				if !ok {
					continue
				}
				s = strings.TrimFunc(s, unicode.IsSpace)
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, s)
				if (len(digits) == 10 || len(digits) == 12) && len(s) <= 13 && strings.Trim(s, "0123456789-+") == "" {
					out[s] = true
					out[digits] = true
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// No output of a scan holds an identity number of the source: not the
// report in any format, not the proposed schema, not the mapping
// skeleton.
func TestNoIdentityNumberInAnyOutput(t *testing.T) {
	for _, p := range synth.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			db := generate(t, p, 500)
			numbers := identityNumbers(t, db.url)
			if len(numbers) < 500 {
				t.Fatalf("only %d identity numbers read from the source: the test would prove little", len(numbers))
			}
			rep := scanURL(t, db.url)
			outputs := map[string][]byte{}
			var b bytes.Buffer
			for name, write := range map[string]func() error{
				"report.json": func() error { return rep.WriteJSON(&b) },
				"report.md":   func() error { return rep.WriteMarkdown(&b) },
				"report.html": func() error { return rep.WriteHTML(&b) },
				"schema.yaml": func() error { return rep.WriteSchema(&b, "receiving", postgres.Dialect{}) },
			} {
				b.Reset()
				if err := write(); err != nil {
					t.Fatal(err)
				}
				outputs[name] = bytes.Clone(b.Bytes())
			}
			files := rep.Skeleton("receiving", postgres.Dialect{})
			if len(files) == 0 {
				t.Fatal("the skeleton has no file")
			}
			for _, f := range files {
				outputs["skeleton/"+f.Name] = f.Data
			}
			for name, data := range outputs {
				if len(data) < 100 {
					t.Errorf("%s is nearly empty (%d bytes)", name, len(data))
				}
				for n := range numbers {
					if bytes.Contains(data, []byte(n)) {
						t.Errorf("%s holds an identity number of the source (shape %s)", name, strings.Map(func(r rune) rune {
							if unicode.IsDigit(r) {
								return '9'
							}
							return r
						}, n))
						break
					}
				}
			}
		})
	}
}
