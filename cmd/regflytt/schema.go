package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

func newSchemaCmd(g *globals) *cobra.Command {
	var (
		to       string
		asYAML   bool
		count    bool
		platform string
	)
	cmd := &cobra.Command{
		Use:   "schema SOURCE_URL --to postgres|mysql|sqlserver|sqlite",
		Short: "Print a source's catalogue and the receiving tables the type map would make",
		Long: `schema reads a database's catalogue (read-only, in one snapshot) and prints
its tables with row estimates, keys, and columns with their source and canonical
types, then the CREATE TABLE statements a run would issue on the --to dialect.
A column that dialect cannot hold exactly is named with the reason, never
widened. With --yaml it prints a receiving-schema file instead (the format of
testdata/platforms/receiving-demo/schema.yaml): a starting point for one.
The type map is documented in connectors/TYPEMAP.md.`,
		Args: exactArgs(1, "one source URL (or env:NAME)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			names := make([]string, 0, 4)
			for n := range all.Connectors() {
				names = append(names, n)
			}
			sort.Strings(names)
			c, ok := all.Connectors()[to]
			if to == "" {
				return usageError{fmt.Errorf("%s needs --to %s: the dialect the receiving tables are for", cmd.CommandPath(), strings.Join(names, "|"))}
			}
			if !ok {
				return usageError{fmt.Errorf("--to %q: want one of %s", to, strings.Join(names, ", "))}
			}
			ctx := cmd.Context()
			loc, err := connectors.ParseLocation(args[0])
			if err != nil {
				return err
			}
			src, err := all.OpenSource(ctx, args[0])
			if err != nil {
				return err
			}
			defer src.Close()
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return fmt.Errorf("%s: %w", loc, err)
			}
			defer snap.Close()
			tables, err := snap.Tables(ctx)
			if err != nil {
				return fmt.Errorf("%s: catalogue: %w", loc, err)
			}
			if count {
				for i := range tables {
					if tables[i].RowEstimate, err = snap.Count(ctx, tables[i].Name); err != nil {
						return fmt.Errorf("%s: %w", loc, err)
					}
				}
			}
			plans := connectors.PlanSchema(tables, c.Dialect)
			if asYAML {
				return connectors.WriteReceivingYAML(g.stdout, platform, loc.String(), plans, c.Dialect)
			}
			return connectors.WriteSchemaReport(g.stdout, loc.String(), plans, c.Dialect)
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the receiving dialect: postgres, mysql, sqlserver or sqlite (required)")
	cmd.Flags().BoolVar(&asYAML, "yaml", false, "print a receiving-schema YAML file instead of the report")
	cmd.Flags().BoolVar(&count, "count", false, "count each table's rows exactly instead of the server's estimate")
	cmd.Flags().StringVar(&platform, "platform", "receiving", "the platform name written into the --yaml file")
	return cmd
}
