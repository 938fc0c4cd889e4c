package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/internal/crash"
)

// InterruptContext returns a context cancelled by the first Ctrl-C or
// SIGTERM: commands then finish what is in flight, start nothing new and
// report (apply's summary, exit 4). A second signal quits at once, like
// Terraform's second interrupt, after restoring the terminal (a hidden
// password prompt turns echo off), so that nothing that blocks without
// watching the context (a prompt, a FIFO given as -f) can make mlabctl
// unkillable short of SIGKILL. stop releases the signals.
func InterruptContext(ios *iostreams.IOStreams) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	restore := ios.SaveTerminal()
	done := make(chan struct{})
	crash.Go(func() {
		select {
		case <-signals:
			cancel()
		case <-done:
			return
		}
		select {
		case <-signals:
			restore()
			fmt.Fprintln(ios.ErrOut, "\nmlabctl: interrupted twice, quitting now; calls in flight may or may not have completed: run `mlabctl plan` to see the account's state.")
			os.Exit(cmdutil.ExitForced)
		case <-done:
		}
	})
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}
