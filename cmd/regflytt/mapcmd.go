package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

func newMapCmd(g *globals) *cobra.Command {
	m := &cobra.Command{
		Use:   "map",
		Short: "Check, try and document a plan's mappings",
	}
	var source string
	sourceFlag := func(c *cobra.Command) {
		c.Flags().StringVar(&source, "source", "", "source database URL, or env:NAME (default: the plan's source.url)")
	}

	check := &cobra.Command{
		Use:   "check PLAN",
		Short: "Check the mappings against the live source and the receiving schema",
		Long: `check compiles every mapping against the source database's catalogue (read in a
read-only snapshot) and the receiving schema, and reads the data the checks
need: codes the source holds that a code list does not map, variables a form
store has that no mapping reads. Problems are printed as
file:line:col: severity code: message. Exit status 0 without errors, 2 with.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ds := plans.Load(args[0])
			if ds.Err() != nil {
				return reportCheck(g, args[0], "", ds)
			}
			more, err := plans.CheckMappings(cmd.Context(), p, plans.Options{SourceURL: source, Logger: g.logger()})
			if err != nil {
				return err
			}
			return reportCheck(g, args[0], "mappings ok", append(ds, more...))
		},
	}
	sourceFlag(check)
	addJSONFlag(check, g)

	var top int
	dry := &cobra.Command{
		Use:   "dry-run PLAN",
		Short: "Apply the mappings to the whole source, write nothing, and show the outcomes",
		Long: `dry-run reads the whole source in one read-only snapshot, applies the mappings,
and prints per table and per reason how many records would be migrated,
archived or excluded, with the most frequent unmapped codes and variables:
the list a registry holder reviews before the real run. Nothing is written:
no receiving table, no archive. Values are shown only when they are short
codes or variable names; anything else (an identity number in a code
column, free text) is shown by its shape, such as YYYYMMDD-NNNN or
"text, length 42", and values of one shape are counted together.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ds := plans.Load(args[0])
			if err := ds.Err(); err != nil {
				return err
			}
			rep, err := plans.DryRun(cmd.Context(), p, plans.Options{SourceURL: source, Logger: g.logger(), Progress: newProgress(g)})
			if err != nil {
				return err
			}
			if g.json {
				return rep.WriteJSON(g.stdout)
			}
			return rep.WriteText(g.stdout, top)
		},
	}
	sourceFlag(dry)
	addJSONFlag(dry, g)
	dry.Flags().IntVar(&top, "top", 10, "unmapped values to show per column")

	var asHTML bool
	var out, format string
	doc := &cobra.Command{
		Use:   "doc PLAN",
		Short: "Render the mappings as a document for the registry holder",
		Long: `doc renders a plan's mappings as Markdown (or HTML with --format html): per receiving
table, where each column comes from and through which steps, what is not
migrated and why, the code lists, the functions and the outcomes, and the
SHA-256 fingerprint of the plan and its files. It needs no database. A plan
that plan check rejects (a mapping that does not compile against the
receiving schema, say) is refused with exit status 2: nobody should approve
a mapping the run would refuse.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			switch {
			case asHTML && cmd.Flags().Changed("format") && format != "html":
				return usageError{fmt.Errorf("--html and --format %s: choose one", format)}
			case asHTML:
				format = "html"
			case format != "markdown" && format != "html":
				return usageError{fmt.Errorf("--format %q: want markdown or html", format)}
			}
			p, ds := plans.Check(args[0])
			if err := ds.Err(); err != nil {
				return err
			}
			in, ds := p.LoadInputs()
			if err := ds.Err(); err != nil {
				return err
			}
			sum, err := p.Fingerprint(in)
			if err != nil {
				return err
			}
			meta := mappings.DocMeta{
				Title: fmt.Sprintf("Mappings of %s (%s)", p.RegisterName.Value, p.RegisterID.Value),
				Lines: []string{
					"Plan: " + p.File,
					fmt.Sprintf("From the IT system %s to %s.", p.SystemCurrent.Value, p.SystemChosen.Value),
					fmt.Sprintf("Data controller (CPUA): %s now, %s after the migration.", p.CPUACurrent.Value, p.CPUAFuture.Value),
					fmt.Sprintf("Registry centre (RCO): %s now, %s after the migration.", p.RCOCurrent.Value, p.RCOFuture.Value),
				},
				Checksum: sum,
			}
			blocks := mappings.Document(meta, in.Mappings, in.Schema)
			write := func(w io.Writer) error {
				if format == "html" {
					return mappings.WriteHTML(w, blocks)
				}
				return mappings.WriteMarkdown(w, blocks)
			}
			if out != "" {
				if err := writeFile(out, 0o644, regenerated, write); err != nil {
					return fmt.Errorf("map doc: %w", err)
				}
				return nil
			}
			return write(g.stdout)
		},
	}
	doc.Flags().StringVar(&format, "format", "markdown", "markdown or html")
	doc.Flags().BoolVar(&asHTML, "html", false, "the same as --format html")
	enumFlag(doc, "format", "markdown", "html")
	doc.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	m.AddCommand(check)
	m.AddCommand(dry)
	m.AddCommand(newMapTestCmd(g))
	m.AddCommand(doc)
	return m
}
