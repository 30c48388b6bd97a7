package sqlserver_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
)

// The T-SQL encoding agrees with AppendRow on every conformance edge value
// SQL Server keeps. Never run here (no server): the first run against a
// server is the proof the SQL text tests cannot give.
func TestServerChecksumPushdown(t *testing.T) {
	conformance.RunChecksum(t, newTarget(t), capabilities, "decimal(38,0)", "decimal(38,10)", "decimal(38,38)", "json")
}
