package plans

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/mappings"
)

// Template is the half of a plan the strategy asks every registry to write
// on one template, for the registry holder to review and approve:
//
//	portfolio: ../portfolio.yaml     # the national portfolio, relative to the plan
//	register: {id: …, name: …, sub_registers: [Delregister X]}
//	step: B                          # the consolidation step of the current system
//	timeline:                        # planned dates, in this order
//	  plan_approved: 2027-02-01
//	  rehearsal: 2027-04-01
//	  legacy_frozen: 2027-09-01
//	  cut_over: 2027-09-02
//	  verified: 2027-09-10
//	  archive_handed_over: 2027-10-01
//	  legacy_decommissioned: 2028-03-01
//	support: text                    # support needed for planning and execution
//	practicalities: text             # register-specific practicalities
//	history:
//	  migrates: text                 # what history moves into the receiving system
//	  archived: text                 # what is archived instead, and why
//	  archive_owner: Region …        # must be the future CPUA
//	  retention: text
//	  review_date: 2032-10-01
//	cost: {sek: 450000, note: text}  # expected cost of the migration
//	measures: text                   # strategic measures before migrating
//	progress: {rehearsal: 2027-04-03}  # milestones done, as they happen
//	approvals:
//	  - {by: Name, role: registerhållare, date: 2027-01-20, sha256: …}
//
// Load reads these fields when present and checks their shape; a run
// needs none of them, so a rehearsal can start before the template is
// filled in. CheckTemplate says whether the template is complete and
// sensible (plan check, plan approve).
type Template struct {
	// Portfolio is the path of the portfolio file, relative to the plan.
	Portfolio    mappings.Str
	SubRegisters []mappings.Str
	// HasSubRegisters tells an absent sub_registers (not yet stated) from
	// an empty list (no sub-registers).
	HasSubRegisters bool
	Step            mappings.Str
	// Timeline holds the planned date of each milestone, Progress the date
	// each was done; both keyed by the names in Milestones.
	Timeline, Progress       map[string]Date
	Support, Practicalities  mappings.Str
	HistoryMigrates          mappings.Str
	HistoryArchived          mappings.Str
	ArchiveOwner             mappings.Str
	Retention                mappings.Str
	ReviewDate               Date
	CostSEK                  int64
	CostNote                 mappings.Str
	Measures                 mappings.Str
	Approvals                []Approval
	timelinePos, progressPos mappings.Pos
	historyPos, costPos      mappings.Pos
	hasTimeline, hasHistory  bool
	hasCost                  bool
	costSet                  mappings.Str
}

// Milestones are the timeline's milestones in the order they happen.
var Milestones = []string{"plan_approved", "rehearsal", "legacy_frozen", "cut_over", "verified", "archive_handed_over", "legacy_decommissioned"}

// Date is a calendar date written in the plan, with its position.
type Date struct {
	Time time.Time
	Pos  mappings.Pos
}

// IsSet reports whether the date was written (and could be read).
func (d Date) IsSet() bool { return !d.Time.IsZero() }

func (d Date) String() string {
	if !d.IsSet() {
		return ""
	}
	return d.Time.Format(time.DateOnly)
}

// Approval is one person's approval of one version of the plan: SHA256 is
// the plan's Hash when they approved it.
type Approval struct {
	By, Role mappings.Str
	Date     Date
	SHA256   mappings.Str
	Pos      mappings.Pos
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// readTemplate reads the template's fields from the plan's top level,
// checking only their shape.
func (p *Plan) readTemplate(f *mappings.Fields) {
	t := &p.Template
	ds := f.Diags()
	t.Portfolio = f.Str("portfolio")
	t.Step = f.Str("step")
	if t.Step.IsSet() && !strings.Contains("ABCD", t.Step.Value) || t.Step.IsSet() && len(t.Step.Value) != 1 {
		*ds = append(*ds, mappings.Diagnostic{Pos: t.Step.Pos, Code: "P030", Message: "step must be A, B, C or D: the consolidation step of the current system"})
	}
	t.Timeline = readMilestones(f, "timeline", &t.timelinePos, &t.hasTimeline)
	var hasProgress bool
	t.Progress = readMilestones(f, "progress", &t.progressPos, &hasProgress)
	t.Support = f.Str("support")
	t.Practicalities = f.Str("practicalities")
	t.Measures = f.Str("measures")
	if f.Node("history") != nil {
		h := mappings.ReadFields(f.File(), f.Node("history"), ds, "history")
		t.hasHistory, t.historyPos = true, h.Pos()
		t.HistoryMigrates, t.HistoryArchived = h.Str("migrates"), h.Str("archived")
		t.ArchiveOwner, t.Retention = h.Str("archive_owner"), h.Str("retention")
		t.ReviewDate = readDate(h, "review_date")
		h.Done()
	}
	if f.Node("cost") != nil {
		c := mappings.ReadFields(f.File(), f.Node("cost"), ds, "cost")
		t.hasCost, t.costPos = true, c.Pos()
		t.costSet = c.Str("sek")
		if t.costSet.Value != "" {
			n, err := strconv.ParseInt(t.costSet.Value, 10, 64)
			if err != nil || n < 0 {
				*ds = append(*ds, mappings.Diagnostic{Pos: t.costSet.Pos, Code: "P030", Message: "cost.sek must be a whole number of kronor, 0 or more"})
			}
			t.CostSEK = n
		}
		t.CostNote = c.Str("note")
		c.Done()
	}
	for _, n := range f.Seq("approvals") {
		a := mappings.ReadFields(f.File(), n, ds, "an approval")
		ap := Approval{By: a.Str("by"), Role: a.Str("role"), Date: readDate(a, "date"), SHA256: a.Str("sha256"), Pos: a.Pos()}
		for _, s := range []struct {
			v    mappings.Str
			name string
		}{{ap.By, "by"}, {ap.Role, "role"}, {ap.SHA256, "sha256"}} {
			if strings.TrimSpace(s.v.Value) == "" {
				*ds = append(*ds, mappings.Diagnostic{Pos: ap.Pos, Code: "P030", Message: fmt.Sprintf("an approval needs %s (plan approve writes by, role, date and sha256)", s.name)})
			}
		}
		if ap.Date.Pos.Line == 0 {
			*ds = append(*ds, mappings.Diagnostic{Pos: ap.Pos, Code: "P030", Message: "an approval needs date"})
		}
		if ap.SHA256.Value != "" && !sha256Hex.MatchString(ap.SHA256.Value) {
			*ds = append(*ds, mappings.Diagnostic{Pos: ap.SHA256.Pos, Code: "P030", Message: "an approval's sha256 must be 64 lowercase hexadecimal digits"})
		}
		a.Done()
		t.Approvals = append(t.Approvals, ap)
	}
}

// readSubRegisters reads register.sub_registers.
func (p *Plan) readSubRegisters(reg *mappings.Fields) {
	p.Template.HasSubRegisters = reg.Node("sub_registers") != nil
	p.Template.SubRegisters = reg.Strs("sub_registers")
}

func readMilestones(f *mappings.Fields, key string, pos *mappings.Pos, has *bool) map[string]Date {
	out := map[string]Date{}
	if f.Node(key) == nil {
		return out
	}
	m := mappings.ReadFields(f.File(), f.Node(key), f.Diags(), key)
	*pos, *has = m.Pos(), true
	for _, name := range Milestones {
		if d := readDate(m, name); d.Pos.Line != 0 {
			out[name] = d
		}
	}
	m.Done()
	return out
}

// readDate reads a YYYY-MM-DD date; a malformed one is reported (P022).
func readDate(f *mappings.Fields, key string) Date {
	s := f.Str(key)
	if !s.IsSet() || s.Value == "" {
		return Date{} // a key left empty (plan new writes them so) is missing
	}
	t, err := time.Parse(time.DateOnly, s.Value)
	if err != nil {
		*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: s.Pos, Code: "P022", Message: fmt.Sprintf("%s must be a date, YYYY-MM-DD", key)})
		return Date{Pos: s.Pos} // written, but no date: not reported missing too
	}
	return Date{Time: t, Pos: s.Pos}
}

// CheckTemplate reports what the template lacks or gets wrong, without the
// portfolio (see portfolio.CheckPlan for what needs it): every field
// present, the milestones in order, the history's review after its
// handover, the archive owner the future CPUA, and every approval made on
// the plan as it stands. in are the plan's files, for the hash; nil skips
// the approvals (their files could not be read, which is reported
// elsewhere).
func (p *Plan) CheckTemplate(in *Inputs) mappings.Diagnostics {
	var ds mappings.Diagnostics
	t := &p.Template
	top := mappings.Pos{File: p.File, Line: 1, Column: 1}
	missing := func(at mappings.Pos, field, what string) {
		ds = append(ds, mappings.Diagnostic{Pos: at, Code: "P021", Message: fmt.Sprintf("the template needs %s: %s", field, what)})
	}
	text := func(s mappings.Str, at mappings.Pos, field, what string) {
		if strings.TrimSpace(s.Value) == "" {
			if s.IsSet() {
				at = s.Pos
			}
			missing(at, field, what)
		}
	}
	text(t.Portfolio, top, "portfolio", "the path of the national portfolio file, relative to this plan (../portfolio.yaml, say)")
	if !t.HasSubRegisters {
		missing(p.RegisterID.Pos, "register.sub_registers", "the sub-registers (delregister) migrating with the register; [] when there are none")
	}
	text(t.Step, top, "step", "the consolidation step (A, B, C or D) of the current system")
	if !t.hasTimeline {
		missing(top, "timeline", "the planned date of each milestone: "+strings.Join(Milestones, ", "))
	} else {
		for _, name := range Milestones {
			if t.Timeline[name].Pos.Line == 0 {
				missing(t.timelinePos, "timeline."+name, "its planned date, YYYY-MM-DD")
			}
		}
	}
	text(t.Support, top, "support", "the support needed for planning and carrying out the migration")
	text(t.Practicalities, top, "practicalities", "the register-specific practicalities and how they are solved")
	text(t.Measures, top, "measures", "the strategic measures before migrating (such as merging sub-registers), or why none are needed")
	if !t.hasHistory {
		missing(top, "history", "what history migrates, what is archived, the archive owner, retention and review date")
	} else {
		text(t.HistoryMigrates, t.historyPos, "history.migrates", "what history moves into the receiving system")
		text(t.HistoryArchived, t.historyPos, "history.archived", "what history is archived instead, and why")
		text(t.ArchiveOwner, t.historyPos, "history.archive_owner", "who owns the archived history: the future CPUA")
		text(t.Retention, t.historyPos, "history.retention", "how long the archive is kept")
		if t.ReviewDate.Pos.Line == 0 {
			missing(t.historyPos, "history.review_date", "when the archive's retention is reviewed, YYYY-MM-DD")
		}
	}
	if !t.hasCost || t.costSet.Value == "" {
		at := top
		if t.hasCost {
			at = t.costPos
		}
		missing(at, "cost.sek", "the expected cost of the migration in kronor")
	}

	ds = append(ds, inOrder(t.Timeline, "planned")...)
	ds = append(ds, inOrder(t.Progress, "done")...)
	for _, name := range Milestones {
		// A planned date copied into progress says a milestone is done
		// that is not: the follow-up would count it.
		if d := t.Progress[name]; d.IsSet() && d.Time.After(Today()) {
			ds = append(ds, mappings.Diagnostic{Pos: d.Pos, Code: "P023", Message: fmt.Sprintf(
				"%s is recorded done on %s, after today (%s): record a milestone in progress once it is done (planned dates go under timeline)", name, d, Today().Format(time.DateOnly))})
		}
	}
	if h := t.Timeline["archive_handed_over"]; h.IsSet() && t.ReviewDate.IsSet() && !t.ReviewDate.Time.After(h.Time) {
		ds = append(ds, mappings.Diagnostic{Pos: t.ReviewDate.Pos, Code: "P023", Message: fmt.Sprintf("history.review_date %s is not after the archive is handed over (%s)", t.ReviewDate, h)})
	}
	// The strategy makes the CPUA after the migration responsible for the
	// history, archived or not: an archive owned by anyone else is history
	// nobody answers for.
	if t.ArchiveOwner.Value != "" && p.CPUAFuture.Value != "" && normName(t.ArchiveOwner.Value) != normName(p.CPUAFuture.Value) {
		ds = append(ds, mappings.Diagnostic{Pos: t.ArchiveOwner.Pos, Code: "P024", Message: fmt.Sprintf(
			"the archive owner %q is not the future CPUA %q (cpua.future at line %d): the CPUA after the migration is responsible for the history, archived or not",
			t.ArchiveOwner.Value, p.CPUAFuture.Value, p.CPUAFuture.Pos.Line)})
	}
	for _, a := range t.Approvals {
		if a.Date.IsSet() && a.Date.Time.After(Today()) {
			ds = append(ds, mappings.Diagnostic{Pos: a.Date.Pos, Code: "P030", Message: fmt.Sprintf(
				"the approval by %s (%s) is dated %s, after today (%s): an approval records the day it was given", a.By.Value, a.Role.Value, a.Date, Today().Format(time.DateOnly))})
		}
	}
	if in != nil && len(t.Approvals) > 0 {
		sum, err := p.Hash(in)
		if err != nil {
			ds = append(ds, mappings.Diagnostic{Pos: t.Approvals[0].Pos, Code: "P025", Message: fmt.Sprintf("the plan's hash cannot be computed: %v", err)})
		}
		for _, a := range t.Approvals {
			if err == nil && a.SHA256.Value != "" && a.SHA256.Value != sum {
				ds = append(ds, mappings.Diagnostic{Pos: a.SHA256.Pos, Code: "P025", Message: fmt.Sprintf(
					"the approval by %s (%s, %s) is of another version of the plan (sha256 %.12s…, now %.12s…): the plan or a file it names changed since; approve it again with regflytt plan approve, or remove the approval",
					a.By.Value, a.Role.Value, a.Date, a.SHA256.Value, sum)})
			}
		}
	}
	return ds
}

// Begun reports whether the plan holds any of the template's fields: a
// plan with none is a technical starter (regflytt init writes one) that
// can run but not be reviewed or approved.
func (t *Template) Begun() bool {
	return t.Portfolio.IsSet() || t.HasSubRegisters || t.Step.IsSet() || t.hasTimeline || t.Support.IsSet() ||
		t.Practicalities.IsSet() || t.Measures.IsSet() || t.hasHistory || t.hasCost || len(t.Approvals) > 0
}

// inOrder reports the milestones dated before one that comes earlier.
func inOrder(dates map[string]Date, what string) mappings.Diagnostics {
	var ds mappings.Diagnostics
	prev := ""
	for _, name := range Milestones {
		d, ok := dates[name]
		if !ok || !d.IsSet() {
			continue
		}
		if prev != "" && d.Time.Before(dates[prev].Time) {
			ds = append(ds, mappings.Diagnostic{Pos: d.Pos, Code: "P023", Message: fmt.Sprintf(
				"%s is %s for %s, before %s (%s): milestones come in the order %s", name, what, d, prev, dates[prev], strings.Join(Milestones, ", "))})
		}
		prev = name
	}
	return ds
}

// normName compares organisation names as people write them: case and
// runs of spaces do not matter.
func normName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Approved reports whether the registry holder approved the plan as it
// stands (sum is the plan's Hash), by name, on a day that has come. The strategy
// makes the registry holder the one who approves the plan: an approval of
// the same version in another role (the CPUA's, the RCO's) is recorded and
// shown, but does not approve it, and one dated after today says an
// approval was given that was not.
func (p *Plan) Approved(sum string) bool {
	for _, a := range p.Template.Approvals {
		if a.SHA256.Value == sum && strings.TrimSpace(a.By.Value) != "" && HolderRole(a.Role.Value) && a.Date.IsSet() && !a.Date.Time.After(Today()) {
			return true
		}
	}
	return false
}

// HolderRole reports whether role is the registry holder's, written in
// Swedish (registerhållare, as the template and plan approve's help have
// it) or in English (registry holder, as plan render --lang en has it).
func HolderRole(role string) bool {
	switch normName(role) {
	case "registerhållare", "registry holder":
		return true
	}
	return false
}

// Today is the current date (local time) at midnight UTC, as dates
// written in a plan are read: an approval dated after it is refused.
func Today() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// unhashedKeys are the top-level sections that record what happened to the
// plan rather than what it says: leaving them out of the hash lets an
// approval or a milestone done be recorded without making every earlier
// approval stale.
var unhashedKeys = map[string]bool{"approvals": true, "progress": true}

// yamlLines splits text after each line break YAML counts, so that line
// n of a yaml.Node is element n-1: a newline, CR LF, and also a lone
// carriage return, NEL, LS and PS, which yaml.v3 reads as breaks too.
// Split at newlines only, such a break (a comment pasted from a word
// processor) shifted every later line number by one, and a section cut
// or edited by its nodes' lines was cut one line late.
func yamlLines(text string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(text); {
		n := 0
		switch {
		case strings.HasPrefix(text[i:], "\r\n"):
			n = 2
		case text[i] == '\r' || text[i] == '\n':
			n = 1
		case strings.HasPrefix(text[i:], "\u0085"), strings.HasPrefix(text[i:], "\u2028"), strings.HasPrefix(text[i:], "\u2029"):
			_, n = utf8.DecodeRuneInString(text[i:])
		}
		if n == 0 {
			i++
			continue
		}
		i += n
		lines = append(lines, text[start:i])
		start = i
	}
	if start < len(text) {
		lines = append(lines, text[start:])
	}
	return lines
}

// hashedText is the plan file's text with the lines of its approvals and
// progress sections cut out: from the line of the key to the line before
// the next top-level key (or the end of the file), comments in between
// included.
func hashedText(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("the plan is not valid YAML: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("the plan is not a mapping of fields")
	}
	root := doc.Content[0]
	lines := yamlLines(string(data))
	cut := make([]bool, len(lines)+1)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if !unhashedKeys[k.Value] {
			continue
		}
		if root.Style&yaml.FlowStyle != 0 {
			return nil, fmt.Errorf("write the plan in block style (one field a line) so that its %s can be told apart from the rest", k.Value)
		}
		end := len(lines) + 1
		if i+2 < len(root.Content) {
			end = root.Content[i+2].Line
		}
		for l := k.Line; l < end && l <= len(lines); l++ {
			cut[l] = true
		}
	}
	var b strings.Builder
	for i, l := range lines {
		if !cut[i+1] {
			b.WriteString(l)
		}
	}
	return []byte(b.String()), nil
}
