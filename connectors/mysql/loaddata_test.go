package mysql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// Write loads batches with LOAD DATA LOCAL INFILE (so the conformance
// suite's round trips and edges go that way), and a value the server
// would change on the way is refused, not stored changed: LOCAL turns
// strict mode's errors into warnings and a rounded decimal is only a
// note, so the load's warnings are checked. Here WriteChecked hands over
// a decimal with one digit too many for its column (the caller vouched
// for it wrongly), which a bare LOAD DATA, or INSERT, would store as 1.3.
func TestWriteLoadsAndRefusesWhatTheServerWouldChange(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := connectors.Table{Name: "l", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
		{Name: "u", Type: connectors.Type{Kind: connectors.KindUUID}, Nullable: true},
		{Name: "s", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	before := mysql.Loads(tgt)
	good := [][]connectors.Value{
		{int64(1), connectors.Decimal("1.2"), connectors.UUID{0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}, "NULL"},
		{int64(2), nil, nil, "tab\there, new\nline, 'quote' \\ and \x1a"},
	}
	if n, err := tx.Write(ctx, &tbl, good); err != nil || n != 2 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if mysql.Loads(tgt) != before+1 {
		t.Fatal("the batch was not loaded with LOAD DATA")
	}
	bad := [][]connectors.Value{{int64(3), connectors.Decimal("1.25"), nil, nil}}
	_, err = connectors.WriteChecked(ctx, tx, &tbl, bad)
	if err == nil || !strings.Contains(err.Error(), "1265") || strings.Contains(err.Error(), "1.25") {
		t.Fatalf("a decimal the server would round: got %v, want a refusal naming warning 1265 without the value", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := conformance.ReadAll(t, tgt, "l", connectors.ScanOptions{})
	if len(got) != 2 {
		t.Fatalf("read %d rows, want the 2 of the first batch", len(got))
	}
	for i, row := range good {
		for j, want := range row {
			if !conformance.Equal(got[i][j], want) {
				t.Errorf("row %d column %s: read %v, wrote %v", i, tbl.Columns[j].Name, got[i][j], want)
			}
		}
	}
}

// A load's warning count is the one the server's answer to the load
// carries, read where the connection's session allows it: no SELECT
// @@warning_count after a load. Read so or through the driver
// (REGFLYTT_MYSQL_READER=driver, which asks), a decimal the server rounds
// (a note), a text it truncates and a key it finds twice (warnings)
// still refuse the batch, naming the code, and nothing of it is kept.
func TestWriteLoadTakesWarningsFromTheServersAnswer(t *testing.T) {
	for _, reader := range []string{"wire", "driver"} {
		t.Run(reader, func(t *testing.T) {
			if reader == "driver" {
				t.Setenv("REGFLYTT_MYSQL_READER", "driver")
			}
			ctx := context.Background()
			url := mytest.NewDatabase(t)
			mytest.Exec(t, url, "CREATE TABLE w (id bigint NOT NULL PRIMARY KEY, d decimal(5,1), s varchar(3), l longtext) ENGINE=InnoDB")
			tgt := openTarget(t, url)
			tbl := connectors.Table{Name: "w", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
				{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
				{Name: "s", Type: connectors.Type{Kind: connectors.KindText, Length: 3}, Nullable: true},
				{Name: "l", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
			}}
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			before := mysql.Loads(tgt)
			// 3 MB: the file goes in several packets.
			var good [][]connectors.Value
			for i := range 3000 {
				good = append(good, []connectors.Value{int64(i), connectors.Decimal("1.2"), strings.Repeat("å", 3), strings.Repeat("x\t\n'", 250)})
			}
			if n, err := tx.Write(ctx, &tbl, good); err != nil || n != int64(len(good)) {
				t.Fatalf("Write = %d, %v", n, err)
			}
			for _, bad := range []struct {
				what, code string
				row        []connectors.Value
			}{
				{"a decimal the server rounds", "1265", []connectors.Value{int64(5000), connectors.Decimal("1.25"), nil, nil}},
				{"a text the server truncates", "1265", []connectors.Value{int64(5001), nil, "abcd", nil}},
				{"a key written twice", "1062", []connectors.Value{int64(7), nil, nil, nil}},
			} {
				_, err := connectors.WriteChecked(ctx, tx, &tbl, [][]connectors.Value{{int64(4999), nil, nil, nil}, bad.row})
				if err == nil || !strings.Contains(err.Error(), bad.code) {
					t.Errorf("%s: got %v, want a refusal naming %s", bad.what, err, bad.code)
				}
			}
			if mysql.Loads(tgt) != before+1 {
				t.Fatalf("%d batches loaded with LOAD DATA, want 1", mysql.Loads(tgt)-before)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			var rows, long int
			var sum string
			if err := mytest.Open(t, url).QueryRow("SELECT COUNT(*), SUM(d), SUM(l = ?) FROM w", good[0][3]).Scan(&rows, &sum, &long); err != nil {
				t.Fatal(err)
			}
			if rows != len(good) || sum != "3600.0" || long != len(good) {
				t.Errorf("the table holds %d rows summing to %s, %d of them with the long text, want the %d of the first batch (3600.0)", rows, sum, long, len(good))
			}
			asked := mysql.WriteWarningQueries(tgt)
			if reader == "wire" && asked != 0 {
				t.Errorf("%d loads asked for @@warning_count with a query of their own, want 0", asked)
			}
			if reader == "driver" && asked != 4 {
				t.Errorf("%d loads through the driver asked for @@warning_count, want all 4", asked)
			}
		})
	}
}

// A load whose context ends while the server holds it (here waiting for
// a row lock another session holds) stops with the context's error, and
// so does the transaction, whose connection the pool then drops; a new
// transaction writes. Read on the wire, the load's connection is out of
// step once interrupted: had it been handed back as bad while the
// transaction held it, database/sql would have waited for the
// transaction to end before closing it, and the write waited for ever.
func TestWriteLoadCancelledWhileTheServerWaits(t *testing.T) {
	for _, reader := range []string{"wire", "driver"} {
		t.Run(reader, func(t *testing.T) {
			if reader == "driver" {
				t.Setenv("REGFLYTT_MYSQL_READER", "driver")
			}
			url := mytest.NewDatabase(t)
			mytest.Exec(t, url, "CREATE TABLE c (id bigint NOT NULL PRIMARY KEY) ENGINE=InnoDB")
			holder, err := mytest.Open(t, url).Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Rollback()
			if _, err := holder.Exec("INSERT INTO c VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			tgt := openTarget(t, url)
			tbl := connectors.Table{Name: "c", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
			}}
			tx, err := tgt.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1)}})
				tx.Rollback()
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a load cancelled while the server waits: %v, want the context's error", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the load and its rollback still wait 20 s after the load's context ended")
			}
			holder.Rollback()
			tx, err = tgt.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Write(context.Background(), &tbl, [][]connectors.Value{{int64(1)}}); err != nil {
				t.Fatalf("a write after the cancelled one: %v", err)
			}
		})
	}
}

// Where the server refuses LOCAL INFILE, writes are INSERTs, and their
// warnings are checked too: strict mode rounds a decimal to its column's
// scale with only a note.
func TestInsertRefusesWhatTheServerWouldChange(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	mysql.DisableLoad(tgt)
	tbl := connectors.Table{Name: "i", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	before := mysql.Loads(tgt)
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), connectors.Decimal("1.2")}}); err != nil {
		t.Fatal(err)
	}
	_, err = connectors.WriteChecked(ctx, tx, &tbl, [][]connectors.Value{{int64(2), connectors.Decimal("1.25")}})
	if err == nil || !strings.Contains(err.Error(), "1265") || strings.Contains(err.Error(), "1.25") {
		t.Fatalf("a decimal the server would round: got %v, want a refusal naming warning 1265 without the value", err)
	}
	if mysql.Loads(tgt) != before {
		t.Fatal("loaded with LOAD DATA after it was disabled")
	}
}

// The warnings checked after every load and INSERT count notes only where
// sql_notes is on, and a rounded decimal is a note: on a server whose
// global sql_notes is off (every new session takes it), the decimal
// WriteChecked was wrongly handed was stored as 1.3 with no error. So it
// was with MariaDB's note_verbosity without basic (10.6.16 and 10.11.6
// on): the server then gives no note at all. A write transaction turns
// notes on for its session.
func TestWriteCountsNotesWhateverTheSession(t *testing.T) {
	for _, c := range []struct{ path, session string }{
		{"load", "sql_notes = 0"},
		{"insert", "sql_notes = 0"},
		{"load", "note_verbosity = ''"},
		{"insert", "note_verbosity = ''"},
		{"load", "note_verbosity = 'explain', sql_notes = 0"},
	} {
		insert := c.path == "insert"
		t.Run(c.path+"/"+c.session, func(t *testing.T) {
			ctx := context.Background()
			url := mytest.NewDatabase(t)
			tgt := openTarget(t, url)
			if insert {
				mysql.DisableLoad(tgt)
			}
			tbl := connectors.Table{Name: "n", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
				{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
			}}
			if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
				t.Fatal(err)
			}
			// Every session the pool opens is as the server's default makes it.
			if err := mysql.ExecOnOnlyConnection(ctx, tgt, "SET SESSION "+c.session); err != nil {
				t.Fatal(err)
			}
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = connectors.WriteChecked(ctx, tx, &tbl, [][]connectors.Value{{int64(1), connectors.Decimal("1.25")}})
			if err == nil {
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				var d string
				if err := mytest.Open(t, url).QueryRow("SELECT d FROM n").Scan(&d); err != nil {
					t.Fatal(err)
				}
				t.Fatalf("a decimal the server rounds to %s was written without an error", d)
			}
			tx.Rollback()
			if !strings.Contains(err.Error(), "1265") {
				t.Errorf("got %v, want a refusal naming note 1265", err)
			}
		})
	}
}

// A server without note_verbosity (MySQL, MariaDB before 10.6.16)
// refuses a query that names it (error 1193): the first write
// transaction finds that out, and it and the later ones write and check
// as before, without asking for it again.
func TestWriteWithoutNoteVerbosity(t *testing.T) {
	asked, restore := mysql.WithoutNoteVerbosity()
	defer restore()
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := connectors.Table{Name: "n", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			t.Fatalf("begin %d: %v", i, err)
		}
		if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(i), connectors.Decimal("1.2")}}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		_, err = connectors.WriteChecked(ctx, tx, &tbl, [][]connectors.Value{{int64(10 + i), connectors.Decimal("1.25")}})
		if err == nil || !strings.Contains(err.Error(), "1265") {
			t.Errorf("write %d: a decimal the server rounds: got %v, want a refusal naming note 1265", i, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if asked(tgt) {
		t.Error("write transactions still ask for a variable the server does not have")
	}
}

// A foreign key of a receiving table that exists (one the schema
// declares, so the run does not refuse the table) is checked as each row
// is written only with foreign_key_checks on: on a server whose global
// default is off, a visit of no unit was loaded under a foreign key that
// says there is none. A write transaction turns the checks on for its
// session.
func TestWriteChecksForeignKeysWhateverTheSession(t *testing.T) {
	ctx := context.Background()
	url := mytest.NewDatabase(t)
	mytest.Exec(t, url,
		"CREATE TABLE enhet (id bigint NOT NULL PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE besok (id bigint NOT NULL PRIMARY KEY, enhet_id bigint, CONSTRAINT fk_enhet FOREIGN KEY (enhet_id) REFERENCES enhet (id)) ENGINE=InnoDB",
		"INSERT INTO enhet VALUES (7)")
	tgt := openTarget(t, url)
	tbl := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "enhet_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: true},
	}}
	if err := mysql.ExecOnOnlyConnection(ctx, tgt, "SET SESSION foreign_key_checks = 0"); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	_, err = tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), int64(7)}, {int64(2), int64(99)}})
	if err == nil {
		t.Fatal("a row breaking the table's foreign key was written without an error")
	}
	if !strings.Contains(err.Error(), "1452") {
		t.Errorf("got %v, want a refusal naming 1452", err)
	}
}
