package synth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Dump writes a canonical text dump of every table a source holds, read
// back through the source's own connector in one snapshot: the tables in
// name order, each as a header line with its column names, then its rows
// in key order, one line each, the values' text forms
// (connectors.FormatValue) separated by tabs, \N for NULL.
//
// The dump compares what two databases hold, not how they declare it: a
// value is its text, whatever its kind. That is deliberate. A platform on
// PostgreSQL keeps zero-date columns as text (see the postgres legacy
// writer), so its dates are strings where MariaDB's are dates; their text
// is the same, and so is the dump. Row counts come back per table.
func Dump(ctx context.Context, src connectors.Source, w io.Writer) (map[string]int64, error) {
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	bw := bufio.NewWriterSize(w, 64<<10)
	counts := map[string]int64{}
	for i := range tables {
		t := &tables[i]
		if len(t.PrimaryKey) == 0 {
			return nil, fmt.Errorf("dump: table %s has no primary key to order its rows by", t.Name)
		}
		names := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			names[j] = c.Name
		}
		fmt.Fprintf(bw, "table %s\t%s\n", t.Name, strings.Join(names, "\t"))
		rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", t.Name, err)
		}
		n := int64(0)
		for rows.Next() {
			for j, v := range rows.Row() {
				if j > 0 {
					bw.WriteByte('\t')
				}
				s, ok := connectors.FormatValue(v)
				if !ok {
					bw.WriteString(`\N`)
					continue
				}
				bw.WriteString(dumpEscaper.Replace(s))
			}
			bw.WriteByte('\n')
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", t.Name, err)
		}
		counts[t.Name] = n
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	return counts, nil
}

// dumpEscaper keeps one value on one line and in one field.
var dumpEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// Digest is the SHA-256, in hex, of a source's Dump: two databases with
// the same digest hold the same platform, value for value. It streams:
// nothing is held but one batch of rows.
func Digest(ctx context.Context, src connectors.Source) (string, map[string]int64, error) {
	h := sha256.New()
	counts, err := Dump(ctx, src, h)
	if err != nil {
		return "", nil, err
	}
	return hex.EncodeToString(h.Sum(nil)), counts, nil
}
