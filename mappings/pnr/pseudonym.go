package pnr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"sync"
)

// MinKeyLen is the shortest key NewPseudonymiser accepts: 128 bits. Identity
// numbers are few enough to enumerate, so anyone holding the key can reverse
// every pseudonym; the key's secrecy is the whole protection and it must be
// beyond guessing.
const MinKeyLen = 16

// PseudonymLen is the length of every pseudonym Pseudonym returns.
const PseudonymLen = 32

// ErrKeyTooShort is wrapped by NewPseudonymiser's error for a short key.
var ErrKeyTooShort = errors.New("pnr: pseudonymisation key too short")

// Pseudonymiser replaces identity numbers with keyed pseudonyms. It is safe
// for concurrent use. The zero Pseudonymiser is not usable; make one with
// NewPseudonymiser.
//
// It never reveals its key: String, GoString, Format and LogValue print a
// fixed redacted text, and the key is held only inside a closure, so even
// reflection-based dumpers that skip those methods cannot reach it.
type Pseudonymiser struct {
	// A pool of HMAC states, because a hash.Hash is not safe for
	// concurrent use and building one per call costs allocations.
	pool *sync.Pool
}

// macState is one goroutine's scratch. in and sum live here, not on the
// caller's stack, because passing a slice through the hash.Hash interface
// would make it escape and cost an allocation per call.
type macState struct {
	h   hash.Hash
	in  [12]byte
	sum [sha256.Size]byte
}

// NewPseudonymiser makes a Pseudonymiser for key, which must be at least
// MinKeyLen bytes; the error then wraps ErrKeyTooShort and states only the
// length. The key is copied, so the caller may wipe its slice afterwards.
func NewPseudonymiser(key []byte) (*Pseudonymiser, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("%w: got %d bytes, need at least %d (load it from the key store named in the plan)",
			ErrKeyTooShort, len(key), MinKeyLen)
	}
	k := bytes.Clone(key)
	return &Pseudonymiser{pool: &sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, k)}
	}}}, nil
}

// Pseudonym gives n's pseudonym: lowercase hex of the first 16 bytes of
// HMAC-SHA-256(key, n.String()), always PseudonymLen characters; "" for the
// zero Number.
//
// The MAC input is the 12-digit normalised form, so every shape of one
// person's number gives the same pseudonym. The text form is part of the
// contract — changing it changes every pseudonym already migrated. Hex was
// chosen over base32 because a database can reproduce it for pushdown
// verification (PostgreSQL with pgcrypto:
// left(encode(hmac(pnr12, key, 'sha256'), 'hex'), 32)). 128 bits keep the
// chance of two people colliding negligible for any registry (below 1e-24
// for ten million people).
func (p *Pseudonymiser) Pseudonym(n Number) string {
	if n.IsZero() {
		return ""
	}
	if p == nil || p.pool == nil {
		panic("pnr: Pseudonym on a Pseudonymiser not made by NewPseudonymiser")
	}
	st := p.pool.Get().(*macState)
	st.in = n.d
	st.h.Reset()
	st.h.Write(st.in[:])
	sum := st.h.Sum(st.sum[:0])
	var out [PseudonymLen]byte
	hex.Encode(out[:], sum[:PseudonymLen/2])
	p.pool.Put(st)
	return string(out[:])
}

const redacted = "pnr.Pseudonymiser{key:REDACTED}"

// String never shows the key.
func (p *Pseudonymiser) String() string { return redacted }

// GoString never shows the key, for %#v.
func (p *Pseudonymiser) GoString() string { return redacted }

// Format prints the redacted form for every verb, so that %x or %q cannot
// find a way around String.
func (p *Pseudonymiser) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// LogValue keeps the key out of log/slog output.
func (p *Pseudonymiser) LogValue() slog.Value { return slog.StringValue(redacted) }
