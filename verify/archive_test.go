package verify_test

import (
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// A duplicate_key record's detail names the record its receiving key went
// to: the source record in a run, the receiving row written before the
// run resumed in a resumed one (plans' preloadKeys). Verification
// compares the detail up to that name, and the whole detail of any other
// reason.
func TestArchivedHashOfADuplicateKeysDetail(t *testing.T) {
	rec := func(reason, detail string) archive.Record {
		return archive.Record{Key: []connectors.Value{int64(7)}, Reason: reason, Column: "id", Detail: detail, Values: []connectors.Value{int64(7)}}
	}
	hash := func(r archive.Record) connectors.RowHash {
		h, err := verify.ArchivedHash(r)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const prefix = "receiving table visit already has a row with this primary key"
	run := hash(rec("duplicate_key", prefix+", from source record of besok with key (1)"))
	if resumed := hash(rec("duplicate_key", prefix+", from visit as written before the run resumed with key (1)")); resumed != run {
		t.Error("a resumed run's duplicate_key detail differs from a run's")
	}
	if edited := hash(rec("duplicate_key", "receiving table visit had this key first, from source record of besok with key (1)")); edited == run {
		t.Error("a duplicate_key detail edited before the record it names passes")
	}
	if other := hash(rec("lookup_missing", "no row in x, from y")); other == hash(rec("lookup_missing", "no row in x, from z")) {
		t.Error("another reason's detail is compared only in part")
	}
}
