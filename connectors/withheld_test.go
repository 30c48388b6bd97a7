package connectors_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
)

// serverError stands for a driver's error: a SQLSTATE for classification
// and a message that quotes a value. Its Format prints the message for
// every verb, as some drivers' errors do for %+v, so a wrapper that
// handed formatting down would show it.
type serverError struct {
	state, msg string
}

func (e *serverError) Error() string    { return e.state + ": " + e.msg }
func (e *serverError) SQLState() string { return e.state }
func (e *serverError) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, e.Error())
}

const withheldValue = "19121212-1212"

func TestWithholdShowsOnlyItsText(t *testing.T) {
	// 40P01 (a deadlock) with a text that names no transient fault: what
	// classifies it below is the chain, not the shown text.
	driver := &serverError{state: "40P01", msg: "row " + withheldValue + " is locked"}
	sentinel := errors.New("sentinel")
	err := connectors.Withhold(fmt.Errorf("exec: %w: %w", driver, sentinel), "exec: the server's message is withheld")

	outer := fmt.Errorf("write besok: %w", err)
	var logText, logJSON bytes.Buffer
	slog.New(slog.NewTextHandler(&logText, nil)).Error("failed", "error", outer)
	slog.New(slog.NewJSONHandler(&logJSON, nil)).Error("failed", "error", outer)
	for name, got := range map[string]string{
		"Error":       err.Error(),
		"%v":          fmt.Sprintf("%v", err),
		"%+v":         fmt.Sprintf("%+v", err),
		"%s":          fmt.Sprintf("%s", err),
		"%q":          fmt.Sprintf("%q", err),
		"%+v wrapped": fmt.Sprintf("%+v", outer),
		"errors.Join": errors.Join(errors.New("first"), outer).Error(),
		"slog text":   logText.String(),
		"slog json":   logJSON.String(),
	} {
		if strings.Contains(got, withheldValue) || strings.Contains(got, "is locked") {
			t.Errorf("%s shows the driver's message: %s", name, got)
		}
		if !strings.Contains(got, "the server's message is withheld") {
			t.Errorf("%s does not show the withheld text: %s", name, got)
		}
	}

	if !errors.Is(outer, sentinel) {
		t.Error("errors.Is does not reach through Withhold")
	}
	var se *serverError
	if !errors.As(outer, &se) || se != driver {
		t.Error("errors.As does not reach the driver's error through Withhold")
	}
	var st interface{ SQLState() string }
	if !errors.As(outer, &st) || st.SQLState() != "40P01" {
		t.Error("the SQLSTATE is not reachable through Withhold")
	}
	if !wrap.IsTransient(outer) {
		t.Error("a deadlock behind Withhold is not transient: its classification is lost")
	}
	var we *connectors.WithheldError
	if !errors.As(outer, &we) || we.Error() != err.Error() {
		t.Error("errors.As does not find the WithheldError")
	}
}

func TestWithholdNil(t *testing.T) {
	if err := connectors.Withhold(nil, "nothing"); err != nil {
		t.Errorf("Withhold(nil) = %v, want nil", err)
	}
}
