package verifytest_test

import (
	"flag"

	"github.com/regflytt/regflytt/plans/plantest"
)

// update rewrites the golden files of this package (TestVerifyReportGolden
// tells the user to refresh with it).
var update = flag.Bool("update", false, "rewrite the golden files")

// The demo plan, as the tests of plans name it, and the fixtures these
// tests share with the tests of plans, by the names the tests of plans
// give them.

const demoPlan = "../../testdata/plans/demo.yaml"

var (
	loadPlan                = plantest.LoadPlan
	makeDemoSQLite          = plantest.DemoSQLite
	write                   = plantest.Write
	writePlan               = plantest.WritePlan
	writeSchema             = plantest.WriteSchema
	writeRegistrationSchema = plantest.WriteRegistrationSchema
	writeEAVMapping         = plantest.WriteEAVMapping
	writeTables             = plantest.WriteTables
	mergeFoldPlan           = plantest.MergeFoldPlan
	intCol                  = plantest.IntCol
	textCol                 = plantest.TextCol
	execSQLite              = plantest.ExecSQLite
	sqliteExec              = plantest.ExecSQLite
	acknowledgeEndedSince   = plantest.AcknowledgeEndedSince
)

func srcURL(path string) string { return "sqlite://" + path }
