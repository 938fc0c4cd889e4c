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
	"strings"
	"syscall"

	"github.com/mlabctl/mlabctl/plan"

	"github.com/urfave/cli/v2"
)

func main() {
	ctx, stop := interruptContext()
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitForced is the exit code of a second interrupt: the shell's convention
// for a process ended by SIGINT, since mlabctl cannot know what the calls
// in flight did.
const exitForced = 130

// interruptContext returns a context cancelled by the first Ctrl-C or
// SIGTERM: commands then finish what is in flight, start nothing new and
// report (apply's summary, exit 4). A second signal quits at once, like
// Terraform's second interrupt, after restoring the terminal (a hidden
// password prompt turns echo off), so that nothing that blocks without
// watching the context (a prompt, a FIFO given as -f) can make mlabctl
// unkillable short of SIGKILL.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	restore := saveTerminal(os.Stdin)
	done := make(chan struct{})
	go func() {
		select {
		case <-signals:
			cancel()
		case <-done:
			return
		}
		select {
		case <-signals:
			restore()
			fmt.Fprintln(os.Stderr, "\nmlabctl: interrupted twice, quitting now; calls in flight may or may not have completed: run `mlabctl plan` to see the account's state.")
			os.Exit(exitForced)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
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
		fmt.Fprintf(stderr, "Error: %s\n", sanitizeMessage(msg))
	}
	return code
}

// newApp builds the command tree. Commands are listed here, each built by its
// own constructor in cmd_<name>.go.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	commands := []*cli.Command{
		validateCommand(),
		planCommand(),
		applyCommand(),
		exportCommand(),
		schemaCommand(),
		emulatorCommand(),
		authCommand(),
		completionCommand(),
		versionCommand(),
	}
	setUsageErrors(commands)
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
		OnUsageError:           onUsageError,
	}
}

// onUsageError turns a malformed command line into an error for run to
// print on stderr (exit 1). Without it urfave prints "Incorrect Usage" and
// the whole help on stdout, where a redirected plan would receive it.
func onUsageError(_ *cli.Context, err error, _ bool) error { return usageError{err} }

// setUsageErrors gives every command of the tree the app's usage-error
// handling: urfave/cli applies App.OnUsageError to the app's own flags only.
func setUsageErrors(commands []*cli.Command) {
	for _, c := range commands {
		if c.OnUsageError == nil {
			c.OnUsageError = onUsageError
		}
		setUsageErrors(c.Subcommands)
	}
}

// sanitizeMessage escapes what could move the cursor or rewrite a terminal
// or CI log line in an error message: messages quote live data (names,
// server messages). Line breaks between a message's own lines are kept.
func sanitizeMessage(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = plan.SanitizeLine(l)
	}
	return strings.Join(lines, "\n")
}
