package lexical_test

import (
	"fmt"

	"github.com/regflytt/regflytt/mappings/lexical"
)

// The token language: YYYY, MM/M, DD/D, HH/H, mm, ss, an optional
// fraction, and literals. Layouts are tried in order.
func ExampleParseDate() {
	layouts := []string{"YYYY-MM-DD", "DD.MM.YYYY", "D/M/YYYY", "YYYYMMDD"}
	for _, s := range []string{"2024-05-01", "01.05.2024", "1/5/2024", "20240501"} {
		d, err := lexical.ParseDate(s, layouts)
		fmt.Println(d, err)
	}
	// Output:
	// 2024-05-01 <nil>
	// 2024-05-01 <nil>
	// 2024-05-01 <nil>
	// 2024-05-01 <nil>
}

// A fraction is written as '.' or ',' and up to nine f; it is optional in
// the value. A nil layout list means the ISO defaults.
func ExampleParseDateTime() {
	for _, s := range []string{"2024-05-01 13:45:59", "2024-05-01T13:45:59.25", "2024-05-01 13:45"} {
		t, err := lexical.ParseDateTime(s, nil)
		fmt.Println(t, err)
	}
	t, err := lexical.ParseDateTime("1.5.2024 9:05:00,5", []string{"D.M.YYYY H:mm:ss,fff"})
	fmt.Println(t, err)
	// Output:
	// 2024-05-01 13:45:59 <nil>
	// 2024-05-01 13:45:59.25 <nil>
	// 2024-05-01 13:45:00 <nil>
	// 2024-05-01 09:05:00.5 <nil>
}

// Zero and impossible dates are errors with their own kinds, which a
// mapping turns into an archive reason or a connectors.InvalidDate. The
// message names the layout, never the value.
func ExampleParseDate_invalid() {
	for _, s := range []string{"0000-00-00", "2024-05-00", "2023-02-30", "1 maj 2024"} {
		_, err := lexical.ParseDate(s, []string{"YYYY-MM-DD"})
		inv, ok := lexical.AsInvalidDate(s, err)
		fmt.Printf("%s | %v | %q %v\n", lexical.KindOf(err), err, inv.Raw, ok)
	}
	// Output:
	// zero_date | lexical: zero_date: every field is zero (layout "YYYY-MM-DD") | "0000-00-00" true
	// invalid_date | lexical: invalid_date: day is zero (layout "YYYY-MM-DD") | "2024-05-00" true
	// invalid_date | lexical: invalid_date: day does not exist in that month (layout "YYYY-MM-DD") | "2023-02-30" true
	// no_layout | lexical: no_layout: the value has the shape of no layout (layout "YYYY-MM-DD") | "" false
}

func ExampleCheckLayout() {
	for _, l := range []string{"YYYY-MM-DD HH:mm:ss.ffffff", "YY-MM-DD", "YYYY-MM-DD hh:mm", "DMYYYY"} {
		fmt.Println(lexical.CheckLayout(l))
	}
	// Output:
	// <nil>
	// lexical: bad_layout: two-digit year YY is ambiguous and not supported; use YYYY at byte 0 of the layout (layout "YY-MM-DD")
	// lexical: bad_layout: unknown letter; fields are YYYY MM M DD D HH H mm ss f, and T is the only literal letter at byte 11 of the layout (layout "YYYY-MM-DD hh:mm")
	// lexical: bad_layout: a variable-width field (M, D, H, fraction) must be followed by a literal or the end at byte 1 of the layout (layout "DMYYYY")
}

func ExampleParseDecimal() {
	for _, s := range []string{"12,50", " -0,75 ", "+3", "1 234,5", "-0,00", ",5", "1,234.5", "1e5"} {
		d, err := lexical.ParseDecimal(s)
		fmt.Printf("%q %v\n", d, err)
	}
	// Output:
	// "12.50" <nil>
	// "-0.75" <nil>
	// "3" <nil>
	// "1234.5" <nil>
	// "0.00" <nil>
	// "0.5" <nil>
	// "" lexical: bad_decimal: both '.' and ',' present; the decimal mark is ambiguous at byte 5
	// "" lexical: bad_decimal: exponent form not accepted at byte 1
}

func ExampleRepairMojibake() {
	for _, s := range []string{"SmÃ¶rgÃ¥s frÃ¥n MalmÃ¶", "â‚¬ 12,50", "Åsa Öberg", "SÃO PAULO"} {
		fmt.Println(lexical.RepairMojibake(s))
	}
	// Output:
	// Smörgås från Malmö true
	// € 12,50 true
	// Åsa Öberg false
	// SÃO PAULO false
}

func ExampleDecodeWindows1252() {
	b := []byte("Sm\xf6rg\xe5s \x80 \x96 \x81")
	fmt.Printf("%q\n%q\n", lexical.DecodeWindows1252(b), lexical.DecodeLatin1(b))
	// Output:
	// "Smörgås € – \u0081"
	// "Smörgås \u0080 \u0096 \u0081"
}
