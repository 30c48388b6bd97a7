package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/plans"
)

func newArchiveCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "archive",
		Short: "Inspect and verify archive packages (SIARD 2.2 in BagIt)",
		Long: `An archive package keeps the records a migration could not transform, in their
source shape and byte for byte, owned by the register's new CPUA: a BagIt 1.0 bag
holding an unzipped SIARD 2.2 archive under data/.`,
	}
	cmd.AddCommand(newArchiveVerifyCmd(g), newArchiveLsCmd(g), newArchiveExtractCmd(g), newArchiveLogCmd(g), newArchiveEraseCmd(g), newArchiveEncryptCmd(g), newArchiveDecryptCmd(g))
	return cmd
}

func newArchiveVerifyCmd(g *globals) *cobra.Command {
	var noLog, requireXSD bool
	var identity string
	cmd := &cobra.Command{
		Use:   "verify PKG [--identity KEYFILE]",
		Short: "Check every digest, the SIARD layout and the XML schemas of a package",
		Long: `Checks a package without trusting it: both payload manifests against every file
(none missing, none added), Payload-Oxum, the tag manifest, the event log's
chain; SIARD's layout (header/ and content/ only, header/siardversion/2.2/,
names, tables c1..cn with NULL cells left out, LOB files with their length and
digest); that every archived value reads back; and, when xmllint is installed,
metadata.xml against the official SIARD 2.2 metadata.xsd and each table against
its own XSD.

Every problem is printed as FILE: RULE: DETAIL, and the exit status is 1. A
package that passes gets a "verified" event in its log (unless --no-log).

A sealed package (PKG.tar.age, a file) is verified with its key, --identity
KEYFILE: it is opened into a temporary clear copy beside it (a 0700 folder,
PKG.tar.age.verify-clear-…), checked as a folder is, and the copy removed on
every way out (a FAIL, an error, Ctrl-C); its checksum file PKG.tar.age.sha512
must name it (sealed-fixity). It gets no "verified" event: that would change it.
The copy holds every record in clear: its opening is logged in the access log
beside the sealed package (PKG.tar.age.access.jsonl: who, when, purpose
"verify", the copy's name) before its first clear byte is written, and its
removal once it is gone, so a copy a killed verify left is named there
(archive log shows it as started, NOT finished).
Without the key its content is NOT checked: it fails (sealed-package, exit 1),
naming what an erasure or verification of it killed halfway left beside it
(erase-leftover: PKG.tar.age.erase-clear or PKG.tar.age.verify-clear-…, in
clear).`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			st, serr := os.Stat(dir)
			sealed := serr == nil && st.Mode().IsRegular()
			if identity != "" && !sealed {
				return usageError{fmt.Errorf("--identity opens a sealed package (a file, PKG.tar.age): %s is not one", dir)}
			}
			xsdChecked := true
			xsd := func(clear string) ([]archive.Problem, error) {
				probs, err := archive.ValidateXSD(cmd.Context(), clear)
				if errors.Is(err, archive.ErrNoXmllint) {
					xsdChecked = false
					if requireXSD {
						return nil, err
					}
					fmt.Fprintln(g.stderr, "regflytt: warning:", err)
					return nil, nil
				}
				return probs, err
			}
			var probs []archive.Problem
			var pkg *archive.Package
			switch {
			case sealed && identity != "":
				ids, err := readIdentities(identity)
				if err != nil {
					return err
				}
				r, err := archive.VerifySealed(cmd.Context(), dir, ids, archive.Opening{Who: whoami(), At: time.Now()}, xsd)
				if err != nil {
					return err
				}
				probs, pkg = r.Problems, r.Package
			case sealed:
				// Nothing of it is read: Verify names what it can see
				// beside it, and that its content is not checked.
				probs = archive.Verify(dir)
			default:
				// VerifyEach gives the package it opened: no second Open.
				r := archive.VerifyEach(dir, nil)
				probs, pkg = r.Problems, r.Package
				more, err := xsd(dir)
				if err != nil {
					return err
				}
				probs = append(probs, more...)
			}
			if len(probs) > 0 {
				for _, p := range probs {
					fmt.Fprintln(g.stderr, p.String())
				}
				if sealed && identity == "" {
					return fmt.Errorf("archive %s NOT verified: a sealed package's content is not read without its key (give --identity KEYFILE); %d problem(s), listed above", dir, len(probs))
				}
				return fmt.Errorf("archive %s FAILED verification: %d problem(s), listed above", dir, len(probs))
			}
			if pkg == nil {
				var err error
				if pkg, err = archive.Open(dir); err != nil {
					return err
				}
			}
			var records, values int64
			for _, t := range pkg.Tables() {
				records += t.Records
				values += t.Values
			}
			if !noLog && !sealed {
				note := "digests, layout and XML schemas"
				if !xsdChecked {
					note = "digests and layout (xmllint not installed: XML schemas not checked)"
				}
				if err := archive.AppendEvent(dir, archive.Event{Event: "verified", At: time.Now().UTC().Format(time.RFC3339),
					Tool: "regflytt " + toolVersion(), Who: whoami(), Note: note,
					Count: map[string]int64{"records": records, "values": values}}); err != nil {
					// The package passed; a read-only copy cannot take the event.
					fmt.Fprintf(g.stderr, "regflytt: warning: the verified event could not be logged (%v); use --no-log for read-only copies\n", err)
				}
			}
			if !g.quiet {
				schemas := "XML schemas valid"
				if !xsdChecked {
					schemas = "XML schemas NOT checked (no xmllint)"
				}
				how := ""
				if sealed {
					how = " (sealed: opened with its key into a temporary clear copy, now removed; no verified event logged in a sealed package)"
				}
				fmt.Fprintf(g.stdout, "archive %s: PASS: every digest, the SIARD layout, %d records and %d values read back; %s%s\n", dir, records, values, schemas, how)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noLog, "no-log", false, "do not append a \"verified\" event (for read-only copies)")
	cmd.Flags().BoolVar(&requireXSD, "require-xsd", false, "fail when xmllint is not installed, instead of warning")
	cmd.Flags().StringVar(&identity, "identity", "", "file holding the age secret key (AGE-SECRET-KEY-1…) that opens a sealed package (PKG.tar.age)")
	return cmd
}

// whoami names the operating-system user for the event log.
func whoami() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func newArchiveLsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls PKG",
		Short: "List what a package holds: owner, tables, counts by reason",
		Long: `Lists a package's owner, register, source platform and timespan, and per source
table the archived records by reason and the values archived alone. It prints
counts only, never values. It does not check digests: use archive verify.`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pkg, err := archive.Open(args[0])
			if err != nil {
				return err
			}
			s := pkg.Summary
			w := g.stdout
			fmt.Fprintf(w, "package   %s (%s)\n", args[0], s.Format)
			fmt.Fprintf(w, "register  %s\n", s.Meta.Register)
			fmt.Fprintf(w, "owner     %s (new CPUA; before: %s)\n", pkg.Owner(), orDash(s.Meta.FormerOwner))
			fmt.Fprintf(w, "source    %s\n", orDash(s.Meta.SourceSystem))
			fmt.Fprintf(w, "run       %s, created %s by regflytt %s\n", orDash(s.Meta.Run), s.Created, s.Meta.ToolVersion)
			fmt.Fprintf(w, "timespan  %s\n", pkg.Timespan())
			for _, t := range pkg.Tables() {
				var reasons []string
				for r, n := range t.Reasons {
					reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
				}
				sort.Strings(reasons)
				fmt.Fprintf(w, "table %s: %d records archived", t.Table, t.Records)
				if len(reasons) > 0 {
					fmt.Fprintf(w, " (%s)", strings.Join(reasons, ", "))
				}
				if t.Values > 0 {
					fmt.Fprintf(w, ", %d values archived alone", t.Values)
				}
				if len(t.Companions) > 0 {
					fmt.Fprintf(w, "; raw cells for %s", strings.Join(t.Companions, ", "))
				}
				fmt.Fprintln(w)
			}
			return nil
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newArchiveExtractCmd(g *globals) *cobra.Command {
	var table, where, to, purpose string
	var values bool
	cmd := &cobra.Command{
		Use:   "extract PKG --table T --to out.csv --purpose \"…\" [--where column=value | --values]",
		Short: "Extract one table's archived records as CSV, logged with who and why",
		Long: `Writes the archived records of one source table, with their outcomes, to a new CSV
file (mode 0600). The package is verified first. Every extract is logged in the
package's event log and in the access log beside it (PKG.access.jsonl): who,
when, the purpose, the table, the filter's column with a salted, slow digest of
its value (argon2id; an identity number masked beside it, 19121212-****), and
the count. Access to personal data is logged and kept (PDL); archive log
--person-list lists the extracts of a person's records.

With --values it writes instead the table's values archived alone
(granularity: value: their records migrated with those columns empty), one
line each: the record's key, the column, the reason and the value. An
extract of records says how many such values it leaves out.`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if table == "" || to == "" || strings.TrimSpace(purpose) == "" {
				return usageError{fmt.Errorf("archive extract needs --table, --to and --purpose")}
			}
			if err := archive.CheckLoggedText("purpose", purpose); err != nil {
				return usageError{fmt.Errorf("--purpose: %w", err)}
			}
			req := archive.ExtractRequest{Table: table, Purpose: purpose, Who: whoami(), At: time.Now(), Values: values}
			if values && where != "" {
				return usageError{fmt.Errorf("--where keeps records by a column's value, and --values extracts values archived alone, which are no records: give one of them")}
			}
			if where != "" {
				col, val, ok := strings.Cut(where, "=")
				if !ok || col == "" {
					return usageError{fmt.Errorf("--where takes column=value")}
				}
				req.WhereColumn, req.WhereValue = col, val
			}
			pkg, err := archive.OpenVerified(args[0])
			if err != nil {
				return fmt.Errorf("%w (run regflytt archive verify %s for the list)", err, args[0])
			}
			res, err := pkg.Extract(cmd.Context(), to, req)
			if err != nil {
				return err
			}
			if !g.quiet {
				if values {
					fmt.Fprintf(g.stdout, "extracted %d values archived alone of %s to %s; logged in %s\n", res.Values, table, to, archive.AccessLogPath(args[0]))
				} else {
					fmt.Fprintf(g.stdout, "extracted %d records of %s to %s; logged in %s\n", res.Records, table, to, archive.AccessLogPath(args[0]))
				}
			}
			if res.ValuesAlone > 0 {
				fmt.Fprintf(g.stderr, "regflytt: warning: %s also has %d values archived alone (granularity: value, their records migrated), which are NOT in the extract: it holds archived records only; extract them with --values (archive ls counts them, and a SIARD tool shows them in the package's schema2 tables)\n", table, res.ValuesAlone)
			}
			if len(res.OtherShapes) > 0 {
				var total int64
				var shapes []string
				for shape, k := range res.OtherShapes {
					total += k
					shapes = append(shapes, fmt.Sprintf("%s %d", shape, k))
				}
				sort.Strings(shapes)
				fmt.Fprintf(g.stderr, "regflytt: warning: %d records of %s hold the same identity number in %s written in another shape (%s), and are NOT in the extract: --where keeps exactly its text; extract with each shape to have them\n", total, table, req.WhereColumn, strings.Join(shapes, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&table, "table", "", "source table to extract")
	cmd.Flags().StringVar(&where, "where", "", "keep records whose column holds exactly this value: column=value")
	cmd.Flags().StringVar(&to, "to", "", "CSV file to create (must not exist)")
	cmd.Flags().StringVar(&purpose, "purpose", "", "why the records are extracted (logged)")
	cmd.Flags().BoolVar(&values, "values", false, "extract the table's values archived alone (granularity: value) instead of its records")
	return cmd
}

func newArchiveLogCmd(g *globals) *cobra.Command {
	var list, identity string
	cmd := &cobra.Command{
		Use:   "log PKG [--person-list FILE] [--identity KEYFILE]",
		Short: "List the extracts of a package (who, when, why, what), or those of listed persons",
		Long: `Lists the extracts of a package, as the access log beside it (PKG.access.jsonl)
and its own event log record them (each once; a package copied without the file
beside it keeps them in its event log): per extract when, who, the purpose, the
table, the filter and the count. It never prints an identity
number: a filter on one shows it masked (19121212-****).

With --person-list FILE (one identity number a line, in any shape, or a
reserve number, 19900101-T123, as archive erase reads it) it answers what the patient data law lets a patient ask, who
has accessed my records: per listed person, named by line and masked, the
extracts filtered on their number, checked against the digest the log keeps
(the ten digits decide where the list or the filter leaves out the century:
two people born a century apart share them). Then it lists the
extracts not filtered on an identity number (a whole table, another column or
value), which may hold any listed person's records: the log cannot rule them
out. Each check costs about 40 ms (argon2id), for the entries that show the
person's birth date.

Of a sealed package (PKG.tar.age, a file) there are two logs: the access log
beside it (PKG.tar.age.access.jsonl: its decryptions, every record read, listed
with those, and the extracts of the clear copies they made), and its event log,
sealed inside it, which holds the extracts made of the package in clear before
it was sealed (their access log stayed beside the clear folder). With
--identity KEYFILE both are read: the sealed package is decrypted as a stream
and only its event log kept, nothing written in clear. Without the key the
event log sealed inside is NOT read: archive log lists what lies beside it,
says what it did not read, and exits 1. A sealed package renamed in its folder
keeps its access log under the name it was sealed under, which its checksum
file (PKG.tar.age.sha512) names: that log is read too, and still once an
erasure has named it by its new name (a clear copy opened before the rename
logs its extracts there). One with neither an
access log nor a checksum file beside it was copied or moved without them: its
decryptions are logged beside the original, which archive log says it did not
read (exit 1). A copy kept with its checksum file but without its access log
cannot be told from a package never opened: copy PKG.tar.age.access.jsonl with
it. The folder PKG it was sealed from, which archive encrypt leaves, logs its
extracts in PKG.access.jsonl and its own event log: both are read too (with
--identity, only when the folder's event log begins as the one sealed inside).`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, serr := os.Stat(args[0])
			sealed := serr == nil && st.Mode().IsRegular()
			if identity != "" && !sealed {
				return usageError{fmt.Errorf("--identity opens a sealed package (a file, PKG.tar.age): %s is not one", args[0])}
			}
			var persons []logPerson
			if list != "" {
				var err error
				if persons, err = readLogPersons(list); err != nil {
					return err
				}
			}
			var entries []archive.Event
			var logs archive.SealedLogs
			var err error
			switch {
			case sealed && identity != "":
				ids, ierr := readIdentities(identity)
				if ierr != nil {
					return ierr
				}
				entries, logs, err = archive.SealedAccesses(cmd.Context(), args[0], ids)
			case sealed:
				entries, logs, err = archive.SealedLoggedAccesses(args[0])
			default:
				entries, err = archive.Accesses(args[0])
			}
			if err != nil {
				return err
			}
			// What archive log did not read, said last, and the exit
			// status 1: a list that looks complete is not.
			var notRead []string
			if sealed && identity == "" {
				notRead = append(notRead, "the event log sealed inside it, which holds the extracts made of the package in clear before it was sealed, was NOT read: give --identity KEYFILE (the package is decrypted as a stream, nothing written in clear)")
			}
			if logs.Unread != "" {
				notRead = append(notRead, logs.Unread)
			}
			var unread error
			if len(notRead) > 0 {
				unread = fmt.Errorf("archive log %s is NOT complete: %s", args[0], strings.Join(notRead, "; and "))
			}
			w := g.stdout
			if sealed {
				where := "no access log beside it (" + archive.AccessLogPath(args[0]) + ")"
				if len(logs.Read) > 0 {
					where = strings.Join(logs.Read, " and ")
				}
				inside := ", and the event log sealed inside it (extracts made before it was sealed)"
				if identity == "" {
					inside = "; the event log sealed inside it is NOT read without --identity"
				}
				fmt.Fprintf(w, "%d accesses: read %s (decryptions, the extracts of the clear copies they made, and of the folder it was sealed from)%s\n", len(entries), where, inside)
			} else {
				fmt.Fprintf(w, "%d extracts logged in %s and the package's event log\n", len(entries), archive.AccessLogPath(args[0]))
			}
			if n := unfinishedOpenings(entries); n > 0 {
				fmt.Fprintf(g.stderr, "regflytt: warning: %d opening(s) in clear of %s started and did not finish (killed, or still running): the clear copies they name may be left, holding every record: check them and remove them\n", n, args[0])
			}
			if list == "" {
				for _, e := range entries {
					printAccess(w, e)
				}
				return unread
			}
			for _, person := range persons {
				var found []archive.Event
				for _, e := range entries {
					if e.FilteredOn(person.digits) {
						found = append(found, e)
					}
				}
				older := ""
				if person.reserve {
					older = " (a reserve number: an extract on one logged before regflytt logged its digest is among those not filtered on an identity number, below)"
				}
				fmt.Fprintf(w, "%s (%s): %d extracts filtered on their number%s\n", person.where, person.masked, len(found), older)
				for _, e := range found {
					printAccess(w, e)
				}
			}
			var others []archive.Event
			for _, e := range entries {
				if !e.FilteredOnIdentityNumber() {
					others = append(others, e)
				}
			}
			fmt.Fprintf(w, "%d extracts not filtered on an identity number, which may hold any listed person's records\n", len(others))
			for _, e := range others {
				printAccess(w, e)
			}
			return unread
		},
	}
	cmd.Flags().StringVar(&list, "person-list", "", "file of identity numbers, one a line: list the extracts of their records")
	cmd.Flags().StringVar(&identity, "identity", "", "for a sealed package (PKG.tar.age): file holding the age secret key, to read the event log sealed inside it too")
	return cmd
}

// unfinishedOpenings counts the openings in clear logged as started and
// not as ended (archive.FoldOpenings left them).
func unfinishedOpenings(entries []archive.Event) int {
	n := 0
	for _, e := range entries {
		if e.Event == archive.EventOpening {
			n++
		}
	}
	return n
}

// printAccess writes one access log entry; its filter is as logged, an
// identity number masked and digested (archive.Extract).
func printAccess(w io.Writer, e archive.Event) {
	where := "whole table"
	if e.Where != "" {
		where = connectors.MaskIdentityNumbers(e.Where)
	}
	table := e.Table
	if table == "" {
		table, where = "every table", "opened in clear"
		if e.Note != "" {
			// The clear copy, and how its opening ended.
			where = connectors.MaskIdentityNumbers(e.Note)
		}
		if e.Event == archive.EventOpening {
			// Logged before the first clear byte, and nothing after.
			where = "started, NOT finished (killed, or still running): " + where + " may be left, in clear"
		}
	}
	// A log written before archive extract refused a purpose holding an
	// identity number may hold one: shown masked, as reports show one.
	mask := connectors.MaskIdentityNumbers
	records := fmt.Sprintf("%d records", e.Count["records"])
	if n, ok := e.Count["values"]; ok {
		// archive extract --values: values archived alone, no records.
		records = fmt.Sprintf("%d values archived alone", n)
	}
	if _, ok := e.Count["records"]; !ok && e.Table == "" {
		// An opening not finished, or stopped: how far it read is not
		// known.
		records = "records not counted"
	}
	fmt.Fprintf(w, "  %s %s %s %s (%s), %s: %s\n", e.At, orDash(mask(e.Who)), e.Event, table, where, records, orDash(mask(e.Purpose)))
}

// logPerson is one entry of a person list: where it stands, its masked
// form, and its digits: the ten the access log's digests are of (pnr.Key),
// or twelve where the list writes the century, which tells two people
// born a century apart; a reserve number's normal form (19900101T123,
// mappings.ReserveForm) likewise.
type logPerson struct {
	where, masked, digits string
	// reserve marks a reserve number (19900101-T123), which archive
	// erase reads too: an extract filtered on one is found by its
	// digest, but one logged before extracts logged it is not.
	reserve bool
}

// readLogPersons reads a person list as archive erase does (plans.
// EachListEntry), naming a bad entry by its line, never by its text.
func readLogPersons(path string) ([]logPerson, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("person list: %w", err)
	}
	defer f.Close()
	var out []logPerson
	err = plans.EachListEntry(f, func(line int, s string) error {
		k, century, err := pnr.ParseKey(s)
		if r, reserve := mappings.ReserveForm(s); err != nil && reserve {
			// A reserve number (19900101-T123), matched as the run's
			// lists match it: separators and letter case aside, a
			// 6-digit date finding an 8-digit one.
			masked := connectors.MaskIdentityNumbers(strings.TrimSpace(s))
			if masked == strings.TrimSpace(s) {
				// A shape the mask does not know: not shown at all.
				masked = "not shown"
			}
			out = append(out, logPerson{where: fmt.Sprintf("%s:%d", path, line), masked: masked, digits: r, reserve: true})
			return nil
		}
		if err != nil {
			return usageError{fmt.Errorf("person list %s:%d: %w; correct the list first", path, line, err)}
		}
		digits := k.String()
		if century {
			digits = strings.Map(func(r rune) rune {
				if r < '0' || r > '9' {
					return -1
				}
				return r
			}, s)
		}
		out = append(out, logPerson{where: fmt.Sprintf("%s:%d", path, line), masked: connectors.MaskIdentityNumbers(s), digits: digits})
		return nil
	})
	if _, bad := err.(usageError); bad {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("person list %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("person list %s names nobody (it is empty, or holds only comments, blank lines or a byte-order mark)", path)}
	}
	return out, nil
}

func newArchiveEraseCmd(g *globals) *cobra.Command {
	var list, reference, refDate, keyEnv, planPath, identity, recipientsFile string
	var personCols, recipients []string
	cmd := &cobra.Command{
		Use:   "erase PKG --person-list FILE --reference REF [--plan PLAN] [--person-columns TABLE=COL,COL] [--identity KEYFILE --recipient AGE_PUBLIC_KEY…]",
		Short: "Remove every archived record of the listed persons (erasure), keeping the package verifiable",
		Long: `Removes from the package every record that holds one of the listed identity
numbers in any column (read as a run's opt-out matching reads them: every shape,
a double's or a decimal's whole digits, century-safe against the plan's reference
date; a match whose century stays unresolved is erased and reported), or the
person's pseudonym when
--pseudonym-key-env names the key; every record that refers to a removed one
through a foreign key the source declared or a parent: its mapping declared
(the package lists both); and every value archived alone that
names the person. A new version with new manifests is written beside the old,
verified, and only then put in its place. The event log gets an "erased" event
with the reference and the counts, never an identity.

A number split over two columns (a birth date and the last four, joined by a
mapping's person:), or three or four (a year, a month and day, the last four),
is searched in the columns the person: reads, joined as a run joins them, in
every order: as the package records them, or, for a package written before
packages did and a table no mapping reads as records, the plan's (--plan, the
plan the package was written under) or those given by --person-columns
TABLE=COL,COL (TABLE= for a table whose person: reads no two). A form store
whose person: reads variables (value rows) is searched as the package records it
or the plan names it: the archived value rows of one form (and its entity's
columns) are joined, and a form found is erased with all its value rows. A form
holding a variable more than once (another person's value first, a NULL, another
spelling, a row named as an entity column person: reads) is joined every way of
taking one copy of each, as the run joins them; a form with more ways than erase
joins (4096, over three or more of the values) is refused, exit 1, nothing
erased. Where
nothing names a table's columns and two of a record's values joined, or two
values of records sharing a value of one column (a form's value rows), are a
listed person's number, nothing is erased and the exit status is 1, naming the
table and the columns: erasing on any two values joined would remove unrelated
records. So is a group of such records holding more birth dates times last
fours than erase joins (16384), whose number erase cannot rule out.

A sealed package (PKG.tar.age, a file) is opened with --identity into a clear
copy beside it, erased there, sealed again to the recipients of --recipient or
--recipients-file, and put with its checksum (PKG.tar.age.sha512) in the old
one's place; the clear copy is removed, also when the erasure fails. The copy
holds every record in clear: its opening is logged in the access log beside the
sealed package (PKG.tar.age.access.jsonl: who, when, purpose "erase, reference
REF", the copy's name) before its first clear byte is written, and its removal,
with how the erasure ended, once it is gone, so a copy a killed erasure left is
named there (archive log shows it as started, NOT finished). A folder
beside it that is a clear copy of it (opened with archive decrypt --to, or the
folder it was sealed from: a package whose event log begins as the sealed one's)
holds the persons too: the erasure is refused, exit 1, nothing changed, naming
it, until it is erased under the same --reference (erase it first) and none of
the listed persons is found in it (it is searched as the erasure searches: one
erased from another person list still holds these), or it is removed.
Copies kept elsewhere, sealed or clear, are not seen and still hold the erased
records: erase each of them. Erasing a folder PKG warns when PKG.tar.age lies
beside it, which may be the same package sealed.

An erasure stopped (Ctrl-C) or failing leaves the package as it was. What it
cannot clean up (PKG.erase-old, the old version, still holding the records, or
PKG.erase-new) it names, and archive verify and erase refuse the package while
it lies beside it.

FILE has one identity number per line; blank lines and lines starting with #
are skipped. Records linked to a person only through rows the package does not
hold cannot be found here: the receiving platform's erasure covers those.`,
		Args: exactArgs(1, "one package directory or sealed package"),
		RunE: func(cmd *cobra.Command, args []string) (rerr error) {
			if list == "" || strings.TrimSpace(reference) == "" {
				return usageError{fmt.Errorf("archive erase needs --person-list and --reference")}
			}
			if err := archive.CheckLoggedText("reference", reference); err != nil {
				return usageError{fmt.Errorf("--reference: %w", err)}
			}
			// A sealed package is opened into a clear copy beside it,
			// erased there, sealed again and put in its place: erasing a
			// decrypted copy alone left the sealed package, the one kept,
			// with the person's records.
			dir := args[0]
			var s *sealedErasure
			var erasedCopies []string
			if st, err := os.Stat(dir); err == nil && st.Mode().IsRegular() {
				if s, err = openSealed(cmd.Context(), dir, identity, recipients, recipientsFile, reference); err != nil {
					return err
				}
				defer func() {
					if err := s.close(); err != nil {
						rerr = errors.Join(rerr, err)
					}
				}()
				dir = s.clear
			} else if st, err := os.Stat(strings.TrimRight(dir, "/") + plans.SealedSuffix); err == nil && st.Mode().IsRegular() {
				// The sealed package a run left beside its folder, the
				// one kept, is not erased with the folder.
				fmt.Fprintf(g.stderr, "regflytt: warning: %s beside %s may be this package sealed: erasing the folder leaves it as it is, with the persons' records: erase it too (regflytt archive erase %s --identity KEYFILE --recipient AGE_PUBLIC_KEY, with this person list and reference)\n", strings.TrimRight(dir, "/")+plans.SealedSuffix, dir, strings.TrimRight(dir, "/")+plans.SealedSuffix)
			}
			pkg, err := archive.Open(dir)
			if err != nil {
				return err
			}
			if s == nil {
				// A clear copy archive decrypt made: the sealed package
				// it was opened from, the one kept, is not erased with
				// it.
				if from, err := pkg.SealedFrom(); err != nil {
					return err
				} else if from != "" {
					fmt.Fprintf(g.stderr, "regflytt: warning: %s is a clear copy of the sealed package %s (archive decrypt made it): erasing the copy leaves that as it is, with the persons' records: erase it too (regflytt archive erase %s --identity KEYFILE --recipient AGE_PUBLIC_KEY, with this person list and reference)\n", dir, from, from)
				}
			}
			if refDate == "" {
				refDate = pkg.Summary.Meta.ReferenceDate
			}
			if refDate == "" {
				return usageError{fmt.Errorf("the package names no reference date: give --reference-date YYYY-MM-DD (the plan's run.reference_date)")}
			}
			ref, err := time.Parse(time.DateOnly, refDate)
			if err != nil {
				return usageError{fmt.Errorf("--reference-date must be YYYY-MM-DD")}
			}
			persons, keys, err := readPersonList(list, ref)
			if err != nil {
				return err
			}
			pseudonyms := map[string]bool{}
			if keyEnv != "" {
				ps, err := pnr.NewPseudonymiser([]byte(os.Getenv(keyEnv)))
				if err != nil {
					return fmt.Errorf("pseudonymisation key from %s: %w", connectors.ShownEnvName(keyEnv), err)
				}
				// Every century the ten digits could be read in: a pseudonym
				// is of the 12-digit number, and erasing too much of a
				// namesake a century apart is the safe side.
				for k := range keys {
					for _, c := range []string{"18", "19", "20"} {
						if n, err := pnr.Parse(c+k.String(), ref); err == nil {
							pseudonyms[ps.Pseudonym(n)] = true
						}
					}
				}
			}
			m := &eraseMatcher{persons: persons, pseudonyms: pseudonyms, ref: ref}
			req := archive.EraseRequest{Identifies: m.identifies, IdentifiesSplit: m.identifiesSplit, IdentifiesJoined: m.identifiesJoined, NamesPerson: m.namesPerson,
				SplitPart: mappings.SplitPartOf, FoldVariable: mappings.FoldText, JoinCopies: joinCopies,
				Reference: reference, Who: whoami(), At: time.Now(), Tool: "regflytt " + toolVersion()}
			if req.PersonColumns, req.PersonForms, req.Note, err = erasePersonColumns(g, pkg, planPath, personCols); err != nil {
				return err
			}
			if s != nil {
				// A clear copy beside the sealed package holds the
				// persons too: the erasure is done only once it is
				// erased under the same decision, or removed.
				if erasedCopies, err = s.copiesErased(cmd.Context(), req, func() (*eraseMatcher, error) {
					persons, _, err := readPersonList(list, ref)
					return &eraseMatcher{persons: persons, pseudonyms: pseudonyms, ref: ref}, err
				}); err != nil {
					return err
				}
			}
			res, err := eraseArchive(cmd.Context(), dir, req)
			var split *archive.SplitNumberError
			if errors.As(err, &split) {
				return fmt.Errorf("%w: give the plan the package was written under (--plan PLAN), whose person: declarations name the columns and a form store's variables, or name a table's columns yourself (--person-columns TABLE=FIRST,SECOND; TABLE= for a table whose person: reads neither, a form store's values table among them; only the plan names a form store's variables)", err)
			}
			if err != nil {
				return err
			}
			apart, unresolved := m.apart, m.unresolved
			var sealedSum string
			if s != nil {
				if sealedSum, err = s.reseal(cmd.Context()); err != nil {
					return err
				}
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "erased from %s (reference %s), %d persons listed, %d found in no archived record:\n", args[0], reference, persons.Len(), len(persons.Unmatched()))
				for _, what := range []struct {
					name string
					m    map[string]int64
				}{{"records naming a person", res.Records}, {"records referring to those", res.Linked}, {"values archived alone", res.Values}} {
					text := countsText(what.m)
					if text == "" {
						text = "none"
					}
					fmt.Fprintf(g.stdout, "  %s: %s\n", what.name, text)
				}
				if len(res.Blanked) > 0 {
					fmt.Fprintf(g.stdout, "  values erased (set to NULL) from other persons' records kept, which named a listed person in another identity column (a mother's number in her child's record): %s\n", countsText(res.Blanked))
				}
				if len(res.ValuesLeft) > 0 {
					fmt.Fprintf(g.stdout, "  values archived alone left, whose record migrated: %s (the package holds their record's key, not its person, so erase cannot tell whose they are: the keys of the records the receiving platform erases for the person name them)\n", countsText(res.ValuesLeft))
				}
				if len(res.ChildrenLeft) > 0 {
					fmt.Fprintf(g.stdout, "  records left whose parent record migrated: %s (they hold their parent's key, not its person, so erase cannot tell whose they are: the keys of the records the receiving platform erases for the person name them)\n", countsText(res.ChildrenLeft))
				}
				if apart+unresolved > 0 {
					fmt.Fprintf(g.stdout, "  matched on the ten digits alone, century not resolved: %d read in another century than the list's entry, %d naming a century after the reference date %s; erased on the safe side: check the decision covers them\n", apart, unresolved, refDate)
				}
				fmt.Fprintln(g.stdout, "the new version verifies; the old one is removed")
				if s != nil {
					fmt.Fprintf(g.stdout, "sealed again to %d recipient(s) in %s's place (SHA-512 %s, in %s.sha512), no clear copy kept; copies of the old sealed package (backups) still hold the erased records\n", len(s.recipients), args[0], sealedSum, args[0])
					for _, c := range erasedCopies {
						fmt.Fprintf(g.stdout, "clear copy beside it, erased under reference %s too: %s (remove it once it is no longer needed)\n", reference, c)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&list, "person-list", "", "file with one identity number or reserve number (19900101-T123) per line")
	cmd.Flags().StringVar(&reference, "reference", "", "the erasure decision's reference (logged)")
	cmd.Flags().StringVar(&refDate, "reference-date", "", "date 10-digit numbers are read against (default: the package's, from its plan)")
	cmd.Flags().StringVar(&keyEnv, "pseudonym-key-env", "", "environment variable holding the pseudonymisation key, to erase pseudonyms too")
	cmd.Flags().StringVar(&planPath, "plan", "", "the plan the package was written under: its person: columns are searched for a number split over two of them")
	cmd.Flags().StringVar(&identity, "identity", "", "for a sealed package (PKG.tar.age): file holding the age secret key that opens it")
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "for a sealed package: age public key (age1…) to seal the new version to (repeat it)")
	cmd.Flags().StringVar(&recipientsFile, "recipients-file", "", "for a sealed package: file of age recipients, one per line")
	cmd.Flags().StringArrayVar(&personCols, "person-columns", nil, "TABLE=COL,COL: the columns a table's person: reads, searched joined for a number split over them (repeat it; TABLE= for none)")
	return cmd
}

// eraseArchive is archive.Erase; a test makes it fail.
var eraseArchive = archive.Erase

// maxEraseJoins bounds the ways erase joins one archived form's copies
// of the values its person: reads: sixteen times the run's (a form the
// run archived as person_copies is the one erase must still place), and
// a few seconds' asking at most for a form of four such values.
const maxEraseJoins = 1 << 12

// joinCopies joins a form's copies as the run joins them.
func joinCopies(slots [][]connectors.Value, fn func([]connectors.Value) bool) (bool, bool) {
	return mappings.JoinPersonCopies(slots, maxEraseJoins, false, fn)
}

// countsText lists counts per table, "table n, …", by table name.
func countsText(m map[string]int64) string {
	var parts []string
	for t, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", t, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// eraseMatcher tells whether archived values name a listed person, as a
// run's opt-out and erasure matching reads them, and counts the matches
// that rest on the ten digits alone.
type eraseMatcher struct {
	persons    *mappings.PersonList
	pseudonyms map[string]bool
	ref        time.Time
	// apart counts matches whose century was read apart from the
	// list's (one side inferred it), unresolved the values whose
	// written century no reading allows: both are erased on their ten
	// digits, the safe side, and said so.
	apart, unresolved int64
}

// bytesAsText gives a BINARY or BLOB column's value as the number's
// text it holds; any other value as it is.
func bytesAsText(v connectors.Value) connectors.Value {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

func (m *eraseMatcher) identifies(v connectors.Value) bool {
	v = bytesAsText(v)
	if s, ok := v.(string); ok && m.pseudonyms[strings.TrimSpace(s)] {
		return true
	}
	// A reserve number (19900101-T123) a run archived (no_national_id)
	// is matched as the run's lists match one: exactly, a 6-digit date
	// and an 8-digit one sharing their last six digits on the safe side.
	if m.listedReserve(v) {
		return true
	}
	// Read as the run's opt-out and erasure matching reads a value (a
	// double's or decimal's whole digits, a bad shape's digits), and
	// matched as its lists are: on the ten digits, two written
	// centuries that differ telling two people apart.
	n, written, k := mappings.ListedNumber(v, m.ref)
	if n.IsZero() {
		if !k.IsZero() && m.persons.MatchKey(k) {
			m.unresolved++
			return true
		}
		// A listed number among other digits, which a run excludes and
		// an earlier one archived.
		return m.anyListed(mappings.ListedNumbersAmong(v, m.ref))
	}
	matched, ambiguous := m.persons.Match(n, written)
	if matched && ambiguous {
		m.apart++
	}
	if matched || written {
		return matched
	}
	// Read by its digits: a note beside the number may hold digits that
	// the number's read with ("120510-1007 nr 04"), and the run asks
	// every number among them.
	return m.anyListed(mappings.ListedNumbersAmong(v, m.ref))
}

// listedReserve reports whether v is a listed reserve number, or holds
// one among other text (mappings.ListedReservesAmong), as a run excludes
// it. Every reserve number it holds is asked, so that each entry it
// names counts as found.
// namesPerson reports whether a value reads as some person's identity
// number, listed or not: a record of a table whose person: erase was
// not told that holds one beside a listed one is refused, not guessed.
func (m *eraseMatcher) namesPerson(v connectors.Value) bool {
	n, _, _ := mappings.ListedNumber(bytesAsText(v), m.ref)
	return !n.IsZero()
}

func (m *eraseMatcher) listedReserve(v connectors.Value) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	rs := mappings.ListedReservesAmong(s)
	if r, ok := mappings.ListedReserve(s); ok {
		rs = []string{r}
	}
	found := false
	for _, r := range rs {
		if matched, ambiguous := m.persons.MatchReserve(r); matched {
			found = true
			if ambiguous {
				m.apart++
			}
		}
	}
	return found
}

// identifiesSplit reports whether two values joined, a first, name a
// listed person: a number split over two columns (a birth date and the
// last four), read as a run reads its person: columns.
func (m *eraseMatcher) identifiesSplit(a, b connectors.Value) bool {
	return m.anyListed(mappings.ListedNumbersSplit(bytesAsText(a), bytesAsText(b), m.ref))
}

// identifiesJoined reports whether three or more values joined in the
// order given name a listed person: a number split over three columns
// that a person: expression joins.
func (m *eraseMatcher) identifiesJoined(parts []connectors.Value) bool {
	// A copy: the caller's slice is its own (archive erase reuses it).
	text := make([]connectors.Value, len(parts))
	for i, v := range parts {
		text[i] = bytesAsText(v)
	}
	return m.anyListed(mappings.ListedNumbersJoined(text, m.ref))
}

// anyListed asks the list with every number (read by its digits, its
// century never written) and reports whether one is listed. Every
// number is asked, so that each entry a value names counts as found.
func (m *eraseMatcher) anyListed(numbers []pnr.Number) bool {
	found := false
	for _, n := range numbers {
		if matched, ambiguous := m.persons.Match(n, false); matched {
			found = true
			if ambiguous {
				m.apart++
			}
		}
	}
	return found
}

// erasePersonColumns gives the person: columns erase asks joined, per
// table of the package: the plan's (where its mappings read the table)
// and then --person-columns', which win; the plan's form stores (the
// variables their person: reads); and the note the erased event logs of
// where they came from.
func erasePersonColumns(g *globals, pkg *archive.Package, planPath string, flags []string) (map[string][]string, []archive.PersonForm, string, error) {
	cols := map[string][]string{}
	var forms []archive.PersonForm
	var notes []string
	if planPath != "" {
		planned, planForms, ver, err := plans.PersonColumns(planPath)
		if err != nil {
			return nil, nil, "", err
		}
		forms = planForms
		for _, t := range pkg.Tables() {
			if c, ok := planned[t.Table]; ok {
				cols[t.Table] = c
			}
		}
		note := "person: columns from plan " + planPath + " (fingerprint " + ver.Fingerprint + ")"
		// By the plan's hash where the package records it: an approval or
		// a milestone recorded since the run changes the fingerprint, not
		// the version of the plan. An older package records only the
		// fingerprint.
		meta := pkg.Summary.Meta
		switch {
		case meta.PlanHash != "":
			if meta.PlanHash != ver.Hash {
				fmt.Fprintf(g.stderr, "regflytt: warning: plan %s has changed since the package was written (plan_hash %s, the package's %s): its person: columns are searched as the plan names them now\n", planPath, ver.Hash, meta.PlanHash)
				note += ", plan_hash " + ver.Hash + ", not the package's " + meta.PlanHash
			}
		case meta.PlanFingerprint != "" && meta.PlanFingerprint != ver.Fingerprint:
			fmt.Fprintf(g.stderr, "regflytt: warning: plan %s has changed since the package was written (fingerprint %s, the package's %s; or only its approvals or progress: the package was written before packages recorded the plan's hash): its person: columns are searched as the plan names them now\n", planPath, ver.Fingerprint, meta.PlanFingerprint)
			note += ", not the package's " + meta.PlanFingerprint
		}
		notes = append(notes, note)
	}
	for _, f := range flags {
		table, list, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(table) == "" {
			return nil, nil, "", usageError{fmt.Errorf("--person-columns takes TABLE=COL,COL (TABLE= for none), not %q", f)}
		}
		var names []string
		for _, c := range strings.Split(list, ",") {
			if c = strings.TrimSpace(c); c != "" {
				names = append(names, c)
			}
		}
		cols[strings.TrimSpace(table)] = names
		notes = append(notes, "person: columns of "+f+" given by hand")
	}
	return cols, forms, strings.Join(notes, "; "), nil
}

// sealedErasure is an erasure from a sealed package: its clear copy, and
// the recipients the new version is sealed to.
type sealedErasure struct {
	sealed, clear string
	recipients    []age.Recipient
	// ids opened the old version; the new one must open with them too.
	ids []age.Identity
	// opened is the clear copy, its opening logged beside the sealed
	// package; ended says how the erasure ended, logged with its
	// removal (close).
	opened *archive.ClearCopy
	ended  string
}

// openSealed opens the sealed package at path into a clear copy beside
// it (PATH.erase-clear, 0700), once it knows the recipients to seal the
// new version to. The copy holds every record in clear: its opening is
// logged beside the sealed package before its first clear byte is
// written (archive.OpenLogged: who, when, the purpose "erase, reference
// REF", the copy's name, masked), and its removal (close) once it is
// gone, so that a copy an erasure killed outright left is named there.
func openSealed(ctx context.Context, path, identity string, recipients []string, recipientsFile, reference string) (*sealedErasure, error) {
	if identity == "" || (len(recipients) == 0 && recipientsFile == "") {
		return nil, usageError{fmt.Errorf("%s is a sealed package (a file, not a package folder): give --identity KEYFILE to open it and --recipient (or --recipients-file) to seal the new version to; the erasure then replaces it", path)}
	}
	ids, err := readIdentities(identity)
	if err != nil {
		return nil, err
	}
	rs, err := readRecipients(recipients, recipientsFile)
	if err != nil {
		return nil, err
	}
	clear, _ := archive.SealedErasePaths(path)
	s := &sealedErasure{sealed: path, clear: clear, recipients: rs, ids: ids,
		ended: "stopped before it was done (an error or an interrupt): nothing erased, the sealed package as it was"}
	// What an erasure killed halfway left: its clear working copy, the
	// versions archive erase writes beside that, the new sealed version.
	// A verification killed outright left a clear copy too.
	if left := append(archive.SealedEraseLeftovers(path), archive.SealedVerifyLeftovers(path)...); len(left) > 0 {
		return nil, fmt.Errorf("erase: %s exists (left by an interrupted erasure?): it may hold personal data in clear: check it and remove it first", strings.Join(left, " and "))
	}
	purpose := "erase"
	if r := strings.TrimSpace(reference); r != "" {
		purpose = "erase, reference " + r
	}
	c, err := archive.OpenLogged(ctx, path, s.clear, archive.Opening{Who: whoami(), Purpose: purpose, At: time.Now()}, ids...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("erase %s: stopped, nothing erased (the sealed package is as it was, no clear copy left): %w", path, err)
		}
		return nil, err
	}
	s.opened = c
	return s, nil
}

// clearCopies lists the folders beside the sealed package that are
// clear copies of it (opened with archive decrypt --to beside it, or the
// package it was sealed from): packages whose first event is its own.
// The erasure's own working copy is not one.
func (s *sealedErasure) clearCopies() ([]string, error) {
	origin, err := archive.Origin(s.clear)
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	dir := filepath.Dir(s.sealed)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == s.clear {
			continue
		}
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			continue
		}
		// A folder that is no package has no event log.
		if o, err := archive.Origin(p); err == nil && o == origin {
			out = append(out, p)
		}
	}
	return out, nil
}

// copiesErased lists the clear copies beside the sealed package, each
// erased under the request's reference and holding none of its persons;
// a copy that is not is an error naming it, nothing erased. The copy's
// event log alone cannot tell: erased under the same reference from
// another person list, it holds this list's persons still, so it is
// searched for them as the erasure searches (req, with a matcher of its
// own from matcher, so that what the copy holds counts nothing of the
// sealed package's report).
func (s *sealedErasure) copiesErased(ctx context.Context, req archive.EraseRequest, matcher func() (*eraseMatcher, error)) ([]string, error) {
	copies, err := s.clearCopies()
	if err != nil {
		return nil, err
	}
	var erased []string
	for _, c := range copies {
		m, err := matcher()
		if err != nil {
			return nil, err
		}
		req.Identifies, req.IdentifiesSplit, req.IdentifiesJoined = m.identifies, m.identifiesSplit, m.identifiesJoined
		// One read of the copy: its event log, and, when it logs the
		// erasure, its records searched for the listed persons.
		done, held, err := archive.ErasedCopy(ctx, c, req)
		if err != nil && !done {
			return nil, fmt.Errorf("erase %s: nothing erased: %s beside it is a clear copy of it: %w", s.sealed, c, err)
		}
		if !done {
			return nil, fmt.Errorf("erase %s: nothing erased: %s beside it is a clear copy of this sealed package (opened with archive decrypt, or the folder it was sealed from), not erased under reference %s, and would still hold the listed persons' records: erase it first (regflytt archive erase %s with this person list and reference) or remove it, then erase %s again", s.sealed, c, req.Reference, c, s.sealed)
		}
		if err != nil {
			return nil, fmt.Errorf("erase %s: nothing erased: %s beside it is a clear copy of it, which could not be searched for the listed persons: %w", s.sealed, c, err)
		}
		if held {
			return nil, fmt.Errorf("erase %s: nothing erased: %s beside it is a clear copy of this sealed package, erased under reference %s but still holding records of persons on this list (erased from another list?): erase it first (regflytt archive erase %s with this person list and reference) or remove it, then erase %s again", s.sealed, c, req.Reference, c, s.sealed)
		}
		erased = append(erased, c)
	}
	return erased, nil
}

// reseal seals the erased clear copy to the recipients and puts it, and
// its checksum, in the sealed package's place; it gives the new one's
// SHA-512. The new version is written in a folder beside it first, under
// the sealed package's own name, so that its checksum file names it.
func (s *sealedErasure) reseal(ctx context.Context) (string, error) {
	_, stage := archive.SealedErasePaths(s.sealed)
	if err := os.Mkdir(stage, 0o700); err != nil {
		return "", fmt.Errorf("erase: the erasure is NOT in %s (sealing the new version): %w", s.sealed, err)
	}
	defer os.RemoveAll(stage)
	out := filepath.Join(stage, filepath.Base(s.sealed))
	sum, err := archive.EncryptContext(ctx, s.clear, out, s.recipients...)
	if err != nil {
		return "", fmt.Errorf("erase: the erasure is NOT in %s (sealing the new version failed): %w", s.sealed, err)
	}
	// The old version is gone once the new one replaces it: a mistyped
	// --recipient would leave a package no one at hand can open. The key
	// that opened the old one must open the new one.
	if err := opens(out, s.ids); err != nil {
		return "", fmt.Errorf("erase: the erasure is NOT in %s: the new version, sealed to the --recipient keys given, cannot be opened with the --identity that opened the old one (%w); seal it to that key's recipient too, and to the data controller's", s.sealed, err)
	}
	// The last moment to stop: past it the sealed package is replaced.
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("erase: stopped: the erasure is NOT in %s, which is as it was: %w", s.sealed, err)
	}
	// Renamed in its folder since it was sealed, it keeps the access log
	// of its decryptions until then under its former name, which its
	// checksum file names until the new one replaces it.
	former := archive.FormerAccessLog(s.sealed)
	if err := os.Rename(out, s.sealed); err != nil {
		return "", fmt.Errorf("erase: the erasure is NOT in %s (the new version could not replace it): %w", s.sealed, err)
	}
	s.ended = "erased, sealed again in its place; what follows failed"
	if err := os.Rename(out+".sha512", s.sealed+".sha512"); err != nil {
		return "", fmt.Errorf("erase: %s is the new version, but its checksum could not be put beside it (its SHA-512 is %s): %w", s.sealed, sum, err)
	}
	if former != "" {
		if err := archive.CarryAccessLog(former, s.sealed); err != nil {
			return "", fmt.Errorf("erase: %s is the new version (SHA-512 %s), but the access log kept under its former name, %s, which archive log no longer reads, could not be added to %s: append it by hand: %w", s.sealed, sum, former, archive.AccessLogPath(s.sealed), err)
		}
	}
	s.ended = "erased, sealed again in its place"
	return sum, nil
}

// opens checks that one of ids opens the sealed file at path: its header
// names a recipient they are, and its MAC holds under the file key they
// unwrap (the payload was written and synced just before).
func opens(path string, ids []age.Identity) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = age.Decrypt(f, ids...)
	return err
}

// close removes the clear copy, and what a failed erasure of it left
// beside it (the sealed package is replaced only once the erasure is
// done, so each is a clear copy of a package still sealed), and logs
// beside the sealed package that it did, and how the erasure ended. A
// copy that could not be removed is an error naming it.
func (s *sealedErasure) close() error {
	if err := s.opened.Remove(s.ended, archive.EraseLeftovers(s.clear)...); err != nil {
		return fmt.Errorf("erase %s: its clear copy beside it: %w", s.sealed, err)
	}
	return nil
}

// readIdentities reads the age secret keys in a file.
func readIdentities(path string) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, usageError{fmt.Errorf("identity file %s holds no age key", path)}
	}
	return ids, nil
}

// readRecipients reads age public keys, given one by one and in a file.
func readRecipients(keys []string, file string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for _, r := range keys {
		rec, err := age.ParseX25519Recipient(r)
		if err != nil {
			return nil, usageError{fmt.Errorf("--recipient: %w", err)}
		}
		rs = append(rs, rec)
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("recipients: %w", err)
		}
		more, err := age.ParseRecipients(f)
		f.Close()
		if err != nil {
			return nil, usageError{fmt.Errorf("recipients file %s: %w", file, err)}
		}
		rs = append(rs, more...)
	}
	return rs, nil
}

// readPersonList reads identity numbers and reserve numbers, one per
// line, into a person list matched as a run's erasure list is, with the
// ten-digit keys of its identity numbers. A malformed line stops the erasure, named by file and line, never by its
// content.
func readPersonList(path string, ref time.Time) (*mappings.PersonList, map[pnr.Key]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("person list: %w", err)
	}
	defer f.Close()
	list := mappings.NewPersonList(mappings.ReasonErasure, "person list "+path)
	keys := map[pnr.Key]bool{}
	// Read as a plan's exclusion list file is (a byte-order mark, CRLF
	// line ends, comments), so the same file serves both.
	err = plans.EachListEntry(f, func(line int, s string) error {
		if err := list.Add(s, ref, fmt.Sprintf("%s:%d", path, line)); err != nil {
			return usageError{fmt.Errorf("%w; correct the list first", err)}
		}
		// A reserve number has no ten digits, and no pseudonym.
		if k, _, err := pnr.ParseKey(s); err == nil {
			keys[k] = true
		}
		return nil
	})
	if _, bad := err.(usageError); bad {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("person list %s: %w", path, err)
	}
	if list.Len() == 0 {
		return nil, nil, usageError{fmt.Errorf("person list %s names nobody (it is empty, or holds only comments, blank lines or a byte-order mark): erasing from it would remove nothing; give the list the erasure decision names", path)}
	}
	return list, keys, nil
}

func newArchiveEncryptCmd(g *globals) *cobra.Command {
	var recipients []string
	var recipientsFile, to string
	cmd := &cobra.Command{
		Use:   "encrypt PKG --recipient AGE_PUBLIC_KEY… --to PKG.tar.age",
		Short: "Seal a verified package with age to its recipients, and print the ciphertext's SHA-512",
		Long: `Verifies the package, serialises it as a tar and encrypts it with age
(filippo.io/age) to every recipient (age1… public keys, from --recipient or a
recipients file). The ciphertext is written 0600, and its SHA-512 printed and
written beside it as TO.sha512, so fixity can be checked without a key
(sha512sum -c TO.sha512). The clear package is left as it is: remove it once the
encrypted one is stored.`,
		Args: exactArgs(1, "one package directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" || (len(recipients) == 0 && recipientsFile == "") {
				return usageError{fmt.Errorf("archive encrypt needs --to and at least one --recipient or --recipients-file")}
			}
			rs, err := readRecipients(recipients, recipientsFile)
			if err != nil {
				return err
			}
			sum, err := archive.EncryptContext(cmd.Context(), args[0], to, rs...)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s  %s\n", sum, to)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&recipients, "recipient", nil, "age public key (age1…) to encrypt to (repeat it)")
	cmd.Flags().StringVar(&recipientsFile, "recipients-file", "", "file of age recipients, one per line")
	cmd.Flags().StringVar(&to, "to", "", "encrypted file to create (must not exist)")
	return cmd
}

func newArchiveDecryptCmd(g *globals) *cobra.Command {
	var identity, to, purpose string
	cmd := &cobra.Command{
		Use:   "decrypt FILE --identity KEYFILE --to DIR [--purpose \"…\"]",
		Short: "Open an encrypted package into a new folder and verify it",
		Long: `Opens a sealed package into a new folder (0700, files 0600) and verifies it. The
decryption is logged in the access log beside the sealed package
(FILE.access.jsonl: who, when, why, every record read), and the folder's event
log names the sealed package, so that every extract of the folder is logged
beside the sealed package too: the record of who read a person's data stays
with the sealed package when the clear folder is removed (archive log FILE
--person-list lists it). The opening is logged (decrypt-started, naming the
folder) before the first clear byte is written, and its end once the folder
verifies (decrypted), or that the folder was removed (clear-copy-removed: an
error, Ctrl-C): a decryption killed outright leaves a folder its log names,
which archive log shows as started, NOT finished.`,
		Args: exactArgs(1, "one encrypted package"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if identity == "" || to == "" {
				return usageError{fmt.Errorf("archive decrypt needs --identity and --to")}
			}
			// Checked before anything is opened in clear.
			if err := archive.CheckLoggedText("purpose", purpose); err != nil {
				return usageError{fmt.Errorf("--purpose: %w", err)}
			}
			ids, err := readIdentities(identity)
			if err != nil {
				return err
			}
			// Reading a sealed package in clear is logged beside it
			// before the first clear byte is written, and again once the
			// copy is whole; a copy that cannot be logged is not left.
			if _, err := archive.DecryptLogged(cmd.Context(), args[0], to, archive.Opening{Who: whoami(), Purpose: purpose, At: time.Now()}, ids...); err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "decrypted %s into %s; it verifies\n", args[0], to)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&identity, "identity", "", "file holding the age secret key (AGE-SECRET-KEY-1…)")
	cmd.Flags().StringVar(&to, "to", "", "folder to create")
	cmd.Flags().StringVar(&purpose, "purpose", "", "why the package is opened in clear (logged beside it)")
	return cmd
}
