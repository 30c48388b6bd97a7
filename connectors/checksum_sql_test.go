package connectors

import "testing"

// A server's record row is taken only when its key is exactly one encoded
// row and its hash is a whole hash: trailing bytes or a short hash would
// otherwise pass as a record that matches nothing, or a zero-padded hash.
func TestDecodeRecordHashRefusesMalformed(t *testing.T) {
	key, err := AppendRow(nil, []Value{int64(7), "a"})
	if err != nil {
		t.Fatal(err)
	}
	hash := make([]byte, len(RowHash{}))
	hash[0] = 9
	r, ok := DecodeRecordHash(key, hash)
	if !ok || len(r.Key) != 2 || r.Key[0] != int64(7) || r.Key[1] != "a" || r.Hash[0] != 9 {
		t.Fatalf("a well-formed record: got %+v, %v", r, ok)
	}
	for name, c := range map[string][2][]byte{
		"trailing key bytes": {append(key[:len(key):len(key)], 0), hash},
		"truncated key":      {key[:len(key)-1], hash},
		"short hash":         {key, hash[:len(hash)-1]},
	} {
		if _, ok := DecodeRecordHash(c[0], c[1]); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
