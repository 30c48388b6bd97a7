package portfolio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// Reports are what runs of a plan left in a work directory: the run's
// report.json (verify.Report), regflytt verify's verify-report.json
// (verify.Summary), and a dry run's outcomes, saved as dryrun.json
// (regflytt map dry-run PLAN --json > dryrun.json). Any may be absent.
type Reports struct {
	Run *verify.Report
	// RunStopped is report.json's status when the run stopped before it
	// finished ("failed", "interrupted", or "unfinished: why" for a run
	// that verified but could not finish): its report holds the ledger of
	// what committed, and nothing of it is verified. "" for a run that
	// finished.
	RunStopped string
	// ResumeRefused is report.json's resume_refused: why resuming the
	// stopped run was refused (the plan changed since), when it was.
	ResumeRefused string
	// Verify is regflytt verify's report of the run, when it was run.
	Verify *verify.Summary
	Dry    *plans.DryRunReport
	// Edited says what a report says PASS of while what it lists fails:
	// regflytt writes no such report, so it was edited after it was
	// written. Its pass is taken as FAIL (LoadReports).
	Edited []string
	// planHash is the plan's current hash, which the reports are judged
	// against ("" when unknown).
	planHash string
	// dir is the work directory the reports were read from, "" for none.
	dir string
}

// LoadReports reads the reports in dir; missing files are no error.
func LoadReports(dir string) (Reports, error) {
	r := Reports{dir: dir}
	if dir == "" {
		return r, nil
	}
	read := func(name string, v any) (bool, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("reports: %w", err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			return false, fmt.Errorf("reports: %s: %w", filepath.Join(dir, name), err)
		}
		return true, nil
	}
	var run struct {
		verify.Report
		Status        string `json:"status"`
		ResumeRefused string `json:"resume_refused"`
	}
	if ok, err := read("report.json", &run); err != nil {
		return r, err
	} else if ok {
		if why := run.Report.Contradicted(); why != "" {
			msg := fmt.Sprintf("report.json says PASS, but %s: it was edited after the run wrote it; run the plan again", why)
			run.Pass = false
			run.Problems = append(run.Problems, msg)
			r.Edited = append(r.Edited, msg)
		}
		r.Run, r.RunStopped, r.ResumeRefused = &run.Report, run.Status, run.ResumeRefused
		// A run that verified but could not finish (verify.Report's
		// Unfinished) stopped too, though its report carries no status.
		if r.RunStopped == "" && run.Unfinished != "" {
			r.RunStopped = "unfinished: " + run.Unfinished
		}
	}
	var ver verify.Summary
	if ok, err := read(verify.JSONFile, &ver); err != nil {
		return r, err
	} else if ok {
		if why := ver.Contradicted(); why != "" {
			msg := fmt.Sprintf("%s says PASS, but %s: it was edited after regflytt verify wrote it; verify again", verify.JSONFile, why)
			ver.Pass = false
			ver.Verdict = "FAIL: " + msg
			ver.Problems = append(ver.Problems, msg)
			r.Edited = append(r.Edited, msg)
		}
		r.Verify = &ver
	}
	var dry plans.DryRunReport
	if ok, err := read("dryrun.json", &dry); err != nil {
		return r, err
	} else if ok {
		r.Dry = &dry
	}
	return r, nil
}

// Languages plan render writes.
const (
	Swedish = "sv"
	English = "en"
)

// Review builds the review document of a plan for the registry holder who
// approves it: the template's fields, the mapping document, the outcome
// tables of the latest dry run and run when there are reports with the
// verdict regflytt verify gives (reps.verification), the open problems
// and alarms (what fails verification), and a signature block with the
// plan's hash (sum) and its approvals. lang is Swedish or English; the
// mapping document itself is in English.
func Review(p *plans.Plan, in *plans.Inputs, sum string, reps Reports, lang string) []mappings.DocBlock {
	sv := lang != English
	tr := func(s, e string) string {
		if sv {
			return s
		}
		return e
	}
	t := &p.Template
	blk := mappings.NewDocBlock
	var bs []mappings.DocBlock
	title := tr("Migreringsplan: ", "Migration plan: ") + p.RegisterName.Value
	bs = append(bs, blk(1, title, []string{
		tr("Plan: ", "Plan: ") + filepath.Base(p.File),
		tr("Planens SHA-256: ", "The plan's SHA-256: ") + sum,
		approvalState(p, sum, tr),
	}, nil, nil))

	subs := tr("inga", "none")
	if len(t.SubRegisters) > 0 {
		var names []string
		for _, s := range t.SubRegisters {
			names = append(names, s.Value)
		}
		subs = strings.Join(names, ", ")
	}
	bs = append(bs, blk(2, tr("Registret och vart det flyttar", "The register and where it moves"), nil,
		[]string{tr("uppgift", "item"), tr("nu", "now"), tr("efter migreringen", "after the migration")},
		[][]string{
			{tr("register", "register"), p.RegisterName.Value + " (" + p.RegisterID.Value + ")", ""},
			{tr("delregister", "sub-registers"), subs, ""},
			{tr("IT-system", "IT system"), p.SystemCurrent.Value, p.SystemChosen.Value},
			{tr("konsolideringssteg", "consolidation step"), t.Step.Value, ""},
			{"CPUA", p.CPUACurrent.Value, p.CPUAFuture.Value},
			{"RCO", p.RCOCurrent.Value, p.RCOFuture.Value},
		}))

	// A milestone recorded done counts as portfolio status counts it:
	// when the reports back it (a finished run of this version for the
	// cut-over, a PASS for verified, the run's archive package for its
	// handover), and every milestone before it counts.
	today := plans.Today()
	var followUp PlanStatus
	followUp.evidence(p, sum, reps, today)
	var rows [][]string
	for _, m := range plans.Milestones {
		done := t.Progress[m].String()
		if why := followUp.Uncounted(p, m, today); why != "" {
			done += tr(" – INTE räknad: ", " – NOT counted: ") + reportLine(why)
		}
		rows = append(rows, []string{milestoneName(m, sv), t.Timeline[m].String(), done})
	}
	bs = append(bs, blk(2, tr("Tidplan", "Timeline"), nil, []string{tr("milstolpe", "milestone"), tr("planerad", "planned"), tr("genomförd", "done")}, rows))

	text := func(heading, body string) {
		bs = append(bs, blk(2, heading, []string{body}, nil, nil))
	}
	text(tr("Behov av stöd", "Support needed"), shown(t.Support.Value))
	text(tr("Registerspecifika praktikaliteter", "Register-specific practicalities"), shown(t.Practicalities.Value))
	text(tr("Strategiska åtgärder före migreringen", "Strategic measures before migrating"), shown(t.Measures.Value))
	bs = append(bs, blk(2, tr("Historiska data", "Historical data"), nil, []string{tr("uppgift", "item"), tr("plan", "plan")}, [][]string{
		{tr("migreras", "migrates"), shown(t.HistoryMigrates.Value)},
		{tr("arkiveras", "archived"), shown(t.HistoryArchived.Value)},
		{tr("arkivets ägare", "archive owner"), t.ArchiveOwner.Value},
		{tr("bevarande", "retention"), shown(t.Retention.Value)},
		{tr("omprövas", "review date"), t.ReviewDate.String()},
	}))
	bs = append(bs, blk(2, tr("Personuppgifter: avstående, utplåning, pseudonymisering", "Personal data: opt-out, erasure, pseudonymisation"), nil,
		[]string{tr("uppgift", "item"), tr("plan", "plan")}, privacyRows(p, in, tr)))
	bs = append(bs, blk(2, tr("Det som arkiveras helt eller godtas utan att verifieringen underkänner", "What is archived whole, or accepted without failing verification"), []string{
		tr("Verifieringen (regflytt verify) godkänner en körning först när varje källpost är redovisad och varje larm är åtgärdat eller godtaget här. Det som står här godkänns med planen.",
			"Verification (regflytt verify) passes a run only when every source record is accounted for and every alarm is dealt with or accepted here. What this section says is approved with the plan."),
	}, []string{tr("uppgift", "item"), tr("plan", "plan")}, acceptedRows(p, in, tr)))
	// The reference date decides outcomes, not only dates on the page:
	// which appointments have ended, a 10-digit number's century.
	ref := tr("Planen anger inget referensdatum: förordnanden och behörigheter bedöms den dag körningen görs, och en regel som jämför med reference_date arkiverar posten (expression_failed).",
		"The plan fixes no reference date: grants and appointments are judged on the day of the run, and a rule comparing with reference_date archives the record (expression_failed).")
	if !p.ReferenceDate.IsZero() {
		ref = fmt.Sprintf(tr("Körningen avgör århundradet för tiosiffriga identitetsnummer, vilka förordnanden och behörigheter som har upphört och regler som jämför med reference_date utifrån %s.",
			"The run reads the century of 10-digit identity numbers, judges which appointments and grants have ended, and compares rules' reference_date by %s."), p.ReferenceDate.Format(time.DateOnly))
	}
	ref += referenceDateDistance(p, tr)
	text(tr("Referensdatum", "Reference date"), ref)
	cost := fmt.Sprintf("%s kr", groupDigits(t.CostSEK))
	if t.CostNote.Value != "" {
		cost += ". " + shown(t.CostNote.Value)
	}
	text(tr("Förväntad kostnad", "Expected cost"), cost)

	reps.planHash = sum
	bs = append(bs, outcomeBlocks(reps, tr)...)

	if in != nil && in.Schema != nil {
		meta := mappings.DocMeta{Title: tr("Mappningar (på engelska)", "Mappings")}
		bs = append(bs, mappings.Demote(mappings.Document(meta, in.Mappings, in.Schema), 1)...)
	}

	sig := [][]string{}
	for _, a := range t.Approvals {
		state := tr("gäller denna version", "of this version")
		if a.SHA256.Value != sum {
			state = tr("INAKTUELL: en annan version", "STALE: another version")
		}
		sig = append(sig, []string{a.By.Value, a.Role.Value, a.Date.String(), fmt.Sprintf("%.12s… (%s)", a.SHA256.Value, state), ""})
	}
	sig = append(sig, []string{"", tr("registerhållare", "registry holder"), "", "", ""}, []string{"", "CPUA", "", "", ""})
	bs = append(bs, blk(2, tr("Godkännande", "Approval"), []string{
		tr("Den som godkänner planen godkänner versionen med SHA-256 ", "Whoever approves the plan approves the version with SHA-256 ") + sum +
			tr(". Varje ändring av planen eller av filerna den nämner ger en annan summa och kräver nytt godkännande (regflytt plan approve), utom att föra in ett godkännande eller en genomförd milstolpe, som inte ändrar summan.",
				". Any change of the plan or of the files it names gives another sum and needs approving again (regflytt plan approve), except recording an approval or a milestone done, which changes no sum."),
	}, []string{tr("namn", "name"), tr("roll", "role"), tr("datum", "date"), "SHA-256", tr("underskrift", "signature")}, sig))
	return bs
}

// shown is a text of the plan or a report as the review shows it: with
// each identity number masked (connectors.MaskIdentityNumbers). The page
// is handed to the registry holder, the CPUA and the national follow-up;
// a note in the template ("patient 19121212-1212 asked to be erased") or
// a problem line of an older report put the number on it in clear, and
// plan check passed it.
func shown(s string) string { return connectors.MaskIdentityNumbers(s) }

// reportLine is a line of a report (a problem, an alarm) as the review
// shows it: masked (shown), and kept one line. Such a line can carry
// text from the legacy data (a unit's id, a table's name); one holding
// line breaks put its own paragraphs ("State: approved in this
// version.", "Verification: PASS: …") on the page under the real verdict.
func reportLine(s string) string {
	return strings.Join(strings.FieldsFunc(shown(s), func(r rune) bool {
		switch r {
		case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
			return true
		}
		return false
	}), " ⏎ ")
}

// privacyRows says how the plan keeps the legal rules on patients' data
// (DOMAIN.md): whose records it excludes, whether identity numbers are
// pseudonymised, and whether the archive is sealed. The registry holder
// approves these decisions, so a list left out is shown as undecided, not
// as an empty cell a reader may take for "none needed".
func privacyRows(p *plans.Plan, in *plans.Inputs, tr func(string, string) string) [][]string {
	list := func(table, column, file mappings.Str, none string) string {
		var parts []string
		if table.IsSet() {
			parts = append(parts, tr("tabellen ", "table ")+table.Value+"."+column.Value)
		}
		if file.IsSet() {
			parts = append(parts, tr("filen ", "file ")+file.Value)
		}
		if len(parts) == 0 {
			return none
		}
		// The entries are not hashed: a hash over a short list of
		// identity numbers, printed on this page and in every report,
		// would let whoever holds the plan's files confirm a guess.
		return strings.Join(parts, tr(" och ", " and ")) + tr(
			" (listans poster läses när körningen börjar; de ingår inte i planens SHA-256, så en ändrad lista kräver inget nytt godkännande)",
			" (its entries are read when the run starts; they are not part of the plan's SHA-256, so a change of the list needs no new approval)")
	}
	optout := list(p.OptOutTable, p.OptOutColumn, p.OptOutFile,
		tr("INTE BESLUTAT: planen nämner ingen lista och inget skäl till att den saknas", "NOT DECIDED: the plan names no list and no reason for having none"))
	if p.OptOutNone.IsSet() {
		optout = tr("ingen lista: ", "no list: ") + shown(p.OptOutNone.Value)
	}
	erasure := list(p.ErasureTable, p.ErasureColumn, p.ErasureFile, tr("ingen lista (ingen har begärt utplåning)", "no list (no one demanded erasure)"))
	// Entries acknowledged to match nobody pass verification: a list
	// exported in another format matches no one under the same count.
	unmatched := func(a plans.Acknowledgement) string {
		if a.Count == 0 {
			return ""
		}
		return fmt.Sprintf(tr("; %d av dess poster godtas som att de inte matchar någon patient i källan: %s", "; %d of its entries accepted as matching no patient in the source: %s"), a.Count, shown(a.Reason.Value))
	}
	optout += unmatched(p.OptOutUnmatched)
	erasure += unmatched(p.ErasureUnmatched)
	// Pseudonymised is what the mappings do: a key named beside mappings
	// that call pseudonym() nowhere pseudonymises nothing, and one column
	// copying the identity number in clear beside another pseudonymising
	// it puts the numbers on the receiving platform all the same.
	pseudo, key := tr("nej", "no"), ""
	switch {
	case p.KeyEnv.IsSet():
		key = tr("nyckeln i miljövariabeln ", "the key in the environment variable ") + connectors.ShownEnvName(p.KeyEnv.Value)
	case p.KeyFile.IsSet():
		key = tr("nyckeln i filen ", "the key in the file ") + p.KeyFile.Value
	}
	var ids mappings.Identities
	if in != nil {
		ids = mappings.IdentityColumns(in.Mappings)
	}
	columns := func(cs []mappings.IdentityColumn, via bool) string {
		var s []string
		for _, c := range cs {
			if via {
				s = append(s, c.Column+" ("+c.Via+")")
			} else {
				s = append(s, c.Column)
			}
		}
		return strings.Join(s, ", ")
	}
	pseudonymised := ""
	if len(ids.Pseudonymised) > 0 {
		pseudonymised = tr("pseudonymiserade: ", "pseudonymised: ") + columns(ids.Pseudonymised, false)
	}
	switch calls := in != nil && mappings.CallsPseudonym(in.Mappings); {
	case len(ids.Clear) > 0:
		pseudo = tr("NEJ: identitetsnummer I KLARTEXT: ", "NO: identity numbers IN CLEAR: ") + columns(ids.Clear, true)
		if pseudonymised != "" {
			pseudo += "; " + pseudonymised
		}
		if key != "" {
			pseudo += tr(" (planen nämner ", " (the plan names ") + key + ")"
		}
	case key != "" && calls:
		pseudo = tr("ja, ", "yes, ") + key
		if pseudonymised != "" {
			pseudo += "; " + pseudonymised
		}
	case key != "":
		pseudo = tr("nej: ingen mappning anropar pseudonym() (planen nämner ", "no: no mapping calls pseudonym() (the plan names ") + key + ")"
	}
	if len(ids.Part) > 0 {
		pseudo += tr("; del av numret (för kort för att vara det): ", "; part of the number (too short to be it): ") + columns(ids.Part, true)
	}
	sealed := fmt.Sprintf(tr("krypterat till %d mottagare (age)", "encrypted to %d recipients (age)"), len(p.ArchiveEncryptTo))
	if len(p.ArchiveEncryptTo) == 0 {
		sealed = tr("i klartext: ", "in clear: ") + shown(p.ArchiveClearReason.Value)
		if !p.ArchiveClearReason.IsSet() {
			sealed = tr("i klartext, utan angivet skäl", "in clear, with no reason given")
		}
	}
	return [][]string{
		{tr("patienter som avstått", "patients who opted out"), optout},
		{tr("patienter som begärt utplåning", "patients who demanded erasure"), erasure},
		{tr("pseudonymisering", "pseudonymisation"), pseudo},
		{tr("arkivpaketet", "the archive package"), sealed},
	}
}

// acceptedRows says what the plan lets pass verification that a registry
// holder would otherwise be told of as an alarm: the source tables it
// archives whole, the archived share it allows, the tolerance of float
// comparisons, and each alarm it acknowledges, in words, with the plan's
// reason. An acknowledgement can leave records out of every outcome (a
// table's history, a schema, large objects), so it is the holder's to
// approve, not a technical detail.
func acceptedRows(p *plans.Plan, in *plans.Inputs, tr func(string, string) string) [][]string {
	v := p.Verification
	whole := tr("inga namngivna: en källtabell som ingen mappning läser arkiveras hel, och verifieringen underkänner tills planen namnger den här med sitt skäl",
		"none named: a source table no mapping reads is archived whole, and fails verification until the plan names it here with its reason")
	if len(p.UnmappedTables) > 0 {
		var names []string
		for name, why := range p.UnmappedTables {
			names = append(names, name+" ("+shown(why.Value)+")")
		}
		sort.Strings(names)
		whole = strings.Join(names, "; ") + tr(": varje post arkiveras i sin ursprungliga form, ingen migreras", ": every record archived in its source shape, none migrated")
	}
	share := fmt.Sprintf(tr("mer än %s %% av en tabells poster", "more than %s %% of a table's records"), percent(v.ArchivedShareMax))
	if v.ArchivedShareMax >= 1 {
		share = tr("inget: alla poster i en tabell får arkiveras utan larm", "none: every record of a table may be archived without an alarm")
	}
	rows := [][]string{
		{tr("källtabeller som arkiveras hela", "source tables archived whole"), whole},
		{tr("andel arkiverade som ger larm", "archived share that raises an alarm"), share},
	}
	// A table rule's exclude: writes its records nowhere, not even to the
	// archive, as an opt-out does, and verification counts them as
	// excluded: the registry holder approves it here, not only in the
	// mapping document's English tables.
	if in != nil {
		for _, f := range in.Mappings {
			for _, tm := range f.Tables {
				for _, r := range tm.Rules {
					if !r.Exclude.IsSet() {
						continue
					}
					what := fmt.Sprintf(tr("poster i tabellen %s där %s: skrivs ingenstans, inte ens till arkivet (skäl %s)", "records of table %s where %s: written nowhere, not even to the archive (reason %s)"),
						tm.Source.Value, r.When.Value, r.Exclude.Value)
					if r.Detail.IsSet() {
						what += ": " + shown(r.Detail.Value)
					}
					rows = append(rows, []string{tr("undantas av en regel", "excluded by a rule"), what})
				}
			}
		}
	}
	if v.FloatTolerance != verify.DefaultFloatTolerance {
		rows = append(rows, []string{tr("flyttal som räknas som lika", "float values that count as equal"),
			fmt.Sprintf(tr("relativ skillnad under %g", "relative difference under %g"), v.FloatTolerance)})
	}
	ids := make([]string, 0, len(v.Acknowledge))
	for id := range v.Acknowledge {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rows = append(rows, []string{tr("godtaget larm: ", "alarm accepted: ") + id, findingText(id, tr) + ": " + shown(v.Acknowledge[id].Value)})
	}
	if len(ids) == 0 {
		rows = append(rows, []string{tr("godtagna larm", "alarms accepted"), tr("inga", "none")})
	}
	return rows
}

// findingText says in words what an acknowledged finding (kind.subject,
// as verification.acknowledge names it) lets pass; a kind it does not
// know (a warning code) is named as it is.
func findingText(id string, tr func(string, string) string) string {
	kind, subject, _ := strings.Cut(id, ".")
	texts := map[string][2]string{
		"archived_share": {"fler än andelen ovan av posterna i tabellen %s arkiverade", "more than the share above of table %s's records archived"},
		plans.FindingValuesArchivedShare: {"fler än andelen ovan av posterna i tabellen %s migrerade med värden arkiverade ensamma, vars kolumner lämnas tomma i mottagarsystemet",
			"more than the share above of table %s's records migrated with values archived alone, their columns left empty on the receiving platform"},
		plans.ReasonTableNotMapped: {"tabellen %s läses av ingen mappning: varje post arkiveras hel", "table %s is read by no mapping: every record archived whole"},
		"list_unmatched":           {"poster i listan %s som inte matchar någon patient i källan", "entries of the %s list that match no patient in the source"},
		"codes_never_seen":         {"koder i kodlistan %s som ingen källpost använder", "codes of code list %s that no source record uses"},
		plans.FindingUnitUnknown: {"migrerade poster i tabellen %s vars vårdenhet åtkomstavsnittet inte listar, så ingen vårdgivares behörighet når dem",
			"migrated records of table %s whose care unit the access section does not list, so no care provider's grant reaches them"},
		mappings.WarnPersonNotChecked: {"migrerade eller arkiverade poster i tabellen %s vars person inte gick att läsa, så att de inte prövades mot listorna över patienter som avstått eller begärt utplåning",
			"migrated or archived records of table %s whose person could not be read, so they were not checked against the opt-out and erasure lists"},
		plans.FindingSchemaNotRead: {"tabellerna i källans schema %s varken migreras, arkiveras eller undantas", "the tables of source schema %s neither migrated, archived nor excluded"},
		plans.FindingHistoryNotRead: {"tidigare och raderade versioner av raderna i tabellen %s (systemversionering) varken migreras eller arkiveras",
			"earlier and deleted versions of table %s's rows (system versioning) neither migrated nor archived"},
		plans.FindingSourceWithoutSnapshot: {"tabellen %s lagras av en motor utan ögonblicksbild, så en skrivning under körningen kan finnas i vissa sidor och inte i andra utan att någon kontroll ser det",
			"table %s is stored by an engine without a snapshot, so a write during the run may be in some pages and not in others, unseen by every check"},
		plans.FindingLargeObjectsNotRead: {"innehållet i de stora objekten i kolumnen %s varken migreras eller arkiveras, bara deras nummer",
			"the content of the large objects in column %s neither migrated nor archived, only their numbers"},
		verify.FindingLoginShared: {"mottagande konton i tabellen %s som delar inloggningsidentitet (ett HSA-id, ett användarnamn) med ett annat konto där, som det gamla systemet inte gav dem, så att den som loggar in med den når båda kontonas behörigheter; en ändrad eller bytt identitet underkänns ändå",
			"receiving accounts of table %s that share a login identity (an HSA-id, a user name) with another account there which the legacy platform did not give them, so that whoever logs in with it reaches either account's grants; a changed or swapped identity still fails"},
		plans.FindingCatalogueLimited: {"källans konto ser bara vissa tabeller: de det inte ser varken migreras, arkiveras eller undantas (%s)",
			"the source account sees only some tables: those it cannot see are neither migrated, archived nor excluded (%s)"},
	}
	if t, ok := texts[kind]; ok && subject != "" {
		return fmt.Sprintf(tr(t[0], t[1]), subject)
	}
	if subject == "" {
		return kind
	}
	return kind + tr(" i ", " in ") + subject
}

// referenceDateDistance says how the plan's reference date stands to the
// day the legacy system is frozen (done, else planned) and the cut-over:
// the run judges appointments and grants on it, not on the day it runs,
// and verification compares both sides on the same day, so one that
// ended between the reference date and the freeze migrates as valid
// under PASS, and one that begins between the cut-over and a later
// reference date migrates as valid before it begins. The page showed
// the date alone, leaving the registry holder to work that out. "" when
// the reference date lies between the two, or either is unknown.
func referenceDateDistance(p *plans.Plan, tr func(string, string) string) string {
	rd := p.ReferenceDate
	if rd.IsZero() {
		return ""
	}
	t := &p.Template
	day := func(m string) plans.Date {
		if d := t.Progress[m]; d.IsSet() {
			return d
		}
		return t.Timeline[m]
	}
	frozen, cut := day("legacy_frozen"), day("cut_over")
	days := func(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }
	switch {
	case frozen.IsSet() && rd.Before(frozen.Time):
		return fmt.Sprintf(tr(" OBS: det är %d dagar före den dag det gamla systemet fryses (%s): förordnanden och behörigheter som upphör däremellan bedöms som giltiga och migreras så, och verifieringen godkänner det.",
			" NOTE: that is %d days before the legacy system is frozen (%s): appointments and grants that end in between are judged valid and migrate so, and verification passes them."), days(rd, frozen.Time), frozen)
	case cut.IsSet() && rd.After(cut.Time):
		return fmt.Sprintf(tr(" OBS: det är %d dagar efter övergången (%s): förordnanden och behörigheter som börjar däremellan bedöms som giltiga redan vid övergången, och verifieringen godkänner det.",
			" NOTE: that is %d days after the cut-over (%s): appointments and grants that begin in between are judged valid at the cut-over already, and verification passes them."), days(cut.Time, rd), cut)
	}
	return ""
}

// percent writes a share as a percentage without trailing zeros: 0.05 as 5.
func percent(share float64) string {
	return strconv.FormatFloat(100*share, 'f', -1, 64)
}

func approvalState(p *plans.Plan, sum string, tr func(string, string) string) string {
	switch {
	case p.Approved(sum):
		return tr("Status: godkänd i denna version.", "State: approved in this version.")
	case currentApproval(p, sum) != nil:
		a := currentApproval(p, sum)
		return fmt.Sprintf(tr("Status: INTE godkänd – denna version är godkänd av %s (%s, %s), men inte av registerhållaren en dag som har varit.",
			"State: NOT approved – this version is approved by %s (%s, %s), but not by the registry holder on a day that has come."), a.By.Value, a.Role.Value, a.Date)
	case len(p.Template.Approvals) > 0:
		return tr("Status: INTE godkänd – planen har ändrats sedan den godkändes.", "State: NOT approved – the plan changed since it was approved.")
	}
	return tr("Status: utkast, inte godkänd.", "State: draft, not approved.")
}

func milestoneName(m string, sv bool) string {
	names := map[string][2]string{
		"plan_approved":         {"planen godkänd", "plan approved"},
		"rehearsal":             {"generalrepetition", "rehearsal"},
		"legacy_frozen":         {"gamla systemet fryst", "legacy frozen"},
		"cut_over":              {"övergång", "cut-over"},
		"verified":              {"verifierad", "verified"},
		"archive_handed_over":   {"arkivet överlämnat", "archive handed over"},
		"legacy_decommissioned": {"gamla systemet avvecklat", "legacy decommissioned"},
	}
	if sv {
		return names[m][0]
	}
	return names[m][1]
}

// groupDigits writes 450000 as 450 000.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ledgerRows(tables []*verify.TableLedger, tr func(string, string) string) [][]string {
	var rows [][]string
	for _, tl := range tables {
		rows = append(rows, []string{tl.Source, tl.Target, fmt.Sprint(tl.Read), fmt.Sprint(tl.Migrated), fmt.Sprint(tl.Archived), fmt.Sprint(tl.Excluded), reasons(tl.ArchivedBy, tl.ExcludedBy)})
	}
	return rows
}

func reasons(maps ...map[string]int64) string {
	var s []string
	for _, m := range maps {
		for k, v := range m {
			s = append(s, fmt.Sprintf("%s %d", k, v))
		}
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func outcomeBlocks(reps Reports, tr func(string, string) string) []mappings.DocBlock {
	blk := mappings.NewDocBlock
	header := []string{tr("källtabell", "source table"), tr("måltabell", "target table"), tr("lästa", "read"), tr("migrerade", "migrated"), tr("arkiverade", "archived"), tr("undantagna", "excluded"), tr("skäl", "reasons")}
	var bs []mappings.DocBlock
	if reps.Dry != nil {
		var lines []string
		if reps.Dry.PlanHash == "" || reps.planHash != "" && reps.Dry.PlanHash != reps.planHash {
			lines = append(lines, tr("INAKTUELL: provkörningen gällde en annan version av planen (eller anger ingen); gör om den på planen som den nu lyder.",
				"STALE: the dry run was of another version of the plan (or names none); run it again on the plan as it stands."))
		}
		// What the dry run found would fail the run (an exclusion list's
		// entries matching no one, unacknowledged).
		for _, x := range reps.Dry.Problems {
			lines = append(lines, tr("Problem: ", "Problem: ")+reportLine(x))
		}
		// What verification would raise on these outcomes and the plan
		// does not accept: the run passes with it, verify does not.
		for _, a := range reps.Dry.Alarms {
			lines = append(lines, tr("Larm som verifieringen underkänner tills planen kvitterar det: ", "Alarm verification fails on until the plan acknowledges it: ")+reportLine(a.ID+": "+a.Message))
		}
		bs = append(bs, blk(2, tr("Senaste provkörning (dry run)", "Latest dry run"), lines, header, ledgerRows(reps.Dry.Tables, tr)))
	} else {
		bs = append(bs, blk(2, tr("Senaste provkörning (dry run)", "Latest dry run"), []string{tr("Ingen rapport.", "No report.")}, nil, nil))
	}
	if reps.Run != nil {
		var tables []*verify.TableLedger
		for i := range reps.Run.Tables {
			tables = append(tables, &reps.Run.Tables[i].TableLedger)
		}
		// The verdict is regflytt verify's: its report when it is of the
		// run, else the run's end check with its alarms, which verify
		// fails on until the plan acknowledges them.
		var verdict string
		switch reps.verification() {
		case "PASS":
			verdict = tr("Verifieringen: GODKÄND (PASS): varje källpost är redovisad.", "Verification: PASS: every source record is accounted for.")
		case "ALARMS":
			verdict = tr("Verifieringen: körningen gick igenom, men med öppna larm som regflytt verify underkänner tills planen kvitterar dem.",
				"Verification: the run passed with open alarms, which regflytt verify fails on until the plan acknowledges them.")
		case "STOPPED":
			verdict = tr("Körningen avbröts innan den var klar: inget är verifierat än.", "The run stopped before it finished: nothing is verified yet.")
			if v := reps.laterVerify(); v != nil && v.Pass {
				// verify passed what the stopped run wrote; the run has
				// yet to finish (seal its archive, write its reports).
				verdict = tr("Körningen avbröts innan den var klar: regflytt verify godkände det som fanns efteråt, men körningen ska återupptas tills den är klar (arkivpaketet förseglat, rapporterna skrivna); den är inte verifierad förrän dess.",
					"The run stopped before it finished: regflytt verify passed what was there after it, but the run must be resumed until it finishes (its archive package sealed, its reports written); it is not verified until then.")
			}
			if reps.RunStopped == "running" {
				// The report a run writes before it changes the target,
				// left as it was by a run killed since.
				verdict = tr("Körningen är inte klar: den pågår, eller avbröts utan att skriva sin rapport; inget är verifierat än.",
					"The run has not finished: it is running, or it stopped without writing its report; nothing is verified yet.")
			}
		case "STALE":
			verdict = tr("INAKTUELL: körningen gällde en annan version av planen (eller anger ingen), så dess resultat gäller inte denna version; kör planen som den nu lyder.",
				"STALE: the run was of another version of the plan (or names none), so its outcome does not hold for this version; run the plan as it stands.")
		default:
			verdict = failVerdict(reps, tr)
		}
		lines := []string{verdict, tr("Startad ", "Started ") + reps.Run.Started.UTC().Format("2006-01-02 15:04 UTC")}
		if v := reps.laterVerify(); v != nil {
			lines = append(lines, tr("Verifierad med regflytt verify ", "Verified with regflytt verify ")+v.Started.UTC().Format("2006-01-02 15:04 UTC"))
		} else if why := reps.verifyNotOfRun(); why != "" {
			lines = append(lines, tr("Verifieringsrapporten gäller inte körningen: ", "The verification report is not of the run: ")+why)
		}
		bs = append(bs, blk(2, tr("Senaste körning och verifiering", "Latest run and verification"), lines, header, ledgerRows(tables, tr)))
	} else {
		bs = append(bs, blk(2, tr("Senaste körning och verifiering", "Latest run and verification"), []string{tr("Ingen rapport.", "No report.")}, nil, nil))
	}
	alarms := reps.openProblems()
	for i, a := range alarms {
		alarms[i] = reportLine(a)
	}
	if len(alarms) == 0 {
		alarms = []string{tr("Inga öppna larm.", "No open alarms.")}
	}
	return append(bs, blk(2, tr("Öppna larm", "Open alarms"), alarms, nil, nil))
}

// failVerdict is the review's verdict line of a verification that
// failed, saying what failed as regflytt verify's verdict does
// (verify.Failed): the records, access, both, or other checks. Read from
// verify's report when it is of the run, else from the run's. A bare
// FAIL sent a registry holder looking for a lost record when access had
// failed, and the reverse.
func failVerdict(reps Reports, tr func(string, string) string) string {
	var f verify.Failed
	if v := reps.laterVerify(); v != nil {
		f = v.Failed()
	} else if reps.Run != nil {
		f = reps.Run.Failed()
	}
	const accessSv = "behörigheterna är inte som i det gamla systemet (vem som får se vad)"
	var sv string
	switch {
	case f.Records && f.Access:
		sv = "inte varje källpost är redovisad, och " + accessSv
	case f.Records:
		sv = "inte varje källpost är redovisad"
	case f.Access && f.Other:
		sv = "varje källpost är redovisad, men " + accessSv + ", och andra kontroller underkändes"
	case f.Access:
		sv = "varje källpost är redovisad, men " + accessSv
	}
	en := failedWords(f)
	if f.Says() == "" {
		// Only other checks failed: the contents, the target, the
		// archive, the lists, findings. The equations held, but that is
		// no "every record accounted for": a row missing from the target
		// fails only the content check (as regflytt verify's verdict
		// says no more than where to look).
		sv = "andra kontroller än postbalansen och behörigheterna underkändes (innehållet, målet, arkivet, listorna eller fynd)"
	}
	return tr("Verifieringen: UNDERKÄND (FAIL): "+sv+"; se Öppna larm.", "Verification: FAIL: "+en+"; see Open alarms.")
}

// failedWords says in English what a verification failed on, as
// regflytt verify's verdict does (verify.Failed), for the review and the
// follow-up; when only other checks failed it says so without claiming
// the records are accounted for (see failVerdict).
func failedWords(f verify.Failed) string {
	if s := f.Says(); s != "" {
		return s
	}
	return "checks other than the record equations and access failed (the contents, the target, the archive, the lists or findings)"
}

// Of checks that the reports are of the plan's register: a work directory
// of another register would put its outcomes in this plan's review.
func (r Reports) Of(p *plans.Plan) error {
	if r.Run != nil && r.Run.Register != p.RegisterID.Value {
		return fmt.Errorf("reports: report.json is of register %q, the plan of %q", r.Run.Register, p.RegisterID.Value)
	}
	if r.Verify != nil && r.Verify.Register != p.RegisterID.Value {
		return fmt.Errorf("reports: %s is of register %q, the plan of %q", verify.JSONFile, r.Verify.Register, p.RegisterID.Value)
	}
	if r.Dry != nil && r.Dry.Register != p.RegisterID.Value {
		return fmt.Errorf("reports: dryrun.json is of register %q, the plan of %q", r.Dry.Register, p.RegisterID.Value)
	}
	return nil
}
