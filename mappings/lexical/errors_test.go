package lexical

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestErrorsNeverEchoInput feeds values shaped like personal data to every
// parser and checks that no part of them reaches the error text.
func TestErrorsNeverEchoInput(t *testing.T) {
	secrets := []string{
		"19121212-1212", "191212121212", "Tolvan Tolvansson", "1912-12-32",
		"1912-12-12 25:00:00", "0000-00-00 00:00:00 19121212", "12,5 mmol/l 1912",
	}
	for _, s := range secrets {
		var errs []error
		_, err := ParseDate(s, nil)
		errs = append(errs, err)
		_, err = ParseDate(s, []string{"YYYY-MM-DD", "YYYYMMDD"})
		errs = append(errs, err)
		_, err = ParseDateTime(s, nil)
		errs = append(errs, err)
		_, err = ParseDecimal(s)
		errs = append(errs, err)
		_, err = ParseInt(s)
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				continue // a personnummer is a fine integer
			}
			msg := err.Error()
			for _, part := range []string{s, "1912", "Tolvan", "1212", "mmol"} {
				if strings.Contains(s, part) && strings.Contains(msg, part) {
					t.Errorf("error %q shows %q of the value", msg, part)
				}
			}
		}
	}
}

func TestErrorMatching(t *testing.T) {
	_, err := ParseDate("0000-00-00", nil)
	wrapped := fmt.Errorf("table patient, column fodd, key 17: %w", err)
	if !errors.Is(wrapped, &Error{Kind: KindZeroDate}) || errors.Is(wrapped, &Error{Kind: KindInvalidDate}) {
		t.Errorf("errors.Is by kind fails on %v", wrapped)
	}
	if !errors.Is(wrapped, &Error{Kind: KindZeroDate, Layout: "YYYY-MM-DD", Reason: reasonZeroDate, Offset: -1}) {
		t.Errorf("errors.Is with all fields fails")
	}
	if errors.Is(wrapped, &Error{Kind: KindZeroDate, Layout: "YYYYMMDD"}) {
		t.Errorf("errors.Is ignored the layout")
	}
	if KindOf(wrapped) != KindZeroDate || KindOf(errors.New("x")) != "" || KindOf(nil) != "" {
		t.Errorf("KindOf")
	}
	var e *Error
	if !errors.As(wrapped, &e) || e.Layout != "YYYY-MM-DD" {
		t.Errorf("errors.As gives %+v", e)
	}
}

func TestReasonsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range reasons {
		if r == "" || seen[r] {
			t.Errorf("reason %q empty or repeated", r)
		}
		seen[r] = true
	}
}

func TestDefaultLayoutsAreCopies(t *testing.T) {
	DefaultDateLayouts()[0] = "DD.MM.YYYY"
	DefaultDateTimeLayouts()[0] = "DD.MM.YYYY"
	if DefaultDateLayouts()[0] != "YYYY-MM-DD" || DefaultDateTimeLayouts()[0] != "YYYY-MM-DD HH:mm:ss.fffffffff" {
		t.Error("a caller changed the defaults")
	}
	if d, err := ParseDate("2024-05-01", nil); err != nil || d.String() != "2024-05-01" {
		t.Error(d, err)
	}
}
