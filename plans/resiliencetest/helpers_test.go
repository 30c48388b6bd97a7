package resiliencetest_test

import (
	"time"

	"github.com/regflytt/regflytt/connectors/wrap"
)

// The demo plan and its receiving tables, as the tests of plans name
// them; the rest of what these tests share with plans is in
// plans/plantest.

const demoPlan = "../../testdata/plans/demo.yaml"

var demoTables = []string{"care_unit", "patient", "visit"}

// wrapPolicyFast retries without waiting long, for tests.
var wrapPolicyFast = wrap.Policy{Base: time.Millisecond, Max: 10 * time.Millisecond}
