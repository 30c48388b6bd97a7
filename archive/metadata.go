package archive

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

const metadataNS = "http://www.bar.admin.ch/xmlns/siard/2/metadata.xsd"

// The subset of SIARD 2.2's metadata.xml a package uses, in the order
// metadata.xsd requires. Reader parses the same structs.
type siardArchive struct {
	XMLName            xml.Name      `xml:"siardArchive"`
	NS                 string        `xml:"xmlns,attr"`
	Version            string        `xml:"version,attr"`
	DBName             string        `xml:"dbname"`
	Description        string        `xml:"description,omitempty"`
	Archiver           string        `xml:"archiver,omitempty"`
	DataOwner          string        `xml:"dataOwner"`
	DataOriginTimespan string        `xml:"dataOriginTimespan"`
	ProducerApp        string        `xml:"producerApplication,omitempty"`
	ArchivalDate       string        `xml:"archivalDate"`
	DatabaseProduct    string        `xml:"databaseProduct,omitempty"`
	Schemas            []siardSchema `xml:"schemas>schema"`
	Users              struct{}      `xml:"users"`
}

type siardSchema struct {
	Name        string       `xml:"name"`
	Folder      string       `xml:"folder"`
	Description string       `xml:"description,omitempty"`
	Tables      *siardTables `xml:"tables,omitempty"`
}

// siardTables is a pointer in siardSchema so that a schema without tables
// has no <tables> element (the XSD wants at least one table inside).
type siardTables struct {
	Table []siardTableMeta `xml:"table"`
}

type siardTableMeta struct {
	Name        string        `xml:"name"`
	Folder      string        `xml:"folder"`
	Description string        `xml:"description,omitempty"`
	Columns     []siardColumn `xml:"columns>column"`
	Rows        int64         `xml:"rows"`
}

type siardColumn struct {
	Name         string `xml:"name"`
	Type         string `xml:"type"`
	TypeOriginal string `xml:"typeOriginal,omitempty"`
	Nullable     bool   `xml:"nullable"`
	Description  string `xml:"description,omitempty"`
}

var schemaNames = [...]struct{ name, description string }{
	schemaRecords: {"archived_records", "Source records that could not be transformed, in their source tables' shape, values verbatim."},
	schemaOutcome: {"outcomes", "One row per archived record, same table and row number: the reason, rule and column."},
	schemaValues:  {"archived_values", "Values archived alone from records that migrated (value granularity)."},
}

// header is metadata.xml's description of a package of meta, but its
// schemas: whose records they are and where they came from, as a SIARD
// tool shows them. Verify holds a package's to it (checkMetadata).
func header(meta Meta, timespan string, created time.Time) siardArchive {
	m := siardArchive{NS: metadataNS, Version: "2.2",
		DBName:             meta.Register,
		Description:        fmt.Sprintf("What the migration of register %s from %s could not transform, kept by its new CPUA.", meta.Register, meta.SourceSystem),
		Archiver:           "regflytt",
		DataOwner:          dataOwner(meta),
		DataOriginTimespan: timespan,
		ProducerApp:        "regflytt " + meta.ToolVersion,
		ArchivalDate:       created.UTC().Format(time.DateOnly),
		DatabaseProduct:    meta.SourceSystem,
	}
	if m.DBName == "" {
		m.DBName = "register"
	}
	return m
}

// The descriptions of a package's tables and of a source column, which
// metadata.xml gives and a SIARD tool shows beside the cells.
func recordsDescription(table string) string {
	return "Records of the source table " + table + " that were archived, in its own shape."
}

func outcomeDescription(table string) string {
	return "Why each record of " + table + " was archived: row N here is row N of the archived records."
}

func valuesDescription(table string) string {
	return "Values of " + table + " archived alone: their records migrated with the column empty."
}

func sourceColumnDescription(nullable bool, t connectors.Type) string {
	desc := ""
	if !nullable {
		desc = "NOT NULL in the source. "
	}
	return desc + "Canonical type " + t.String() + "."
}

func (w *Writer) writeMetadata(sum *Summary, now time.Time) error {
	m := header(w.meta, sum.Timespan, now)
	for s := range schemaNames {
		sch := siardSchema{Name: schemaNames[s].name, Folder: fmt.Sprintf("schema%d", s), Description: schemaNames[s].description}
		for _, st := range w.order {
			t := []*siardTable{st.records, st.outcome, st.values}[s]
			if t == nil {
				continue
			}
			tm := siardTableMeta{Name: t.name, Folder: fmt.Sprintf("table%d", t.folder), Description: t.description, Rows: t.rows}
			for _, c := range t.cols {
				tm.Columns = append(tm.Columns, siardColumn{Name: c.name, Type: c.typ.SQL, TypeOriginal: c.typeOriginal, Nullable: true, Description: c.description})
			}
			if sch.Tables == nil {
				sch.Tables = &siardTables{}
			}
			sch.Tables.Table = append(sch.Tables.Table, tm)
		}
		m.Schemas = append(m.Schemas, sch)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("archive metadata: %w", err)
	}
	b.WriteByte('\n')
	header := filepath.Join(w.dir, "data", "header")
	if err := os.MkdirAll(filepath.Join(header, "siardversion", "2.2"), 0o700); err != nil {
		return fmt.Errorf("archive metadata: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(header, "metadata.xml"), b.Bytes()); err != nil {
		return fmt.Errorf("archive metadata: %w", err)
	}
	return nil
}

// dataOwner is metadata.xml's dataOwner for a package of meta.
func dataOwner(meta Meta) string {
	if meta.Owner == "" {
		return "(not named in the plan)"
	}
	return meta.Owner
}

// tableXSD gives a table's own schema: SIARD's table schema with one
// element per column, each optional (a NULL cell is left out).
func tableXSD(t *siardTable) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="` + tableNS + `" targetNamespace="` + tableNS + `" elementFormDefault="qualified" attributeFormDefault="unqualified" version="2.2">
  <xs:element name="table">
    <xs:complexType>
      <xs:sequence>
        <xs:element minOccurs="0" maxOccurs="unbounded" name="row" type="recordType"/>
      </xs:sequence>
      <xs:attribute name="version" type="versionType" use="required"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="recordType">
    <xs:sequence>
`)
	for i, c := range t.cols {
		fmt.Fprintf(&b, "      <xs:element minOccurs=\"0\" name=\"c%d\" type=\"%s\"/>\n", i+1, c.typ.XSD)
	}
	b.WriteString(`    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="clobType">
    <xs:simpleContent>
      <xs:extension base="xs:string">
        <xs:attribute name="file" type="xs:anyURI"/>
        <xs:attribute name="length" type="xs:integer"/>
        <xs:attribute name="digestType" type="digestTypeType"/>
        <xs:attribute name="digest" type="xs:string"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="blobType">
    <xs:simpleContent>
      <xs:extension base="xs:hexBinary">
        <xs:attribute name="file" type="xs:anyURI"/>
        <xs:attribute name="length" type="xs:integer"/>
        <xs:attribute name="digestType" type="digestTypeType"/>
        <xs:attribute name="digest" type="xs:string"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:simpleType name="digestTypeType">
    <xs:restriction base="xs:string">
      <xs:whiteSpace value="collapse"/>
      <xs:enumeration value="MD5"/>
      <xs:enumeration value="SHA-1"/>
      <xs:enumeration value="SHA-256"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="dateType">
    <xs:restriction base="xs:date">
      <xs:minInclusive value="0001-01-01Z"/>
      <xs:maxExclusive value="10000-01-01Z"/>
      <xs:pattern value="\d{4}-\d{2}-\d{2}Z?"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="decimalType">
    <xs:restriction base="xs:string">
      <xs:pattern value="[+\-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="timeType">
    <xs:restriction base="xs:time">
      <xs:pattern value="\d{2}:\d{2}:\d{2}(\.\d+)?Z?"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="dateTimeType">
    <xs:restriction base="xs:dateTime">
      <xs:minInclusive value="0001-01-01T00:00:00.000000000Z"/>
      <xs:maxExclusive value="10000-01-01T00:00:00.000000000Z"/>
      <xs:pattern value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="versionType">
    <xs:restriction base="xs:string">
      <xs:whiteSpace value="collapse"/>
      <xs:enumeration value="2.2"/>
    </xs:restriction>
  </xs:simpleType>
</xs:schema>
`)
	return b.Bytes()
}

func (s siardSchema) tables() []siardTableMeta {
	if s.Tables == nil {
		return nil
	}
	return s.Tables.Table
}
