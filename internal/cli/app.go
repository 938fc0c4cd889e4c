package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mlabctl/mlabctl/internal/cli/applycmd"
	"github.com/mlabctl/mlabctl/internal/cli/authcmd"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/completioncmd"
	"github.com/mlabctl/mlabctl/internal/cli/emulatorcmd"
	"github.com/mlabctl/mlabctl/internal/cli/exportcmd"
	"github.com/mlabctl/mlabctl/internal/cli/fmtcmd"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/internal/cli/mancmd"
	"github.com/mlabctl/mlabctl/internal/cli/plancmd"
	"github.com/mlabctl/mlabctl/internal/cli/schemacmd"
	"github.com/mlabctl/mlabctl/internal/cli/showcmd"
	"github.com/mlabctl/mlabctl/internal/cli/validatecmd"
	"github.com/mlabctl/mlabctl/internal/cli/versioncmd"
	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/internal/suggest"
	urfave "github.com/urfave/cli/v2"
)

// Main runs one invocation of mlabctl as the process (args are os.Args),
// on the process's streams, signals, environment, clock and build
// information, and returns its exit code. A panic never escapes as Go's
// exit 2: one while setting the run up is reported here, one in a command
// by Run, and one in any other goroutine (crash.Go) by the handler Main
// sets, which exits 1 at once after restoring the terminal.
func Main(args []string) int {
	return runMain(args, iostreams.System, cmdutil.System)
}

// runMain is Main with the constructors of the streams and the factory
// given, so that a test can make them panic.
func runMain(args []string, newIO func() *iostreams.IOStreams, newFactory func(*iostreams.IOStreams) *cmdutil.Factory) (code int) {
	defer func() {
		// Before the streams exist (or after Run), stderr is the
		// process's: the message is one escaped line either way.
		if v := recover(); v != nil {
			code = printCrash(os.Stderr, os.Getenv, crash.Recovered(v))
		}
	}()
	ios := newIO()
	ctx, stop := InterruptContext(ios)
	defer stop()
	f := newFactory(ios)
	restore := ios.SaveTerminal()
	var reporting sync.Mutex
	crash.SetHandler(func(e *crash.Error) {
		// Never unlocked: the first goroutine's panic is reported and
		// exits the process; another one's waits for that exit.
		reporting.Lock()
		restore()
		// A goroutine's panic may come in the middle of a line (a prompt,
		// the progress line): the report starts on a line of its own.
		fmt.Fprintln(f.IO.ErrOut)
		os.Exit(printCrash(f.IO.ErrOut, f.Getenv, e))
	})
	// The handler stays after Run: a goroutine still running then (an
	// abandoned prompt reader) belongs to this process too.
	return Run(ctx, args, f)
}

// Run executes one invocation of mlabctl (args[0] is the program name) with
// f, and returns its exit code. Errors are printed here, once, on stderr.
// A panic (a bug) does not escape: it is reported as an internal error with
// where it happened and how to report it, and exits 1, never Go's 2, which
// `plan --detailed-exitcode` means as "changes pending".
func Run(ctx context.Context, args []string, f *cmdutil.Factory) (code int) {
	flush := f.GuardStreams()
	defer flush()
	defer func() {
		if v := recover(); v != nil {
			code = reportCrash(f, crash.Recovered(v))
		}
	}()
	err := f.CheckEnv()
	if err == nil {
		err = NewApp(f).RunContext(ctx, args)
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	code = cmdutil.ExitCode(err)
	// Errors that were already reported (diagnostics, a refused plan that
	// printed its reasons) carry no further message.
	// The message is escaped here, whatever it quotes: each line with
	// safetext.Line, every line after the first indented, so that a line
	// break from live text can never start a line of its own (a workflow
	// command under GitHub Actions).
	if msg := err.Error(); msg != "" && !errors.Is(err, cmdutil.ErrReported) {
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", safetext.Message(msg))
	}
	return code
}

// reportCrash prints a recovered panic: one Error line saying where, what
// to do about it, and the stack with MLABCTL_DEBUG (or --debug, which
// cannot be read once a command has panicked, so only the variable counts).
// If apply was running, some changes may have been made: the hint says how
// to see them.
func reportCrash(f *cmdutil.Factory, e *crash.Error) int {
	return printCrash(f.IO.ErrOut, f.Getenv, e)
}

// printCrash is reportCrash on w, with the environment read by getenv.
func printCrash(w io.Writer, getenv func(string) string, e *crash.Error) int {
	fmt.Fprintf(w, "Error: %s\n", e.Error())
	fmt.Fprintf(w, "  %s;\n  if this was apply, run `mlabctl plan` to see what it changed before it stopped.\n", e.Hint())
	if debug, ok := cmdutil.ParseBool(getenv(cmdutil.EnvDebug)); ok && debug {
		fmt.Fprintf(w, "\n%s", safetext.Message(string(e.Stack)))
	}
	return cmdutil.ExitError
}

// NewApp builds the command tree: one constructor per command package,
// each handed the run's factory.
func NewApp(f *cmdutil.Factory) *urfave.App {
	commands := []*urfave.Command{
		validatecmd.New(f),
		plancmd.New(f),
		applycmd.New(f),
		showcmd.New(f),
		exportcmd.New(f),
		fmtcmd.New(f),
		schemacmd.New(f),
		emulatorcmd.New(f),
		authcmd.New(f),
		completioncmd.New(f),
		mancmd.New(f),
		versioncmd.New(f),
	}
	setUsageErrors(commands)
	setUnknownCommands(commands)
	app := &urfave.App{
		Name:    "mlabctl",
		Usage:   "Manage a ModelsLab account as code: plan and apply modelslab.yaml",
		Version: f.Build.Version,
		// --version is versionFlag, printed by Action: urfave's own flag
		// and printer are package variables, shared by every app.
		Reader:    f.IO.In,
		Writer:    f.IO.Out,
		ErrWriter: f.IO.ErrOut,
		Flags:     append(cmdutil.GlobalFlags(), newVersionFlag()),
		Commands:  commands,
		Before:    refuseVersionWithCommand,
		Action: func(c *urfave.Context) error {
			if c.Bool(flagVersion) {
				return versioncmd.Write(f.IO.Out, f.Build)
			}
			return unknownCommand(c)
		},
		// Errors are returned to Run, which owns exit codes; urfave must
		// not call os.Exit itself.
		ExitErrHandler:         func(*urfave.Context, error) {},
		HideVersion:            true,
		UseShortOptionHandling: true,
		Suggest:                true,
		// Repeatable flags take one value each time: an address given to
		// --allow-delete, --replace or --target may hold a comma (a key
		// named "ci,eu"), which urfave would split into two.
		DisableSliceFlagSeparator: true,
		OnUsageError:              onUsageError,
	}
	withPrivateHelp(app)
	return app
}

// unknownCommand is the action of the app and of every command that only
// groups subcommands (auth, auth tokens): without an argument it shows the
// help, as before; with one, the argument names no command, which is a
// usage error worded like the others: `unknown command "bogus"; did you
// mean "plan"?` (see --help), exit 1. urfave/cli would say "No help topic
// for 'bogus'".
func unknownCommand(c *urfave.Context) error {
	if !c.Args().Present() {
		if len(commandPath(c)) == 0 {
			return urfave.ShowAppHelp(c)
		}
		return urfave.ShowSubcommandHelp(c)
	}
	return unknownCommandNamed(c, c.Args().First())
}

// unknownCommandNamed is the usage error of name, which names no command
// of the command c runs (the app's own, at the root): with the closest
// command's name, else the list of them.
func unknownCommandNamed(c *urfave.Context, name string) error {
	path := commandPath(c)
	commands := c.App.Commands
	where := ""
	if len(path) > 0 {
		commands = c.Command.Subcommands
		where = fmt.Sprintf(" for %q", strings.Join(append([]string{"mlabctl"}, path...), " "))
	}
	var names, listed []string
	for _, cmd := range commands {
		if !cmd.Hidden {
			// One-letter aliases (help's h) are no suggestion: every
			// one-letter typo would be "did you mean h?".
			for _, n := range cmd.Names() {
				if len(n) > 1 {
					names = append(names, n)
				}
			}
			if cmd.Name != "help" {
				listed = append(listed, cmd.Name)
			}
		}
	}
	if s := suggest.Closest(name, names); s != "" {
		return cmdutil.UsageErrorf("unknown command %q%s; did you mean %q?", name, where, s)
	}
	if len(listed) == 0 {
		return cmdutil.UsageErrorf("unknown command %q%s, which has no subcommands", name, where)
	}
	return cmdutil.UsageErrorf("unknown command %q%s; the commands are %s", name, where, strings.Join(listed, ", "))
}

// commandPath is the names of the commands c runs in, from the root's
// child down ("auth", "tokens"); empty for the app itself.
func commandPath(c *urfave.Context) []string {
	var path []string
	for _, ctx := range c.Lineage() {
		if ctx.Command != nil && ctx.Command.Name != "" {
			path = append([]string{ctx.Command.Name}, path...)
		}
	}
	// The outermost command is the app's own root command.
	if len(path) > 0 && path[0] == c.App.Name {
		path = path[1:]
	}
	return path
}

// setUnknownCommands gives every command that only groups subcommands the
// unknownCommand action.
func setUnknownCommands(commands []*urfave.Command) {
	for _, c := range commands {
		if len(c.Subcommands) > 0 {
			if c.Action == nil {
				c.Action = unknownCommand
			}
			setUnknownCommands(c.Subcommands)
		}
	}
}

// onUsageError turns a malformed command line into an error for Run to
// print on stderr (exit 1). Without it urfave prints "Incorrect Usage" and
// the whole help on stdout, where a redirected plan would receive it.
func onUsageError(_ *urfave.Context, err error, _ bool) error { return cmdutil.UsageError(err) }

// setUsageErrors gives every command of the tree the app's usage-error
// handling: urfave/cli applies App.OnUsageError to the app's own flags only.
func setUsageErrors(commands []*urfave.Command) {
	for _, c := range commands {
		if c.OnUsageError == nil {
			c.OnUsageError = onUsageError
		}
		setUsageErrors(c.Subcommands)
	}
}

// flagVersion is `mlabctl --version`, which prints what `mlabctl version`
// prints.
const flagVersion = "version"

// newVersionFlag returns the --version flag, a new one for every app: a
// flag holds its parsed value, so one shared by apps would be shared state.
func newVersionFlag() urfave.Flag {
	return &urfave.BoolFlag{Name: flagVersion, Usage: "print the version, VCS commit and Go version (as mlabctl version does)"}
}

// refuseVersionWithCommand refuses --version before a command: urfave would
// run the command and drop the flag silently.
func refuseVersionWithCommand(c *urfave.Context) error {
	if c.Bool(flagVersion) && c.Args().Present() {
		return cmdutil.UsageErrorf("--%s takes no command (got %q); run `mlabctl version`", flagVersion, c.Args().First())
	}
	return nil
}
