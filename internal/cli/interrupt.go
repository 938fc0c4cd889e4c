package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/internal/crash"
)

// InterruptContext returns a context cancelled by the first Ctrl-C or
// SIGTERM: commands then finish what is in flight, start nothing new and
// report (apply's summary, exit 4). The context carries the
// cmdutil.Interrupts of the second signal (any of the two: CI cancellation
// sends SIGINT, then SIGTERM):
//
//   - while a command holds them (apply, while it makes changes), the
//     second signal closes the command's forced channel: apply waits at
//     most cmdutil.ForceGrace for the answers already arriving, records
//     their secrets, names what is unknown and exits 130. Should it not
//     have returned within cmdutil.ForceExitAfter, or should a third
//     signal come, the process quits as below;
//   - otherwise the second signal quits at once, like Terraform's second
//     interrupt, after restoring the terminal (a hidden password prompt
//     turns echo off), so that nothing that blocks without watching the
//     context (a prompt, a FIFO given as -f) can make mlabctl unkillable
//     short of SIGKILL.
//
// stop releases the signals.
func InterruptContext(ios *iostreams.IOStreams) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	interrupts := cmdutil.NewInterrupts()
	ctx = cmdutil.WithInterrupts(ctx, interrupts)
	signals := make(chan os.Signal, 3)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	restore := ios.SaveTerminal()
	done := make(chan struct{})
	quit := func(msg string) {
		restore()
		fmt.Fprintln(ios.ErrOut, msg)
		os.Exit(cmdutil.ExitForced)
	}
	crash.Go(func() {
		select {
		case <-signals:
			cancel()
		case <-done:
			return
		}
		select {
		case <-signals:
		case <-done:
			return
		}
		if !interrupts.Force() {
			quit("\nmlabctl: interrupted twice, quitting now; calls in flight may or may not have completed: run `mlabctl plan` to see the account's state.")
		}
		// The command took it: give it its grace, then the safety net.
		timer := time.NewTimer(cmdutil.ForceExitAfter)
		defer timer.Stop()
		select {
		case <-signals:
			quit("\nmlabctl: interrupted three times, quitting now; the next apply settles what this one left.")
		case <-timer.C:
			quit(fmt.Sprintf("\nmlabctl: still not stopped %v after the second interrupt, quitting now; the next apply settles what this one left.", cmdutil.ForceExitAfter))
		case <-done:
		}
	})
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}
