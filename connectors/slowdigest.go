package connectors

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Personal data of a small space (an identity number: ten billion of
// them; an exclusion list of a few) is given away by an unkeyed hash of
// it to whoever hashes guesses, minutes of a graphics card. So where a
// fingerprint of such data leaves the run's memory (a checkpoint's or
// verify's fingerprint of an exclusion list, the access log's of an
// extract's filter value) it is an argon2id digest of it, salted anew each
// time and costly to make (about 40 ms and 19 MiB, OWASP's least for
// argon2id), in the PHC string format: whoever holds the data can check
// it (SlowDigestMatches, or any argon2 tool), no one can search for it
// cheaply.

// The digest's cost, as OWASP recommends it at least for argon2id.
const (
	slowDigestTime    = 2
	slowDigestMemory  = 19 * 1024 // KiB
	slowDigestThreads = 1
	slowDigestKeyLen  = 32
	slowDigestSaltLen = 16
)

// SlowDigest gives a fresh digest of text: argon2id, a new salt, in the
// PHC string format ($argon2id$v=19$m=19456,t=2,p=1$salt$key).
func SlowDigest(text string) string {
	salt := make([]byte, slowDigestSaltLen)
	rand.Read(salt) // never fails (crypto/rand)
	return formatSlowDigest(text, salt, slowDigestTime, slowDigestMemory, slowDigestThreads)
}

func formatSlowDigest(text string, salt []byte, t, m uint32, p uint8) string {
	key := argon2.IDKey([]byte(text), salt, t, m, p, slowDigestKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// SlowDigestMatches says whether stored is text's: a digest of it
// (SlowDigest's), or, not beginning with '$', text itself, as checkpoints
// of older versions kept an exclusion list's SHA-256. A digest whose cost
// is beyond what SlowDigest makes (an edited file asking gigabytes) or
// that does not parse matches nothing.
func SlowDigestMatches(stored, text string) bool {
	if !strings.HasPrefix(stored, "$") {
		return subtle.ConstantTimeCompare([]byte(stored), []byte(text)) == 1
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
	if m == 0 || m > 4*slowDigestMemory || t == 0 || t > 8*slowDigestTime || p == 0 || p > 4 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(formatSlowDigest(text, salt, t, m, p)), []byte(stored)) == 1
}
