// Command mlabctl keeps a ModelsLab account equal to a modelslab.yaml kept in
// git: `plan` shows what would change, `apply` changes it.
//
// This file is deliberately thin: it builds the urfave/cli app from one
// constructor per command (cmd_*.go) and maps errors to the exit codes of
// CONTRACT.md in one place (exitCode).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one invocation of mlabctl and returns its exit code. It is
// what main calls, and what in-process tests call.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	// Errors that were already reported (diagnostics, a refused plan that
	// printed its reasons) carry no further message.
	if msg := err.Error(); msg != "" && !errors.Is(err, errReported) {
		fmt.Fprintf(stderr, "Error: %s\n", msg)
	}
	return code
}

// newApp builds the command tree. Commands are listed here, each built by its
// own constructor in cmd_<name>.go.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	var commands []*cli.Command
	for _, c := range []*cli.Command{
		validateCommand(),
		planCommand(),
		applyCommand(),
		exportCommand(),
		schemaCommand(),
		emulatorCommand(),
		authCommand(),
		completionCommand(),
		versionCommand(),
	} {
		if c != nil {
			commands = append(commands, c)
		}
	}
	return &cli.App{
		Name:      "mlabctl",
		Usage:     "Manage a ModelsLab account as code: plan and apply modelslab.yaml",
		Version:   buildVersion().Version,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		Flags:     globalFlags(false),
		Commands:  commands,
		// Errors are returned to run, which owns exit codes; urfave must not
		// call os.Exit itself.
		ExitErrHandler:         func(*cli.Context, error) {},
		HideVersion:            true,
		UseShortOptionHandling: true,
		Suggest:                true,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError{err}
		},
	}
}
