package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

func newSchemaCmd(g *globals) *cobra.Command {
	var (
		source   string
		to       string
		asYAML   bool
		count    bool
		platform string
	)
	cmd := &cobra.Command{
		Use:   "schema --source URL --to postgres|mysql|sqlserver|sqlite",
		Short: "Print a source's catalogue and the receiving tables the type map would make",
		Long: `schema reads a database's catalogue (read-only, in one snapshot) and prints
its tables with row estimates, keys, and columns with their source and canonical
types, then the CREATE TABLE statements a run would issue on the --to dialect and
the statements it issues after the load (defaults, identities, indexes, foreign
keys). It is the proposal "regflytt scan --schema-out" makes, less what only the
values can tell (a TIME beyond a day, text longer than declared): bigint unsigned
becomes decimal(20,0).
A column that dialect cannot hold exactly is named with the reason, never
widened. With --yaml it prints a receiving-schema file instead (the format of
plans/demo/schema.yaml, which "regflytt init --from-demo" writes): a starting
point for one. The type map is documented in connectors/TYPEMAP.md.

The source may also be given as the only argument, as older versions took it.`,
		Example: `  regflytt schema --source sqlite:///tmp/legacy.db --to postgres
  regflytt schema --source env:REGFLYTT_SOURCE --to mysql --yaml > schema.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usageError{fmt.Errorf("%s takes the source as --source URL (see --help)", cmd.CommandPath())}
			case len(args) == 1 && source != "":
				return usageError{fmt.Errorf("%s: give the source once, as --source URL", cmd.CommandPath())}
			case len(args) == 1:
				source = args[0]
			case source == "":
				return usageError{fmt.Errorf("%s needs --source URL (or env:NAME): the database to read", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := targetDialect(cmd, to)
			if err != nil {
				return err
			}
			where, tables, beyond, err := readCatalog(cmd.Context(), source, count)
			if err != nil {
				return err
			}
			plans := connectors.PlanSchema(tables, c.Dialect)
			beyond.Apply(plans, c.Dialect)
			switch {
			case asYAML && g.json:
				return usageError{fmt.Errorf("%s: --yaml and --json: choose one", cmd.CommandPath())}
			case asYAML:
				return connectors.WriteReceivingYAML(g.stdout, platform, where, plans, c.Dialect)
			case g.json:
				return writeJSON(g, schemaJSON(where, c.Dialect, plans))
			}
			return connectors.WriteSchemaReport(g.stdout, where, plans, c.Dialect)
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "the database to read: a URL, or env:NAME")
	cmd.Flags().StringVar(&to, "to", "", "the receiving dialect: "+strings.Join(dialectNames(), ", ")+" (required)")
	cmd.Flags().BoolVar(&asYAML, "yaml", false, "print a receiving-schema YAML file instead of the report")
	cmd.Flags().BoolVar(&count, "count", false, "count each table's rows exactly instead of the server's estimate")
	cmd.Flags().StringVar(&platform, "platform", "receiving", "the platform name written into the --yaml file")
	enumFlag(cmd, "to", dialectNames()...)
	addJSONFlag(cmd, g)
	return cmd
}

func dialectNames() []string {
	names := make([]string, 0, 4)
	for n := range all.Connectors() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// targetDialect reads --to, which schema and init need.
func targetDialect(cmd *cobra.Command, to string) (all.Connector, error) {
	names := dialectNames()
	if to == "" {
		return all.Connector{}, usageError{fmt.Errorf("%s needs --to %s: the dialect the receiving tables are for", cmd.CommandPath(), strings.Join(names, "|"))}
	}
	c, ok := all.Connectors()[to]
	if !ok {
		return all.Connector{}, usageError{fmt.Errorf("--to %q: want one of %s", to, strings.Join(names, ", "))}
	}
	return c, nil
}

// readCatalog reads a source's tables in one read-only snapshot; where
// names the source, redacted, for messages and files.
//
// beyond counts the values of time columns outside a day, where the
// source's time is a duration (MariaDB): the proposal declares text for
// them, as the scan does, not a time no other platform holds.
func readCatalog(ctx context.Context, url string, count bool) (where string, tables []connectors.Table, beyond connectors.BeyondDay, err error) {
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		return "", nil, nil, err
	}
	where = loc.String()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		return "", nil, nil, err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return "", nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	defer snap.Close()
	if tables, err = snap.Tables(ctx); err != nil {
		return "", nil, nil, fmt.Errorf("%s: catalogue: %w", where, err)
	}
	if count {
		for i := range tables {
			if tables[i].RowEstimate, err = snap.Count(ctx, tables[i].Name); err != nil {
				return "", nil, nil, fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	if beyond, err = connectors.CountBeyondDay(ctx, snap, tables); err != nil {
		return "", nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	return where, tables, beyond, nil
}

// schemaResult is what schema --json prints.
type schemaResult struct {
	Source string            `json:"source"`
	To     string            `json:"to"`
	Tables []schemaTableJSON `json:"tables"`
}

type schemaTableJSON struct {
	Name        string             `json:"name"`
	RowEstimate int64              `json:"row_estimate"`
	PrimaryKey  []string           `json:"primary_key"`
	ForeignKeys []schemaForeignKey `json:"foreign_keys,omitempty"`
	Columns     []schemaColumnJSON `json:"columns"`
	CreateSQL   string             `json:"create_sql,omitempty"`
	AfterLoad   []string           `json:"after_load,omitempty"`
	NotCarried  []string           `json:"not_carried,omitempty"`
	Problem     string             `json:"problem,omitempty"`
}

type schemaForeignKey struct {
	Name       string   `json:"name"`
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
}

type schemaColumnJSON struct {
	Name       string `json:"name"`
	SourceType string `json:"source_type"`
	Charset    string `json:"charset,omitempty"`
	Nullable   bool   `json:"nullable"`
	Canonical  string `json:"canonical"`
	Receiving  string `json:"receiving_type,omitempty"`
	TargetDDL  string `json:"target_type,omitempty"`
	Problem    string `json:"problem,omitempty"`
	Note       string `json:"note,omitempty"`
}

func schemaJSON(where string, d connectors.Dialect, plans []connectors.TablePlan) schemaResult {
	res := schemaResult{Source: where, To: d.Name(), Tables: []schemaTableJSON{}}
	for _, p := range plans {
		t := schemaTableJSON{Name: p.Source.Name, RowEstimate: p.Source.RowEstimate, PrimaryKey: p.Source.PrimaryKey, CreateSQL: p.CreateSQL, Problem: p.Problem,
			AfterLoad: p.AfterLoad, NotCarried: p.LeftOut}
		if t.PrimaryKey == nil {
			t.PrimaryKey = []string{}
		}
		for _, fk := range p.Source.ForeignKeys {
			t.ForeignKeys = append(t.ForeignKeys, schemaForeignKey{Name: fk.Name, Columns: fk.Columns, RefTable: fk.RefTable, RefColumns: fk.RefColumns})
		}
		for _, c := range p.Columns {
			col := schemaColumnJSON{Name: c.Source.Name, SourceType: c.Source.SourceType, Charset: c.Source.Charset, Nullable: c.Source.Nullable,
				Canonical: c.Source.Type.String(), TargetDDL: c.DDL, Problem: c.Problem, Note: c.Note}
			if c.Type.Kind != connectors.KindInvalid {
				col.Receiving = c.Type.String()
			}
			t.Columns = append(t.Columns, col)
		}
		res.Tables = append(res.Tables, t)
	}
	return res
}
