package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans/demo"
)

func newInitCmd(g *globals) *cobra.Command {
	var (
		fromDemo       bool
		source, to     string
		register, name string
	)
	cmd := &cobra.Command{
		Use:   "init DIR (--from-demo | --source URL --to DIALECT)",
		Short: "Write a starter plan, receiving schema and mapping that pass plan check",
		Long: `init writes plan.yaml, schema.yaml and mapping.yaml into DIR (made if
missing), as a starting point for a register's migration:

  --from-demo        the demo's files, built into regflytt
  --source URL       from a source database's catalogue (read-only): a
                     receiving table per source table with the same columns
                     (the proposal of "regflytt schema --yaml" for --to), and
                     a mapping that maps every column to itself

The files pass "regflytt plan check". A MariaDB TIME column holding values
outside 00:00:00..24:00:00 (counted by one aggregate query per table) is
proposed as text, with a note, as "regflytt scan" proposes it. A source
column the receiving dialect cannot hold exactly, or whose name ends in a
space or differs from another's only in case, is left out of the schema and
named in a comment of the mapping, unmapped: "regflytt map check" then refuses the plan until you map
it or drop it with a reason, so nothing is left behind without a decision.
init overwrites nothing: if DIR holds any of the three files, it writes none.

Next: review the files, then map check, map dry-run and run (see the README).`,
		Example: `  regflytt init myregister --from-demo
  regflytt init myregister --source mysql://root@127.0.0.1:3306/legacy --to postgres`,
		Args: exactArgs(1, "one directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			switch {
			case fromDemo && source != "":
				return usageError{fmt.Errorf("%s: --from-demo or --source URL, not both", cmd.CommandPath())}
			case !fromDemo && source == "":
				return usageError{fmt.Errorf("%s needs --from-demo, or --source URL to start from a legacy database", cmd.CommandPath())}
			}
			if fromDemo {
				if to != "" || register != "" || name != "" {
					return usageError{fmt.Errorf("%s --from-demo writes the demo as it is: --to, --register and --name go with --source", cmd.CommandPath())}
				}
				plan, err := demo.Write(dir)
				if err != nil {
					return err
				}
				return initDone(g, plan, "REGFLYTT_SOURCE")
			}
			c, err := targetDialect(cmd, to)
			if err != nil {
				return err
			}
			if err := refuseStarterFiles(dir); err != nil {
				return err
			}
			where, tables, beyond, err := readCatalog(cmd.Context(), source, false)
			if err != nil {
				return err
			}
			if register == "" {
				register = filepath.Base(filepath.Clean(dir))
			}
			if name == "" {
				name = register
			}
			srcURL, envName := planSourceURL(source)
			// The catalogue's proposal, the one `schema` prints. The scan's
			// skeleton (scan --mapping-skeleton) writes more (code lists,
			// pseudonyms, types from the values) but reads every row; init
			// stays a catalogue read.
			proposal := connectors.PlanSchema(tables, c.Dialect)
			// A MariaDB TIME holding durations is proposed as text, as
			// the scan proposes it: one aggregate query per table with a
			// TIME column, so init agrees with scan without reading rows.
			beyond.Apply(proposal, c.Dialect)
			var schema bytes.Buffer
			if err := connectors.WriteReceivingYAML(&schema, "receiving", where, proposal, c.Dialect); err != nil {
				return err
			}
			files := []starterFile{
				{"plan.yaml", starterPlan(register, name, srcURL)},
				{"schema.yaml", schema.Bytes()},
				{"mapping.yaml", starterMapping(where, c.Dialect.Name(), proposal)},
			}
			if err := writeStarterFiles(dir, files); err != nil {
				return err
			}
			return initDone(g, filepath.Join(dir, "plan.yaml"), envName)
		},
	}
	cmd.Flags().BoolVar(&fromDemo, "from-demo", false, "write the demo's plan, schema and mapping")
	cmd.Flags().StringVar(&source, "source", "", "the legacy database to read the catalogue of: a URL, or env:NAME")
	cmd.Flags().StringVar(&to, "to", "", "with --source: the receiving dialect, "+strings.Join(dialectNames(), ", "))
	cmd.Flags().StringVar(&register, "register", "", "with --source: the register's id in the plan (default: DIR's name)")
	cmd.Flags().StringVar(&name, "name", "", "with --source: the register's name in the plan (default: its id)")
	enumFlag(cmd, "to", dialectNames()...)
	return cmd
}

func initDone(g *globals, plan, envName string) error {
	if g.quiet {
		return nil
	}
	dir := filepath.Dir(plan)
	w := g.stdout
	fmt.Fprintf(w, "wrote %s, %s and %s\n\nNext:\n", plan, filepath.Join(dir, "schema.yaml"), filepath.Join(dir, "mapping.yaml"))
	fmt.Fprintf(w, "  regflytt plan check %s\n", plan)
	if envName != "" {
		fmt.Fprintf(w, "  export %s=URL   # the legacy database; the plan reads it from there\n", envName)
	}
	fmt.Fprintf(w, "  regflytt map check %s\n", plan)
	fmt.Fprintf(w, "  regflytt map dry-run %s\n", plan)
	fmt.Fprintf(w, "  regflytt run %s --target URL\n", plan)
	return nil
}

// planSourceURL is the source URL as the plan holds it: as given, unless
// it carries a password, which a plan must not (P004); then the plan
// reads it from REGFLYTT_SOURCE, and envName says so.
func planSourceURL(url string) (planURL, envName string) {
	if strings.HasPrefix(url, connectors.EnvPrefix) {
		return url, ""
	}
	loc, err := connectors.ParseLocation(url)
	if err != nil || loc.Password() != "" {
		return connectors.EnvPrefix + "REGFLYTT_SOURCE", "REGFLYTT_SOURCE"
	}
	return loc.String(), ""
}

type starterFile struct {
	name string
	data []byte
}

// refuseStarterFiles refuses a directory that holds any of init's files,
// before the source is read.
func refuseStarterFiles(dir string) error {
	var there []string
	for _, name := range demo.Names() {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			there = append(there, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("init: %w", err)
		}
	}
	if len(there) > 0 {
		return fmt.Errorf("%s already holds %s: nothing was written; choose another directory", dir, strings.Join(there, ", "))
	}
	return nil
}

func writeStarterFiles(dir string, files []starterFile) error {
	if err := refuseStarterFiles(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	for _, f := range files {
		fh, err := os.OpenFile(filepath.Join(dir, f.name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		_, err = fh.Write(f.data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
	}
	return nil
}

func starterPlan(register, name, srcURL string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `# Migration plan written by regflytt init: a starting point. Fill in the
# strategy's template (systems, CPUA, RCO) and review the schema and mapping.
plan: 1
register:
  id: %s
  name: %s
system:
  current: %s   # the legacy IT system
  chosen: %s    # the receiving system chosen in the consolidation
cpua:
  current: %s
  future: %s
rco:
  current: %s
  future: %s
source:
  url: %s
target:
  url: env:REGFLYTT_TARGET
  schema: schema.yaml
mappings:
  - mapping.yaml
archive:
  dir: archive
# Patients who opted out: the source table (or a file, one number a line)
# listing them, or why the register has none, optout: {none: reason}.
# Until the plan says one or the other, plan check and run warn (P012).
# optout: {table: TABLE, column: COLUMN}
`, yq(register), yq(name), yq("legacy"), yq("receiving"), yq("Region (current data controller)"), yq("Region (future data controller)"),
		yq("RCO (current)"), yq("RCO (future)"), yq(srcURL))
	return b.Bytes()
}

// starterMapping maps every column the proposal declares to itself, and
// names in comments what it could not: the user decides about those.
func starterMapping(where, dialect string, proposal []connectors.TablePlan) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Mapping written by regflytt init from %s for %s: every column to itself.\n", where, dialect)
	b.WriteString("# Rename, cast, code-list and pseudonymise from here; see the README's mapping language.\n")
	b.WriteString("version: 1\ntables:\n")
	mapped := map[string]bool{}
	for _, p := range proposal {
		mapped[p.Source.Name] = p.CreateSQL != ""
	}
	parents := connectors.ParentLinks(proposal, mapped)
	written := 0
	for _, p := range proposal {
		if p.CreateSQL == "" {
			fmt.Fprintf(&b, "  # %s: no receiving table (%s): its records are archived whole (table_not_mapped) until it is mapped\n", p.Source.Name, p.Problem)
			continue
		}
		if written > 0 {
			b.WriteString("\n")
		}
		written++
		fmt.Fprintf(&b, "  - target: %s\n    source: %s\n", yq(p.Source.Name), yq(p.Source.Name))
		if len(p.Source.PrimaryKey) == 0 {
			b.WriteString("    # The source table has no primary key: name columns that identify a row,\n")
			b.WriteString("    # so the run can read it in order, e.g. key: [id]\n")
		}
		if fk, ok := parents[p.Source.Name]; ok {
			keys := make([]string, len(fk.Columns))
			for i, k := range fk.Columns {
				keys[i] = yq(k)
			}
			// The source's foreign key: a record whose parent is archived
			// or excluded follows it, and an orphan is archived, rather
			// than break the key created after the load.
			fmt.Fprintf(&b, "    parent: {table: %s, key: [%s]}\n", yq(fk.RefTable), strings.Join(keys, ", "))
		}
		b.WriteString("    columns:\n")
		for _, c := range p.Columns {
			if c.Problem != "" {
				fmt.Fprintf(&b, "      # %s is not mapped: %s. Declare a receiving column for it and map it, or drop it with a reason.\n", c.Source.Name, c.Problem)
				continue
			}
			if c.Cast {
				// bigint unsigned as decimal(20,0): the value converts
				fmt.Fprintf(&b, "      %s: {from: %s, cast: %s}\n", yq(c.Source.Name), yq(c.Source.Name), strconv.Quote(c.Type.String()))
				continue
			}
			fmt.Fprintf(&b, "      %s: %s\n", yq(c.Source.Name), yq(c.Source.Name))
		}
	}
	if written == 0 {
		b.WriteString("  []\n")
	}
	return b.Bytes()
}

var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_ ().-]*[A-Za-z0-9_)]$|^[A-Za-z_]$`)

// yq writes s as a YAML scalar that reads back as the same string.
func yq(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return strconv.Quote(s)
	}
	if plainYAML.MatchString(s) && !strings.Contains(s, " #") {
		return s
	}
	return strconv.Quote(s)
}
