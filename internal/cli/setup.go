package cli

import (
	"context"
	"sync"

	urfave "github.com/urfave/cli/v2"
)

// setupMu serialises urfave/cli's setup of command lines run in one
// process. urfave/cli shares package-level values between apps: its
// HelpFlag (whose Apply records the default in the flag) and its help
// command (whose HelpName it sets), written while a command line is
// parsed. A real run parses one command line; the in-process tests parse
// many at once (t.Parallel), which the race detector rightly reports.
// The lock is held from the start of a run until its command's Action
// begins: the parsing is serialised, the commands still run in parallel.
var setupMu sync.Mutex

// runApp runs app on args with the setup lock held until a command's
// Action starts (or the run ends without one: help, a usage error).
func runApp(ctx context.Context, app *urfave.App, args []string) error {
	setupMu.Lock()
	var once sync.Once
	unlock := func() { once.Do(setupMu.Unlock) }
	defer unlock()
	unlockInActions(app.Commands, unlock)
	return app.RunContext(ctx, args)
}

// unlockInActions makes every Action of commands (and of their
// subcommands) call unlock first.
func unlockInActions(commands []*urfave.Command, unlock func()) {
	for _, c := range commands {
		if action := c.Action; action != nil {
			c.Action = func(ctx *urfave.Context) error {
				unlock()
				return action(ctx)
			}
		}
		unlockInActions(c.Subcommands, unlock)
	}
}
