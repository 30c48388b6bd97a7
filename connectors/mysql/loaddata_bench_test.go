package mysql_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// BenchmarkLoadData measures LOAD DATA LOCAL INFILE from a stream (the
// driver's RegisterReaderHandler) on BenchmarkWrite's rows and batches, to
// compare with the multi-row INSERTs Write sends:
//
//	go test ./connectors/mysql/ -run '^$' -bench 'Benchmark(Write|LoadData)$' -benchtime 3x
//
// The fields are the connector's SQL literals enclosed in quotes, which
// LOAD DATA reads with the same backslash escapes: a measurement of the
// path, not a writer (a writer would need the conformance suite, and a
// check of the warnings, since LOCAL turns strict-mode errors into
// warnings).
func BenchmarkLoadData(b *testing.B) {
	dbURL := mytest.NewDatabase(b)
	tgt := openTarget(b, dbURL)
	db := mytest.Open(b, dbURL)
	rows := benchData()
	ctx := context.Background()
	b.ReportAllocs()
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tbl := benchTable(fmt.Sprintf("l%d", i))
		if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for s := 0; s < len(rows); s += benchBatch {
			loadBatch(b, db, &tbl, rows[s:min(s+benchBatch, len(rows))], fmt.Sprintf("regflytt_%d_%d", i, s))
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
}

func loadBatch(b *testing.B, db *sql.DB, t *connectors.Table, rows [][]connectors.Value, name string) {
	var buf bytes.Buffer
	var lit []byte
	for _, row := range rows {
		for j, v := range row {
			if j > 0 {
				buf.WriteByte('\t')
			}
			var err error
			lit, err = mysql.AppendLiteral(lit[:0], v, &t.Columns[j])
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(bytes.TrimPrefix(lit, []byte("_binary")))
		}
		buf.WriteByte('\n')
	}
	gomysql.RegisterReaderHandler(name, func() io.Reader { return &buf })
	defer gomysql.DeregisterReaderHandler(name)
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	q := "LOAD DATA LOCAL INFILE 'Reader::" + name + "' INTO TABLE `" + t.Name + "` CHARACTER SET utf8mb4 " +
		"FIELDS TERMINATED BY '\\t' OPTIONALLY ENCLOSED BY '''' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'"
	if _, err := tx.Exec(q); err != nil {
		tx.Rollback()
		b.Fatal(err)
	}
	var warnings int
	if err := tx.QueryRow("SELECT @@warning_count").Scan(&warnings); err != nil || warnings != 0 {
		tx.Rollback()
		b.Fatalf("LOAD DATA: %d warnings, %v", warnings, err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
