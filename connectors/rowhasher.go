package connectors

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/maphash"
)

// RowHasher is the row and key hash of a checksum. The nil RowHasher is
// SHA-256 (ChecksumVersion): what every Checksummer computes in SQL, and
// what two processes, or a database and a process, can compare.
//
// NewRunHasher gives a keyed one, for a checksum whose two sides are both
// computed in Go by one process: a run's own end check, which hashes what
// it wrote as it writes it and the target's rows as it reads them back.
// There SHA-256 was about a quarter of regflytt's CPU per row (six hashes
// a row: key, row and float record on each side), and nothing outside the
// process ever compares the sums. A keyed hash detects an accidental
// difference as well as SHA-256 does: its keys are fresh random numbers of
// the run that no value can have been chosen against, and it has 128 bits,
// the part of SHA-256 an Aggregate sums. It is not a proof for anyone
// else: its sums mean nothing outside the run, so a request carrying one
// is never pushed down (Resolve refuses it with ErrNoPushdown) and regflytt
// verify, the independent proof, keeps SHA-256.
type RowHasher struct {
	s1, s2  maphash.Seed
	version string
}

// NewRunHasher gives a keyed RowHasher with fresh keys. Its Version names
// it uniquely, so that sums of two hashers are never compared.
func NewRunHasher() *RowHasher {
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24)
	return &RowHasher{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(),
		version: "regflytt-run-1/keyed-maphash128-" + hex.EncodeToString(id[:]) + "/" + EncodingVersion}
}

// Keyed says whether h is a keyed hasher, which no database computes.
func (h *RowHasher) Keyed() bool { return h != nil }

// Version is the version of the checksums h gives: ChecksumVersion for
// SHA-256, a name of this hasher alone for a keyed one.
func (h *RowHasher) Version() string {
	if h == nil {
		return ChecksumVersion
	}
	return h.version
}

// Sum hashes an encoding (a row's, a key's or a float record's). A keyed
// hasher fills the first 16 bytes, the ones an Aggregate and a key hash
// read, and leaves the rest zero.
func (h *RowHasher) Sum(b []byte) RowHash {
	if h == nil {
		return sha256.Sum256(b)
	}
	var out RowHash
	binary.BigEndian.PutUint64(out[0:8], maphash.Bytes(h.s1, b))
	binary.BigEndian.PutUint64(out[8:16], maphash.Bytes(h.s2, b))
	return out
}

// KeyHash is the bucketing hash of a key's encoding: the first four bytes
// of its Sum, big-endian, as KeyHash gives for SHA-256.
func (h *RowHasher) KeyHash(encodedKey []byte) uint32 {
	if h == nil {
		return keyHashOf(encodedKey)
	}
	return uint32(maphash.Bytes(h.s1, encodedKey) >> 32)
}

// HashRow hashes the canonical encoding of a row, as HashRow does with
// SHA-256.
func (h *RowHasher) HashRow(row []Value) (RowHash, error) {
	b, err := AppendRow(nil, row)
	if err != nil {
		return RowHash{}, err
	}
	return h.Sum(b), nil
}

// refuseKeyed is Resolve's refusal of a keyed hasher.
func (r ChecksumRequest) refuseKeyed(t *Table) error {
	if r.Hasher.Keyed() {
		return fmt.Errorf("%w: a keyed hash of %s (a run's own end check) is computed in Go", ErrNoPushdown, t.Name)
	}
	return nil
}
