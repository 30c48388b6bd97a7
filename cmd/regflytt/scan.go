package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/scan"
)

func newScanCmd(g *globals) *cobra.Command {
	var (
		source, format, out, refDate, schemaOut, to, platform, skeleton string
		minCell                                                         int
		force                                                           bool
	)
	cmd := &cobra.Command{
		Use:   "scan [SOURCE_URL] [--source URL] [--format html|md|json] [--out FILE]",
		Short: "Profile a legacy database and report what its registry data hides",
		Long: `scan reads a legacy database once, read-only in one snapshot and in bounded
memory, and reports per table its rows and keys, per column its declared type,
nulls, distinct values, range, most frequent values and lengths, and the
registry findings a mapping must decide about: identity numbers per format
(invalid ones, co-ordination numbers, ambiguous centuries), zero, partial,
impossible and future dates, garbled text, decimal commas, orphan rows of
declared and inferred references, entity-attribute-value tables with a
profile per attribute, and the views, triggers, routines, sequences and
events a migration leaves behind.

No personal data lands in the report: identity numbers and free text are
shown as shapes and counts, and no value held by fewer than --min-cell rows
is shown.

--schema-out writes a receiving schema that holds every value the source
holds (an existing file, which may have been reviewed, is replaced only with
--force); --mapping-skeleton DIR writes a plan, that schema, and a starting
mapping with code lists, which 'regflytt plan check DIR/plan.yaml' accepts
(all four or none; existing ones are replaced only with --force).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("%s takes at most one source URL", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if source != "" && source != args[0] {
					return usageError{fmt.Errorf("two sources: %q and --source; give one", connectors.Redact(args[0]))}
				}
				source = args[0]
			}
			if source == "" {
				return usageError{fmt.Errorf("%s needs a source URL (or env:NAME)", cmd.CommandPath())}
			}
			if format == "" {
				format = "md"
				switch strings.ToLower(filepath.Ext(out)) {
				case ".html", ".htm":
					format = "html"
				case ".json":
					format = "json"
				}
			}
			if format != "md" && format != "html" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want html, md or json", format)}
			}
			ref := time.Now().UTC()
			if refDate != "" {
				var err error
				if ref, err = time.Parse("2006-01-02", refDate); err != nil {
					return usageError{fmt.Errorf("--reference-date %q: want YYYY-MM-DD", refDate)}
				}
			}
			target, ok := all.Connectors()[to]
			if !ok {
				names := make([]string, 0, 4)
				for n := range all.Connectors() {
					names = append(names, n)
				}
				sort.Strings(names)
				return usageError{fmt.Errorf("--to %q: want one of %s", to, strings.Join(names, ", "))}
			}
			// A receiving schema may have been reviewed since an earlier scan
			// wrote it: refused before the scan, not after minutes of it.
			schemaMay := mayReplace{ok: force, flag: "--force"}
			if schemaOut != "" {
				if err := refuseExistingFile(schemaOut, schemaMay); err != nil {
					return err
				}
			}
			// So may a mapping skeleton, file by file.
			var skeletonPaths []string
			if skeleton != "" {
				for _, n := range scan.SkeletonNames() {
					p := filepath.Join(skeleton, n)
					if err := refuseExistingFile(p, schemaMay); err != nil {
						return fmt.Errorf("scan --mapping-skeleton: %w", err)
					}
					skeletonPaths = append(skeletonPaths, p)
				}
			}
			ctx := cmd.Context()
			loc, err := connectors.ParseLocation(source)
			if err != nil {
				return err
			}
			src, err := all.OpenSource(ctx, source)
			if err != nil {
				return err
			}
			defer src.Close()
			rep, err := scan.Scan(ctx, src, scan.Options{ReferenceDate: ref, MinCell: minCell, Source: loc.String(), Tool: "regflytt " + toolVersion(), Log: g.logger()})
			if err != nil {
				return fmt.Errorf("%s: %w", loc, err)
			}
			writeReport := func(w io.Writer) error {
				switch format {
				case "json":
					return rep.WriteJSON(w)
				case "html":
					return rep.WriteHTML(w)
				default:
					return rep.WriteMarkdown(w)
				}
			}
			if out == "" || out == "-" {
				// Rendered first, so a report that fails half way prints nothing.
				var b bytes.Buffer
				if err := writeReport(&b); err != nil {
					return err
				}
				if _, err := g.stdout.Write(b.Bytes()); err != nil {
					return err
				}
			} else if err := writeFile(out, 0o600, regenerated, writeReport); err != nil {
				return fmt.Errorf("scan report: %w", err)
			}
			if schemaOut != "" {
				err := writeFile(schemaOut, 0o644, schemaMay, func(w io.Writer) error {
					return rep.WriteSchema(w, platform, target.Dialect)
				})
				if err != nil {
					return fmt.Errorf("scan schema: %w", err)
				}
			}
			if skeleton != "" {
				files := rep.Skeleton(platform, target.Dialect)
				writes := make([]func(io.Writer) error, len(files))
				for i, f := range files {
					writes[i] = func(w io.Writer) error { _, err := w.Write(f.Data); return err }
				}
				if err := os.MkdirAll(skeleton, 0o755); err != nil {
					return fmt.Errorf("scan --mapping-skeleton: %w", err)
				}
				if err := writeFiles(skeletonPaths, 0o644, schemaMay, writes); err != nil {
					return fmt.Errorf("scan --mapping-skeleton: %w", err)
				}
				if !g.quiet {
					fmt.Fprintf(g.stderr, "mapping skeleton written to %s: check it with 'regflytt plan check %s'\n", skeleton, filepath.Join(skeleton, "plan.yaml"))
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&source, "source", "", "the legacy database's URL (or env:NAME); also accepted as the argument")
	f.StringVar(&format, "format", "", "report format: html, md or json (default: from --out's extension, else md)")
	f.StringVar(&out, "out", "", "write the report to FILE instead of standard output")
	f.StringVar(&refDate, "reference-date", "", "the date future dates and 10-digit identity numbers are read against, YYYY-MM-DD (default today, UTC); written into the report")
	f.IntVar(&minCell, "min-cell", 5, "show no value held by fewer rows than this")
	f.StringVar(&schemaOut, "schema-out", "", "write a receiving schema (YAML) that holds every value the source holds")
	f.StringVar(&to, "to", "postgres", "the receiving dialect the schema must be creatable on")
	f.StringVar(&platform, "platform", "receiving", "the platform name written into the schema")
	f.BoolVar(&force, "force", false, "replace an existing --schema-out file or --mapping-skeleton files (the report is always replaced)")
	f.StringVar(&skeleton, "mapping-skeleton", "", "write a starting plan, schema, mapping and code lists into DIR")
	return cmd
}
