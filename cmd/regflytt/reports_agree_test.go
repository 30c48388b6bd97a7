package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/verify"
)

// What an auditor reads of one run and its verification (report.json,
// the run's summary, verify-report.json, .html and the verification's
// summary, the unit reports, archive ls) must be one account, and that
// account the databases' and the package's: every figure is held here to
// a count taken with SQL or from the package's own records, and every
// output to the JSON it is rendered beside.

// counter counts with SQL in one database, as a person would check.
type counter struct {
	t      *testing.T
	quote  func(string) string
	asText string // the type a CAST to text names
	query  func(q string) (map[string]int64, error)
}

// newCounter opens url (sqlite://, mysql://, postgres://) for counting.
func newCounter(t *testing.T, url string) *counter {
	t.Helper()
	dq := func(s string) string { return `"` + s + `"` }
	c := &counter{t: t, quote: dq, asText: "TEXT"}
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		db, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c.query = func(q string) (map[string]int64, error) { return sqlGroups(db, q) }
	case strings.HasPrefix(url, "mysql://"):
		db := mytest.Open(t, url)
		c.quote, c.asText = func(s string) string { return "`" + s + "`" }, "CHAR"
		c.query = func(q string) (map[string]int64, error) { return sqlGroups(db, q) }
	case strings.HasPrefix(url, "postgres://"):
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		c.query = func(q string) (map[string]int64, error) {
			rows, err := conn.Query(context.Background(), q)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			out := map[string]int64{}
			for rows.Next() {
				var k *string
				var n int64
				if err := rows.Scan(&k, &n); err != nil {
					return nil, err
				}
				if k == nil {
					out[verify.NoUnit] += n
				} else {
					out[*k] += n
				}
			}
			return out, rows.Err()
		}
	default:
		t.Fatalf("no counter for %s", url)
	}
	return c
}

func sqlGroups(db *sql.DB, q string) (map[string]int64, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k sql.NullString
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k.String] += n // NULL is verify.NoUnit, ""
	}
	return out, rows.Err()
}

// rows counts a table's rows.
func (c *counter) rows(table string) int64 {
	c.t.Helper()
	m, err := c.query(fmt.Sprintf(`SELECT CAST('all' AS %s), COUNT(*) FROM %s`, c.asText, c.quote(table)))
	if err != nil {
		c.t.Fatalf("count %s: %v", table, err)
	}
	return m["all"]
}

// perUnit counts a table's rows per value of its unit column.
func (c *counter) perUnit(table, column string) map[string]int64 {
	c.t.Helper()
	col := c.quote(column)
	m, err := c.query(fmt.Sprintf(`SELECT CAST(%s AS %s), COUNT(*) FROM %s GROUP BY %s`, col, c.asText, c.quote(table), col))
	if err != nil {
		c.t.Fatalf("count %s per %s: %v", table, column, err)
	}
	return m
}

// outputs are what one run and its verification wrote and printed.
type outputs struct {
	runOut, verifyOut string
	work, units       string
	verifyUnits       string
	report            verify.Report
	summary           verify.Summary
	html              string
	archiveLs         string
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// runAndVerify runs plan (its URLs from REGFLYTT_SOURCE and
// REGFLYTT_TARGET) with extra flags, verifies it and lists its package.
// wantVerify is verify's exit status.
func runAndVerify(t *testing.T, plan, dir string, wantVerify int, extra ...string) *outputs {
	t.Helper()
	o := &outputs{work: filepath.Join(dir, "work"), units: filepath.Join(dir, "units"), verifyUnits: filepath.Join(dir, "vunits")}
	code, out, errs := cli(t, append([]string{"run", plan, "--work", o.work, "--unit-reports", o.units}, extra...)...)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	o.runOut = out
	code, out, errs = cli(t, "verify", plan, "--work", o.work, "--unit-reports", o.verifyUnits)
	if code != wantVerify {
		t.Fatalf("verify: exit %d, want %d\n%s\n%s", code, wantVerify, out, errs)
	}
	o.verifyOut = out
	readJSON(t, filepath.Join(o.work, "report.json"), &o.report)
	readJSON(t, filepath.Join(o.work, verify.JSONFile), &o.summary)
	b, err := os.ReadFile(filepath.Join(o.work, verify.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	o.html = string(b)
	code, out, errs = cli(t, "archive", "ls", o.report.Archive.Dir)
	if code != exitOK {
		t.Fatalf("archive ls: exit %d\n%s", code, errs)
	}
	o.archiveLs = out
	return o
}

// checkAgainstDatabases holds report.json and verify-report.json to what
// the databases and the package hold.
func checkAgainstDatabases(t *testing.T, o *outputs, srcURL, tgtURL string) {
	src, tgt := newCounter(t, srcURL), newCounter(t, tgtURL)
	pkg, err := archive.Open(o.report.Archive.Dir)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int64{}
	heldBy := map[string]map[string]int64{}
	var heldAll int64
	for _, ts := range pkg.Tables() {
		recs, err := pkg.Records(ts.Table)
		if err != nil {
			t.Fatal(err)
		}
		heldBy[ts.Table] = map[string]int64{}
		for recs.Next() {
			held[ts.Table]++
			heldBy[ts.Table][recs.Record().Outcome.Reason]++
		}
		if err := recs.Err(); err != nil {
			t.Fatal(err)
		}
		recs.Close()
		heldAll += held[ts.Table]
	}
	if o.report.Archive.Records != heldAll || o.summary.Archive.Records != heldAll {
		t.Errorf("archive: report.json says %d records, verify-report.json %d, the package holds %d", o.report.Archive.Records, o.summary.Archive.Records, heldAll)
	}
	for _, tc := range o.report.Tables {
		if n := src.rows(tc.Source); tc.SourceRows != n {
			t.Errorf("report.json: %s has %d source rows, the source %d", tc.Source, tc.SourceRows, n)
		}
		if held[tc.Source] != tc.Archived || fmt.Sprint(heldBy[tc.Source]) != fmt.Sprint(nonZero(tc.ArchivedBy)) {
			t.Errorf("report.json: %s archived %d %v, the package holds %d %v", tc.Source, tc.Archived, tc.ArchivedBy, held[tc.Source], heldBy[tc.Source])
		}
		got, counted := map[string]int64{}, false
		for _, u := range o.report.Units {
			if u.Source == tc.Source {
				got[u.Unit] = u.Read
				counted = counted || u.SourceRows != nil
			}
		}
		// A form's values have no unit column: their units are their
		// forms', which no count of the values table can tell.
		if counted {
			want := src.perUnit(tc.Source, tc.UnitColumn)
			if fmt.Sprint(nonZero(got)) != fmt.Sprint(want) {
				t.Errorf("report.json: %s per unit %v, the source per %s %v", tc.Source, got, tc.UnitColumn, want)
			}
		}
	}
	for _, tt := range o.report.Targets {
		if n := tgt.rows(tt.Table); tt.Rows != n {
			t.Errorf("report.json: target %s has %d rows, the target %d", tt.Table, tt.Rows, n)
		}
	}
	for _, c := range o.summary.Contents {
		if n := tgt.rows(c.Table); c.ActualRows != n {
			t.Errorf("verify-report.json: receiving table %s has %d rows, the target %d", c.Table, c.ActualRows, n)
		}
	}
	for _, te := range o.summary.Tables {
		if n := src.rows(te.Source); te.SourceRecords != n {
			t.Errorf("verify-report.json: %s has %d source records, the source %d", te.Source, te.SourceRecords, n)
		}
		if te.InArchive != held[te.Source] {
			t.Errorf("verify-report.json: %s has %d in the archive, the package %d", te.Source, te.InArchive, held[te.Source])
		}
	}
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// checkOutputsAgree holds every rendering to the JSON it is rendered
// beside, and the verification's to the run's.
func checkOutputsAgree(t *testing.T, o *outputs) {
	// The run's summary: a line per source table, the archive, the lists.
	for _, tc := range o.report.Tables {
		mark := "ok"
		if !tc.OK {
			mark = "MISMATCH"
		}
		line := fmt.Sprintf(`(?m)^%s +%s +%d +%d +%d +%d +%d +%s$`, regexp.QuoteMeta(tc.Source), regexp.QuoteMeta(targetOrArchive(tc.Target)), tc.SourceRows, tc.Read, tc.Migrated, tc.Archived, tc.Excluded, mark)
		if !regexp.MustCompile(line).MatchString(o.runOut) {
			t.Errorf("the run's summary lacks %s as report.json has it (%d rows, %d read, %d/%d/%d):\n%s", tc.Source, tc.SourceRows, tc.Read, tc.Migrated, tc.Archived, tc.Excluded, o.runOut)
		}
	}
	for _, l := range o.report.Lists {
		want := fmt.Sprintf("%s list: %d entries, %d matched, %d unmatched", l.List, l.Entries, l.Matched, l.Unmatched)
		if !strings.Contains(o.runOut, want) {
			t.Errorf("the run's summary lacks %q", want)
		}
	}

	// The verification against the run: the same records, the same
	// outcomes, the same lists.
	if len(o.summary.Tables) != len(o.report.Tables) {
		t.Errorf("verify-report.json has %d source tables, report.json %d", len(o.summary.Tables), len(o.report.Tables))
	}
	byTable := map[string]verify.TableCheck{}
	for _, tc := range o.report.Tables {
		byTable[tc.Source] = tc
	}
	for _, te := range o.summary.Tables {
		tc := byTable[te.Source]
		if te.SourceRecords != tc.SourceRows || te.Migrated != tc.Migrated || te.Archived != tc.Archived || te.Excluded != tc.Excluded ||
			fmt.Sprint(nonZero(te.ExcludedBy)) != fmt.Sprint(nonZero(tc.ExcludedBy)) || fmt.Sprint(nonZero(te.ArchivedBy)) != fmt.Sprint(nonZero(tc.ArchivedBy)) {
			t.Errorf("%s: verify-report.json %d = %d + %d + %d (%v, %v), report.json %d = %d + %d + %d (%v, %v)", te.Source,
				te.SourceRecords, te.Migrated, te.Archived, te.Excluded, te.ArchivedBy, te.ExcludedBy,
				tc.SourceRows, tc.Migrated, tc.Archived, tc.Excluded, tc.ArchivedBy, tc.ExcludedBy)
		}
	}
	if fmt.Sprint(listsOf(o.summary.Lists)) != fmt.Sprint(listsOf(o.report.Lists)) {
		t.Errorf("lists: verify-report.json %v, report.json %v", listsOf(o.summary.Lists), listsOf(o.report.Lists))
	}
	if fmt.Sprint(unitsOf(o.summary.Units)) != fmt.Sprint(unitsOf(o.report.Units)) {
		t.Errorf("units: verify-report.json %v\nreport.json %v", unitsOf(o.summary.Units), unitsOf(o.report.Units))
	}

	// The verification's summary and HTML against its JSON.
	for _, te := range o.summary.Tables {
		line := fmt.Sprintf(`(?m)^%s +%d +%d +%d +%d +%s$`, regexp.QuoteMeta(te.Source), te.SourceRecords, te.Migrated, te.Archived, te.Excluded, okWord(te.OK))
		if !regexp.MustCompile(line).MatchString(o.verifyOut) {
			t.Errorf("the verification's summary lacks %s as verify-report.json has it", te.Source)
		}
	}
	eq := htmlTable(t, o.html, "equations")
	if len(eq) != len(o.summary.Tables) {
		t.Errorf("verify-report.html has %d equations, verify-report.json %d", len(eq), len(o.summary.Tables))
	}
	for i, te := range o.summary.Tables {
		if i >= len(eq) {
			break
		}
		want := []string{te.Source, te.Target, n(te.SourceRecords), n(te.Migrated), n(te.Archived), n(te.Excluded), n(te.InArchive)}
		if got := eq[i][:7]; fmt.Sprint(got) != fmt.Sprint(want) || eq[i][8] != okWord(te.OK) {
			t.Errorf("verify-report.html equation %v, verify-report.json %v %s", eq[i], want, okWord(te.OK))
		}
	}
	ct := htmlTable(t, o.html, "contents")
	for i, c := range o.summary.Contents {
		if i >= len(ct) || fmt.Sprint(ct[i][:4]) != fmt.Sprint([]string{c.Table, n(c.ExpectedRows), n(c.ActualRows), n(int64(c.Buckets))}) {
			t.Errorf("verify-report.html contents %v, verify-report.json %s %d %d", ct, c.Table, c.ExpectedRows, c.ActualRows)
		}
	}
	un := htmlTable(t, o.html, "units")
	if len(un) != len(o.summary.Units) {
		t.Errorf("verify-report.html has %d unit rows, verify-report.json %d", len(un), len(o.summary.Units))
	}
	for i, u := range o.summary.Units {
		if i >= len(un) {
			break
		}
		rows := "–"
		if u.SourceRows != nil {
			rows = n(*u.SourceRows)
		}
		unit := u.Unit
		if unit == verify.NoUnit {
			unit = "(none)" // as the summary names it
		}
		want := []string{unit, u.Source, rows, n(u.Read), n(u.Migrated), n(u.Archived), n(u.Excluded), okWord(u.OK)}
		if fmt.Sprint(un[i]) != fmt.Sprint(want) {
			t.Errorf("verify-report.html unit %v, verify-report.json %v", un[i], want)
		}
	}
	fs := htmlTable(t, o.html, "findings")
	if len(fs) != len(o.summary.Findings) {
		t.Errorf("verify-report.html has %d findings, verify-report.json %d", len(fs), len(o.summary.Findings))
	}
	for _, f := range o.summary.Findings {
		if !strings.Contains(o.verifyOut, "finding "+f.ID+": ") {
			t.Errorf("the verification's summary lacks finding %s", f.ID)
		}
	}
	for _, note := range o.summary.Notes {
		if !strings.Contains(o.verifyOut, "note: "+note) || !strings.Contains(o.html, html.EscapeString(note)) {
			t.Errorf("a note of verify-report.json is missing from the summary or the HTML: %s", note)
		}
	}
	for _, p := range o.summary.Problems {
		if !strings.Contains(o.verifyOut, "problem: "+p) || !strings.Contains(o.html, html.EscapeString(p)) {
			t.Errorf("a problem of verify-report.json is missing from the summary or the HTML: %s", p)
		}
	}
	for _, l := range o.summary.Lists {
		want := fmt.Sprintf("%s list: %d entries, %d matched, %d unmatched", l.List, l.Entries, l.Matched, l.Unmatched)
		if !strings.Contains(o.verifyOut, want) {
			t.Errorf("the verification's summary lacks %q", want)
		}
		lt := htmlTable(t, o.html, "lists")
		if !containsRow(lt, l.List, n(l.Entries), n(l.Matched), n(l.Unmatched), n(l.Acknowledged)) {
			t.Errorf("verify-report.html lacks the %s list's %d entries, %d matched, %d unmatched: %v", l.List, l.Entries, l.Matched, l.Unmatched, lt)
		}
		for _, tbl := range l.NotMatchedIn {
			if !strings.Contains(o.verifyOut, tbl) || !strings.Contains(o.html, html.EscapeString(tbl)) {
				t.Errorf("verify-report.json says %s was not matched against the %s list; the summary or the HTML does not", tbl, l.List)
			}
		}
	}
	verdict := "PASS"
	if !o.summary.Pass {
		verdict = "FAIL"
	}
	if !strings.Contains(o.html, "<title>Verification of "+o.summary.Register+": "+verdict+"</title>") || !strings.Contains(o.verifyOut, "\n"+verdict+": ") {
		t.Errorf("the HTML's or the summary's verdict is not verify-report.json's %s", verdict)
	}

	// The unit reports: each unit's figures as the JSON has them, and no
	// PASS where its JSON has none.
	checkUnitReports(t, o.units, o.report.Units, o.report.Pass, "run")
	checkUnitReports(t, o.verifyUnits, o.summary.Units, o.summary.Pass, "verify")

	// archive ls against the ledger.
	for _, tc := range o.report.Tables {
		if tc.Archived == 0 {
			continue
		}
		var reasons []string
		for r, k := range nonZero(tc.ArchivedBy) {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, k))
		}
		sort.Strings(reasons)
		want := fmt.Sprintf("table %s: %d records archived (%s)", tc.Source, tc.Archived, strings.Join(reasons, ", "))
		if !strings.Contains(o.archiveLs, want) {
			t.Errorf("archive ls lacks %q:\n%s", want, o.archiveLs)
		}
	}
}

// checkUnitReports holds the unit reports in dir to the checks they are
// made from: one report per unit, its tables' figures, and PASS only when
// its checks and the whole report passed.
func checkUnitReports(t *testing.T, dir string, units []verify.UnitCheck, pass bool, who string) {
	t.Helper()
	byUnit := map[string][]verify.UnitCheck{}
	for _, u := range units {
		if u.Unit != verify.NoUnit {
			byUnit[u.Unit] = append(byUnit[u.Unit], u)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "unit-*.json"))
	if len(files) != len(byUnit) {
		t.Errorf("%s: %d unit reports for %d units", who, len(files), len(byUnit))
	}
	for unit, checks := range byUnit {
		var ur verify.UnitReport
		readJSON(t, filepath.Join(dir, "unit-"+unit+".json"), &ur)
		if fmt.Sprint(unitsOf(ur.Tables)) != fmt.Sprint(unitsOf(checks)) {
			t.Errorf("%s: unit-%s.json %v, the report %v", who, unit, unitsOf(ur.Tables), unitsOf(checks))
		}
		ok := pass
		for _, c := range checks {
			ok = ok && c.OK
		}
		if ur.Pass != ok {
			t.Errorf("%s: unit-%s.json says pass %v, but the report says pass %v and the unit's checks %v", who, unit, ur.Pass, pass, unitsOf(checks))
		}
		md, err := os.ReadFile(filepath.Join(dir, "unit-"+unit+".md"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(md), ": PASS.") != ok {
			t.Errorf("%s: unit-%s.md reads PASS %v where its report's verdict is %v", who, unit, !ok, ok)
		}
	}
}

func unitsOf(us []verify.UnitCheck) []string {
	var out []string
	for _, u := range us {
		rows := "-"
		if u.SourceRows != nil {
			rows = n(*u.SourceRows)
		}
		out = append(out, fmt.Sprintf("%s/%s %s %d=%d+%d+%d %v %v %v", u.Source, u.Unit, rows, u.Read, u.Migrated, u.Archived, u.Excluded, nonZero(u.ArchivedBy), nonZero(u.ExcludedBy), u.OK))
	}
	sort.Strings(out)
	return out
}

func listsOf(ls []verify.ListCheck) []string {
	var out []string
	for _, l := range ls {
		out = append(out, fmt.Sprintf("%s %d %d %d %d %v %v", l.List, l.Entries, l.Matched, l.Unmatched, l.Acknowledged, l.NotMatchedIn, l.OK))
	}
	return out
}

func targetOrArchive(t string) string {
	if t == "" {
		return "(archive)"
	}
	return t
}

func okWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISMATCH"
}

func n(v int64) string { return strconv.FormatInt(v, 10) }

var (
	rowRE  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRE  = regexp.MustCompile(`<[^>]*>`)
)

// htmlTable gives the cells of the data rows of the HTML table with id,
// as text (nil when there is no such table).
func htmlTable(t *testing.T, doc, id string) [][]string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<table id="` + id + `">(.*?)</table>`).FindStringSubmatch(doc)
	if m == nil {
		return nil
	}
	var out [][]string
	for _, r := range rowRE.FindAllStringSubmatch(m[1], -1) {
		cells := cellRE.FindAllStringSubmatch(r[1], -1)
		if len(cells) == 0 {
			continue // the header
		}
		var row []string
		for _, c := range cells {
			row = append(row, html.UnescapeString(strings.TrimSpace(tagRE.ReplaceAllString(c[1], ""))))
		}
		out = append(out, row)
	}
	return out
}

func containsRow(rows [][]string, want ...string) bool {
	for _, r := range rows {
		if len(r) >= len(want) && fmt.Sprint(r[:len(want)]) == fmt.Sprint(want) {
			return true
		}
	}
	return false
}

// TestReportsAgreeWithTheDatabases runs the demo's registry and the
// form store with its opt-out list, one job and two, SQLite to SQLite and
// MariaDB to PostgreSQL, and holds every output to the databases and to
// each other.
func TestReportsAgreeWithTheDatabases(t *testing.T) {
	type scenario struct {
		name     string
		servers  bool
		platform string // "" the demo
		jobs     string
	}
	cases := []scenario{
		{name: "demo", jobs: "1"},
		{name: "demo-jobs2", jobs: "2"},
		{name: "eav-optout", platform: "eav", jobs: "1"},
		{name: "eav-optout-jobs2", platform: "eav", jobs: "2"},
		{name: "eav-mariadb-postgres", platform: "eav", jobs: "2", servers: true},
		{name: "demo-mariadb-postgres", jobs: "2", servers: true},
		{name: "mainsub-jobs2", platform: "mainsub", jobs: "2"},
		{name: "wide-jobs2", platform: "wide", jobs: "2"},
		{name: "mainsub-mariadb-postgres", platform: "mainsub", jobs: "2", servers: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL, tgtURL := "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "receiving.db")
			if c.servers {
				if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
					t.Skipf("needs %s and %s", mytest.EnvVar, pgtest.EnvVar)
				}
				srcURL, tgtURL = mytest.NewDatabase(t), pgtest.NewDatabase(t)
			}
			t.Setenv("REGFLYTT_SOURCE", srcURL)
			t.Setenv("REGFLYTT_TARGET", tgtURL)
			t.Setenv("REGFLYTT_PSEUDONYM_KEY", "a key of twenty bytes")
			plan := "testdata/plans/" + c.platform + ".yaml"
			wantVerify := exitNotAccounted // its unacknowledged alarms
			if c.platform == "" {
				// The demo writes its registry, plan and mapping into its
				// work directory; its plan is run again from there.
				demo := filepath.Join(dir, "demo")
				if code, out, errs := cli(t, "demo", "--work", demo, "--source", srcURL, "--target", "sqlite://"+filepath.Join(dir, "demo-target.db")); code != exitOK {
					t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
				}
				plan, wantVerify = filepath.Join(demo, "plan.yaml"), exitOK
			} else if code, out, errs := cli(t, "synth", "--platform", c.platform, "--patients", "300", "--seed", "7", "--target", srcURL); code != exitOK {
				t.Fatalf("synth: exit %d\n%s\n%s", code, out, errs)
			}
			o := runAndVerify(t, plan, dir, wantVerify, "--jobs", c.jobs)
			checkAgainstDatabases(t, o, srcURL, tgtURL)
			checkOutputsAgree(t, o)
		})
	}
}
