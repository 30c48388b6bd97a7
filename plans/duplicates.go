package plans

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A table with a duplicates rule is read twice in the run's snapshot.
// The first read applies the mapping and spills, for every record that
// would migrate, its registration (the same: columns of its target row),
// its by value and its source key; the registrations are then read back
// in order and each one's winner decided with memory for one record at a
// time. The second read is the ordinary one: every record is counted as
// it comes, and the losers, met by their position in the read and
// checked by their key, are archived as duplicate_registration.

// dupPage is how many decisions are read from the spill at a time.
const dupPage = 1000

// duplicates holds one program's decisions, consumed during the second
// read.
type duplicates struct {
	l       *links
	tp      *mappings.TableProgram
	losers  string
	winners string
	// seq counts the records of the second read; page holds the next
	// losers in read order.
	seq   int64
	page  []dupLoser
	after int64
	ended bool
	count int64
}

type dupLoser struct {
	seq       int64
	key, kept []byte
}

// dupCandidate is one record of a registration while its winner is
// decided.
type dupCandidate struct {
	seq     int64
	by, key []connectors.Value
	rawKey  []byte
}

// rankDuplicates is the first read of a program with a duplicates rule.
func (w *writer) rankDuplicates(t *connectors.Table) (*duplicates, error) {
	ctx, d := w.ctx, w.tp.Duplicates
	w.r.opts.Progress.Table(t.Name+" (duplicates)", -1)
	defer w.r.opts.Progress.TableDone()
	// Keyed by seq, so that each insert appends: keyed by registration,
	// whose encodings come in no order, every insert went to a random
	// page of a table larger than SQLite's page cache (a page read and a
	// page written each). The registration order comes from an index
	// built once the table is full, by SQLite's external sort.
	cands, err := w.links.create(ctx, "dup_candidates", candidateColumns)
	if err != nil {
		return nil, err
	}
	in := newInserter(w.links.db, cands, []string{"g", "seq", "by", "k"}, "duplicates of "+t.Name)
	// The processing order (order_by, then the key), as the second read:
	// seq numbers the records in it.
	rows, err := w.openRows(t, connectors.ScanOptions{BatchSize: w.r.batch, Key: w.tp.ScanKey})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var seq int64
	for rows.Next() {
		seq++
		row := rows.Row()
		o, err := w.followParent(row, w.tp.Apply(row))
		if err != nil {
			return nil, err
		}
		if o.Kind != mappings.Migrated || o.Row == nil {
			continue
		}
		// A record the receiving database would refuse, or a grant the
		// access rules archive (an expired appointment), is archived in
		// the second read; it must not win over one that migrates.
		if o = w.checkTarget(o); o.Kind != mappings.Migrated {
			continue
		}
		if o, err = w.accessOutcome(t, row, o); err != nil {
			return nil, err
		}
		if o.Kind != mappings.Migrated {
			continue
		}
		same := pick(o.Row, d.SameIndex)
		alone := false
		for _, v := range same {
			alone = alone || v == nil
		}
		if alone {
			continue // a NULL in the same: columns: a registration of its own
		}
		var by []connectors.Value
		if d.ByIndex >= 0 {
			by = []connectors.Value{o.Row[d.ByIndex]}
		}
		g, err1 := connectors.AppendRow(nil, same)
		b, err2 := connectors.AppendRow(nil, by)
		k, err3 := connectors.AppendRow(nil, pick(row, w.tp.KeyIndex))
		for _, err := range []error{err1, err2, err3} {
			if err != nil {
				return nil, fmt.Errorf("duplicates of %s: %w", t.Name, err)
			}
		}
		if err := in.add(ctx, g, seq, b, k); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Name, err)
	}
	if err := in.flush(ctx); err != nil {
		return nil, err
	}
	if _, err := w.links.db.ExecContext(ctx, candidateIndex(cands)); err != nil {
		return nil, fmt.Errorf("duplicates of %s: %w", t.Name, err)
	}
	return w.decideDuplicates(t, cands)
}

// decideDuplicates reads the candidates back one registration at a time
// and writes down every loser and each registration's winner.
func (w *writer) decideDuplicates(t *connectors.Table, cands string) (*duplicates, error) {
	ctx := w.ctx
	dp := &duplicates{l: w.links, tp: w.tp}
	var err error
	if dp.losers, err = w.links.create(ctx, "dup_losers", "seq INTEGER PRIMARY KEY, g BLOB NOT NULL, k BLOB NOT NULL"); err != nil {
		return nil, err
	}
	if dp.winners, err = w.links.create(ctx, "dup_winners", "g BLOB PRIMARY KEY, k BLOB NOT NULL"); err != nil {
		return nil, err
	}
	what := "duplicates of " + t.Name
	losers := newInserter(w.links.db, dp.losers, []string{"seq", "g", "k"}, what)
	winners := newInserter(w.links.db, dp.winners, []string{"g", "k"}, what)
	var group []byte
	var best *dupCandidate
	lost := false
	endGroup := func() error {
		if best != nil && lost {
			return winners.add(ctx, group, best.rawKey)
		}
		return nil
	}
	afterG, afterSeq := []byte{}, int64(0)
	for {
		rows, err := w.links.db.QueryContext(ctx, candidatePage(cands), afterG, afterSeq, dupPage)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		var page []grouped
		for rows.Next() {
			var g, b, k []byte
			var c dupCandidate
			if err := rows.Scan(&g, &c.seq, &b, &k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			if c.by, _, err = connectors.DecodeRow(b); err == nil {
				c.key, _, err = connectors.DecodeRow(k)
			}
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			c.rawKey = k
			page = append(page, grouped{g, c})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if len(page) == 0 {
			break
		}
		// Writes only between pages: the one connection is free then.
		for i := range page {
			p := &page[i]
			if best == nil || !bytes.Equal(p.g, group) {
				if err := endGroup(); err != nil {
					return nil, err
				}
				group, best, lost = p.g, &p.c, false
				continue
			}
			wins, err := better(w.tp.Duplicates, &p.c, best)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
			loser := &p.c
			if wins {
				loser, best = best, &p.c
			}
			lost = true
			if err := losers.add(ctx, loser.seq, group, loser.rawKey); err != nil {
				return nil, err
			}
		}
		last := page[len(page)-1]
		afterG, afterSeq = last.g, last.c.seq
	}
	if err := endGroup(); err != nil {
		return nil, err
	}
	if err := losers.flush(ctx); err != nil {
		return nil, err
	}
	if err := winners.flush(ctx); err != nil {
		return nil, err
	}
	return dp, nil
}

// candidateColumns are the columns of a duplicates rule's candidates:
// keyed by seq, the read order, so that each insert appends.
const candidateColumns = "seq INTEGER PRIMARY KEY, g BLOB NOT NULL, by BLOB NOT NULL, k BLOB NOT NULL"

// candidateIndex orders the candidates by registration, built once they
// are all in, by SQLite's external sort. Covering: the pages of
// decideDuplicates read the index alone.
func candidateIndex(cands string) string {
	return "CREATE INDEX " + cands + "_g ON " + cands + " (g, seq, by, k)"
}

// candidatePage reads the candidates after (g, seq) in registration
// order, a page at a time.
func candidatePage(cands string) string {
	return "SELECT g, seq, by, k FROM " + cands + " WHERE (g, seq) > (?, ?) ORDER BY g, seq LIMIT ?"
}

// grouped is a candidate with its registration.
type grouped struct {
	g []byte
	c dupCandidate
}

// better says whether record a wins over record b of one registration.
// An empty by value never wins, whether the earliest or the latest is
// kept; equal by values go to the lower source key (latest: the higher),
// or, for a table with an order_by, to the record read first (latest: the
// one read last): seq is the position in the processing order, which is
// the server's order of order_by and the key, whatever the collation.
func better(d *mappings.DuplicatesProgram, a, b *dupCandidate) (bool, error) {
	aEmpty, bEmpty := len(a.by) > 0 && a.by[0] == nil, len(b.by) > 0 && b.by[0] == nil
	if aEmpty != bEmpty {
		return bEmpty, nil
	}
	c := 0
	if len(a.by) > 0 && !aEmpty {
		var ok bool
		if c, ok = mappings.Compare(a.by[0], b.by[0]); !ok {
			return false, fmt.Errorf("by values cannot be compared")
		}
	}
	if c == 0 && d.InOrder {
		c = cmp.Compare(a.seq, b.seq)
	}
	for i := 0; c == 0 && i < len(a.key); i++ {
		var ok bool
		if c, ok = mappings.Compare(a.key[i], b.key[i]); !ok {
			return false, fmt.Errorf("source keys cannot be compared")
		}
	}
	if d.Latest {
		c = -c
	}
	return c < 0, nil
}

// decide is called for every record of the second read, in order: a
// loser becomes archived as duplicate_registration, with the key of the
// record kept.
func (dp *duplicates) decide(ctx context.Context, row []connectors.Value, o mappings.Outcome) (mappings.Outcome, error) {
	dp.seq++
	next, err := dp.peek(ctx)
	if err != nil || next == nil || next.seq != dp.seq {
		return o, err
	}
	dp.page = dp.page[1:]
	tp := dp.tp
	k, err := connectors.AppendRow(nil, pick(row, tp.KeyIndex))
	if err != nil {
		return o, fmt.Errorf("duplicates of %s: %w", tp.Source.Name, err)
	}
	if !bytes.Equal(k, next.key) || o.Kind != mappings.Migrated {
		// The snapshot gives the same rows in the same order twice; if
		// it did not, no decision can be trusted.
		return o, fmt.Errorf("duplicates of %s: the second read of the table did not give the records of the first in the same order: the run stops", tp.Source.Name)
	}
	kept, _, err := connectors.DecodeRow(next.kept)
	if err != nil {
		return o, fmt.Errorf("duplicates of %s: %w", tp.Source.Name, err)
	}
	d := tp.Duplicates
	rule := d.Same[0]
	for _, s := range d.Same[1:] {
		rule += ", " + s
	}
	by := "by source key"
	if d.InOrder {
		by = "in the order of " + strings.Join(tp.OrderBy, ", ")
	}
	if d.By != "" {
		by = "by " + d.By
	}
	keep := "earliest"
	if d.Latest {
		keep = "latest"
	}
	dp.count++
	return mappings.Outcome{Kind: mappings.Archived, Reason: mappings.ReasonDuplicateRegistration,
		Detail:   fmt.Sprintf("the same registration (%s) as the record kept, %s (%s %s)", rule, archiveKey(tp.Key, kept), keep, by),
		Warnings: tp.ArchivedWarnings(row, keptWarnings(o, true))}, nil
}

// peek gives the next loser in read order, nil when there is none.
func (dp *duplicates) peek(ctx context.Context) (*dupLoser, error) {
	if len(dp.page) == 0 && !dp.ended {
		rows, err := dp.l.db.QueryContext(ctx, "SELECT l.seq, l.k, w.k FROM "+dp.losers+" l JOIN "+dp.winners+" w ON w.g = l.g WHERE l.seq > ? ORDER BY l.seq LIMIT ?", dp.after, dupPage)
		if err != nil {
			return nil, fmt.Errorf("duplicates of %s: %w", dp.tp.Source.Name, err)
		}
		defer rows.Close()
		for rows.Next() {
			var l dupLoser
			if err := rows.Scan(&l.seq, &l.key, &l.kept); err != nil {
				return nil, fmt.Errorf("duplicates of %s: %w", dp.tp.Source.Name, err)
			}
			dp.page = append(dp.page, l)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("duplicates of %s: %w", dp.tp.Source.Name, err)
		}
		if len(dp.page) == 0 {
			dp.ended = true
		} else {
			dp.after = dp.page[len(dp.page)-1].seq
		}
	}
	if len(dp.page) == 0 {
		return nil, nil
	}
	return &dp.page[0], nil
}

// finish checks that the second read met every loser.
func (dp *duplicates) finish(ctx context.Context) error {
	next, err := dp.peek(ctx)
	if err != nil {
		return err
	}
	if next != nil {
		return fmt.Errorf("duplicates of %s: the second read of the table ended before a record the first read had: the source changed under its snapshot", dp.tp.Source.Name)
	}
	return nil
}

// moveTable moves a program's table: read twice when it has a duplicates
// rule (first to decide, then to move), once otherwise.
func (w *writer) moveTable() error {
	if w.tp.Duplicates == nil {
		return w.table(w.tp.Source)
	}
	var err error
	if w.dups, err = w.rankDuplicates(w.tp.Source); err != nil {
		return err
	}
	if err := w.table(w.tp.Source); err != nil {
		return err
	}
	return w.dups.finish(w.ctx)
}
