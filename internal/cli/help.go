package cli

import (
	"flag"

	urfave "github.com/urfave/cli/v2"
)

// urfave/cli v2 gives every app and command the same two package-level
// objects, and writes to both while it runs a command line: HelpFlag (a
// *BoolFlag that Apply writes to while parsing) and its unexported help
// command, which each command's setup appends as the command's "help"
// subcommand and then writes to. Two apps running at once (the in-process
// command tests, which run in parallel) would race on them. So --help is
// applied as a copy, and every command gets a private copy of the help
// command just before urfave/cli sets it up, which is when urfave would
// append the shared one: runs share nothing mutable, and print exactly
// what they printed before (the help templates urfave picks depend on
// whether a command has subcommands yet, so the copies must not be there
// any earlier). Only the help of help is named better: the shared command
// carried the name the first command set up gave it ("mlabctl auth help"
// for `mlabctl auth login help help`).

func init() {
	if b, ok := urfave.HelpFlag.(*urfave.BoolFlag); ok {
		urfave.HelpFlag = helpFlag{b}
	}
	// The help command is unexported; an app set up once, before any
	// command line runs, hands it out.
	var app urfave.App
	app.Setup()
	if h := app.Command("help"); h != nil {
		sharedHelp, helpModel = h, *h
	}
}

// helpFlag is urfave/cli's --help flag, applied as a copy.
type helpFlag struct{ *urfave.BoolFlag }

// Apply defines the flag on set without writing to the shared flag.
func (h helpFlag) Apply(set *flag.FlagSet) error {
	c := *h.BoolFlag
	return c.Apply(set)
}

var (
	// sharedHelp is urfave/cli's own help command (nil if it has none).
	sharedHelp *urfave.Command
	// helpModel is sharedHelp as it was before any run: what each copy
	// starts as.
	helpModel urfave.Command
)

// withPrivateHelp makes app, and each command below it, hand the command
// about to run a private help command (see above). It runs as the Before
// hook of the app and of every command: urfave/cli calls Before after the
// command's own setup and before it runs the subcommand the arguments
// name, whose setup would append the shared help command.
func withPrivateHelp(app *urfave.App) {
	if sharedHelp == nil {
		return
	}
	app.Before = privateHelpBefore(app.Before)
	var walk func([]*urfave.Command)
	walk = func(commands []*urfave.Command) {
		for _, c := range commands {
			c.Before = privateHelpBefore(c.Before)
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
}

// newHelp returns a private copy of the help command, which hands on
// copies itself (`mlabctl plan help help` runs a help command's help).
func newHelp() *urfave.Command {
	h := helpModel
	h.Before = privateHelpBefore(h.Before)
	h.Action = helpAction(helpModel.Action)
	return &h
}

// helpAction runs the help command's action next, except for a topic that
// names no command: `mlabctl help bogus` is then the usage error of
// `mlabctl bogus` (unknownCommandNamed: did you mean, else the list, exit
// 1), where urfave/cli would say "No help topic for 'bogus'" and suggest
// among the wrong commands.
func helpAction(next urfave.ActionFunc) urfave.ActionFunc {
	return func(c *urfave.Context) error {
		topic := c.Args().First()
		lineage := c.Lineage()
		if topic == "" || !c.Command.HasName(helpModel.Name) || len(lineage) < 2 || next == nil {
			if next == nil {
				return nil
			}
			return next(c)
		}
		// The command whose help this is, and the commands it has, as
		// urfave's ShowCommandHelp looks them up.
		parent := lineage[1]
		commands := parent.App.Commands
		if parent.Command != nil && parent.Command.Subcommands != nil {
			commands = parent.Command.Subcommands
		}
		for _, cmd := range commands {
			if cmd.HasName(topic) {
				return next(c)
			}
		}
		return unknownCommandNamed(parent, topic)
	}
}

// privateHelpBefore is a Before hook that gives private help commands to
// the command running and to the subcommand it is about to run, then
// calls next (if any).
func privateHelpBefore(next urfave.BeforeFunc) urfave.BeforeFunc {
	return func(c *urfave.Context) error {
		subs := c.Command.Subcommands
		// The app's setup appended the shared one to the root's commands
		// (and never names it: urfave names the app's commands before).
		for i, s := range subs {
			if s == sharedHelp {
				h := newHelp()
				h.HelpName = c.App.HelpName + " " + h.Name
				subs[i] = h
			}
		}
		if sub := c.Command.Command(c.Args().First()); sub != nil && !sub.HideHelp && !sub.HideHelpCommand && sub.Command(helpModel.Name) == nil {
			sub.Subcommands = append(sub.Subcommands, newHelp())
		}
		if next != nil {
			return next(c)
		}
		return nil
	}
}
