package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A dry run is what a registry holder reviews before approving the plan
// (plan render shows dryrun.json): it listed its outcomes and no alarm,
// so a table archived above the plan's share without an acknowledgement
// read as fine there, and regflytt verify failed the run on it. The dry
// run names the alarms verification would raise and not accept.
func TestDryRunNamesTheAlarmsVerificationWouldRaise(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 150)
	root := copyDemoPlan(t, filepath.Join(dir, "plan"), 5000)
	planFile := filepath.Join(root, "plan.yaml")
	rep, err := plans.DryRun(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Alarms) != 0 {
		t.Errorf("the demo plan acknowledges its alarms, yet the dry run lists %v", rep.Alarms)
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	const ack = "    archived_share.anvandare: deliberate defects of the synthetic demo (accounts registered twice)\n"
	if !strings.Contains(string(b), ack) {
		t.Fatal("the demo plan no longer acknowledges archived_share.anvandare")
	}
	write(t, planFile, strings.Replace(string(b), ack, "", 1))
	rep, err = plans.DryRun(context.Background(), loadPlan(t, planFile), plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range rep.Alarms {
		ids = append(ids, a.ID)
	}
	if len(ids) != 1 || ids[0] != "archived_share.anvandare" {
		t.Errorf("the dry run's alarms: %v, want archived_share.anvandare", ids)
	}
}
