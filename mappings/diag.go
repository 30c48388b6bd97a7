package mappings

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Pos is a position in a YAML file.
type Pos struct {
	File         string
	Line, Column int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// PosOf gives the position of a YAML node in file.
func PosOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Column: n.Column}
}

// Severity says whether a diagnostic stops a run.
type Severity int

// Severities.
const (
	Error Severity = iota
	Warning
	// Info is what a check found as the mapping declares it (codes a
	// code list archives on purpose, counted): nothing to fix.
	Info
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Info:
		return "info"
	}
	return "error"
}

// Diagnostic is one problem found in a mapping, schema or plan file, with a
// stable code (listed in Codes) so that scripts and documentation can refer
// to it.
type Diagnostic struct {
	Pos      Pos
	Code     string
	Severity Severity
	Message  string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s %s: %s", d.Pos, d.Severity, d.Code, d.Message)
}

// Diagnostics is a list of problems; as an error it reports all of them,
// one per line, in file order.
type Diagnostics []Diagnostic

// Err returns the list as an error if it holds at least one Error, else nil.
func (ds Diagnostics) Err() error {
	for _, d := range ds {
		if d.Severity == Error {
			ds.Sort()
			return ds
		}
	}
	return nil
}

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders diagnostics by file, line and column.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// add appends an error diagnostic.
func (ds *Diagnostics) add(p Pos, code, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: p, Code: code, Message: fmt.Sprintf(format, args...)})
}

// warn appends a warning.
func (ds *Diagnostics) warn(p Pos, code, format string, args ...any) {
	*ds = append(*ds, Diagnostic{Pos: p, Code: code, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// Codes lists every diagnostic code with what it means, for map doc and
// the README.
var Codes = map[string]string{
	"Y001": "the file is not valid YAML or does not have the expected shape",
	"Y002": "a field is not known here (a typo?)",
	"Y003": "a required field is missing",
	"Y004": "a key is given twice in one mapping",
	"S001": "a receiving-schema type is not known",
	"S002": "a table or column is declared twice",
	"S003": "a primary-key column is not a column of the table",
	"S004": "an index or foreign key names a column that is not a column of its table, or none",
	"S005": "a foreign key refers to an undeclared table, or not to its primary key or a unique index column for column of the same type",
	"S006": "a column default is not a value of the column's type",
	"S007": "an identity column is not an integer column of the primary key, has a default, or is the table's second",
	"M001": "the source table does not exist in the source database",
	"M002": "the target table is not in the receiving schema",
	"M003": "the source column does not exist",
	"M004": "the target column is not in the receiving schema",
	"M005": "a NOT NULL target column gets no value",
	"M006": "source and target types differ and no cast is given",
	"M007": "the cast cannot convert this source type to this target type",
	"M008": "a target column is mapped twice",
	"M009": "a key column does not exist in the source table",
	"M010": "a source column is neither mapped nor listed under drop",
	"M011": "a source table is read by two mappings (a record needs exactly one outcome)",
	"M012": "a receiving table gets no rows from any mapping",
	"M013": "an expression does not compile",
	"M014": "a validation rule is malformed",
	"M015": "a merge column is not a column of the receiving table",
	"M016": "two merged sources have the same precedence",
	"M017": "a form store cannot be a merged source (yet)",
	"M018": "a lookup is undeclared, declared twice differently, or names an unknown column",
	"M019": "a form-store mapping reads a variable the source has no value of",
	"M020": "a variable in the source is neither mapped nor dropped (its values will be archived)",
	"M021": "a select: source is not one read-only SELECT, or could not be described",
	"M022": "(a warning) a select compares an instant column (MariaDB TIMESTAMP, PostgreSQL timestamptz) with a wall-clock midnight, which a select, run in UTC, reads as midnight UTC",
	"M030": "null_when does not apply to the column (a constant, or a list for an expression reading several columns)",
	"M040": "a parent link names a table that is not mapped, or a merged source",
	"M041": "parent links form a cycle",
	"M042": "a duplicates rule names an unknown target column, or is not supported for this source",
	"M043": "a source table has a foreign key to a mapped table but its mapping declares no parent",
	"M044": "a parent link's key columns are not in the source table or do not match the parent's key (count or type)",
	"M050": "a table declares no reporting unit while another table does",
	"M051": "the reporting unit column reaches no receiving column (not mapped, or dropped)",
	"M052": "the column carrying the reporting unit has null_when or default",
	"M053": "unit: {parent: true} without a parent:, or under a parent that belongs to no unit",
	"M054": "a unit translation (unit: {translate: list}) names no single-version code list, maps a unit to null, has another unmapped: policy than archive, is applied by no receiving column, or tables translate differently",
	"M055": "no_person: is empty or given beside person:",
	"M056": "a unit translation gives two legacy units one receiving unit, or ids differing only in case or trailing spaces (two care providers' records would become one's)",
	"M057": "a form store's reporting unit column is not a column of its entities table (a form variable)",
	"M060": "a second access: section: one plan has one",
	"M061": "the access: section's care unit table or a legacy grant table is read by no mapping",
	"M062": "a receiving grant table, or one of its columns, is not in the receiving schema",
	"M063": "receiving grants can reach units by region, but the care units' regions (access: units: region:) reach no receiving table beside their units, so the access proof cannot read which units a regional grant reaches there",
	"M064": "a legacy grant table is mapped into a receiving table that access: receiving: grants: does not list (the access proof would not read the grants carried there)",
	"M065": "unit: derived: names a column that is not mapped from the unit column through a code list or expression (or applies the unit's translation), or is given without column:",
	"M066": "an access: accounts: entry says nothing of which accounts are enabled nor of their login identity, lists enabled: values without active:, names a table or column the source or the receiving schema does not have, or names login: columns on one side only, twice, or not as many on both",
	"M067": "(warning) access: legacy: names no accounts: (or one naming only the login identity), but the table its grants hang from, or the accounts table, has a column whose name says an account may be disabled (aktiv, spärrad, locked …): the access proof reads every account as enabled",
	"C001": "a code list's unmapped policy is malformed",
	"C002": "a code or a code list is defined twice",
	"C003": "a column names a code list that does not exist",
	"C004": "a code-list version cannot be resolved",
	"C005": "a code list maps to a code the target column cannot hold",
	"C006": "the source holds a code the code list does not map",
	"C007": "the source holds codes the code list archives on purpose (info, with counts)",
	"M080": "an order_by column is not in the source table, is named twice, is of a type it cannot order by (float, bytes, boolean), or carries a direction (order_by is ascending)",
	"M081": "order_by is given for a source it cannot order (a form store, a select:)",
	"M082": "an order_by column may be NULL: a run stops at a record without a value in it (warning)",
	"M083": "an order_by column is NULL in records of the source (map check counts them): a run would stop at the first",
	"M084": "choice: on a column whose value is no choice (no coalesce(…), ?? or condition with a branch reading a column), or without its reason",
	"M085": "partial_date(…) of a source value whose precision no column keeps (partial_date_precision of the same value)",
	"M087": "(warning) a merge column is fed from text whose collation takes spellings for one key that folding cannot tell apart (MariaDB's utf8mb4_general_ci: 'ß' for 's'): a run stops at a record whose key holds such text",
	"M086": "(warning) a receiving column writes an identity number (what a person: reads, a column given to pnr(), pnr_kind() or pseudonym(), or named as one: personnummer, pat_pnr) in clear (a copy, pnr(…), any expression but pseudonym()) while the mappings pseudonymise identity numbers elsewhere",
	"M088": "(warning) a table reads its identity number (person:, or pnr(), pnr_kind(), pseudonym() without born_by) against the reference date alone while it has a date column named as the person's birth date (fodd, fodelsedatum, fodelsedag, birth_date, born, dob, date_of_birth): a 10-digit number of a patient born 1912 (121212-1212) gets the pseudonym of one born 2012; give it as born_by, pseudonym(personnr, fodd)",
	"M089": "eav: latest_by names no column of the values table, one that is not an integer, decimal, date or timestamp column (text orders by a collation, a float, bytes or a boolean by none a correction is dated by), or the entity, attribute or value column",
	"M090": "a mapping's key: repeats values or holds NULLs in the source (map check and run count them): a run stopped and resumed there would skip records",
	"M091": "an expression reads reference_date, always the plan's run.reference_date, where its table has a column so named (read it as col(\"reference_date\"))",
	"M092": "a child that takes its parent's unit (unit: {parent: true}) makes a receiving unit column the run cannot hold to that unit: the parent's unit column made from no or several source columns, or another column made from the legacy unit column",
	"M071": "a definition (define:) is malformed, named like a function, given twice, or reads a name that is not its parameter",
	"M070": "a reason code the mapping names is not snake_case or takes a built-in reason's name",
	"T001": "a test case of the mapping (tests:) is malformed",
	"P001": "the plan format version is not known",
	"P002": "run.batch_size is out of range",
	"P003": "a connection URL is malformed",
	"P004": "a plan holds a password in a URL",
	"P005": "run.reference_date is not a date",
	"P006": "pseudonymisation needs exactly one of key_file or key_env, and key_env names a variable (never the key)",
	"P007": "optout or erasure is incomplete",
	"P008": "a path in the plan leaves its directory (or is absolute) without allow_outside: true",
	"P009": "an acknowledgement of unmatched opt-out or erasure entries gives no count",
	"P010": "a source table no mapping reads is not declared under unmapped_tables with the reason it holds no patient's data",
	"P011": "with an opt-out or erasure list, a mapped table has neither person:, parent: nor no_person:",
	"P012": "the plan names no opt-out list and no reason for having none (warning)",
	"P013": "an opt-out or erasure list file names nobody (empty, only comments, a header or a byte-order mark) or holds an entry that is neither an identity number nor a reserve number (19900101-T123); a warning when plan check cannot read it",
	"P014": "(warning) the plan's access: section grants access but names no login identity of the accounts (accounts: {…, login: hsa_id} on both sides): the access proof compares accounts by id only, and an account given another's HSA-id or user name passes",
	"P020": "the plan names no portfolio file, or it cannot be read",
	"P021": "a field of the strategy's template is missing or empty",
	"P022": "a template date is not a date (YYYY-MM-DD)",
	"P023": "the timeline's milestones (planned or done) are out of order, or the archive review comes before its handover",
	"P024": "the archive owner is not the future CPUA",
	"P025": "an approval is of another version of the plan (the plan or a file it names changed since)",
	"P026": "the future CPUA is not an authority the portfolio lists",
	"P027": "the chosen receiving system is not a chosen receiver in the portfolio",
	"P028": "the current system, the step or the register disagrees with the portfolio",
	"P029": "an RCO is not one the portfolio lists",
	"P030": "a template value is malformed (step, cost, an approval)",
	"P035": "archive.encrypt_to names something that is not an age recipient",
	"P036": "archive: encrypt_to and unencrypted_reason exclude each other",
	"P040": "verification: a share or tolerance is out of range",
	"P041": "verification.acknowledge: a finding is acknowledged without a reason",
	"P042": "verification.control_groups: a group is not a list of receiving columns, or names a table or column the receiving schema does not declare",
	"P043": "verification.source_groups: a group is not a list of source columns or year(<date column>), or names a table the plan does not, or a column its mapping neither maps nor drops",
	"P044": "verification.acknowledge: names no kind of finding, or a subject (table, column, code list, list) the plan does not have: it acknowledges nothing",
	"P071": "run.jobs is not a whole number from 1 to 64",
	"P072": "run.stall_timeout is not a duration of at least a second (or 0, none)",
}
