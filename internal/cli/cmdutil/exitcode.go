package cmdutil

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/urfave/cli/v2"
)

// Exit codes of CONTRACT.md.
const (
	ExitOK      = 0
	ExitError   = 1 // an error before anything changed
	ExitChanges = 2 // plan --detailed-exitcode: changes are pending
	ExitRefused = 3 // refused by a safety rail; nothing changed
	ExitPartial = 4 // apply changed some things, then failed or was interrupted
	// ExitForced is the exit code of a second interrupt: the shell's
	// convention for a process ended by SIGINT, since mlabctl cannot know
	// what the calls in flight did.
	ExitForced = 130
)

// exitCoder is implemented by errors that know their exit code: rails and
// stale plans (3), partial applies (4), pending changes (2). Packages define
// their own error types with an ExitCode method; the CLI does not need to
// know them.
type exitCoder interface {
	ExitCode() int
}

// ExitCode maps an error to the exit code of CONTRACT.md; anything unknown
// is 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if reflect.TypeOf(ec) == urfaveExitType {
			// urfave/cli's own errors ("No help topic for 'frobnicate'")
			// carry its exit code 3, which here means "refused by a safety
			// rail". An unknown command is a usage error.
			return ExitError
		}
		return ec.ExitCode()
	}
	return ExitError
}

// urfaveExitType is the type of the errors urfave/cli makes with cli.Exit.
var urfaveExitType = reflect.TypeOf(cli.Exit("", 0))

// ErrReported marks an error whose details were already printed (for
// example validation diagnostics); nothing more is printed for it.
var ErrReported = errors.New("")

// codeError is an error with an explicit exit code.
type codeError struct {
	code int
	err  error
}

func (e codeError) Error() string { return e.err.Error() }
func (e codeError) Unwrap() error { return e.err }
func (e codeError) ExitCode() int { return e.code }

// WithCode returns err exiting with code.
func WithCode(code int, err error) error { return codeError{code: code, err: err} }

// Reported returns an error that exits with code and prints nothing more.
func Reported(code int) error { return codeError{code: code, err: ErrReported} }

// Refused is a refusal by the command itself (no --auto-approve off a
// terminal, a declined prompt, a stale plan file, secrets with nowhere to
// go): exit 3, nothing changed.
func Refused(format string, args ...any) error {
	return codeError{code: ExitRefused, err: fmt.Errorf(format, args...)}
}

// usageError is a malformed command line (unknown flag, bad value); exit 1.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() + " (see --help)" }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int { return ExitError }

// UsageError returns err as a malformed command line: it exits 1 and its
// message ends with "(see --help)".
func UsageError(err error) error { return usageError{err} }

// UsageErrorf is UsageError(fmt.Errorf(format, args...)).
func UsageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
