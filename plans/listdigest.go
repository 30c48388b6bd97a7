package plans

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// An exclusion list names the patients who opted out or asked to be
// erased: personal data of the most sensitive kind a migration holds,
// and often a list of a few. A plain SHA-256 of it, kept where others
// read it (the checkpoint in the receiving database, verify's report for
// the auditors), gives it away to whoever hashes guesses: every identity
// number of a century is ten billion guesses, minutes of a graphics card
// for a list of one. So wherever the fingerprint of a list (its file's or
// its source table's) leaves the run's memory it is an argon2id digest
// of it, salted anew each time and costly to make (about 40 ms and 19 MiB,
// OWASP's least for argon2id), in the PHC string format: whoever holds the
// list can check it (listDigestMatches, or any argon2 tool), no one can
// search for it cheaply. The digest is of the SHA-256 (hex) regflytt
// computes of the list, which a checkpoint of an older version kept as it
// is: listDigestMatches accepts that too.

// The digest's cost, as OWASP recommends it at least for argon2id.
const (
	listDigestTime    = 2
	listDigestMemory  = 19 * 1024 // KiB
	listDigestThreads = 1
	listDigestKeyLen  = 32
	listDigestSaltLen = 16
)

// listDigest gives a fresh digest of sum, an exclusion list's SHA-256.
func listDigest(sum string) string {
	salt := make([]byte, listDigestSaltLen)
	rand.Read(salt) // never fails (crypto/rand)
	return formatListDigest(sum, salt, listDigestTime, listDigestMemory, listDigestThreads)
}

func formatListDigest(sum string, salt []byte, t, m uint32, p uint8) string {
	key := argon2.IDKey([]byte(sum), salt, t, m, p, listDigestKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// listDigestMatches says whether stored, a checkpoint's fingerprint of a
// list, is sum's: a digest of it (listDigest's), or sum itself as
// checkpoints of older versions kept it. A digest whose cost is beyond
// what listDigest makes (an edited checkpoint asking gigabytes) or that
// does not parse matches nothing: the resume is then refused as changed.
func listDigestMatches(stored, sum string) bool {
	if !strings.HasPrefix(stored, "$") {
		return subtle.ConstantTimeCompare([]byte(stored), []byte(sum)) == 1
	}
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); n != 3 || err != nil {
		return false
	}
	if m == 0 || m > 4*listDigestMemory || t == 0 || t > 8*listDigestTime || p == 0 || p > 4 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(formatListDigest(sum, salt, t, m, p)), []byte(stored)) == 1
}

// inputSum is the SHA-256 (hex) of one input a run reads besides its
// records; secret says it is an exclusion list's, which leaves the run
// only as a listDigest.
type inputSum struct {
	sum    string
	secret bool
}

// stored is what a checkpoint or a report keeps of it.
func (s inputSum) stored() string {
	if s.secret {
		return listDigest(s.sum)
	}
	return s.sum
}

// matches says whether old, what a checkpoint kept, is this input's.
func (s inputSum) matches(old string) bool {
	if s.secret {
		return listDigestMatches(old, s.sum)
	}
	return old == s.sum
}
