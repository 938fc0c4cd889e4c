package main

import (
	"errors"
	"reflect"

	"github.com/urfave/cli/v2"
)

// Exit codes of CONTRACT.md.
const (
	exitOK      = 0
	exitError   = 1 // an error before anything changed
	exitChanges = 2 // plan --detailed-exitcode: changes are pending
	exitRefused = 3 // refused by a safety rail; nothing changed
	exitPartial = 4 // apply changed some things, then failed or was interrupted
)

// exitCoder is implemented by errors that know their exit code: rails and
// stale plans (3), partial applies (4), pending changes (2). Packages define
// their own error types with an ExitCode method; main does not need to know
// them.
type exitCoder interface {
	ExitCode() int
}

// exitCode maps an error to the exit code of CONTRACT.md; anything unknown is 1.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if reflect.TypeOf(ec) == urfaveExitType {
			// urfave/cli's own errors ("No help topic for 'frobnicate'")
			// carry its exit code 3, which here means "refused by a safety
			// rail". An unknown command is a usage error.
			return exitError
		}
		return ec.ExitCode()
	}
	return exitError
}

// urfaveExitType is the type of the errors urfave/cli makes with cli.Exit.
var urfaveExitType = reflect.TypeOf(cli.Exit("", 0))

// errReported marks an error whose details were already printed (for
// example validation diagnostics); run prints nothing more for it.
var errReported = errors.New("")

// withCode is an error with an explicit exit code.
type withCode struct {
	code int
	err  error
}

func (e withCode) Error() string { return e.err.Error() }
func (e withCode) Unwrap() error { return e.err }
func (e withCode) ExitCode() int { return e.code }

// reported returns an error that exits with code and prints nothing more.
func reported(code int) error { return withCode{code: code, err: errReported} }

// usageError is a malformed command line (unknown flag, bad value); exit 1.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() + " (see --help)" }
func (e usageError) Unwrap() error { return e.err }
func (e usageError) ExitCode() int { return exitError }
