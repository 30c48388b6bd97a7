package mappings

// ReceivingKeyInjective says whether two distinct source records of this
// program can never give receiving rows with the same primary key: every
// receiving primary-key column is fed from: a column of the source table's
// primary key, untransformed, and together they cover that whole key.
// Then the key is a one-to-one image of a key the source database holds
// unique, and a run need not remember the receiving keys to find
// duplicates (plans/dupkeys.go).
//
// It is false whenever a value could be changed, and so merged with
// another: an expression, constant, code list, cast or conversion,
// default, null_when, open-ended value, a pseudonymised person column, or
// a validation rule or value granularity that can leave a key NULL. A
// form store's receiving key is injective when it copies the entity's
// key: its records are the entities, one each, whatever their value rows
// (a variable, never a column of the entity, is not a key). It is
// false for a select:, a merge, and a record key chosen with
// key: rather than the source's own primary key (nothing checks at run
// time that such a key is unique), or a source key column that may be
// NULL.
func (t *TableProgram) ReceivingKeyInjective() bool {
	if t.Select != "" || t.Merge != nil || t.ValueGranularity ||
		len(t.Target.PrimaryKey) == 0 || len(t.Source.PrimaryKey) == 0 || !sameNames(t.Key, t.Source.PrimaryKey) {
		return false
	}
	keyCols := map[int]bool{}
	for _, i := range t.KeyIndex {
		keyCols[i] = true
	}
	covered := map[int]bool{}
	for _, name := range t.Target.PrimaryKey {
		c := t.columnFor(name)
		// A nullable key column (SQLite lets a declared primary key hold
		// NULL, more than once) is not unique in the source.
		if c == nil || !c.plainCopy() || !keyCols[c.src] || t.Source.Columns[c.src].Nullable {
			return false
		}
		if t.person != nil && t.person.target != nil && t.person.target.Name == name {
			return false
		}
		covered[c.src] = true
	}
	return len(covered) == len(keyCols)
}

func (t *TableProgram) columnFor(target string) *columnProgram {
	for i := range t.cols {
		if t.cols[i].target != nil && t.cols[i].target.Name == target {
			return &t.cols[i]
		}
	}
	return nil
}

// plainCopy says the column's value is its source column's value as read.
func (c *columnProgram) plainCopy() bool {
	return c.src >= 0 && c.expr == nil && !c.hasConst && !c.hasDef && c.codelist == nil && !c.convert &&
		len(c.rules) == 0 && c.nullValues == nil && c.nullExpr == nil && c.openEnded == nil && len(c.reads) <= 1
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, s := range a {
		in[s] = true
	}
	for _, s := range b {
		if !in[s] {
			return false
		}
	}
	return true
}
