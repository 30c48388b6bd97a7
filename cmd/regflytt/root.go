package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// globals are the flags every command shares.
type globals struct {
	quiet   bool
	verbose bool
	// json is set by a command's --json (see addJSONFlag): the result
	// goes to stdout as one JSON document, every message to stderr.
	json   bool
	stdout io.Writer
	stderr io.Writer
	// log is made once, so that a repeated line is printed once however
	// many parts of a command log it.
	log *slog.Logger
}

func (g *globals) logger() *slog.Logger {
	if g.log == nil {
		level := slog.LevelWarn
		if g.verbose {
			level = slog.LevelInfo
		}
		if g.quiet {
			level = slog.LevelError
		}
		g.log = slog.New(newCLIHandler(g.stderr, level, g.verbose))
	}
	return g.log
}

// info is where messages beside a result go: stdout with the text
// summary, stderr when stdout carries JSON.
func (g *globals) info() io.Writer {
	if g.json {
		return g.stderr
	}
	return g.stdout
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

Start with "regflytt demo" (no server needed), then "regflytt init" for a
register of your own.

Connection URLs: sqlite:///path.db, postgres://user@host:5432/db,
mysql://user@host:3306/db, sqlserver://user@host:1433?database=db.
Write env:NAME instead of a URL to read it from an environment variable, so
passwords stay off the command line.`,
		Version:       toolVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("regflytt {{.Version}}\n")
	root.SetUsageTemplate(root.UsageTemplate() + "\n" + exitHelp)
	root.PersistentFlags().BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars and no summary; errors only")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what happens, step by step")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	// One AddCommand a line, so that branches adding commands merge.
	root.AddCommand(newDemoCmd(g))
	root.AddCommand(newInitCmd(g))
	root.AddCommand(newRunCmd(g))
	root.AddCommand(newPlanCmd(g))
	root.AddCommand(newMapCmd(g))
	root.AddCommand(newVersionCmd(g))
	root.AddCommand(newSchemaCmd(g))
	root.AddCommand(newSynthCmd(g))
	root.AddCommand(newArchiveCmd(g))
	root.AddCommand(newScanCmd(g))
	root.AddCommand(newPortfolioCmd(g))
	root.AddCommand(newVerifyCmd(g))
	return root
}

// finishTree holds the conventions every command keeps, whoever added
// it (run calls it on the whole tree): a command with subcommands refuses an unknown one, and every
// complaint about arguments is a usage error (exit 2).
func finishTree(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.PersistentPreRunE = refuseEmptyValues
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		switch {
		case c.Name() == "help" && c.Parent() == root:
			c.RunE = helpTopic
			c.Run = nil
		case c.HasSubCommands() && !c.Runnable():
			c.Args = cobra.ArbitraryArgs
			c.RunE = groupCommand
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[groupAnnotation] = "true"
		}
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return asUsage(err)
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

const groupAnnotation = "regflytt:group"

// refuseEmptyValues refuses a text flag given as empty: no flag of
// regflytt's means anything empty, and a script's `--target "$TARGET"`
// with TARGET unset ran against the plan's target.url, `--unit-reports
// "$DIR"` wrote no report, as if the flag had been left out.
func refuseEmptyValues(cmd *cobra.Command, _ []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil && f.Value.Type() == "string" && f.Value.String() == "" {
			err = usageError{fmt.Errorf("--%s is empty: give it a value or leave it out", f.Name)}
		}
	})
	return err
}

// unknownBeforeHelp finds an unknown subcommand that cobra would not
// report because --help came with it (cobra prints the parent's help and
// succeeds): "regflytt nosuch --help" is as wrong as "regflytt nosuch".
func unknownBeforeHelp(root *cobra.Command, args []string) error {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil // the shell's completion requests, which cobra adds when it runs
	}
	c, rest, err := root.Find(args)
	if err != nil || c.Annotations[groupAnnotation] == "" {
		return nil
	}
	for _, a := range rest {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			return unknownCommand(c, a)
		}
	}
	return nil
}

// groupCommand runs a command that only holds others: alone it prints its
// help; with an argument it names the unknown subcommand.
func groupCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return unknownCommand(cmd, args[0])
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (see %s --help)", msg, cmd.CommandPath())}
}

// helpTopic is cobra's help command, with an unknown topic a usage error.
func helpTopic(cmd *cobra.Command, args []string) error {
	target, rest, err := cmd.Root().Find(args)
	if err != nil || target == nil || len(rest) > 0 {
		name := strings.Join(args, " ")
		if len(rest) > 0 {
			name = rest[0]
		}
		parent := cmd.Root()
		if target != nil {
			parent = target
		}
		return unknownCommand(parent, name)
	}
	target.InitDefaultHelpFlag()
	target.InitDefaultVersionFlag()
	return target.Help()
}

func asUsage(err error) error {
	var ue usageError
	if errors.As(err, &ue) {
		return err
	}
	return usageError{err}
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
