package mappings

import (
	"strings"
	"testing"
)

// Column names that differ only in case or trailing spaces are one column
// to MariaDB (Duplicate column name, or Incorrect column name for the
// space), SQL Server and SQLite: a run into MariaDB failed on them only
// when it created its tables, with a server error. The schema is
// refused where it says so, at the second column's line, naming the first.
func TestColumnNamesOneColumnToSomePlatform(t *testing.T) {
	const schema = `platform: p
tables:
  - name: besok
    primary_key: [Id]
    columns:
      - {name: Id, type: bigint}
      - {name: kod, type: varchar(4)}
`
	cases := []struct {
		name, add string
		want      []string
	}{
		{"case", "      - {name: ID, type: bigint}\n", []string{":8:16: error S002", "ID", "Id", ":6:16", "case"}},
		{"trailing space", "      - {name: \"kod \", type: varchar(4)}\n", []string{":8:16: error S002", `"kod "`, "kod", ":7:16"}},
		{"space alone", "      - {name: \"dag \", type: date}\n", []string{":8:16: error S001", `"dag "`, "MariaDB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := LoadSchema(writeTemp(t, schema+tc.add))
			err := ds.Err()
			if err == nil {
				t.Fatalf("no error, want %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to say %q", err, w)
				}
			}
		})
	}
	if _, ds := LoadSchema(writeTemp(t, schema+"      - {name: id_2, type: bigint}\n")); ds.Err() != nil {
		t.Errorf("distinct names: %v", ds.Err())
	}
}

// Table names that differ only in case or trailing spaces are one table
// to MariaDB (lower_case_table_names, and on Windows and macOS always),
// SQL Server's default collation and SQLite: the second CREATE TABLE
// failed there, mid-run, with a server error. Refused as columns are,
// at the second table's line, naming the first.
func TestTableNamesOneTableToSomePlatform(t *testing.T) {
	const schema = `platform: p
tables:
  - name: Besok
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
`
	cases := []struct {
		name, add string
		want      []string
	}{
		{"case", "  - name: besok\n    columns:\n      - {name: id, type: bigint}\n", []string{":7:11: error S002", "besok", "Besok", ":3:11", "case"}},
		{"trailing space", "  - name: \"Besok \"\n    columns:\n      - {name: id, type: bigint}\n", []string{":7:11: error S002", `"Besok "`, "Besok", ":3:11"}},
		{"space alone", "  - name: \"patient \"\n    columns:\n      - {name: id, type: bigint}\n", []string{":7:11: error S001", `"patient "`, "MariaDB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := LoadSchema(writeTemp(t, schema+tc.add))
			err := ds.Err()
			if err == nil {
				t.Fatalf("no error, want %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to say %q", err, w)
				}
			}
		})
	}
	if _, ds := LoadSchema(writeTemp(t, schema+"  - name: besok_2\n    columns:\n      - {name: id, type: bigint}\n")); ds.Err() != nil {
		t.Errorf("distinct names: %v", ds.Err())
	}
}
