package cli

import (
	"flag"

	urfave "github.com/urfave/cli/v2"
)

// urfave/cli v2 keeps its --help flag (HelpFlag) and its `help` command as
// package-level values and writes to them on every run: BoolFlag.Apply
// records its default in the flag, and Command.setup appends the one help
// command to each command and sets its fields. Two apps running at once
// (in-process command tests in parallel) race on them. So each app gets
// help commands of its own (addHelpCommands), and HelpFlag becomes a flag
// that applies a copy of itself: urfave still finds it by its names
// (checkHelp), prints it and completes it as before.

func init() {
	if f, ok := urfave.HelpFlag.(*urfave.BoolFlag); ok {
		urfave.HelpFlag = helpFlag{f}
	}
}

// helpFlag is urfave's --help flag, applied to each flag set as a copy so
// that parsing writes nothing shared.
type helpFlag struct{ *urfave.BoolFlag }

// Apply defines the flag on set from a copy of the flag.
func (h helpFlag) Apply(set *flag.FlagSet) error {
	c := *h.BoolFlag
	return c.Apply(set)
}

// newHelpCommand is this app's own `help` command, as urfave's: with no
// Action, urfave gives it its help action when it runs, which shows the
// help of the parent command or of the command named.
func newHelpCommand() *urfave.Command {
	return &urfave.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "Shows a list of commands or help for one command",
		ArgsUsage: "[command]",
		// urfave would append its shared help command to this one too.
		HideHelpCommand: true,
	}
}

// addHelpCommands gives the app and every command with subcommands a help
// command of its own where urfave would append its shared one, and the app
// the --help flag urfave appends only with its own help command.
//
// A command without subcommands gets its help command only when it is
// about to run (in its parent's Before), as urfave appends it then:
// `mlabctl help plan` prints plan's help with the template of a command
// without subcommands, which a help subcommand present earlier would
// change.
func addHelpCommands(app *urfave.App) {
	if !app.HideHelp {
		if !app.HideHelpCommand {
			app.Commands = append(app.Commands, newHelpCommand())
		}
		app.Flags = append(app.Flags, urfave.HelpFlag)
	}
	app.Before = helpBeforeRun(app.Before, app.Commands)
	var walk func([]*urfave.Command)
	walk = func(commands []*urfave.Command) {
		for _, c := range commands {
			if c.Name == "help" || len(c.Subcommands) == 0 {
				continue
			}
			walk(c.Subcommands)
			if !c.HideHelp && !c.HideHelpCommand && c.Command("help") == nil {
				c.Subcommands = append(c.Subcommands, newHelpCommand())
			}
			c.Before = helpBeforeRun(c.Before, c.Subcommands)
		}
	}
	walk(app.Commands)
}

// helpBeforeRun wraps the Before of a command (or the app) whose
// subcommands are children: the child without subcommands about to run
// (named by the first argument) gets its help command first.
func helpBeforeRun(before urfave.BeforeFunc, children []*urfave.Command) urfave.BeforeFunc {
	return func(c *urfave.Context) error {
		name := c.Args().First()
		for _, child := range children {
			if name != "" && child.HasName(name) && child.Name != "help" && len(child.Subcommands) == 0 &&
				!child.HideHelp && !child.HideHelpCommand {
				child.Subcommands = append(child.Subcommands, newHelpCommand())
			}
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
}
