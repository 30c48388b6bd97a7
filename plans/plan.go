package plans

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"gopkg.in/yaml.v3"
)

// Plan is one register's migration plan.
//
//	plan: 1
//	register: {id: demo, name: Demoregistret}
//	system: {current: legacy-demo, chosen: receiving-demo}
//	cpua: {current: Region A, future: Region B}
//	rco: {current: RC A, future: RC B}
//	source: {url: env:REGFLYTT_SOURCE}
//	target: {url: env:REGFLYTT_TARGET, schema: ../platforms/x/schema.yaml}
//	mappings: [../mappings/demo.yaml]
//	archive: {dir: archive}
//	run: {batch_size: 5000, jobs: 2, stall_timeout: 10m}
//
// and the rest of the strategy's template (Template: step, timeline,
// history, cost, approvals, …), which a run does not need.
//
// Input paths (schema, mappings, key file, opt-out file) are relative to
// the plan file; output paths (archive) are relative to the run's work
// directory, so a plan kept under version control never has runs written
// beside it. Every path must stay inside its directory (no "..", not
// absolute) unless the plan says
//
//	allow_outside: true
//
// at its top level: then a reviewer reading the plan sees that it reaches
// files elsewhere (a shared schema, a key kept apart), and a plan copied
// or mailed cannot quietly read another register's files.
type Plan struct {
	File string
	// AllowOutside lets the plan's paths leave their directory.
	AllowOutside bool

	RegisterID, RegisterName mappings.Str
	// SystemCurrent is the legacy IT system, SystemChosen the receiving
	// system chosen in the consolidation.
	SystemCurrent, SystemChosen mappings.Str
	CPUACurrent, CPUAFuture     mappings.Str
	RCOCurrent, RCOFuture       mappings.Str

	SourceURL    mappings.Str
	TargetURL    mappings.Str
	TargetSchema mappings.Str
	Mappings     []mappings.Str
	ArchiveDir   mappings.Str
	// ArchiveEncryptTo lists the age recipients (age1… public keys) the
	// archive package is sealed to after the run; ArchiveClearReason says
	// why it may stay in clear instead. A package holds the source's
	// records, identity numbers included.
	ArchiveEncryptTo   []mappings.Str
	ArchiveClearReason mappings.Str
	BatchSize          int
	// Jobs is how many groups of receiving tables move at the same time
	// (run: {jobs: N}; run --jobs wins); 0 when the plan does not say.
	Jobs int
	// StallTimeout, when set, is how long an operation on the source or
	// the target may go without progress before it is cancelled and its
	// connection taken for lost (run: {stall_timeout: 10m}; run
	// --stall-timeout wins); 0: a stall is warned of, and waited out.
	StallTimeout time.Duration

	// SourceFrozen says nothing writes the source during the run, so a
	// read that loses its connection (and its snapshot) may continue in a
	// new snapshot after the last key it read (source: {frozen: true}).
	SourceFrozen bool

	// ReferenceDate resolves the century of 10-digit identity numbers; it
	// is fixed in the plan so that a mapping gives the same result on
	// every run.
	ReferenceDate time.Time
	// KeyFile or KeyEnv name where the pseudonymisation key is kept:
	// outside the registry, never in a plan or mapping.
	KeyFile, KeyEnv mappings.Str
	// OptOutTable/OptOutColumn name the source table listing patients who
	// opted out; OptOutFile a file with one identity number per line.
	// Either or both.
	OptOutTable, OptOutColumn, OptOutFile mappings.Str
	// OptOutUnmatched acknowledges opt-out entries that match no source
	// person; without it, one such entry fails the run.
	OptOutUnmatched Acknowledgement
	// OptOutNone is why the register has no opt-out list (optout: {none:
	// reason}). A plan that names neither a list nor this reason is
	// warned about (P012) and its verification notes that no record was
	// excluded as opted out: a missing list must be a decision, not an
	// oversight that migrates every opted-out patient under PASS.
	OptOutNone mappings.Str
	// ErasureTable/ErasureColumn/ErasureFile name the patients who
	// demanded erasure, like the opt-out list; their records are excluded
	// with reason erasure.
	ErasureTable, ErasureColumn, ErasureFile mappings.Str
	// ErasureUnmatched acknowledges erasure entries that match no source
	// person, like OptOutUnmatched.
	ErasureUnmatched Acknowledgement
	// UnmappedTables names source tables no mapping reads, each with the
	// reason it holds no patient's data. They are archived whole; with an
	// opt-out or erasure list, every such table must be named here, since
	// a table archived whole cannot have a listed patient's rows taken out.
	UnmappedTables map[string]mappings.Str

	// Template is the strategy's template: the half the registry holder
	// reviews and approves (template.go).
	Template Template
	// Verification holds the verification: section (verify.go).
	Verification Verification
}

// Acknowledgement is a plan's statement that exactly Count entries of an
// exclusion list match no person in the source, and why:
//
//	optout: {file: optout.txt, unmatched: {acknowledged: 2, reason: patients who never reported}}
//
// The count must equal what the run finds, so a list that stops matching
// (another format, a new entry) fails the run again instead of hiding
// behind an old acknowledgement.
type Acknowledgement struct {
	Count  int64
	Reason mappings.Str
	// Pos is where the plan says it; the zero Pos when it does not.
	Pos mappings.Pos
}

// Load reads a plan file and reports every problem of shape in it.
func Load(path string) (*Plan, mappings.Diagnostics) {
	root, ds := mappings.ParseYAML(path)
	if root == nil {
		return nil, ds
	}
	p := &Plan{File: path}
	f := mappings.ReadFields(path, root, &ds, "a migration plan")
	if v := f.Required("plan"); v.IsSet() && v.Value != "1" {
		ds = append(ds, mappings.Diagnostic{Pos: v.Pos, Code: "P001", Message: fmt.Sprintf("plan format %s is not known (this regflytt reads plan: 1)", v.Value)})
	}
	f.Str("description")
	reg := sub(f, "register")
	p.RegisterID = reg.Required("id")
	p.RegisterName = reg.Required("name")
	p.readSubRegisters(reg)
	reg.Done()
	sys := sub(f, "system")
	p.SystemCurrent = sys.Required("current")
	p.SystemChosen = sys.Required("chosen")
	sys.Done()
	cpua := sub(f, "cpua")
	p.CPUACurrent = cpua.Required("current")
	p.CPUAFuture = cpua.Required("future")
	cpua.Done()
	rco := sub(f, "rco")
	p.RCOCurrent = rco.Required("current")
	p.RCOFuture = rco.Required("future")
	rco.Done()
	// The source may come from --source alone.
	if f.Node("source") != nil {
		src := sub(f, "source")
		p.SourceURL = src.Str("url")
		p.SourceFrozen = src.Bool("frozen")
		src.Done()
	}
	tgt := sub(f, "target")
	p.TargetURL = tgt.Str("url")
	p.TargetSchema = tgt.Required("schema")
	tgt.Done()
	p.Mappings = f.Strs("mappings")
	if len(p.Mappings) == 0 {
		ds = append(ds, mappings.Diagnostic{Pos: f.Pos(), Code: "Y003", Message: `missing field "mappings" (a list of mapping files)`})
	}
	arc := sub(f, "archive")
	p.ArchiveDir = arc.Required("dir")
	p.ArchiveEncryptTo = arc.Strs("encrypt_to")
	p.ArchiveClearReason = arc.Str("unencrypted_reason")
	for _, r := range p.ArchiveEncryptTo {
		if _, err := age.ParseX25519Recipient(r.Value); err != nil {
			ds = append(ds, mappings.Diagnostic{Pos: r.Pos, Code: "P035", Message: "archive.encrypt_to: not an age recipient (age1… public key)"})
		}
	}
	if len(p.ArchiveEncryptTo) > 0 && p.ArchiveClearReason.IsSet() {
		ds = append(ds, mappings.Diagnostic{Pos: p.ArchiveClearReason.Pos, Code: "P036", Message: "archive: encrypt_to and unencrypted_reason exclude each other"})
	}
	arc.Done()
	if f.Node("run") != nil {
		run := sub(f, "run")
		p.BatchSize = run.Int("batch_size", 0)
		if js := run.Str("jobs"); js.IsSet() {
			// Text that is no number is Y001's; it counts as 1 here.
			p.Jobs = run.Int("jobs", 1)
			if p.Jobs < 1 || p.Jobs > maxJobs {
				ds = append(ds, mappings.Diagnostic{Pos: js.Pos, Code: "P071", Message: fmt.Sprintf("run.jobs must be a whole number from 1 to %d", maxJobs)})
			}
		}
		if st := run.Str("stall_timeout"); st.IsSet() {
			d, err := ParseStallTimeout(st.Value)
			if err != nil {
				ds = append(ds, mappings.Diagnostic{Pos: st.Pos, Code: "P072", Message: "run.stall_timeout: " + err.Error()})
			}
			p.StallTimeout = d
		}
		if rd := run.Str("reference_date"); rd.IsSet() {
			t, err := time.Parse(time.DateOnly, rd.Value)
			if err != nil {
				ds = append(ds, mappings.Diagnostic{Pos: rd.Pos, Code: "P005", Message: "reference_date must be a date, YYYY-MM-DD"})
			}
			p.ReferenceDate = t
		}
		run.Done()
	}
	if f.Node("pseudonymisation") != nil {
		ps := sub(f, "pseudonymisation")
		p.KeyFile, p.KeyEnv = ps.Str("key_file"), ps.Str("key_env")
		if p.KeyFile.IsSet() == p.KeyEnv.IsSet() {
			ds = append(ds, mappings.Diagnostic{Pos: ps.Pos(), Code: "P006", Message: "pseudonymisation needs exactly one of key_file or key_env"})
		}
		if p.KeyEnv.IsSet() && !connectors.EnvNameLike(p.KeyEnv.Value) {
			// Not echoed: it may be the key itself.
			ds = append(ds, mappings.Diagnostic{Pos: p.KeyEnv.Pos, Code: "P006", Message: "key_env names no environment variable (letters, digits and _, such as REGFLYTT_PSEUDONYM_KEY; the value is not shown, in case it is the key): name the variable that holds the key, never the key"})
		}
		ps.Done()
	}
	if f.Node("optout") != nil {
		p.OptOutTable, p.OptOutColumn, p.OptOutFile, p.OptOutUnmatched, p.OptOutNone = readList(f, "optout")
	} else {
		ds = append(ds, mappings.Diagnostic{Pos: f.Pos(), Code: "P012", Severity: mappings.Warning, Message: NoOptOutListWarning})
	}
	if f.Node("erasure") != nil {
		var none mappings.Str
		p.ErasureTable, p.ErasureColumn, p.ErasureFile, p.ErasureUnmatched, none = readList(f, "erasure")
		if none.IsSet() {
			ds = append(ds, mappings.Diagnostic{Pos: none.Pos, Code: "P007", Message: "erasure: none: is for opt-out lists only; leave erasure: out when no patient demanded erasure"})
		}
	}
	keys, vals := f.Pairs("unmapped_tables")
	for i, k := range keys {
		if p.UnmappedTables == nil {
			p.UnmappedTables = map[string]mappings.Str{}
		}
		reason := mappings.Str{Value: vals[i].Value, Pos: mappings.PosOf(path, vals[i])}
		if vals[i].Kind != yaml.ScalarNode || strings.TrimSpace(vals[i].Value) == "" {
			ds = append(ds, mappings.Diagnostic{Pos: reason.Pos, Code: "P010", Message: "unmapped_tables." + k.Value + " needs the reason the table holds no patient's data"})
		}
		p.UnmappedTables[k.Value] = reason
	}
	p.readTemplate(f)
	p.Verification = readVerification(f)
	allow := f.Str("allow_outside")
	p.AllowOutside = f.Bool("allow_outside")
	f.Done()
	ds = append(ds, p.checkPaths(allow)...)
	if p.BatchSize < 0 || p.BatchSize > 1_000_000 {
		ds = append(ds, mappings.Diagnostic{Pos: f.Pos(), Code: "P002", Message: "run.batch_size must be between 1 and 1000000"})
	}
	for _, u := range []mappings.Str{p.SourceURL, p.TargetURL} {
		if d, ok := checkURL(u); !ok {
			ds = append(ds, d)
		}
	}
	return p, ds
}

// ParseStallTimeout reads a stall limit: a duration of at least a second
// ("90s", "10m", "1h30m"), or "0"/"none" for no limit.
func ParseStallTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "none" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("%q is not a duration of at least a second (such as 90s, 10m or 1h), nor 0 or none for no limit", s)
	}
	return d, nil
}

// hasOptOutList reports whether the plan names an opt-out list to read.
func (p *Plan) hasOptOutList() bool { return p.OptOutTable.IsSet() || p.OptOutFile.IsSet() }

// NoOptOutListWarning is what plan check (P012) and a run say of a plan
// that names no opt-out list and no reason for having none.
const NoOptOutListWarning = "the plan names no opt-out list: no patient's records are excluded for an opt-out; name the list (optout: {table:, column:} or {file:}), or say why the register has none (optout: {none: reason})"

// readList reads an exclusion list (optout:, erasure:): a source table
// and column, or a file, or both, and what the plan acknowledges of
// entries that match nobody; or none:, the reason there is no list.
func readList(f *mappings.Fields, key string) (table, column, file mappings.Str, ack Acknowledgement, none mappings.Str) {
	oo := sub(f, key)
	table, column, file = oo.Str("table"), oo.Str("column"), oo.Str("file")
	if none = oo.Str("none"); none.IsSet() {
		if strings.TrimSpace(none.Value) == "" {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: none.Pos, Code: "P007", Message: key + ": none: needs the reason the register has no such list"})
		}
		if table.IsSet() || column.IsSet() || file.IsSet() || oo.Node("unmatched") != nil {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: none.Pos, Code: "P007", Message: key + ": none: says there is no list, so it takes no table, column, file or unmatched"})
		}
		oo.Done()
		return table, column, file, ack, none
	}
	if table.IsSet() != column.IsSet() {
		*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: oo.Pos(), Code: "P007", Message: key + ": a table needs the column holding the identity number (table: and column:)"})
	}
	for _, s := range []mappings.Str{table, column, file} {
		if s.IsSet() && strings.TrimSpace(s.Value) == "" {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: s.Pos, Code: "P007", Message: key + ": an empty name: give the table and column, or the file, that lists the patients"})
		}
	}
	if !table.IsSet() && !file.IsSet() {
		*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: oo.Pos(), Code: "P007", Message: key + " needs a table (with column) or a file"})
	}
	if n := oo.Node("unmatched"); n != nil {
		u := mappings.ReadFields(f.File(), n, f.Diags(), key+".unmatched")
		ack.Pos = u.Pos()
		ack.Count = int64(u.Int("acknowledged", 0))
		ack.Reason = u.Required("reason")
		if ack.Count < 1 {
			*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: u.Pos(), Code: "P009", Message: key + ".unmatched needs acknowledged: N, the number of entries that match no source person (1 or more)"})
		}
		u.Done()
	}
	oo.Done()
	return table, column, file, ack, none
}

// sub reads a nested mapping; a missing one is reported once, as missing.
func sub(f *mappings.Fields, key string) *mappings.Fields {
	n := f.Node(key)
	if n == nil {
		*f.Diags() = append(*f.Diags(), mappings.Diagnostic{Pos: f.Pos(), Code: "Y003", Message: fmt.Sprintf("missing field %q", key)})
		var none mappings.Diagnostics
		return mappings.ReadFields(f.File(), n, &none, key)
	}
	return mappings.ReadFields(f.File(), n, f.Diags(), key)
}

// checkURL refuses a password written into a plan: plans are reviewed,
// mailed and committed, so a secret belongs in an environment variable.
func checkURL(u mappings.Str) (mappings.Diagnostic, bool) {
	if !u.IsSet() || strings.HasPrefix(u.Value, connectors.EnvPrefix) {
		return mappings.Diagnostic{}, true
	}
	loc, err := connectors.ParseLocation(u.Value)
	if err != nil {
		return mappings.Diagnostic{Pos: u.Pos, Code: "P003", Message: err.Error()}, false
	}
	if loc.Password() != "" {
		return mappings.Diagnostic{Pos: u.Pos, Code: "P004", Message: fmt.Sprintf("the URL %s holds a password: put the URL in an environment variable and write url: env:NAME", loc)}, false
	}
	return mappings.Diagnostic{}, true
}

// checkPaths refuses the plan's paths that leave their directory, unless
// the plan allows it; a plan that allows it but needs it nowhere is told
// so, as a warning, so the permission does not outlive its reason.
func (p *Plan) checkPaths(allow mappings.Str) mappings.Diagnostics {
	var ds mappings.Diagnostics
	type named struct {
		what string
		s    mappings.Str
		base string
	}
	const planDir, workDir = "the plan's directory", "the work directory"
	paths := []named{{"the receiving schema", p.TargetSchema, planDir}}
	for _, m := range p.Mappings {
		paths = append(paths, named{"a mapping file", m, planDir})
	}
	paths = append(paths,
		named{"the pseudonymisation key file", p.KeyFile, planDir},
		named{"the opt-out file", p.OptOutFile, planDir},
		named{"the erasure file", p.ErasureFile, planDir},
		named{"the archive directory", p.ArchiveDir, workDir})
	outside := false
	for _, x := range paths {
		if !x.s.IsSet() || x.s.Value == "" || !leaves(x.s.Value) {
			continue
		}
		outside = true
		if p.AllowOutside {
			continue
		}
		how := "leaves " + x.base + " (..)"
		if filepath.IsAbs(x.s.Value) {
			how = "is absolute"
		}
		ds = append(ds, mappings.Diagnostic{Pos: x.s.Pos, Code: "P008", Message: fmt.Sprintf(
			"the path of %s %s: a plan's paths stay inside %s; move the file there, or say allow_outside: true at the top of the plan if reaching outside is meant", x.what, how, x.base)})
	}
	if p.AllowOutside && !outside {
		ds = append(ds, mappings.Diagnostic{Pos: allow.Pos, Code: "P008", Severity: mappings.Warning,
			Message: "allow_outside: true, but every path stays inside: remove it"})
	}
	return ds
}

// leaves reports whether a path is absolute or climbs out of the
// directory it is relative to.
func leaves(path string) bool {
	if filepath.IsAbs(path) || filepath.VolumeName(path) != "" || strings.HasPrefix(path, "/") || strings.HasPrefix(path, `\`) {
		return true
	}
	clean := filepath.ToSlash(filepath.Clean(path))
	return clean == ".." || strings.HasPrefix(clean, "../")
}

// Path resolves a path named in the plan file against the plan's folder.
func (p *Plan) Path(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(filepath.Dir(p.File), rel)
}

// Inputs are the plan's schema and mapping files, parsed.
type Inputs struct {
	Schema   *mappings.Schema
	Mappings []*mappings.File
}

// LoadInputs parses the receiving schema and every mapping file the plan
// names, reporting all problems of all files together.
func (p *Plan) LoadInputs() (*Inputs, mappings.Diagnostics) {
	var ds mappings.Diagnostics
	in := &Inputs{}
	if p.TargetSchema.IsSet() {
		s, sd := mappings.LoadSchema(p.Path(p.TargetSchema.Value))
		ds = append(ds, sd...)
		in.Schema = s
	}
	for _, m := range p.Mappings {
		f, md := mappings.ParseFile(p.Path(m.Value))
		ds = append(ds, md...)
		if f != nil {
			in.Mappings = append(in.Mappings, f)
		}
	}
	return in, ds
}

// Check loads a plan and the files it names and returns every problem.
// It needs no database: the mappings are compiled against the receiving
// schema and the source as they name it (mappings.NamedSource), so that
// an unknown receiving column, an unknown function, a cast or constant the
// receiving type cannot take, a column or code list given twice, are
// found here and not first by run. map check compares the mappings with a
// live source.
func Check(path string) (*Plan, mappings.Diagnostics) {
	p, ds := Load(path)
	if p == nil {
		return nil, ds
	}
	in, more := p.LoadInputs()
	ds = append(ds, more...)
	ds = append(ds, p.checkListFiles()...)
	// Compiled whenever every file could be read, so that one run of plan
	// check reports the problems of shape and of meaning together.
	if in.Schema != nil && len(in.Mappings) == len(p.Mappings) {
		ds = append(ds, compileWithoutSource(in)...)
		ds = append(ds, p.planNames(in)...)
	}
	ds.Sort()
	return p, ds
}

// compileWithoutSource compiles the mappings against the source they name,
// keeping what does not depend on the source database.
func compileWithoutSource(in *Inputs) mappings.Diagnostics {
	catalog, selects := mappings.NamedSource(in.Mappings)
	_, ds := mappings.LookupsNeeded(in.Mappings)
	_, cds := mappings.Compile(in.Mappings, catalog, in.Schema, &mappings.Env{Selects: selects})
	for _, d := range cds {
		if !mappings.SourceDiagnostic(d) {
			ds = append(ds, d)
		}
	}
	return ds
}
