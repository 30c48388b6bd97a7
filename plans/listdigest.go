package plans

import "github.com/regflytt/regflytt/connectors"

// An exclusion list names the patients who opted out or asked to be
// erased: personal data of the most sensitive kind a migration holds,
// and often a list of a few. So wherever the fingerprint of a list (its
// file's or its source table's) leaves the run's memory (the checkpoint
// in the receiving database, verify's report for the auditors) it is a
// slow, salted digest of it (connectors.SlowDigest), not its SHA-256. The
// digest is of the SHA-256 (hex) regflytt computes of the list, which a
// checkpoint of an older version kept as it is: SlowDigestMatches accepts
// that too.

// inputSum is the SHA-256 (hex) of one input a run reads besides its
// records; secret says it is an exclusion list's, which leaves the run
// only as a connectors.SlowDigest.
type inputSum struct {
	sum    string
	secret bool
}

// stored is what a checkpoint or a report keeps of it.
func (s inputSum) stored() string {
	if s.secret {
		return connectors.SlowDigest(s.sum)
	}
	return s.sum
}

// matches says whether old, what a checkpoint kept, is this input's.
func (s inputSum) matches(old string) bool {
	if s.secret {
		return connectors.SlowDigestMatches(old, s.sum)
	}
	return old == s.sum
}
