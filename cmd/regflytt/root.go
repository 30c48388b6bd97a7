package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it, the module version from the build info is used.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// globals are the flags every command shares.
type globals struct {
	quiet   bool
	verbose bool
	stdout  io.Writer
	stderr  io.Writer
}

func (g *globals) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelInfo
	}
	if g.quiet {
		level = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "regflytt",
		Short: "Move a national quality registry to its receiving platform, and prove nothing was lost",
		Long: `regflytt reads a legacy registry platform's database (read-only), transforms it
with declarative YAML mappings into the receiving platform's schema, verifies
that every source record is migrated, archived with a reason, or excluded, and
keeps what cannot be transformed in an archive package owned by the new CPUA.

Connection URLs: sqlite:///path.db, postgres://user@host:5432/db,
mysql://user@host:3306/db, sqlserver://user@host:1433?database=db.
Write env:NAME instead of a URL to read it from an environment variable, so
passwords stay off the command line.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetUsageTemplate(root.UsageTemplate() + "\n" + exitHelp)
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars and no summary; errors only")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what happens, step by step")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newDemoCmd(g), newRunCmd(g), newPlanCmd(g), newMapCmd(g), newVersionCmd(g))
	root.AddCommand(newSchemaCmd(g))
	root.AddCommand(newSynthCmd(g))
	root.AddCommand(newArchiveCmd(g))
	return root
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print regflytt's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(g.stdout, "regflytt %s\n", toolVersion())
			return err
		},
	}
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError{fmt.Errorf("%s takes %s (see --help)", cmd.CommandPath(), what)}
		}
		return nil
	}
}
