package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it, the module version the go tool stamped into the build info is used.
var version = ""

// buildVersion is what the binary knows of where it came from.
type buildVersion struct {
	Module   string `json:"module"`             // module path
	Version  string `json:"version"`            // module version, "devel" when the build has none
	Revision string `json:"revision,omitempty"` // VCS revision, "" when built outside a checkout
	Time     string `json:"commit_time,omitempty"`
	Modified bool   `json:"modified"` // the checkout had uncommitted changes
	Go       string `json:"go,omitempty"`
}

func readBuildVersion() buildVersion {
	v := buildVersion{Module: "github.com/regflytt/regflytt", Version: "devel"}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		v.Go = bi.GoVersion
		if bi.Main.Path != "" {
			v.Module = bi.Main.Path
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		v.Version = version
	}
	return v
}

// String is the one-line version that report.json and the archive
// manifest record: the module version, and the revision when the version
// does not already name it, so a report says which code made it.
func (v buildVersion) String() string {
	s := v.Version
	if v.Revision == "" {
		return s
	}
	rev := v.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if strings.Contains(s, rev) {
		// The go tool's pseudo-version names the revision and ends in
		// +dirty when the checkout was modified.
		if v.Modified && !strings.HasSuffix(s, "+dirty") {
			s += "+dirty"
		}
		return s
	}
	s += " (" + rev
	if v.Modified {
		s += ", modified"
	}
	return s + ")"
}

func toolVersion() string { return readBuildVersion().String() }

func newVersionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print regflytt's version and the revision it was built from",
		Long: `version prints the module version and, when the binary was built from a git
checkout, the revision, whether the checkout had uncommitted changes, and the
Go version. report.json records the same version as tool_version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := readBuildVersion()
			if g.json {
				return writeJSON(g, v)
			}
			_, err := fmt.Fprint(g.stdout, v.text())
			return err
		},
	}
	addJSONFlag(cmd, g)
	return cmd
}

func (v buildVersion) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "regflytt %s\n", v.Version)
	fmt.Fprintf(&b, "module   %s\n", v.Module)
	if v.Revision != "" {
		mod := ""
		if v.Modified {
			mod = " (modified: uncommitted changes)"
		}
		fmt.Fprintf(&b, "revision %s%s\n", v.Revision, mod)
		if v.Time != "" {
			fmt.Fprintf(&b, "commit   %s\n", v.Time)
		}
	} else {
		b.WriteString("revision unknown (not built from a git checkout)\n")
	}
	if v.Go != "" {
		fmt.Fprintf(&b, "go       %s\n", v.Go)
	}
	return b.String()
}
