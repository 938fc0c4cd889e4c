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
	"github.com/mlabctl/mlabctl/internal/cli/plancmd"
	"github.com/mlabctl/mlabctl/internal/cli/schemacmd"
	"github.com/mlabctl/mlabctl/internal/cli/validatecmd"
	"github.com/mlabctl/mlabctl/internal/cli/versioncmd"
	urfave "github.com/urfave/cli/v2"
)

// Main runs one invocation of mlabctl as a process, on the process's
// environment and clock, and returns its exit code. version is the version
// linked into the binary, or "".
func Main(ctx context.Context, args []string, ios *iostreams.IOStreams, version string) int {
	return Run(ctx, args, cmdutil.System(ios, version))
}

// Run executes one invocation of mlabctl (args[0] is the program name) with
// f, and returns its exit code. Errors are printed here, once, on stderr.
func Run(ctx context.Context, args []string, f *cmdutil.Factory) int {
	err := f.CheckEnv()
	if err == nil {
		err = runApp(ctx, NewApp(f), args)
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
		exportcmd.New(f),
		schemacmd.New(f),
		emulatorcmd.New(f),
		authcmd.New(f),
		completioncmd.New(f),
		versioncmd.New(f),
	}
	setUsageErrors(commands)
	return &urfave.App{
		Name:      "mlabctl",
		Usage:     "Manage a ModelsLab account as code: plan and apply modelslab.yaml",
		Version:   f.Build.Version,
		Reader:    f.IO.In,
		Writer:    f.IO.Out,
		ErrWriter: f.IO.ErrOut,
		Flags:     cmdutil.GlobalFlags(),
		Commands:  commands,
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
