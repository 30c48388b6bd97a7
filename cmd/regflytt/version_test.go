package main

import "testing"

// The one-line version names the revision unless the module version
// already does, and says when the checkout was modified.
func TestBuildVersionString(t *testing.T) {
	const rev = "a229a54e12345678901234567890123456789012"
	for _, c := range []struct {
		v    buildVersion
		want string
	}{
		{buildVersion{Version: "devel"}, "devel"},
		{buildVersion{Version: "v1.2.0"}, "v1.2.0"},
		{buildVersion{Version: "devel", Revision: rev}, "devel (a229a54e1234)"},
		{buildVersion{Version: "devel", Revision: rev, Modified: true}, "devel (a229a54e1234, modified)"},
		{buildVersion{Version: "v0.0.0-20261204205115-a229a54e1234", Revision: rev}, "v0.0.0-20261204205115-a229a54e1234"},
		{buildVersion{Version: "v0.0.0-20261204205115-a229a54e1234+dirty", Revision: rev, Modified: true}, "v0.0.0-20261204205115-a229a54e1234+dirty"},
		{buildVersion{Version: "v0.0.0-20261204205115-a229a54e1234", Revision: rev, Modified: true}, "v0.0.0-20261204205115-a229a54e1234+dirty"},
		{buildVersion{Version: "v1.0.0", Revision: rev}, "v1.0.0 (a229a54e1234)"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.v, got, c.want)
		}
	}
}

// report.json's tool_version is the version --version prints, never a
// fixed "dev".
func TestToolVersionIsTheBuildVersion(t *testing.T) {
	if got, want := toolVersion(), readBuildVersion().String(); got != want || got == "dev" {
		t.Fatalf("toolVersion %q, build version %q", got, want)
	}
	_, out, _ := cli(t, "--version")
	if out != "regflytt "+toolVersion()+"\n" {
		t.Fatalf("--version printed %q", out)
	}
}
