package mysql

import (
	"context"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.ChecksumExplainer = (*snapshot)(nil)

// ChecksumSQL gives the query Checksum runs for a whole-table request.
func (s *snapshot) ChecksumSQL(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]string, error) {
	q, err := s.checksumQuery(ctx, t, req, false)
	if err != nil {
		return nil, err
	}
	return []string{q}, nil
}
