package mappings

import (
	"strings"
	"testing"
)

// The Markdown a registry holder approves is built from text the plan's
// author writes (a plan's support:, a drop's reason, a rule's detail:, a
// table's name). A block scalar of several lines put a heading of its own
// into the page ("## Godkännande" then "Status: godkänd i denna
// version." under the plan's real "Status: utkast"), and a tag was
// passed to whatever renders the Markdown as HTML. Text stays text: a
// line of it starts no heading, list, quote, code block or link
// definition, underlines no line into a heading, and opens no tag.
func TestWriteMarkdownKeepsAuthorsTextText(t *testing.T) {
	forged := "RCO-stöd.\n\n## Godkännande\n\nStatus: godkänd i denna version. <script>alert(1)</script>\n# Approved\nSigned\n===\n> quoted\n- item\n1. first\n    indented code\n```\nfence\n[x]: https://example.org\n<!-- hidden -->"
	blocks := []DocBlock{
		NewDocBlock(1, "Plan: demo\n# Approved <img src=x onerror=alert(1)>", []string{"State: draft, not approved."}, nil, nil),
		NewDocBlock(2, "Support needed", []string{forged}, nil, nil),
		NewDocBlock(2, "Table", nil, []string{"column", "why"}, [][]string{{"<script>x</script>", "a\n# Approved"}}),
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, blocks); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	var headings []string
	prev := ""
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "#") {
			headings = append(headings, line)
		}
		for _, start := range []string{">", "- ", "1. ", "```", "[x]:", "    "} {
			if strings.HasPrefix(line, start) {
				t.Errorf("the author's text starts a Markdown block with %q: %q\n%s", start, line, out)
			}
		}
		if strings.Trim(line, "=") == "" && line != "" && prev != "" {
			t.Errorf("the author's text underlines %q into a heading\n%s", prev, out)
		}
		prev = line
	}
	if len(headings) != 3 {
		t.Errorf("want the document's 3 headings, got %d: %q\n%s", len(headings), headings, out)
	}
	for _, tag := range []string{"<script", "<img", "<!--", "</script"} {
		if strings.Contains(out, tag) {
			t.Errorf("the Markdown opens a tag %s from the author's text\n%s", tag, out)
		}
	}
	// The words are all still there, for the holder to read.
	for _, w := range []string{"Godkännande", "Status: godkänd i denna version.", "alert(1)", "Approved", "quoted", "item", "first", "fence", "https://example.org", "hidden"} {
		if !strings.Contains(out, w) {
			t.Errorf("the text %q is lost\n%s", w, out)
		}
	}
}
