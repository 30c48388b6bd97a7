package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/plans"

	_ "modernc.org/sqlite" // the driver the fixture is written with
)

// A legacy SQLite file written the way public sample databases are
// (Chinook): prices declared NUMERIC(10,2) but inserted as REAL literals,
// which SQLite's NUMERIC affinity stores as REALs (and 1.0 as the INTEGER
// 1), dates as ISO text in DATETIME columns. It migrates whole, every
// price arriving as the two-decimal number it was written as; a price no
// two-decimal number can be (0.995) is the one record archived.
func TestRunSQLiteAffinityMigratesWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "chinook.db")
	db, err := sql.Open("sqlite", "file:"+srcPath)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		`CREATE TABLE [Invoice] ([InvoiceId] INTEGER NOT NULL, [InvoiceDate] DATETIME NOT NULL, [BillingPostalCode] NVARCHAR(10),
			[Total] NUMERIC(10,2) NOT NULL, CONSTRAINT [PK_Invoice] PRIMARY KEY ([InvoiceId]))`,
		`CREATE TABLE [InvoiceLine] ([InvoiceLineId] INTEGER NOT NULL, [InvoiceId] INTEGER NOT NULL, [UnitPrice] NUMERIC(10,2) NOT NULL,
			[Quantity] INTEGER NOT NULL, CONSTRAINT [PK_InvoiceLine] PRIMARY KEY ([InvoiceLineId]))`,
		`INSERT INTO [Invoice] VALUES (1, '2009-01-01 00:00:00', '70174', 1.98), (2, '2009-01-02 00:00:00', NULL, 3.96),
			(3, '2009-01-03 00:00:00', '2010', 5.94), (4, '2009-01-06 00:00:00', NULL, 8.91), (5, '2009-01-11 00:00:00', NULL, 13.86),
			(6, '2009-01-19 00:00:00', NULL, 0.99), (7, '2013-12-22 00:00:00', NULL, 1.0), (8, '2013-12-22 00:00:00', NULL, 25.86)`,
		`INSERT INTO [InvoiceLine] VALUES (1, 1, 0.99, 1), (2, 1, 0.99, 1), (3, 2, 0.99, 1), (4, 2, 0.99, 1), (5, 2, 1.99, 1),
			(6, 3, 1.99, 3), (7, 5, 0.995, 1)`,
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	var reals int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM InvoiceLine WHERE typeof(UnitPrice) = 'real'").Scan(&reals); err != nil || reals != 7 {
		db.Close()
		t.Fatalf("the fixture stores %d prices as REAL (%v), want all 7: it would not test affinity", reals, err)
	}
	db.Close()

	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: invoice
    primary_key: [invoice_id]
    columns:
      - {name: invoice_id, type: bigint}
      - {name: invoice_date, type: datetime}
      - {name: postal_code, type: varchar(10)}
      - {name: total, type: "decimal(10,2)", not_null: true}
  - name: invoice_line
    primary_key: [invoice_line_id]
    columns:
      - {name: invoice_line_id, type: bigint}
      - {name: invoice_id, type: bigint}
      - {name: unit_price, type: "decimal(10,2)", not_null: true}
      - {name: quantity, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: invoice
    source: Invoice
    columns:
      invoice_id: InvoiceId
      invoice_date: InvoiceDate
      postal_code: BillingPostalCode
      total: Total
  - target: invoice_line
    source: InvoiceLine
    columns:
      invoice_line_id: InvoiceLineId
      invoice_id: InvoiceId
      unit_price: UnitPrice
      quantity: Quantity
`)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	rep, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: tgt, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := ledgerOf(rep, false)
	want := map[string]string{
		"Invoice":     summary(8, 0, 0, nil),
		"InvoiceLine": summary(6, 1, 0, map[string]int64{"wrong_kind": 1}),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ledger %v, want %v", got, want)
	}

	target, err := all.OpenTarget(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	totals := map[int64]string{}
	for _, row := range conformance.ReadAll(t, target, "invoice", connectors.ScanOptions{}) {
		totals[row[0].(int64)] = fmt.Sprint(row[1], " ", row[3])
	}
	wantTotals := map[int64]string{
		1: "2009-01-01 00:00:00 1.98", 2: "2009-01-02 00:00:00 3.96", 3: "2009-01-03 00:00:00 5.94", 4: "2009-01-06 00:00:00 8.91",
		5: "2009-01-11 00:00:00 13.86", 6: "2009-01-19 00:00:00 0.99", 7: "2013-12-22 00:00:00 1.00", 8: "2013-12-22 00:00:00 25.86",
	}
	if fmt.Sprint(totals) != fmt.Sprint(wantTotals) {
		t.Errorf("invoices arrived as %v, want %v", totals, wantTotals)
	}
	var prices []string
	for _, row := range conformance.ReadAll(t, target, "invoice_line", connectors.ScanOptions{}) {
		prices = append(prices, fmt.Sprint(row[2]))
	}
	if fmt.Sprint(prices) != "[0.99 0.99 0.99 0.99 1.99 1.99]" {
		t.Errorf("prices arrived as %v", prices)
	}
}
