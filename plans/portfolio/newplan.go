package portfolio

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// NewPlan writes a plan for the registry named register, moving to the
// chosen receiver to, pre-filled from the portfolio: the registry's
// current system and its step, the RCO where the portfolio names one, the
// receiving system. What the portfolio does not know (the CPUAs, dates,
// texts, the technical run) is left empty for the author, with a comment
// saying what belongs there; plan check names each until it is filled.
// portfolioPath is written as the plan's portfolio: field.
func (pf *Portfolio) NewPlan(register, to, portfolioPath string) (string, error) {
	home := pf.Home(register)
	if home == nil {
		return "", fmt.Errorf("new plan: the portfolio lists no registry %q", register)
	}
	if !slated(home) {
		return "", fmt.Errorf("new plan: %q is on %s, which remains after the consolidation (step %s): it is not slated to move", register, home.ID, home.Step)
	}
	dest := pf.System(to)
	if dest == nil || !dest.ProposedReceiver {
		return "", fmt.Errorf("new plan: %q is not a chosen receiver; registries migrate only to: %s", to, ids(pf.Receivers()))
	}
	name := register
	for _, r := range home.Registries {
		if pfNorm(r) == pfNorm(register) {
			name = r
		}
	}
	rco := func(s *System) (string, string) {
		var names []string
		for _, id := range s.RCOs {
			if r := pf.RCO(id); r != nil {
				names = append(names, r.Name)
			}
		}
		if len(names) == 1 {
			return q(names[0]), ""
		}
		if len(names) == 0 {
			return `""`, " # the portfolio names no RCO for " + s.ID
		}
		return `""`, " # one of: " + strings.Join(names, ", ")
	}
	rcoNow, rcoNowNote := rco(home)
	rcoNext, rcoNextNote := rco(dest)
	id := planID(name)
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Migration plan of %s, from %s to %s: written by regflytt plan new from the\n", name, home.Name, dest.Name)
	w("# portfolio. Fill in what is empty; regflytt plan check names what is still missing.\n")
	w("plan: 1\nportfolio: %s\n", q(portfolioPath))
	w("register:\n  id: %s\n  name: %s\n  sub_registers: [] # the sub-registers (delregister) that move with it\n", id, q(name))
	w("system:\n  current: %s\n  chosen: %s\n", home.ID, dest.ID)
	w("step: %s # the portfolio's consolidation step of %s\n", home.Step, home.ID)
	if home.Condition != "" {
		w("# Step %s is conditional: %s\n", home.Step, oneLine(home.Condition))
	}
	w("cpua:\n  current: \"\" # the authority that is CPUA today\n  future: \"\" # the authority that is CPUA after the migration (one of the portfolio's authorities)\n")
	w("rco:\n  current: %s%s\n  future: %s%s\n", rcoNow, rcoNowNote, rcoNext, rcoNextNote)
	w("timeline: # planned dates, YYYY-MM-DD, in this order\n")
	for _, m := range []string{"plan_approved", "rehearsal", "legacy_frozen", "cut_over", "verified", "archive_handed_over", "legacy_decommissioned"} {
		w("  %s:\n", m)
	}
	w("support: \"\" # support needed for planning and carrying out the migration\n")
	w("practicalities: \"\" # register-specific practicalities and how they are solved\n")
	w("history:\n  migrates: \"\"\n  archived: \"\"\n  archive_owner: \"\" # the future CPUA\n  retention: \"\"\n  review_date:\n")
	w("cost:\n  sek: # expected cost in kronor\n  note: \"\"\n")
	w("measures: \"\" # strategic measures before migrating, such as merging sub-registers\n")
	w("source:\n  url: env:REGFLYTT_SOURCE\ntarget:\n  url: env:REGFLYTT_TARGET\n  schema: schema.yaml # the receiving schema of %s\n", dest.ID)
	w("mappings:\n  - mappings.yaml\narchive:\n  dir: archive\n")
	w("# Patients who opted out: the source table (or a file, one number a line)\n")
	w("# listing them, or why the register has none, optout: {none: reason}.\n")
	w("# Until the plan says one or the other, plan check and run warn (P012).\n")
	w("# optout: {table: TABLE, column: COLUMN}\n")
	return b.String(), nil
}

// q writes s as a YAML scalar, quoted when it has to be.
func q(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil || strings.Count(string(b), "\n") > 1 {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(b), "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// planID makes a register id from its name: lowercase letters and digits
// joined by '-', Swedish letters folded.
func planID(name string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e", "Å", "a", "Ä", "a", "Ö", "o")
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(r.Replace(name)) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
