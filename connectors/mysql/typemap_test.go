package mysql_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
)

// Every TypeMap row names a real test case: "TestX" must be a test
// function of this package, and "TestX/sub" also needs sub as a case name
// that TestX runs (sourceCases for TestSourceTypes). Checked on the
// source, so it holds without a server.
func TestTypeMapCases(t *testing.T) {
	conformance.CheckTypeMapCases(t, mysql.TypeMap())
}
