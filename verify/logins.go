package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"golang.org/x/text/unicode/norm"
)

// Grants hang from an account id, but a person reaches an account by the
// identity they log in with: an HSA-id on a SITHS card, a user name. A
// migration that keeps every grant on its account id but gives account A
// the identity of account B lets B's holder log in to A's scope, and the
// comparison of grants by account cannot see it. CheckLogins holds each
// account to the login identities it had. Its problems name account ids,
// tables and columns, never an identity: one may be a personal identity
// number (BankID).

// FindingLoginShared names, with the receiving accounts table, the
// acknowledgement of accounts sharing a login identity:
// verification.acknowledge: {login_shared.<table>: reason}.
const FindingLoginShared = "login_shared"

// AccountLogins is what one platform's accounts table says of the
// identities its users log in with.
type AccountLogins struct {
	// Table is the accounts table, Columns its login columns: the i-th of
	// the receiving side is compared with the i-th of the legacy side.
	Table   string
	Columns []string
	// Collations gives, per column, the collation the platform compares
	// it by (connectors.Column.Collation), "" when unknown. Read on the
	// legacy side: one that compares case and accents (connectors.
	// KeyBlindness) held two identities apart by them, and so did the
	// legacy platform's login; an unknown one is taken as blind, as
	// regflytt read every legacy login before.
	Collations []string
	// Of gives, per account id, per column (in Columns' order), the
	// identities its rows hold: none when NULL or empty, more than one
	// only when the table holds the account twice.
	Of map[string][][]string
}

// identity is the text an identity is compared by: a CHAR column's
// trailing padding is not part of it.
func identity(s string) string { return strings.TrimRight(s, " ") }

// loginKey is the text two accounts' identities are taken for one login
// by: a platform may match a login case-insensitively, trimmed or in
// either Unicode form, and two accounts reached by one person's login
// must not hide behind a copy that differs only so. The compatibility
// form (NFKC), not NFC alone: MariaDB's utf8mb4_unicode_ci and uca1400
// collations take a full-width "ＳＥ" for "SE" and a no-break space for
// a space.
func loginKey(s string) string { return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s))) }

// CheckLogins compares, for every account both platforms hold, its login
// identities after with those before: each the receiving side gives it
// must be one the legacy side gave it, and one it had must not be gone.
// A changed identity fails naming the legacy account it belonged to,
// when one did; an added or a dropped one fails too (an account nobody
// could log in to becomes reachable; the person who could, cannot). An
// account only the receiving side holds is not compared: its grants have
// no legacy basis and fail as such. But no receiving account may share a
// login identity (loginKey) with another unless the legacy side gave it
// that identity too: whoever logs in with it reaches either account, and
// which one a platform picks is its own business. Where the legacy login
// column compares case (Collations), two accounts given spellings apart
// only by case or Unicode form had two logins there, and share one now:
// named shared too. A receiving platform
// that already held the same person's account (from another registry)
// shares it as expected: the plan acknowledges that (AcknowledgeShared).
func (c *AccessCheck) CheckLogins(ctx context.Context, legacy, receiving AccountLogins) error {
	if len(legacy.Columns) != len(receiving.Columns) {
		return fmt.Errorf("login identities: %d columns of legacy %s against %d of receiving %s", len(legacy.Columns), legacy.Table, len(receiving.Columns), receiving.Table)
	}
	if len(legacy.Columns) == 0 {
		return nil
	}
	stop := &stopCheck{ctx: ctx}
	// owners gives, per column, the legacy accounts of each identity.
	owners := make([]map[string][]string, len(legacy.Columns))
	for i := range owners {
		owners[i] = map[string][]string{}
	}
	for account, cols := range legacy.Of {
		for i, ids := range cols {
			for _, id := range ids {
				owners[i][identity(id)] = append(owners[i][identity(id)], account)
			}
		}
	}
	accounts := make([]string, 0, len(receiving.Of))
	for a := range receiving.Of {
		if _, ok := legacy.Of[a]; ok {
			accounts = append(accounts, a)
		}
	}
	sort.Strings(accounts)
	changed := map[string]bool{}
	// failed gives, per column, the accounts already failed for it.
	failed := make([]map[string]bool, len(receiving.Columns))
	for i := range failed {
		failed[i] = map[string]bool{}
	}
	for _, a := range accounts {
		if err := stop.every(); err != nil {
			return err
		}
		c.Logins++
		before, after := legacy.Of[a], receiving.Of[a]
		for i := range receiving.Columns {
			if p := loginProblem(a, before[i], after[i], owners[i], legacy.Table+"."+legacy.Columns[i], receiving.Table+"."+receiving.Columns[i]); p != "" {
				changed[a], failed[i][a] = true, true
				c.Problems = append(c.Problems, p)
			}
		}
	}
	c.LoginTable = receiving.Table
	shared := map[string]bool{}
	for i := range receiving.Columns {
		if err := c.sharedLogins(stop, legacy, receiving, i, failed[i], shared); err != nil {
			return err
		}
	}
	// An account changed in one column and sharing in another is named
	// changed: no acknowledgement passes it.
	for a := range changed {
		delete(shared, a)
	}
	if len(changed) > 0 || len(shared) > 0 {
		c.LoginChanged, c.LoginShared = accountList(changed), accountList(shared)
		sort.Strings(c.Problems)
		c.OK = false
	}
	return nil
}

// AcknowledgeShared takes the plan's acknowledgement, with its reason,
// that receiving accounts share login identities (LoginShared): their
// problems no longer fail the check, which passes if nothing else fails
// it. A changed, added or dropped identity (LoginChanged) still fails:
// it gives one account's holder another's login, which no reason makes
// right. Nothing shared, it does nothing, so that a plan's reason never
// stands beside a share that did not occur.
func (c *AccessCheck) AcknowledgeShared(reason string) {
	if len(c.LoginShared) == 0 || reason == "" {
		return
	}
	c.LoginSharedReason = reason
	kept := c.Problems[:0]
	for _, p := range c.Problems {
		if !c.shared[p] {
			kept = append(kept, p)
		}
	}
	c.Problems = kept
	c.OK = len(c.Problems) == 0 && len(c.Widened) == 0 && len(c.Expired) == 0 && len(c.Baseless) == 0 && len(c.LoginChanged) == 0
}

// loginProblem says what is wrong with account a's identities in one
// login column, before (legacy column was) and after (receiving column
// is); "" when nothing is. owners gives the legacy accounts of each
// identity.
func loginProblem(a string, before, after []string, owners map[string][]string, was, is string) string {
	had := map[string]bool{}
	for _, id := range before {
		had[identity(id)] = true
	}
	if len(after) == 0 {
		if len(had) == 0 {
			return ""
		}
		return fmt.Sprintf("account %s: login identity dropped: receiving %s is empty, legacy %s is set: the person who logged in to the account no longer can, and whoever is given the identity later reaches its grants", shownAccount(a), is, was)
	}
	for _, id := range after {
		id = identity(id)
		if had[id] {
			continue
		}
		whose := otherAccounts(a, owners[id])
		if whose != "" {
			whose = "legacy " + whose
		}
		switch {
		case len(had) == 0 && whose != "":
			return fmt.Sprintf("account %s: login identity added: receiving %s holds the %s of %s, where the account had none: whoever logged in to %s reaches account %s's grants", shownAccount(a), is, was, whose, whose, shownAccount(a))
		case len(had) == 0:
			return fmt.Sprintf("account %s: login identity added: receiving %s is set where legacy %s is empty: whoever holds that identity reaches account %s's grants, which nobody could log in to", shownAccount(a), is, was, shownAccount(a))
		case whose != "":
			return fmt.Sprintf("account %s: login identity changed: receiving %s holds the %s of %s, not its own: whoever logged in to %s reaches account %s's grants", shownAccount(a), is, was, whose, whose, shownAccount(a))
		}
		return fmt.Sprintf("account %s: login identity changed: receiving %s differs from legacy %s (and is no legacy account's): whoever holds that identity reaches account %s's grants", shownAccount(a), is, was, shownAccount(a))
	}
	return ""
}

// sharedLogins fails each receiving account that shares login column i's
// identity (by loginKey) with another receiving account although the
// legacy side did not give it that identity, naming it in shared; an
// account already failed for the column (failed) is not named twice. A
// legacy duplicate carried to the same accounts passes, as carried.
func (c *AccessCheck) sharedLogins(stop *stopCheck, legacy, receiving AccountLogins, i int, failed, shared map[string]bool) error {
	holders := map[string][]string{}
	for a, cols := range receiving.Of {
		if err := stop.every(); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, id := range cols[i] {
			k := loginKey(id)
			if k != "" && !seen[k] {
				seen[k] = true
				holders[k] = append(holders[k], a)
			}
		}
	}
	// ids gives legacy account a's identities of key k.
	ids := func(a, k string) []string {
		var out []string
		if cols, ok := legacy.Of[a]; ok {
			for _, id := range cols[i] {
				if loginKey(id) == k {
					out = append(out, id)
				}
			}
		}
		return out
	}
	exact := i < len(legacy.Collations) && legacy.Collations[i] != ""
	if exact {
		exact, _ = connectors.KeyBlindness(legacy.Collations[i])
		exact = !exact
	}
	// apart names the other legacy holders of key k whose identity a
	// legacy column comparing case and accents told apart from each of
	// a's: two logins there, one on a receiving platform blind to case.
	apart := func(a, k string, accounts []string) []string {
		if !exact {
			return nil
		}
		var out []string
		for _, b := range accounts {
			theirs := ids(b, k)
			if b == a || len(theirs) == 0 {
				continue
			}
			same := false
			for _, x := range ids(a, k) {
				for _, y := range theirs {
					same = same || identity(x) == identity(y)
				}
			}
			if !same {
				out = append(out, b)
			}
		}
		return out
	}
	is, was := receiving.Table+"."+receiving.Columns[i], legacy.Table+"."+legacy.Columns[i]
	for k, accounts := range holders {
		if len(accounts) < 2 {
			continue
		}
		sort.Strings(accounts)
		for _, a := range accounts {
			if failed[a] {
				continue
			}
			var p string
			whose := otherAccounts(a, accounts)
			switch split := apart(a, k, accounts); {
			case len(ids(a, k)) == 0:
				p = fmt.Sprintf("account %s: login identity shared: receiving %s holds the identity %s holds there too (alike but for case, padding or Unicode form at most), which legacy %s did not give account %s: whoever logs in with it reaches either account's grants; this blocks the migration until the plan acknowledges %s.%s under verification.acknowledge with the reason (an account the platform already held for the same person)", shownAccount(a), is, whose, was, shownAccount(a), FindingLoginShared, receiving.Table)
			case len(split) > 0:
				// The legacy side gave it the identity, but in a spelling
				// its column, comparing case, held apart from the other
				// account's: one login on a platform blind to case.
				p = fmt.Sprintf("account %s: login identity shared: receiving %s holds the identity %s holds there too, alike but for case or Unicode form; legacy %s, collation %s, compares case and held them apart as two logins: on a receiving platform blind to case whoever logs in with either reaches both accounts' grants; this blocks the migration until the plan acknowledges %s.%s under verification.acknowledge with the reason (the receiving platform matches logins by case)", shownAccount(a), is, otherAccounts(a, split), was, legacy.Collations[i], FindingLoginShared, receiving.Table)
			default:
				continue
			}
			shared[a] = true
			if c.shared == nil {
				c.shared = map[string]bool{}
			}
			c.shared[p] = true
			c.Problems = append(c.Problems, p)
		}
	}
	return nil
}

// otherAccounts names the accounts other than a, sorted, five at most:
// "account 3", "accounts 3, 4", "accounts 1, 2, 3, 4, 5 and 2 more"; ""
// when there are none. A changed and a shared identity name whose it is
// alike.
func otherAccounts(a string, accounts []string) string {
	var others []string
	for _, o := range accounts {
		if o != a {
			others = append(others, shownAccount(o))
		}
	}
	sort.Strings(others)
	switch {
	case len(others) == 0:
		return ""
	case len(others) == 1:
		return "account " + others[0]
	case len(others) > 5:
		return fmt.Sprintf("accounts %s and %d more", joinComma(others[:5]), len(others)-5)
	}
	return "accounts " + joinComma(others)
}
