package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlabctl/mlabctl/internal/cli/applycmd"
	"github.com/mlabctl/mlabctl/internal/cli/authcmd"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/completioncmd"
	"github.com/mlabctl/mlabctl/internal/cli/emulatorcmd"
	"github.com/mlabctl/mlabctl/internal/cli/exportcmd"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/internal/cli/mancmd"
	"github.com/mlabctl/mlabctl/internal/cli/plancmd"
	"github.com/mlabctl/mlabctl/internal/cli/schemacmd"
	"github.com/mlabctl/mlabctl/internal/cli/showcmd"
	"github.com/mlabctl/mlabctl/internal/cli/validatecmd"
	"github.com/mlabctl/mlabctl/internal/cli/versioncmd"
	urfave "github.com/urfave/cli/v2"
)

// Main runs one invocation of mlabctl as a process, on the process's
// environment, clock and build information, and returns its exit code.
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams) int {
	return Run(ctx, args, cmdutil.System(ios))
}

// Run executes one invocation of mlabctl (args[0] is the program name) with
// f, and returns its exit code. Errors are printed here, once, on stderr.
func Run(ctx context.Context, args []string, f *cmdutil.Factory) int {
	err := f.CheckEnv()
	if err == nil {
		err = NewApp(f).RunContext(ctx, args)
	}
	if err == nil {
		return cmdutil.ExitOK
	}
	code := cmdutil.ExitCode(err)
	// Errors that were already reported (diagnostics, a refused plan that
	// printed its reasons) carry no further message.
	if msg := err.Error(); msg != "" && !errors.Is(err, cmdutil.ErrReported) {
		fmt.Fprintf(f.IO.ErrOut, "Error: %s\n", iostreams.SanitizeMessage(msg))
	}
	return code
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
		schemacmd.New(f),
		emulatorcmd.New(f),
		authcmd.New(f),
		completioncmd.New(f),
		mancmd.New(f),
		versioncmd.New(f),
	}
	setUsageErrors(commands)
	return &urfave.App{
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
			return showHelp(c)
		},
		// Errors are returned to Run, which owns exit codes; urfave must
		// not call os.Exit itself.
		ExitErrHandler:         func(*urfave.Context, error) {},
		HideVersion:            true,
		UseShortOptionHandling: true,
		Suggest:                true,
		OnUsageError:           onUsageError,
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

// showHelp is what `mlabctl` without a command does, as urfave's default:
// the app's help, or with an argument that is no command, urfave's answer
// to `mlabctl help ARG`.
func showHelp(c *urfave.Context) error {
	if c.Args().Present() {
		return urfave.ShowCommandHelp(c, c.Args().First())
	}
	return urfave.ShowAppHelp(c)
}
