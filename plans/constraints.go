package plans

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/regflytt/regflytt/connectors"
)

// createConstraints creates, once every table is loaded, what the
// receiving schema declares beyond columns and primary keys: defaults,
// identities numbering past the highest migrated value, unique and
// secondary indexes, foreign keys. Loading first is faster, and a foreign
// key need not hold row by row in the order tables are moved. A target
// that cannot create them while the schema declares some is an error, not
// a migrated database that silently lacks them.
func createConstraints(ctx context.Context, tgt connectors.Target, tables []connectors.Table, log *slog.Logger) error {
	if !connectors.DeclaresConstraints(tables) {
		return nil
	}
	cc, ok := tgt.(connectors.ConstraintCreator)
	if !ok {
		return fmt.Errorf("the receiving schema declares defaults, identities, indexes or foreign keys, and the %s connector cannot create them: the rows are loaded; create them by hand, or remove them from the schema", tgt.Dialect().Name())
	}
	log.Info("creating defaults, identities, indexes and foreign keys")
	if err := cc.CreateConstraints(ctx, tables); err != nil {
		return fmt.Errorf("after the load: %w", err)
	}
	return nil
}
