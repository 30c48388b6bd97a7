package plans

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// A receiving platform that already held a clinician's account from
// another registry shares its HSA-id with the account migrated for the
// same person: the plan acknowledges login_shared.<accounts table> with
// its reason, and the access check and verification pass, the finding
// listed as acknowledged. Without the acknowledgement, or with one for
// another table, both fail. A swapped identity fails whatever the plan
// acknowledges.
func TestLoginSharedAcknowledged(t *testing.T) {
	const hsaA, hsaB = "SE2321000016-000A", "SE2321000016-000B"
	one := func(ids ...string) [][]string { return [][]string{ids} }
	legacy := verify.AccountLogins{Table: "anvandare", Columns: []string{"hsa_id"}, Of: map[string][][]string{"1": one(hsaA), "2": one(hsaB)}}
	shared := map[string][][]string{"1": one(hsaA), "2": one(hsaB), "9": one(strings.ToLower(hsaA))}
	swapped := map[string][][]string{"1": one(hsaB), "2": one(hsaA)}
	const why = "the platform holds the clinicians' accounts of other registries"
	every := map[string]mappings.Str{"login_shared.app_user": {Value: why}, "login_changed.app_user": {Value: why}, "access.app_user": {Value: why}}
	for _, c := range []struct {
		name  string
		after map[string][][]string
		acks  map[string]mappings.Str
		pass  bool
	}{
		{"shared, acknowledged", shared, map[string]mappings.Str{"login_shared.app_user": {Value: why}}, true},
		{"shared, not acknowledged", shared, nil, false},
		{"shared, acknowledged for another table", shared, map[string]mappings.Str{"login_shared.users": {Value: why}}, false},
		{"swapped, every acknowledgement", swapped, every, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ac := verify.AccessCheck{OK: true, Accounts: len(c.after)}
			if err := ac.CheckLogins(context.Background(), legacy, verify.AccountLogins{Table: "app_user", Columns: []string{"hsa_id"}, Of: c.after}); err != nil {
				t.Fatal(err)
			}
			acknowledgeShared(&ac, c.acks)
			rep := &verify.Report{Pass: true}
			rep.AddAccess(ac)
			if rep.Pass != c.pass {
				t.Fatalf("run's access check: pass %v, problems %q; want pass %v", rep.Pass, rep.Problems, c.pass)
			}
			r := &runner{log: slog.New(slog.DiscardHandler), plan: &Plan{Verification: Verification{Acknowledge: c.acks}}}
			sum := &verify.Summary{Access: rep.Access, Archive: verify.ArchiveEquation{OK: true}}
			for _, p := range rep.Problems {
				sum.Fail("%s", p)
			}
			r.findings(sum, &verify.Ledger{}, nil, nil)
			sum.Finish(time.Now())
			if sum.Pass != c.pass {
				t.Fatalf("verify: pass %v, findings %+v, problems %q; want pass %v", sum.Pass, sum.Findings, sum.Problems, c.pass)
			}
			var text strings.Builder
			if err := sum.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if c.pass && (!strings.Contains(text.String(), "finding login_shared.app_user: ") || !strings.Contains(text.String(), "(acknowledged: "+why+")")) {
				t.Fatalf("the report does not show the share as acknowledged:\n%s", text.String())
			}
			if strings.Contains(text.String(), hsaA) || strings.Contains(strings.ToLower(text.String()), strings.ToLower(hsaA)) {
				t.Fatalf("the report shows an HSA-id:\n%s", text.String())
			}
		})
	}
}
