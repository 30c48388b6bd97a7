package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// addJSONFlag gives a command that prints a result the --json flag. Every
// command with a result uses it, so scripts read one JSON document on
// stdout and people read messages on stderr.
func addJSONFlag(cmd *cobra.Command, g *globals) {
	cmd.Flags().BoolVar(&g.json, "json", false, "print the result as one JSON document on stdout (messages go to stderr)")
}

// writeJSON prints v as the command's one JSON document.
func writeJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// jsonDiagnostic is a diagnostic as --json prints it.
type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func jsonDiagnostics(ds mappings.Diagnostics) []jsonDiagnostic {
	out := make([]jsonDiagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, jsonDiagnostic{File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Column, Severity: d.Severity.String(), Code: d.Code, Message: d.Message})
	}
	return out
}

// enumFlag offers a flag's values to shell completion.
func enumFlag(cmd *cobra.Command, name string, values ...string) {
	err := cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	})
	if err != nil {
		panic(err) // a programming error: the flag is not defined
	}
}

// useColour reports whether w is a terminal that may get colour: never
// when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColour(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	if r, ok := w.(*resultWriter); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var verdictWords = regexp.MustCompile(`\b(PASS|FAIL|FAILED|MISMATCH)\b`)

// colourVerdicts paints PASS green and FAIL, FAILED and MISMATCH red.
func colourVerdicts(text string) string {
	return verdictWords.ReplaceAllStringFunc(text, func(w string) string {
		if w == "PASS" {
			return "\x1b[1;32m" + w + "\x1b[0m"
		}
		return "\x1b[1;31m" + w + "\x1b[0m"
	})
}

// cliHandler prints log records for people: one line each, as
// "regflytt: warning: message (key=value …)", and a line it has printed
// once is not printed again, so a warning that several steps of a command
// log (a dry run and the run after it) is read once.
type cliHandler struct {
	w       io.Writer
	level   slog.Level
	verbose bool
	attrs   []slog.Attr
	mu      *sync.Mutex
	seen    map[string]bool
}

func newCLIHandler(w io.Writer, level slog.Level, verbose bool) *cliHandler {
	return &cliHandler{w: w, level: level, verbose: verbose, mu: &sync.Mutex{}, seen: map[string]bool{}}
}

func (h *cliHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *cliHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	if !h.verbose && summarised(attrs) {
		return nil
	}
	var line string
	if at, code, msg, ok := mappingWarning(r.Message, attrs); ok {
		// A compile warning is a diagnostic: printed as plan check does.
		line = mappings.Diagnostic{Pos: mappings.Pos{File: at}, Code: code, Severity: mappings.Warning, Message: msg}.String()
	} else {
		var b strings.Builder
		b.WriteString("regflytt: ")
		switch {
		case r.Level >= slog.LevelError:
			b.WriteString("error: ")
		case r.Level >= slog.LevelWarn:
			b.WriteString("warning: ")
		case r.Level < slog.LevelInfo:
			b.WriteString("debug: ")
		}
		b.WriteString(r.Message)
		if len(attrs) > 0 {
			b.WriteString(" (")
			for i, a := range attrs {
				if i > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%s=%v", a.Key, a.Value)
			}
			b.WriteString(")")
		}
		line = b.String()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen[line] {
		return nil
	}
	h.seen[line] = true
	if h.verbose {
		line = time.Now().Format("15:04:05") + " " + line
	}
	_, err := fmt.Fprintln(h.w, line)
	return err
}

// summarised reports whether a log record tells of an outcome the
// command's summary counts per table and reason (a source table no
// mapping reads, archived whole): printed there, it is not repeated as a
// log line unless --verbose asks for every step.
func summarised(attrs []slog.Attr) bool {
	for _, a := range attrs {
		if a.Key == "reason" && a.Value.String() == plans.ReasonTableNotMapped {
			return true
		}
	}
	return false
}

// mappingWarning recognises the runner's log line for a compile warning.
func mappingWarning(msg string, attrs []slog.Attr) (at, code, text string, ok bool) {
	if msg != "mapping" {
		return "", "", "", false
	}
	for _, a := range attrs {
		switch a.Key {
		case "at":
			at = a.Value.String()
		case "code":
			code = a.Value.String()
		case "msg":
			text = a.Value.String()
		}
	}
	return at, code, text, at != "" && code != ""
}

func (h *cliHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *cliHandler) WithGroup(string) slog.Handler { return h }
