// Package crash turns a panic, which is always a bug in mlabctl, into an
// error that says so: where it happened in a few words, the stack for a
// bug report, and how to report it. Package cli recovers every panic of a
// run with it (exit 1, never Go's exit 2, which `plan --detailed-exitcode`
// means as "changes pending"), and apply recovers a panic inside one step's
// call with it, so that the other steps still run and the summary still
// says what was done. Every other goroutine is started with Go, whose
// panic goes to the handler cli.Main sets (SetHandler): the same report,
// exit 1.
//
// It must not decide the exit code or print anything: its callers do.
package crash

import (
	"fmt"
	"path"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// ReportURL is where bugs are reported.
const ReportURL = "https://github.com/mlabctl/mlabctl/issues"

// Error is a recovered panic.
type Error struct {
	// Value is what was passed to panic (a runtime error, a message).
	Value any
	// Site is the function and file:line that panicked, e.g.
	// "plan.Compute (compute.go:42)"; "" when unknown.
	Site string
	// Stack is the goroutine's stack at the panic, for a bug report.
	Stack []byte
}

// Recovered returns the Error of a panic whose value v was just recovered.
// It must be called by the deferred function that called recover, so that
// the panicking frames are still on the stack.
func Recovered(v any) *Error {
	return &Error{Value: v, Site: site(), Stack: debug.Stack()}
}

// Error is one line: "internal error: VALUE (in SITE)".
func (e *Error) Error() string {
	msg := "internal error: " + safetext.Line(fmt.Sprint(e.Value))
	if e.Site != "" {
		msg += " (in " + e.Site + ")"
	}
	return msg
}

// Hint says what the user can do about a bug: report it, with what.
func (e *Error) Hint() string {
	return "this is a bug in mlabctl, not in your file or account; please report it at " + ReportURL +
		" with the command you ran and this message (MLABCTL_DEBUG=1 prints the stack trace to add)"
}

// modulePrefix is how mlabctl's own functions are named in a stack.
const modulePrefix = "github.com/mlabctl/mlabctl/"

// site finds the frame that panicked: the first one after runtime.gopanic
// (and the runtime's own frames of a nil dereference or an index out of
// range) on the current goroutine's stack.
func site() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	afterPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			afterPanic = true
		case afterPanic && !strings.HasPrefix(f.Function, "runtime."):
			return strings.TrimPrefix(f.Function, modulePrefix) + " (" + path.Base(f.File) + fmt.Sprintf(":%d)", f.Line)
		}
		if !more {
			return ""
		}
	}
}
