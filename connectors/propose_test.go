package connectors_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/sqlserver"
)

func TestReceivingType(t *testing.T) {
	cases := []struct {
		col  connectors.Column
		want string // the notation, or "error: <part of the message>"
	}{
		{connectors.Column{SourceType: "int(11)", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}}, "integer"},
		{connectors.Column{SourceType: "bit(1)", Type: connectors.Type{Kind: connectors.KindInt, Bits: 8, Unsigned: true}}, "tinyint unsigned"},
		{connectors.Column{SourceType: "INTEGER", Type: connectors.Type{Kind: connectors.KindInt}}, "bigint"},
		{connectors.Column{SourceType: "float", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 32}}, "real"},
		{connectors.Column{SourceType: "numeric(12,2)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 12, Scale: 2}}, "decimal(12,2)"},
		{connectors.Column{SourceType: "numeric", Type: connectors.Type{Kind: connectors.KindDecimal}}, "error: unbounded decimal"},
		{connectors.Column{SourceType: "decimal(65,0)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 65}}, "error: 65 digits"},
		{connectors.Column{SourceType: "char(3)", Type: connectors.Type{Kind: connectors.KindText, Length: 3}}, "varchar(3)"},
		{connectors.Column{SourceType: "binary(16)", Type: connectors.Type{Kind: connectors.KindBytes, Length: 16}}, "varbinary(16)"},
		{connectors.Column{SourceType: "datetime2(7)", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 7}}, "datetime(7)"},
		{connectors.Column{SourceType: "geography", Type: connectors.Type{}}, "error: no canonical type"},
	}
	for _, c := range cases {
		got, err := connectors.ReceivingType(c.col)
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: got %v, %v; want an error saying %q", c.col.SourceType, got, err, want)
			}
			continue
		}
		if err != nil || got.String() != c.want {
			t.Errorf("%s: got %v, %v; want %s", c.col.SourceType, got, err, c.want)
		}
	}
}

// legacyTable is a MariaDB-shaped table with columns some targets cannot
// hold: the proposal names each with its reason and keeps the rest.
func legacyTable() connectors.Table {
	return connectors.Table{Name: "besök", PrimaryKey: []string{"id", "big"}, RowEstimate: 1200, Columns: []connectors.Column{
		{Name: "id", SourceType: "int(11)", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "big", SourceType: "bigint(20) unsigned", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}},
		{Name: "amount", SourceType: "decimal(65,2)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 65, Scale: 2}, Nullable: true},
		{Name: "weight", SourceType: "decimal(5,1)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
		{Name: "name", SourceType: "varchar(40)", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText, Length: 40}},
		{Name: "true", SourceType: "tinyint(1)", Type: connectors.Type{Kind: connectors.KindInt, Bits: 8}, Nullable: true},
	}}
}

func TestPlanSchemaNamesWhatATargetCannotHold(t *testing.T) {
	plans := connectors.PlanSchema([]connectors.Table{legacyTable()}, postgres.Dialect{})
	p := plans[0]
	if p.Problems() != 1 {
		t.Fatalf("%d problems, want 1 (amount): %+v", p.Problems(), p.Columns)
	}
	// bigint unsigned is proposed as decimal(20,0), which every receiving
	// dialect holds (it was left out of the DDL before).
	if c := p.Columns[1]; c.Problem != "" || c.Type.String() != "decimal(20,0)" || !c.Cast || c.DDL != "numeric(20,0)" {
		t.Errorf("big: %+v", c)
	}
	if c := p.Columns[2]; !strings.Contains(c.Problem, "65 digits") {
		t.Errorf("amount: problem %q", c.Problem)
	}
	if strings.Join(p.PrimaryKey, ",") != "id,big" {
		t.Errorf("primary key %v, want id, big", p.PrimaryKey)
	}
	for _, want := range []string{`"id" integer NOT NULL`, `"big" numeric(20,0) NOT NULL`, `"weight" numeric(5,1)`, `"name" varchar(40) NOT NULL`, `PRIMARY KEY ("id", "big")`} {
		if !strings.Contains(p.CreateSQL, want) {
			t.Errorf("CREATE TABLE lacks %s:\n%s", want, p.CreateSQL)
		}
	}
	if strings.Contains(p.CreateSQL, `"amount"`) {
		t.Errorf("CREATE TABLE holds a column the target cannot hold:\n%s", p.CreateSQL)
	}

	// The receiving schema is portable: decimal(20,0) on MariaDB too; the
	// 65 digits are still beyond the receiving notation.
	p = connectors.PlanSchema([]connectors.Table{legacyTable()}, mysql.Dialect{})[0]
	if p.Problems() != 1 || p.Columns[1].Problem != "" || p.Columns[1].DDL != "decimal(20,0)" {
		t.Errorf("mysql: %+v", p.Columns)
	}
	if !strings.HasSuffix(p.CreateSQL, "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin") {
		t.Errorf("mysql CREATE TABLE is not the one Create runs:\n%s", p.CreateSQL)
	}
}

func TestWriteSchemaReport(t *testing.T) {
	var b bytes.Buffer
	d := sqlserver.Dialect{Schema: "dbo"}
	if err := connectors.WriteSchemaReport(&b, "mysql://root@h/legacy", connectors.PlanSchema([]connectors.Table{legacyTable()}, d), d); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"source mysql://root@h/legacy: 1 tables; receiving DDL for sqlserver",
		"table besök (about 1200 rows)",
		"primary key: id, big",
		"varchar(40) latin1",
		"[big] decimal(20,0) NOT NULL",
		"[true] smallint NULL CHECK ([true] >= -128 AND [true] <= 127)",
		"-- besök.amount (decimal(65,2)) left out",
		"1 column(s) cannot be created as they are on sqlserver",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteReceivingYAMLQuotes(t *testing.T) {
	var b bytes.Buffer
	d := postgres.Dialect{}
	if err := connectors.WriteReceivingYAML(&b, "true", "x", connectors.PlanSchema([]connectors.Table{legacyTable()}, d), d); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`platform: "true"`,
		`- name: "besök"`,
		`primary_key: [id, big]`,
		`- {name: weight, type: "decimal(5,1)", description: "source decimal(5,1)"}`,
		`- {name: name, type: varchar(40), not_null: true, description: source varchar(40)}`,
		`- {name: "true", type: tinyint, description: source tinyint(1)}`,
		`- {name: big, type: "decimal(20,0)", description: source bigint(20) unsigned}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("YAML lacks %q:\n%s", want, out)
		}
	}
}
