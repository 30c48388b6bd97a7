package portfolio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// What the plan lets pass without failing verification is the registry
// holder's decision, so the review shows it: source tables archived whole
// (unmapped_tables), the archived share above which verify raises an
// alarm (archived_share_max), each alarm the plan acknowledges
// (verification.acknowledge: a system-versioned table's deleted rows, a
// schema not read, records no care provider's grant reaches) and exclusion
// list entries acknowledged to match nobody. None was on the page: a
// holder approved a plan whose run archived a table whole, or left out a
// table's history, and run and verify passed with exit 0.
func TestReviewShowsWhatVerificationAccepts(t *testing.T) {
	p, in, sum := reviewFixture(t)
	at := mappings.Pos{File: p.File, Line: 1, Column: 1}
	set := func(v string) mappings.Str { return mappings.Str{Value: v, Pos: at} }
	render := func(lang string) (string, string) {
		t.Helper()
		var md, page bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, sum, Reports{}, lang)); err != nil {
			t.Fatal(err)
		}
		if err := mappings.WriteHTMLLang(&page, Review(p, in, sum, Reports{}, lang), lang); err != nil {
			t.Fatal(err)
		}
		return md.String(), page.String()
	}
	en, _ := render(English)
	for _, want := range []string{
		"| source tables archived whole | none named: a source table no mapping reads is archived whole, and fails verification until the plan names it here with its reason |",
		"| archived share that raises an alarm | more than 5 % of a table's records |",
		"| alarms accepted | none |",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("the plain fixture's review lacks %q:\n%s", want, en)
		}
	}

	p.UnmappedTables = map[string]mappings.Str{"logg": set("the platform's event log, no patient data"), "audit": set("login audit")}
	p.Verification.ArchivedShareMax = 0.25
	p.Verification.FloatTolerance = 1e-6
	p.Verification.Acknowledge = map[string]mappings.Str{
		"history_not_read.besok":   set("earlier versions are the legacy vendor's"),
		"archived_share.besok":     set("visits before 2005 used a retired code list"),
		"unit_unknown.besok":       set("closed units"),
		"pnr_century_resolved.pt":  set("checked by hand"),
		"person_not_checked.besok": set("visits registered before identity numbers were required"),
		"login_shared.app_user":    set("the platform holds the clinicians' accounts of other registries"),
	}
	p.OptOutFile = set("optout.txt")
	p.OptOutUnmatched = plans.Acknowledgement{Count: 2, Reason: set("patients who never reported"), Pos: at}
	en, page := render(English)
	for _, want := range []string{
		"| source tables archived whole | audit (login audit); logg (the platform's event log, no patient data): every record archived in its source shape, none migrated |",
		"| archived share that raises an alarm | more than 25 % of a table's records |",
		"| alarm accepted: archived_share.besok | more than the share above of table besok's records archived: visits before 2005 used a retired code list |",
		"| alarm accepted: history_not_read.besok | earlier and deleted versions of table besok's rows (system versioning) neither migrated nor archived: earlier versions are the legacy vendor's |",
		"| alarm accepted: unit_unknown.besok | migrated records of table besok whose care unit the access section does not list, so no care provider's grant reaches them: closed units |",
		"| alarm accepted: pnr_century_resolved.pt | pnr_century_resolved in pt: checked by hand |",
		"| alarm accepted: person_not_checked.besok | migrated or archived records of table besok whose person could not be read, so they were not checked against the opt-out and erasure lists: visits registered before identity numbers were required |",
		"| alarm accepted: login_shared.app_user | receiving accounts of table app_user that share a login identity (an HSA-id, a user name) with another account there which the legacy platform did not give them, so that whoever logs in with it reaches either account's grants; a changed or swapped identity still fails: the platform holds the clinicians' accounts of other registries |",
		"| float values that count as equal | relative difference under 1e-06 |",
		"| patients who opted out | file optout.txt (its entries are read when the run starts; they are not part of the plan's SHA-256, so a change of the list needs no new approval); 2 of its entries accepted as matching no patient in the source: patients who never reported |",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("the review lacks %q:\n%s", want, en)
		}
	}
	if !strings.Contains(page, "<td>alarm accepted: history_not_read.besok</td>") {
		t.Errorf("the HTML review lacks the accepted alarm:\n%s", page)
	}
	sv, _ := render(Swedish)
	for _, want := range []string{
		"| källtabeller som arkiveras hela | audit (login audit); logg (the platform's event log, no patient data): varje post arkiveras i sin ursprungliga form, ingen migreras |",
		"| andel arkiverade som ger larm | mer än 25 % av en tabells poster |",
		"| godtaget larm: person_not_checked.besok | migrerade eller arkiverade poster i tabellen besok vars person inte gick att läsa, så att de inte prövades mot listorna över patienter som avstått eller begärt utplåning: visits registered before identity numbers were required |",
		"| godtaget larm: login_shared.app_user | mottagande konton i tabellen app_user som delar inloggningsidentitet (ett HSA-id, ett användarnamn) med ett annat konto där, som det gamla systemet inte gav dem, så att den som loggar in med den når båda kontonas behörigheter; en ändrad eller bytt identitet underkänns ändå: the platform holds the clinicians' accounts of other registries |",
		"| godtaget larm: history_not_read.besok | tidigare och raderade versioner av raderna i tabellen besok (systemversionering) varken migreras eller arkiveras: earlier versions are the legacy vendor's |",
		"| patienter som avstått | filen optout.txt (listans poster läses när körningen börjar; de ingår inte i planens SHA-256, så en ändrad lista kräver inget nytt godkännande); 2 av dess poster godtas som att de inte matchar någon patient i källan: patients who never reported |",
	} {
		if !strings.Contains(sv, want) {
			t.Errorf("the Swedish review lacks %q:\n%s", want, sv)
		}
	}

	p.Verification.ArchivedShareMax = 1
	if s, _ := render(English); !strings.Contains(s, "| archived share that raises an alarm | none: every record of a table may be archived without an alarm |") {
		t.Errorf("archived_share_max 1 is not shown as no alarm at all:\n%s", s)
	}
}

// An exclusion list's entries are read when the run starts, from the
// file or the source table: they are not part of the plan's SHA-256 (a
// hash over the identity numbers would let anyone holding the plan's
// files test a guess at a short list), so an edited list needs no new
// approval. The review says so, where the holder could otherwise take
// the approved version for the approved list.
func TestReviewSaysListEntriesAreNotApproved(t *testing.T) {
	p, in, sum := reviewFixture(t)
	at := mappings.Pos{File: p.File, Line: 1, Column: 1}
	p.OptOutFile = mappings.Str{Value: "optout.txt", Pos: at}
	p.ErasureTable, p.ErasureColumn = mappings.Str{Value: "radera", Pos: at}, mappings.Str{Value: "pnr", Pos: at}
	en := reviewMarkdown(t, p, in, sum, Reports{})
	for _, want := range []string{
		"| patients who opted out | file optout.txt (its entries are read when the run starts; they are not part of the plan's SHA-256, so a change of the list needs no new approval) |",
		"| patients who demanded erasure | table radera.pnr (its entries are read when the run starts; they are not part of the plan's SHA-256, so a change of the list needs no new approval) |",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("the review lacks %q:\n%s", want, en)
		}
	}
	var sv bytes.Buffer
	if err := mappings.WriteMarkdown(&sv, Review(p, in, sum, Reports{}, Swedish)); err != nil {
		t.Fatal(err)
	}
	if want := "| patienter som avstått | filen optout.txt (listans poster läses när körningen börjar; de ingår inte i planens SHA-256, så en ändrad lista kräver inget nytt godkännande) |"; !strings.Contains(sv.String(), want) {
		t.Errorf("the Swedish review lacks %q:\n%s", want, sv.String())
	}
}

// The plan's reference date decides outcomes: the century of a 10-digit
// identity number, which appointments have ended (archived,
// appointment_expired) and what a rule comparing with reference_date
// archives. It is in the hash and was not on the page.
func TestReviewShowsTheReferenceDate(t *testing.T) {
	p, in, sum := reviewFixture(t)
	const none = "The plan fixes no reference date: grants and appointments are judged on the day of the run, and a rule comparing with reference_date archives the record (expression_failed)."
	if s := reviewMarkdown(t, p, in, sum, Reports{}); !strings.Contains(s, none) {
		t.Errorf("the review lacks %q:\n%s", none, s)
	}
	p.ReferenceDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const want = "The run reads the century of 10-digit identity numbers, judges which appointments and grants have ended, and compares rules' reference_date by 2026-01-01."
	if s := reviewMarkdown(t, p, in, sum, Reports{}); !strings.Contains(s, want) {
		t.Errorf("the review lacks %q:\n%s", want, s)
	}
	var sv bytes.Buffer
	if err := mappings.WriteMarkdown(&sv, Review(p, in, sum, Reports{}, Swedish)); err != nil {
		t.Fatal(err)
	}
	if want := "Körningen avgör århundradet för tiosiffriga identitetsnummer, vilka förordnanden och behörigheter som har upphört och regler som jämför med reference_date utifrån 2026-01-01."; !strings.Contains(sv.String(), want) {
		t.Errorf("the Swedish review lacks %q", want)
	}
}
