package postgres

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.ChecksumExplainer = (*snapshot)(nil)

// ChecksumSQL gives the statements of the pushdown for a whole-table
// request: JIT off (as checksumQuery sets it), then the query. Checksum
// reads a whole table back instead (readback.go) when the request allows
// it (ReadBack) and its columns have exact binary decoders; these are for
// a person to run by hand and a benchmark to compare.
func (s *snapshot) ChecksumSQL(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]string, error) {
	if req.Within != 0 {
		return nil, fmt.Errorf("checksum of %s: the SQL of a drill-down takes parameters; ask for a whole-table request", t.Name)
	}
	q, err := s.checksumQuery(ctx, t, req, false)
	if err != nil {
		return nil, err
	}
	var out []string
	if serverVersion(s.tx.Conn().PgConn().ParameterStatus("server_version")) >= 110000 {
		out = append(out, "SET LOCAL jit = off")
	}
	return append(out, q.sql), nil
}
