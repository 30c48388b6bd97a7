package plans

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrApprovalsNotEditable is returned by Approve for an approvals section
// it cannot add to without rewriting the author's text (a flow-style list
// with entries in it).
var ErrApprovalsNotEditable = errors.New("the approvals section cannot be added to")

// Approve records in the plan file that by, in role, approved the plan as
// it stands on date, with the plan's Hash, and returns the hash. The file
// is edited as text, so that its comments and layout stay as the author
// wrote them: the entry is added at the end of the approvals section (made
// at the end of the file when there is none), replacing an earlier
// approval by the same person in the same role, which a change of the
// plan made stale or which this one repeats. The plan is written anew
// (a temporary file renamed over it) and read back: if the recorded hash
// is not the plan's hash then, the old file is put back.
//
// Approve does not judge the plan: the caller checks it first (plan
// approve refuses a plan plan check rejects).
func (p *Plan) Approve(in *Inputs, by, role string, date time.Time) (string, error) {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(role) == "" {
		return "", fmt.Errorf("approve %s: the approver's name and role are needed", p.File)
	}
	day := date.Format(time.DateOnly)
	if d, _ := time.Parse(time.DateOnly, day); d.After(Today()) {
		return "", fmt.Errorf("approve %s: the date %s is after today (%s): an approval records the day it was given", p.File, day, Today().Format(time.DateOnly))
	}
	old, err := os.ReadFile(p.File)
	if err != nil {
		return "", fmt.Errorf("approve: %w", err)
	}
	text := string(old)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	const placeholder = "0000000000000000000000000000000000000000000000000000000000000000"
	edited, err := addApproval(text, by, role, day, placeholder)
	if err != nil {
		return "", fmt.Errorf("approve %s: %w", p.File, err)
	}
	// The hash leaves the approvals out, so the placeholder does not count.
	if err := writeAtomic(p.File, []byte(edited)); err != nil {
		return "", fmt.Errorf("approve: %w", err)
	}
	restore := func(cause error) (string, error) {
		if werr := writeAtomic(p.File, old); werr != nil {
			return "", fmt.Errorf("approve %s: %w; and the plan could not be put back: %v", p.File, cause, werr)
		}
		return "", fmt.Errorf("approve %s: %w (the plan is as it was)", p.File, cause)
	}
	sum, err := p.Hash(in)
	if err != nil {
		return restore(err)
	}
	if err := writeAtomic(p.File, []byte(strings.Replace(edited, placeholder, sum, 1))); err != nil {
		return restore(err)
	}
	back, ds := Load(p.File)
	if back == nil || ds.Err() != nil {
		return restore(fmt.Errorf("the edited plan does not read back: %v", ds))
	}
	if again, err := back.Hash(in); err != nil || again != sum || !recorded(back, by, role, sum) {
		return restore(fmt.Errorf("the recorded approval does not match the plan's hash"))
	}
	return sum, nil
}

// recorded reports whether the plan holds by's approval in role of the
// version sum.
func recorded(p *Plan, by, role, sum string) bool {
	for _, a := range p.Template.Approvals {
		if a.SHA256.Value == sum && normName(a.By.Value) == normName(by) && normName(a.Role.Value) == normName(role) {
			return true
		}
	}
	return false
}

// addApproval adds one approval entry to the plan's text.
func addApproval(text, by, role, date, sum string) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return "", fmt.Errorf("the plan is not valid YAML: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode || doc.Content[0].Style&yaml.FlowStyle != 0 {
		return "", fmt.Errorf("%w: the plan is not a block mapping of fields", ErrApprovalsNotEditable)
	}
	root := doc.Content[0]
	// Lines as YAML counts them (yamlLines), which the nodes' lines are.
	lines := yamlLines(text)
	entry := func(indent string) []string {
		pad := indent + "  "
		return []string{
			indent + "- by: " + scalar(by) + "\n",
			pad + "role: " + scalar(role) + "\n",
			pad + "date: " + date + "\n",
			pad + "sha256: " + sum + "\n",
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "approvals" {
			continue
		}
		end := len(lines) + 1 // 1-based line after the section
		if i+2 < len(root.Content) {
			end = root.Content[i+2].Line
		}
		// Column-1 comments and blank lines just before the next key
		// belong to it, not to the approvals.
		for end-1 > k.Line && isLoose(lines[end-2]) {
			end--
		}
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null",
			v.Kind == yaml.SequenceNode && len(v.Content) == 0:
			// approvals: (nothing), or approvals: []
			if v.Line == k.Line {
				lines[k.Line-1] = strings.Repeat(" ", k.Column-1) + "approvals:\n"
			}
			return strings.Join(splice(lines, end, end, entry("  ")), ""), nil
		case v.Kind != yaml.SequenceNode || v.Style&yaml.FlowStyle != 0:
			return "", fmt.Errorf("%w: write approvals as a block list (one '- by:' entry a line) so that plan approve can add to it", ErrApprovalsNotEditable)
		}
		indent := strings.Repeat(" ", v.Column-1)
		// Drop the earlier approvals by the same person in the same role,
		// from the last so that line numbers stay valid.
		for j := len(v.Content) - 1; j >= 0; j-- {
			item := v.Content[j]
			if !sameApprover(item, by, role) {
				continue
			}
			stop := end
			if j+1 < len(v.Content) {
				stop = v.Content[j+1].Line
			}
			lines = splice(lines, item.Line, stop, nil)
			end -= stop - item.Line
		}
		return strings.Join(splice(lines, end, end, entry(indent)), ""), nil
	}
	return strings.Join(append(lines, append([]string{"approvals:\n"}, entry("  ")...)...), ""), nil
}

// splice replaces lines [from, to) (1-based) with repl.
func splice(lines []string, from, to int, repl []string) []string {
	out := append([]string{}, lines[:from-1]...)
	out = append(out, repl...)
	return append(out, lines[to-1:]...)
}

func isLoose(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(line, "#")
}

func sameApprover(item *yaml.Node, by, role string) bool {
	if item.Kind != yaml.MappingNode {
		return false
	}
	var gotBy, gotRole string
	for i := 0; i+1 < len(item.Content); i += 2 {
		switch item.Content[i].Value {
		case "by":
			gotBy = item.Content[i+1].Value
		case "role":
			gotRole = item.Content[i+1].Value
		}
	}
	return normName(gotBy) == normName(by) && normName(gotRole) == normName(role)
}

// scalar writes s as a YAML scalar, quoted when it has to be.
func scalar(s string) string {
	b, err := yaml.Marshal(s)
	if err != nil || strings.Count(string(b), "\n") > 1 {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// writeAtomic replaces path with data through a temporary file in the same
// directory, keeping the file's mode.
func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plan-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
