// Package cli is mlabctl's command line: Main runs one invocation as a
// process (main.go calls it and exits with its code), Run runs one with a
// given cmdutil.Factory (in-process tests, see package clitest), NewApp
// builds the urfave/cli command tree from one constructor per command
// package, and errors become the exit codes of CONTRACT.md here and
// nowhere else. InterruptContext turns Ctrl-C and SIGTERM into a cancelled
// context, and a second one into an immediate exit, unless a command holds
// it (cmdutil.Interrupts: apply, which then stops within a bounded grace
// and exits 130).
//
// The layout, in the spirit of gh (pkg/cmd/<noun>) and Go's
// cmd/go/internal/<name>cmd:
//
//	cli/             this package: the app, Run, Main, exit codes, signals
//	cli/cmdutil/     the Factory and what every command shares
//	cli/iostreams/   the standard streams: terminals, colour, prompts
//	cli/ghactions/   workflow commands, step summary and outputs
//	cli/<name>cmd/   one package per command (validatecmd, plancmd, …)
//	cli/clitest/     runs whole command lines in-process for tests
//
// It must not hold command logic (that is each <name>cmd's) or read the
// environment other than through the Factory.
package cli
