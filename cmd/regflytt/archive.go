package main

import (
	"errors"
	"fmt"
	"os/user"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/archive"
)

func newArchiveCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Inspect and verify archive packages (SIARD 2.2 in BagIt)",
		Long: `An archive package keeps the records a migration could not transform, in their
source shape and byte for byte, owned by the register's new CPUA: a BagIt 1.0 bag
holding an unzipped SIARD 2.2 archive under data/.`,
	}
	cmd.AddCommand(newArchiveVerifyCmd(g), newArchiveLsCmd(g), newArchiveExtractCmd(g))
	return cmd
}

func newArchiveVerifyCmd(g *globals) *cobra.Command {
	var noLog, requireXSD bool
	cmd := &cobra.Command{
		Use:   "verify PKG",
		Short: "Check every digest, the SIARD layout and the XML schemas of a package",
		Long: `Checks a package without trusting it: both payload manifests against every file
(none missing, none added), Payload-Oxum, the tag manifest, the event log's
chain; SIARD's layout (header/ and content/ only, header/siardversion/2.2/,
names, tables c1..cn with NULL cells left out, LOB files with their length and
digest); that every archived value reads back; and, when xmllint is installed,
metadata.xml against the official SIARD 2.2 metadata.xsd and each table against
its own XSD.

Every problem is printed as FILE: RULE: DETAIL, and the exit status is 1. A
package that passes gets a "verified" event in its log (unless --no-log).`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			probs := archive.Verify(dir)
			xsdProbs, err := archive.ValidateXSD(cmd.Context(), dir)
			xsdChecked := true
			switch {
			case errors.Is(err, archive.ErrNoXmllint):
				xsdChecked = false
				if requireXSD {
					return err
				}
				fmt.Fprintln(g.stderr, "regflytt: warning:", err)
			case err != nil:
				return err
			}
			probs = append(probs, xsdProbs...)
			if len(probs) > 0 {
				for _, p := range probs {
					fmt.Fprintln(g.stderr, p.String())
				}
				return fmt.Errorf("archive %s FAILED verification: %d problem(s), listed above", dir, len(probs))
			}
			pkg, err := archive.Open(dir)
			if err != nil {
				return err
			}
			var records, values int64
			for _, t := range pkg.Tables() {
				records += t.Records
				values += t.Values
			}
			if !noLog {
				note := "digests, layout and XML schemas"
				if !xsdChecked {
					note = "digests and layout (xmllint not installed: XML schemas not checked)"
				}
				if err := archive.AppendEvent(dir, archive.Event{Event: "verified", At: time.Now().UTC().Format(time.RFC3339),
					Tool: "regflytt " + toolVersion(), Who: whoami(), Note: note,
					Count: map[string]int64{"records": records, "values": values}}); err != nil {
					return fmt.Errorf("archive %s passed, but its event log could not be appended to: %w", dir, err)
				}
			}
			if !g.quiet {
				schemas := "XML schemas valid"
				if !xsdChecked {
					schemas = "XML schemas NOT checked (no xmllint)"
				}
				fmt.Fprintf(g.stdout, "archive %s: PASS: every digest, the SIARD layout, %d records and %d values read back; %s\n", dir, records, values, schemas)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noLog, "no-log", false, "do not append a \"verified\" event (for read-only copies)")
	cmd.Flags().BoolVar(&requireXSD, "require-xsd", false, "fail when xmllint is not installed, instead of warning")
	return cmd
}

// whoami names the operating-system user for the event log.
func whoami() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func newArchiveLsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls PKG",
		Short: "List what a package holds: owner, tables, counts by reason",
		Long: `Lists a package's owner, register, source platform and timespan, and per source
table the archived records by reason and the values archived alone. It prints
counts only, never values. It does not check digests: use archive verify.`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pkg, err := archive.Open(args[0])
			if err != nil {
				return err
			}
			s := pkg.Summary
			w := g.stdout
			fmt.Fprintf(w, "package   %s (%s)\n", args[0], s.Format)
			fmt.Fprintf(w, "register  %s\n", s.Meta.Register)
			fmt.Fprintf(w, "owner     %s (new CPUA; before: %s)\n", pkg.Owner(), orDash(s.Meta.FormerOwner))
			fmt.Fprintf(w, "source    %s\n", orDash(s.Meta.SourceSystem))
			fmt.Fprintf(w, "run       %s, created %s by regflytt %s\n", orDash(s.Meta.Run), s.Created, s.Meta.ToolVersion)
			fmt.Fprintf(w, "timespan  %s\n", pkg.Timespan())
			for _, t := range pkg.Tables() {
				var reasons []string
				for r, n := range t.Reasons {
					reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
				}
				sort.Strings(reasons)
				fmt.Fprintf(w, "table %s: %d records archived", t.Table, t.Records)
				if len(reasons) > 0 {
					fmt.Fprintf(w, " (%s)", strings.Join(reasons, ", "))
				}
				if t.Values > 0 {
					fmt.Fprintf(w, ", %d values archived alone", t.Values)
				}
				if len(t.Companions) > 0 {
					fmt.Fprintf(w, "; raw cells for %s", strings.Join(t.Companions, ", "))
				}
				fmt.Fprintln(w)
			}
			return nil
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newArchiveExtractCmd(g *globals) *cobra.Command {
	var table, where, to, purpose string
	cmd := &cobra.Command{
		Use:   "extract PKG --table T --to out.csv --purpose \"…\" [--where column=value]",
		Short: "Extract one table's archived records as CSV, logged with who and why",
		Long: `Writes the archived records of one source table, with their outcomes, to a new CSV
file (mode 0600). The package is verified first. Every extract is logged in the
package's event log and in the access log beside it (PKG.access.jsonl): who,
when, the purpose, the table, the filter's column with the SHA-256 of its value,
and the count. Access to personal data is logged and kept (PDL).`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if table == "" || to == "" || strings.TrimSpace(purpose) == "" {
				return usageError{fmt.Errorf("archive extract needs --table, --to and --purpose")}
			}
			req := archive.ExtractRequest{Table: table, Purpose: purpose, Who: whoami(), At: time.Now()}
			if where != "" {
				col, val, ok := strings.Cut(where, "=")
				if !ok || col == "" {
					return usageError{fmt.Errorf("--where takes column=value")}
				}
				req.WhereColumn, req.WhereValue = col, val
			}
			pkg, err := archive.Check(args[0])
			if err != nil {
				return fmt.Errorf("%w (run regflytt archive verify %s for the list)", err, args[0])
			}
			n, err := pkg.Extract(to, req)
			if err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "extracted %d records of %s to %s; logged in %s\n", n, table, to, archive.AccessLogPath(args[0]))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&table, "table", "", "source table to extract")
	cmd.Flags().StringVar(&where, "where", "", "keep records whose column holds exactly this value: column=value")
	cmd.Flags().StringVar(&to, "to", "", "CSV file to create (must not exist)")
	cmd.Flags().StringVar(&purpose, "purpose", "", "why the records are extracted (logged)")
	return cmd
}
