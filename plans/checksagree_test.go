package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// verdicts is what plan check, map check, map dry-run and run say of one
// plan: each refusal's "file:line:col: error CODE"s (the whole text when
// it names no place), "" when it accepts.
type verdicts struct {
	plan, mapCheck, dry, run string
	dryRep                   *plans.DryRunReport
	rep                      *verify.Report
}

var errorAt = regexp.MustCompile(`[^\s:]+\.yaml:\d+:\d+: error [A-Z]\d+`)

// refusal gives the places and codes of the errors in text, sorted ("" for
// none); text that names no place but is an error is returned whole.
func refusal(text string) string {
	ms := errorAt.FindAllString(text, -1)
	if len(ms) == 0 {
		return text
	}
	for i, m := range ms {
		ms[i] = filepath.Base(m)
	}
	sort.Strings(ms)
	return strings.Join(slices.Compact(ms), ", ")
}

// errorsOf gives the error diagnostics of ds as text.
func errorsOf(ds mappings.Diagnostics) string {
	var out []string
	for _, d := range ds {
		if d.Severity == mappings.Error {
			out = append(out, d.String())
		}
	}
	return strings.Join(out, "\n")
}

// fourChecks runs plan check, map check, map dry-run and run (into
// dir/t.db) on the plan at path, over the source at srcURL.
func fourChecks(t *testing.T, path, srcURL, dir string) verdicts {
	t.Helper()
	ctx := context.Background()
	var v verdicts
	_, ds := plans.Check(path)
	v.plan = refusal(errorsOf(ds))
	p, ds := plans.Load(path)
	if err := ds.Err(); err != nil {
		t.Fatalf("load: %v", err)
	}
	opts := plans.Options{SourceURL: srcURL}
	mds, err := plans.CheckMappings(ctx, p, opts)
	var stopped mappings.Diagnostics
	switch {
	case errors.As(err, &stopped):
		v.mapCheck = refusal(errorsOf(stopped))
	case err != nil:
		v.mapCheck = refusal(err.Error())
	default:
		v.mapCheck = refusal(errorsOf(mds))
	}
	if v.dryRep, err = plans.DryRun(ctx, p, opts); err != nil {
		v.dry = refusal(err.Error())
	} else if len(v.dryRep.Problems) > 0 || v.dryRep.ValuesLost() > 0 {
		v.dry = "problems: " + strings.Join(v.dryRep.Problems, "; ")
	}
	opts.TargetURL, opts.WorkDir = "sqlite://"+filepath.Join(dir, "t.db"), dir
	if v.rep, err = plans.Run(ctx, p, opts); err != nil {
		v.run = refusal(err.Error())
	} else if !v.rep.Pass {
		v.run = "FAIL: " + strings.Join(v.rep.Problems, "; ")
	}
	return v
}
