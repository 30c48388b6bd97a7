package archive

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/connectors"
)

// ReadAccessLog reads the access log beside a package (AccessLogPath):
// one entry per extract, oldest first; none if nothing was extracted.
func ReadAccessLog(dir string) ([]Event, error) {
	return readAccessLogFile(AccessLogPath(dir))
}

// readAccessLogFile reads the access log at path (ReadAccessLog); none
// if there is none.
func readAccessLogFile(path string) ([]Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	defer f.Close()
	var out []Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// The line is not quoted: a damaged log can hold anything.
			return nil, fmt.Errorf("access log %s: line %d is not an entry", path, line)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("access log: %w", err)
	}
	return out, nil
}

// whereParts splits an extract's logged filter (loggedWhere) into the
// masked identity number and the digest; both empty when it was filtered
// on something else, or not at all.
func (e Event) whereParts() (masked, digest string) {
	i := strings.LastIndex(e.Where, " "+digestOpen+"$")
	if i < 0 || !strings.HasSuffix(e.Where, ")") {
		return "", ""
	}
	j := strings.LastIndex(e.Where[:i], " = ")
	if j < 0 {
		return "", ""
	}
	masked = e.Where[j+3 : i]
	// A text that named numbers is logged by each (textNamed).
	if strings.HasPrefix(masked, textNamingOpen) {
		return "", ""
	}
	if !strings.HasSuffix(masked, "****") || connectors.MaskIdentityNumbers(masked) != masked {
		return "", ""
	}
	return masked, e.Where[i+1+len(digestOpen) : len(e.Where)-1]
}

// FilteredOnIdentityNumber says whether the extract kept only the records
// of one identity number, so that FilteredOn tells whose. Any other
// extract (a whole table, a filter on another column or value) may hold
// anyone's records.
func (e Event) FilteredOnIdentityNumber() bool {
	m, d := e.whereParts()
	return m != "" && d != ""
}

// FilteredOn says whether the extract was filtered on the identity number
// whose digits are number: its ten YYMMDDNNNN (pnr.Key), or all twelve
// where the century is known; or on the reserve number number is the
// normal form of (mappings.ReserveForm: 19900101T123, 900101T123),
// matched likewise on its last six date digits and serial. The digest is of the ten, which do not hold
// the century: two people born a century apart share them. Where both
// number and the logged masked form write the century (19121212-****),
// it must agree; where either does not, the entry may be either person's
// and is counted as this one's.
func (e Event) FilteredOn(number string) bool {
	if len(number) != 10 && len(number) != 12 {
		return false
	}
	if masked, digest := e.whereParts(); masked != "" {
		return namesNumber(masked, digest, number)
	}
	// A text that named identity numbers (textNaming): each is one of
	// the persons whose records the extract kept.
	for _, m := range e.textNamed() {
		if namesNumber(m[0], m[1], number) {
			return true
		}
	}
	return false
}

// textNamed gives the masked numbers and their digests an extract
// filtered on a text that held them logged (textNaming); none for any
// other extract.
func (e Event) textNamed() [][2]string {
	i := strings.Index(e.Where, " = "+textNamingOpen)
	if i < 0 || !strings.HasSuffix(e.Where, ")") {
		return nil
	}
	var out [][2]string
	for _, item := range strings.Split(strings.TrimSuffix(e.Where[i+3+len(textNamingOpen):], ")"), textNamingSep) {
		masked, digest, ok := strings.Cut(item, " "+digestOpen)
		if !ok || !strings.HasSuffix(masked, "****") || connectors.MaskIdentityNumbers(masked) != masked {
			continue
		}
		out = append(out, [2]string{masked, digest})
	}
	return out
}

// namesNumber says whether a logged masked number and its digest are of
// the number whose digits are number (FilteredOn).
func namesNumber(masked, digest, number string) bool {
	key := number[len(number)-10:]
	// The birth date the masked form shows rules most entries out without
	// the slow digest.
	var shown []byte
	for i := 0; i < len(masked); i++ {
		if masked[i] >= '0' && masked[i] <= '9' {
			shown = append(shown, masked[i])
		}
	}
	switch len(shown) {
	case 0:
		// Logged with the date hidden (hideDigits): the digest tells.
	case 2:
		// Its century alone (hideDigits).
		if len(number) == 12 && string(shown) != number[:2] {
			return false
		}
	default:
		// Logged before the date was hidden: the date it shows rules
		// most entries out without the slow digest.
		if len(shown) < 6 || string(shown[len(shown)-6:]) != key[:6] {
			return false
		}
		if len(shown) == 8 && len(number) == 12 && string(shown) != number[:8] {
			return false
		}
	}
	return connectors.SlowDigestMatches(digest, key)
}

// Accesses gives the extracts of a package: those its access log beside
// it (ReadAccessLog) and its own event log record, each once, in the
// order of the access log and then of the event log. Extract writes both;
// a package copied or moved without the file beside it keeps its
// accesses in its event log, and an access log kept apart from its
// package still tells what was extracted. An entry in both counts once,
// two alike in one (two whole-table extracts in one second) twice.
//
// A sealed package (a file) has its access log beside it, and its event
// log sealed inside, which Accesses does not read: its accesses are its
// log's, its decryptions (DecryptLogged) and the extracts of the clear
// copies they made among them. SealedAccesses reads both.
func Accesses(dir string) ([]Event, error) {
	logged, err := ReadAccessLog(dir)
	if err != nil {
		return nil, err
	}
	if isRegularFile(dir) {
		return logged, nil
	}
	p, err := Open(dir)
	if err != nil {
		return nil, err
	}
	events, err := p.Events()
	if err != nil {
		return nil, err
	}
	return mergeAccesses(logged, events), nil
}

// SealedLogs says which access logs beside a sealed package were read
// (SealedLoggedAccesses), and what suggests they are not all of them.
type SealedLogs struct {
	// Read lists the access logs read, those that exist: the package's
	// own (AccessLogPath); where its checksum file names it by another
	// name (renamed in its folder since it was sealed), the log under
	// that name, beside it, where its decryptions until then were
	// logged, and, once an erasure has named it by its own, that log
	// still (carriedLogs); and the log of the folder it was sealed from
	// (PKG for PKG.tar.age).
	Read []string
	// Unread says why the logs read may not be all there are, "" when
	// nothing beside the package says so.
	Unread string
}

// SealedLoggedAccesses gives the accesses the access logs beside the
// sealed package at file record (its decryptions, and the extracts of
// the clear copies they made), and which logs those are. A sealed
// package renamed in its folder keeps its log under its former name,
// which its checksum file (file.sha512, "hash  name", written when it
// was sealed) still names: that log is read too. So is the log of the
// folder it is named after (PKG for PKG.tar.age, as a run and archive
// encrypt leave it until it is removed), and that folder's event log
// while it is there: an extract of the folder after it was sealed is
// logged only there. A sealed package with neither an access log nor a
// checksum file beside it was copied or moved without the files beside
// it, its decryptions logged beside the original: SealedLogs.Unread says
// so. A copy kept with its checksum file and without the access log
// cannot be told from a package never opened.
func SealedLoggedAccesses(file string) ([]Event, SealedLogs, error) {
	b, err := sealedLogged(file)
	if err != nil {
		return nil, b.logs, err
	}
	return FoldOpenings(mergeAccesses(unionAccesses(b.own, b.folderLogged), b.folderEvents)), b.logs, nil
}

// besideSealed is what lies beside a sealed package that logs its
// accesses (sealedLogged).
type besideSealed struct {
	// own holds the entries of its access log and of the one under its
	// former name, folderLogged those of the folder it is named after,
	// folderEvents that folder's event log, when it is there. A clear
	// copy opened as that folder (archive decrypt PKG.tar.age --to PKG)
	// logs each extract in both own and folderLogged: read as one.
	own, folderLogged, folderEvents []Event
	logs                            SealedLogs
	// folderLog names the folder's access log when it was read.
	folderLog string
}

// sealedSuffix ends a sealed package's name as a run names it beside its
// folder (plans.SealedSuffix) and archive encrypt's help suggests.
const sealedSuffix = ".tar.age"

// sealedLogged reads the logs beside the sealed package at file
// (SealedLoggedAccesses).
func sealedLogged(file string) (besideSealed, error) {
	var b besideSealed
	read := func(path string) ([]Event, error) {
		if _, err := os.Stat(path); err != nil {
			return nil, nil
		}
		entries, err := readAccessLogFile(path)
		if err != nil {
			return nil, err
		}
		b.logs.Read = append(b.logs.Read, path)
		return entries, nil
	}
	own, err := read(AccessLogPath(file))
	if err != nil {
		return b, err
	}
	b.own = own
	if former, err := sealedUnder(file); err != nil {
		if len(b.logs.Read) == 0 {
			b.logs.Unread = fmt.Sprintf("neither an access log (%s) nor the checksum file archive encrypt writes (%s) lies beside it: copied or moved without the files beside it? Its decryptions, and the extracts of the clear copies they made, are logged beside the sealed package they were made of (ORIGINAL.access.jsonl), which is not read: read that log too",
				filepath.Base(AccessLogPath(file)), filepath.Base(file)+".sha512")
		}
	} else if former != "" {
		more, err := read(AccessLogPath(former))
		if err != nil {
			return b, err
		}
		b.own = append(b.own, more...)
	}
	if folder, ok := strings.CutSuffix(file, sealedSuffix); ok && folder != "" {
		n := len(b.logs.Read)
		if b.folderLogged, err = read(AccessLogPath(folder)); err != nil {
			return b, err
		}
		if len(b.logs.Read) > n {
			b.folderLog = AccessLogPath(folder)
		}
		if st, err := os.Stat(folder); err == nil && st.IsDir() {
			if p, err := Open(folder); err == nil {
				if b.folderEvents, err = p.Events(); err != nil {
					return b, err
				}
			}
		}
	}
	carried, err := carriedLogs(file, b.own, b.logs.Read)
	if err != nil {
		return b, err
	}
	for _, path := range carried {
		more, err := read(path)
		if err != nil {
			return b, err
		}
		// The entries carried are in its own log already: once.
		b.own = unionAccesses(b.own, more)
	}
	return b, nil
}

// sealedUnder gives the path, beside the sealed package at file, of the
// name its checksum file (file.sha512, "hash  name") names when that is
// not its own: the name it was sealed under, renamed since; "" when it
// names its own. An error when there is no checksum file to read.
func sealedUnder(file string) (string, error) {
	sum, err := os.ReadFile(file + ".sha512")
	if err != nil {
		return "", err
	}
	_, name, _ := strings.Cut(strings.TrimSpace(string(sum)), "  ")
	if name = strings.TrimPrefix(name, "*"); name != "" && name != filepath.Base(file) && filepath.Base(name) == name {
		return filepath.Join(filepath.Dir(file), name), nil
	}
	return "", nil
}

// carriedLogs lists the access logs beside the sealed package at file
// that an erasure carried into its own (CarryAccessLog), not in read: a
// log whose package is no longer there (renamed) and whose first entry
// the package's own log (own) holds. Once the erasure's checksum file
// names the package's own name, nothing else names that log, and a clear
// copy opened before the rename still logs its extracts there (Extract
// follows the access log of the name it was opened from).
func carriedLogs(file string, own []Event, read []string) ([]string, error) {
	if len(own) == 0 {
		return nil, nil
	}
	dir := filepath.Dir(file)
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("access logs beside %s: %w", file, err)
	}
	const suffix = ".access.jsonl"
	var out []string
	for _, n := range names {
		pkg, ok := strings.CutSuffix(n.Name(), suffix)
		if !ok || pkg == "" || !n.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, n.Name())
		if path == AccessLogPath(file) || slices.Contains(read, path) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, pkg)); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		first, err := firstAccess(path)
		if err != nil {
			return nil, err
		}
		if first != nil && slices.ContainsFunc(own, func(e Event) bool { return sameEvent(e, *first) }) {
			out = append(out, path)
		}
	}
	return out, nil
}

// firstAccess is the first entry of the access log at path, nil when it
// has none.
func firstAccess(path string) (*Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("access log %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("access log %s: %w", path, err)
		}
		// Empty, or a first line no entry is as long as: not a log.
		return nil, nil
	}
	var e Event
	if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
		// Another file by such a name: not a log carried.
		return nil, nil
	}
	return &e, nil
}

// FormerAccessLog gives the access log the sealed package at file kept
// under the name it was sealed under, renamed in its folder since
// (SealedLoggedAccesses reads it), "" when there is none. Whatever
// writes the checksum file anew, naming the package's own name, asks
// for it before and carries it (CarryAccessLog) once the new checksum
// file is in place: archive log then no longer reads it.
func FormerAccessLog(file string) string {
	former, err := sealedUnder(file)
	if err != nil || former == "" {
		return ""
	}
	if _, err := os.Stat(AccessLogPath(former)); err != nil {
		return ""
	}
	return AccessLogPath(former)
}

// CarryAccessLog appends the access log at from, as it is, to the access
// log beside the sealed package at file (created 0600), synced: the
// accesses logged under its former name (FormerAccessLog) stay with it.
// from is left as it is.
func CarryAccessLog(from, file string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return appendLog(AccessLogPath(file), b)
}

// SealedAccesses gives the accesses of the sealed package at file (a
// file, PKG.tar.age), opened with ids: those of the access logs beside it
// (SealedLoggedAccesses: its decryptions, and the extracts of the clear
// copies they made) and the extracts its event log, sealed inside
// (SealedEvents), records: those made of the package in clear before it
// was sealed, whose access log stayed beside the clear folder, and went
// with it. Each once, as Accesses gives a folder's.
//
// The folder it is named after is read as its own only when its event
// log begins as the one sealed inside (the same package, Origin): a
// folder of another package by that name is left out, with its access
// log. Without the key (SealedLoggedAccesses) that cannot be told, and
// the folder's logs are read as the package's.
func SealedAccesses(ctx context.Context, file string, ids []age.Identity) ([]Event, SealedLogs, error) {
	b, err := sealedLogged(file)
	if err != nil {
		return nil, b.logs, err
	}
	events, err := SealedEvents(ctx, file, ids)
	if err != nil {
		return nil, b.logs, err
	}
	if len(b.folderEvents) > 0 && (len(events) == 0 || !sameEvent(events[0], b.folderEvents[0])) {
		// Another package by the folder's name: neither of its logs.
		b.folderLogged, b.folderEvents = nil, nil
		if b.folderLog != "" {
			b.logs.Read = slices.DeleteFunc(b.logs.Read, func(p string) bool { return p == b.folderLog })
		}
	}
	// The folder's event log and the one sealed inside share what was
	// logged before it was sealed: an extract in both is one.
	return FoldOpenings(mergeAccesses(unionAccesses(b.own, b.folderLogged), unionAccesses(events, b.folderEvents))), b.logs, nil
}

// sameEvent says whether two events are one (a package's first event
// tells it and its copies from other packages, Origin).
func sameEvent(a, b Event) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}

// unionAccesses gives the events of a and those of b that a lacks: an
// event in both (two logs of one history) once, two alike in one twice.
func unionAccesses(a, b []Event) []Event {
	have := map[accessKey]int{}
	for _, e := range a {
		have[keyOfAccess(e)]++
	}
	out := a[:len(a):len(a)]
	for _, e := range b {
		if k := keyOfAccess(e); have[k] > 0 {
			have[k]--
			continue
		}
		out = append(out, e)
	}
	return out
}

// accessKey is what tells two logged accesses apart.
type accessKey struct {
	event, at, who, purpose, table, where string
	// values: an extract of the values archived alone counts no records.
	records, values int64
}

func keyOfAccess(e Event) accessKey {
	return accessKey{e.Event, e.At, e.Who, e.Purpose, e.Table, e.Where, e.Count["records"], e.Count["values"]}
}

// mergeAccesses gives the entries of an access log (logged) and the
// extracts of an event log (events), an extract in both once.
func mergeAccesses(logged, events []Event) []Event {
	var extracts []Event
	for _, e := range events {
		if e.Event == "extracted" {
			extracts = append(extracts, e)
		}
	}
	return unionAccesses(logged, extracts)
}

// sealedFromNote begins the note of the "decrypted" event DecryptLogged
// appends to a clear copy's event log; the sealed package's path follows.
const sealedFromNote = "a clear copy of the sealed package "

// Opening says who opens a sealed package in clear, when, and why: it is
// logged beside the sealed package (AccessLogPath) before the first clear
// byte is written (DecryptLogged, VerifySealed), so that every clear copy
// that exists, also one a process killed outright (SIGKILL, a power cut)
// left, has its entry.
type Opening struct {
	Who, Purpose string
	At           time.Time
}

// The access log's entries for a sealed package opened in clear: one
// EventOpening before the first clear byte, naming the clear copy (its
// Note, clearCopyNote), and, at its end, one completing it with the same
// time, who and copy: "decrypted" (archive decrypt's copy, kept for its
// user) or EventClearRemoved (verify's copy, or a decryption that
// stopped, its copy removed). An EventOpening none completes is an
// opening that was killed, or still runs: its clear copy may be left.
const (
	EventOpening      = "decrypt-started"
	EventClearRemoved = "clear-copy-removed"
)

// clearCopyNote names the clear copy an opening writes, its path absolute
// and masked (a clerk names a copy after the request it serves).
func clearCopyNote(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return "clear copy " + connectors.MaskIdentityNumbers(abs), nil
}

// opening is an Opening of one sealed package into one clear copy, as
// its access log records it.
type opening struct {
	sealed  string
	started Event
	// logged says the start is in the access log: every end is logged.
	logged bool
}

// newOpening checks what o logs and gives the opening of sealed into
// dir, not yet logged.
func newOpening(sealed, dir string, o Opening) (*opening, error) {
	if err := CheckLoggedText("purpose", o.Purpose); err != nil {
		return nil, err
	}
	note, err := clearCopyNote(dir)
	if err != nil {
		return nil, err
	}
	return &opening{sealed: sealed, started: Event{Event: EventOpening, At: o.At.UTC().Format(time.RFC3339), Who: o.Who, Purpose: o.Purpose, Note: note}}, nil
}

// start logs the opening beside the sealed package, synced: called once
// the key is known to open it, before any clear byte is written.
func (o *opening) start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := appendAccessLog(o.sealed, o.started); err != nil {
		return err
	}
	o.logged = true
	return nil
}

// end logs how the opening ended (event: "decrypted" or
// EventClearRemoved; what follows the copy's name in the note; records
// read, < 0 when not known). Nothing is logged for an opening whose start
// was not.
func (o *opening) end(event, what string, records int64) error {
	if !o.logged {
		return nil
	}
	e := o.started
	e.Event, e.Note = event, o.started.Note+": "+what
	if records >= 0 {
		e.Count = map[string]int64{"records": records}
	}
	return appendAccessLog(o.sealed, e)
}

// removed removes the clear copy (dir: what holds it) of an opening that
// ends without it, and what was made of it beside it (beside: an
// erasure's versions of it), and logs that they are gone, or that one
// could not be removed; why says how the opening ended. The error is the
// logging's or the removal's.
func (o *opening) removed(dir, why string, records int64, beside ...string) error {
	var rerr error
	for _, p := range append(beside, dir) {
		if err := os.RemoveAll(p); err != nil {
			rerr = errors.Join(rerr, fmt.Errorf("the clear copy %s: %w", p, err))
		} else if _, err := os.Lstat(p); err == nil {
			rerr = errors.Join(rerr, fmt.Errorf("the clear copy %s is still there", p))
		}
	}
	what := why + "; the clear copy removed"
	if rerr != nil {
		what = why + "; the clear copy could NOT be removed: remove it"
	}
	if err := o.end(EventClearRemoved, what, records); err != nil {
		return errors.Join(rerr, fmt.Errorf("access log: %w", err))
	}
	return rerr
}

// recordsOf counts the records of the package's tables.
func recordsOf(p *Package) int64 {
	var n int64
	for _, t := range p.Tables() {
		n += t.Records
	}
	return n
}

// ClearCopy is a sealed package opened in clear (OpenLogged) whose
// opening is logged beside it: Remove removes it and logs its end.
type ClearCopy struct {
	// Dir holds the copy, Package is it opened and verified.
	Dir     string
	Package *Package
	op      *opening
}

// OpenLogged opens the sealed package in into the new folder dir and
// verifies it, logging the opening beside it (AccessLogPath(in)) as o
// says who, when and why, before the first clear byte is written (once
// the key is known to open it): an EventOpening naming the copy, synced.
// The copy is the caller's: its end is logged by Remove, or, archive
// decrypt's, kept for its user, by DecryptLogged. A process killed
// before leaves its copy named by the opening alone, which archive log
// shows as an opening not finished.
//
// A purpose holding an identity number is refused (ErrLoggedIdentity)
// before anything is read; a wrong key (ErrWrongKey) logs nothing. Any
// later error, ctx's among them, removes the copy and logs that it did
// (EventClearRemoved).
func OpenLogged(ctx context.Context, in, dir string, o Opening, ids ...age.Identity) (*ClearCopy, error) {
	op, err := newOpening(in, dir, o)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("decrypt: %s exists: choose a new folder", dir)
	}
	c := &ClearCopy{Dir: dir, op: op}
	if _, err := unseal(ctx, in, dir, ids, func() error { return op.start(ctx) }); err != nil {
		return nil, c.fail(err)
	}
	p, err := OpenVerified(dir)
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, c.fail(fmt.Errorf("decrypt %s: %w", in, err))
	}
	c.Package = p
	return c, nil
}

// fail removes the copy of an opening that did not finish, logging that
// it did, and gives err.
func (c *ClearCopy) fail(err error) error {
	return errors.Join(err, c.Remove("stopped before it was done (an error or an interrupt)"))
}

// Remove removes the clear copy, and what was made of it beside it
// (beside: an erasure's versions of it, EraseLeftovers), and logs its
// end beside the sealed package (EventClearRemoved): why says how what
// opened it ended, and the records it opened in clear are counted. A
// copy that could not be removed is logged as such, and an error.
func (c *ClearCopy) Remove(why string, beside ...string) error {
	records := int64(-1)
	if c.Package != nil {
		records = recordsOf(c.Package)
	}
	return c.op.removed(c.Dir, why, records, beside...)
}

// DecryptLogged opens the sealed package in into the new folder dir as
// Decrypt does, logging the access beside it (AccessLogPath(in)) as o
// says who, when and why (OpenLogged): before the first clear byte is
// written, an EventOpening naming the copy, synced; once the copy is
// whole and verified, a "decrypted" entry (every record read) completing
// it, and a "decrypted" event in the copy's event log naming the sealed
// package, so that each extract of the copy is logged beside the sealed
// package too (Extract). A clear copy is removed once used: without
// these, what was read through it was logged only beside it, and went
// with it (PDL). A process killed between the two entries leaves its
// copy named by the first, which archive log shows as an opening not
// finished.
//
// A purpose holding an identity number is refused (ErrLoggedIdentity)
// before anything is read; a wrong key (ErrWrongKey) logs nothing. Any
// later error, ctx's among them, removes the copy and logs that it did
// (EventClearRemoved).
func DecryptLogged(ctx context.Context, in, dir string, o Opening, ids ...age.Identity) (*Package, error) {
	abs, err := filepath.Abs(in)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	c, err := OpenLogged(ctx, in, dir, o, ids...)
	if err != nil {
		return nil, err
	}
	if err := c.op.end("decrypted", "opened in clear, every table", recordsOf(c.Package)); err != nil {
		return nil, c.fail(fmt.Errorf("decrypt: access log: %w", err))
	}
	if err := AppendEvent(dir, Event{Event: "decrypted", At: c.op.started.At, Who: o.Who, Note: sealedFromNote + abs}); err != nil {
		return nil, c.fail(fmt.Errorf("decrypt: %w", err))
	}
	return c.Package, nil
}

// FoldOpenings gives the entries of an access log with each EventOpening
// that an entry completes (the same time, who, purpose and clear copy:
// "decrypted" or EventClearRemoved) left out, the completing entry
// telling it: an EventOpening left is an opening that did not finish
// (killed, or still running), whose clear copy may be left.
func FoldOpenings(entries []Event) []Event {
	used := make([]bool, len(entries))
	out := make([]Event, 0, len(entries))
	for i, e := range entries {
		if e.Event != EventOpening {
			out = append(out, e)
			continue
		}
		done := false
		for j, c := range entries {
			if used[j] || (c.Event != "decrypted" && c.Event != EventClearRemoved) || c.At != e.At || c.Who != e.Who || c.Purpose != e.Purpose || !strings.HasPrefix(c.Note, e.Note+": ") {
				continue
			}
			used[j], done = true, true
			break
		}
		if !done {
			out = append(out, entries[i])
		}
	}
	return out
}

// SealedFrom gives the sealed package the package is a clear copy of
// (archive decrypt made it, DecryptLogged), as its event log names it when
// it was opened: "" when it is none.
func (p *Package) SealedFrom() (string, error) { return p.sealedFrom() }

// sealedFrom gives the sealed package the package is a clear copy of
// (DecryptLogged's latest "decrypted" event), "" when it is none.
func (p *Package) sealedFrom() (string, error) {
	events, err := p.Events()
	if err != nil {
		return "", err
	}
	for i := len(events) - 1; i >= 0; i-- {
		if s, ok := strings.CutPrefix(events[i].Note, sealedFromNote); ok && events[i].Event == "decrypted" {
			return s, nil
		}
	}
	return "", nil
}
