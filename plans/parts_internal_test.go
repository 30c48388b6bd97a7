package plans

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// recordingArchive keeps what it is given.
type recordingArchive struct {
	recs []archive.Record
	vals []archive.Value
}

func (a *recordingArchive) Add(_ *connectors.Table, r archive.Record) error {
	a.recs = append(a.recs, r)
	return nil
}

func (a *recordingArchive) AddValue(_ *connectors.Table, v archive.Value) error {
	a.vals = append(a.vals, v)
	return nil
}

// Every field of an archived record or value survives its archive part:
// a field added to archive.Record that the parts do not carry would be
// lost from every package (main's CareUnit was, until this test). The
// field lists fail the test when archive grows a field, so parts.go is
// looked at again.
func TestPartsKeepEveryField(t *testing.T) {
	fields := func(v any) string {
		rt := reflect.TypeOf(v)
		var names []string
		for i := 0; i < rt.NumField(); i++ {
			names = append(names, rt.Field(i).Name)
		}
		sort.Strings(names)
		return strings.Join(names, ",")
	}
	if got, want := fields(archive.Record{}), "CareUnit,Column,Detail,Key,KeyText,Reason,SourceColumn,Values"; got != want {
		t.Fatalf("archive.Record has fields %s; parts.go carries %s: carry the new ones", got, want)
	}
	if got, want := fields(archive.Value{}), "CareUnit,Column,Detail,Key,KeyText,Reason,SourceColumn,Value"; got != want {
		t.Fatalf("archive.Value has fields %s; parts.go carries %s: carry the new ones", got, want)
	}
	dir := t.TempDir()
	p, err := openParts(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	tb := &connectors.Table{Name: "besok"}
	rec := archive.Record{Key: []connectors.Value{int64(7)}, Reason: "r", Column: "c", SourceColumn: "sc", Detail: "d",
		Values: []connectors.Value{int64(7), "x", nil, []byte{0, 1}}, CareUnit: "SE123", KeyText: "id=7"}
	val := archive.Value{Key: []connectors.Value{int64(7)}, Column: "c", SourceColumn: "sc", Reason: "r", Detail: "d",
		Value: connectors.Decimal("1.50"), CareUnit: "SE123", KeyText: "id=7"}
	if err := p.Add(tb, rec); err != nil {
		t.Fatal(err)
	}
	if err := p.AddValue(tb, val); err != nil {
		t.Fatal(err)
	}
	if err := p.seal(1); err != nil {
		t.Fatal(err)
	}
	var got recordingArchive
	if err := replayParts(dir, 1, map[string]*connectors.Table{"besok": tb}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.recs) != 1 || !reflect.DeepEqual(got.recs[0], rec) {
		t.Errorf("record %#v, want %#v", got.recs, rec)
	}
	if len(got.vals) != 1 || !reflect.DeepEqual(got.vals[0], val) {
		t.Errorf("value %#v, want %#v", got.vals, val)
	}
}

// A checkpoint's ledger comes back with every map of counts made, so
// counting into it after a resume never writes into a nil map; Units
// stays nil (a table without a reporting unit).
func TestCheckpointLedgerMapsMade(t *testing.T) {
	c := &checkpoint{Ledger: verify.NewLedger()}
	c.Ledger.Table("besok", "visit")
	back, err := c.clone()
	if err != nil {
		t.Fatal(err)
	}
	tl := back.Ledger.Tables[0]
	v := reflect.ValueOf(tl).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Type() == reflect.TypeOf(map[string]int64(nil)) && f.IsNil() {
			t.Errorf("field %s is a nil map after the round trip", v.Type().Field(i).Name)
		}
	}
	tl.Archive("invalid_date")
	tl.Exclude("optout")
	tl.ArchiveValue("x")
	tl.NullValue("y")
	tl.LoseValue("z")
	tl.Warn("w")
	if back.Ledger.Tables[0].Units != nil {
		t.Error("Units made: the table would seem to have a reporting unit")
	}
}
