package plans_test

import (
	"os"
	"testing"

	"github.com/regflytt/regflytt/plans/plantest"
)

// The tests that run regflytt as a process (the kill tests of
// plans/faulttest, and TestKilledOrderByRunResumesInsideTies here) build it once.

// buildRegflytt builds the command once for the package's tests.
func buildRegflytt(t *testing.T) string {
	t.Helper()
	return plantest.Regflytt(t, "../cmd/regflytt")
}

// TestMain removes the built command after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	plantest.RemoveBuilt()
	os.Exit(code)
}

// runBin runs regflytt with args and returns its exit code and output.
func runBin(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	return plantest.RunBin(t, bin, args...)
}

// reportPass says whether the run whose work directory is work wrote a
// passing report.
func reportPass(t *testing.T, work string) bool {
	t.Helper()
	return plantest.ReportPass(t, work)
}

// checkpoints gives the sequence number of the last checkpoint committed
// in a target (plantest.Checkpoints).
func checkpoints(t *testing.T, url string) int64 {
	t.Helper()
	return plantest.Checkpoints(t, url)
}
