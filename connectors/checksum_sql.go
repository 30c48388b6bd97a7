package connectors

import (
	"encoding/binary"
	"fmt"
)

// What every pushdown Checksummer (the server dialects' SQL encodings of
// AppendRow) does the same way, whatever its SQL.

// RowEncodingSQL gives the pieces of the SQL expression of AppendRow over
// columns cols of t: the column count as literal writes it, then each
// column's value as value gives it. The dialect joins them with its binary
// concatenation.
func RowEncodingSQL(t *Table, cols []int, literal func([]byte) string, value func(*Column) (string, error)) ([]string, error) {
	parts := []string{literal(binary.AppendUvarint(nil, uint64(len(cols))))}
	for _, i := range cols {
		c := &t.Columns[i]
		e, err := value(c)
		if err != nil {
			return nil, fmt.Errorf("column %s (%s): %w", c.Name, c.SourceType, err)
		}
		parts = append(parts, e)
	}
	return parts, nil
}

// DecodeRecordHash reads one row of a server's record-hash query: the
// record's key in AppendRow's encoding and its row hash. ok is false when
// either is malformed (not a whole encoded row, or not a hash's length).
func DecodeRecordHash(key, hash []byte) (r RecordHash, ok bool) {
	k, rest, err := DecodeRow(key)
	if err != nil || len(rest) != 0 || copy(r.Hash[:], hash) != len(r.Hash) {
		return RecordHash{}, false
	}
	r.Key = k
	return r, true
}

// ExactBucketSum gives a bucket's aggregate from a server that sums the
// two 64-bit slices of the row hashes exactly, as decimal text: each sum
// is reduced modulo 2^64 (SumMod64).
func ExactBucketSum(bucket uint32, count uint64, sum1, sum2 string) (BucketSum, error) {
	bs := BucketSum{Bucket: bucket, Aggregate: Aggregate{Count: count}}
	var err error
	if bs.Sum1, err = SumMod64(sum1); err != nil {
		return BucketSum{}, err
	}
	if bs.Sum2, err = SumMod64(sum2); err != nil {
		return BucketSum{}, err
	}
	return bs, nil
}

// FindTable returns the table of tables named name, or nil.
func FindTable(tables []Table, name string) *Table {
	var found *Table
	for i := range tables {
		if tables[i].Name == name {
			found = &tables[i]
		}
	}
	return found
}
