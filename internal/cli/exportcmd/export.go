// Package exportcmd is `mlabctl export`: it reads the live account with
// read scopes only and prints it as a commented modelslab.yaml (package
// export renders it), on which plan shows no changes.
package exportcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/mlabctl/mlabctl/export"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// Flags of `mlabctl export`.
const (
	flagExportAccount = "account"
	flagExportOut     = "out"
	flagExportForce   = "force"
	// flagExportShortO is a hidden -o, defined only to refuse it: on plan
	// and auth -o is --output FORMAT, so `export -o json` must not write a
	// file named json.
	flagExportShortO = "o"
)

// exportFileMode is the mode of a written export: it holds no secret, and
// is meant to be committed.
const exportFileMode = 0o644

// Options are the resolved flags of one `mlabctl export`.
type Options struct {
	// Account is the team account to switch into and export (--account);
	// empty exports the account of the token.
	Account string
	// Out is the file to write (--out); empty means stdout.
	Out string
	// Force lets Out replace an existing file (--force).
	Force bool
	IO    *iostreams.IOStreams
	// Now stamps the export's header.
	Now func() time.Time
	// API opens the session.
	API cmdutil.API
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "Print the live account as a commented modelslab.yaml; plan on it shows no changes",
		UsageText: "mlabctl export [--account NAME] [--out FILE [--force]]",
		Description: `Reads the live account with read scopes only (profile, API keys, team) and writes it as
a modelslab.yaml: the profile, the social links that are set, the preferences, every API
key (name and notes; an id only where names repeat) and every team member and pending
invite. Secrets are never exported: API key values and access tokens do not appear.
access_tokens is left out (tokens belong to devices, not to the file).

--out FILE writes the export to FILE instead of stdout. It never replaces an existing
file unless --force: over a managed repository's modelslab.yaml it would drop protect,
policy and ignore, and the next plan would show no changes.

Start managing an existing account (in a repository without modelslab.yaml) with:
  mlabctl export --out modelslab.yaml && mlabctl plan   # No changes.
Compare a managed account with its live state with:
  mlabctl export > live.yaml`,
		Flags: cmdutil.WithGlobals(
			&cli.StringFlag{Name: flagExportAccount, Usage: "export the team account `NAME` (switch-account into it first) and write account: NAME"},
			&cli.StringFlag{Name: flagExportOut, TakesFile: true, Usage: "write the export to `FILE` instead of stdout; an existing FILE only with --force"},
			&cli.BoolFlag{Name: flagExportForce, Usage: "let --out replace an existing file (atomically)"},
			&cli.StringFlag{Name: flagExportShortO, Hidden: true, Usage: "not a flag of export: refused, naming --out FILE"},
			cmdutil.MaxWaitFlag("export fails (exit 1)"),
			cmdutil.EmulatorFlag(),
		),
		Action: func(c *cli.Context) error {
			if c.IsSet(flagExportShortO) {
				return cmdutil.UsageErrorf("export has no -o: write to a file with --out FILE (export prints YAML only; -o is --output FORMAT on plan and auth)")
			}
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("export takes no arguments, got %q (write to a file with --out FILE)", c.Args().First())
			}
			if c.Bool(flagExportForce) && c.String(flagExportOut) == "" {
				return cmdutil.UsageErrorf("--%s only goes with --%s FILE (it lets the export replace FILE)", flagExportForce, flagExportOut)
			}
			return run(c.Context, Options{
				Account: c.String(flagExportAccount),
				Out:     c.String(flagExportOut),
				Force:   c.Bool(flagExportForce),
				IO:      f.IO,
				Now:     f.NowFunc(),
				API:     f.API(c),
			})
		},
	}
}

// exportScopes are the scopes export needs inside the account: it reads
// the profile, the API keys and the team, and changes nothing.
var exportScopes = []string{remote.ScopeProfileRead, remote.ScopeAPIKeysRead, remote.ScopeTeamsRead}

// run is `mlabctl export`: connect with read scopes, fetch, render.
func run(ctx context.Context, o Options) error {
	if err := checkExportOut(o); err != nil {
		return err
	}
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "export", Scopes: cmdutil.NormalizeScopes(exportScopes), Account: o.Account})
	if err != nil {
		return err
	}
	defer sess.Close()
	live, err := sess.Client.Fetch(ctx, remote.FetchOptions{APIKeys: true, Team: true})
	if err != nil {
		return fmt.Errorf("reading the live account: %w", cmdutil.ExplainAPIError(err))
	}
	if live.BaseURL == "" {
		live.BaseURL = sess.BaseURL
	}
	var out bytes.Buffer
	if err := export.Render(&out, live, export.Options{Account: o.Account, Time: o.Now()}); err != nil {
		return err
	}
	if o.Out == "" {
		if _, err := o.IO.Out.Write(out.Bytes()); err != nil {
			return fmt.Errorf("writing the export: %w", err)
		}
		return nil
	}
	if err := atomicfile.Write(o.Out, out.Bytes(), exportFileMode); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "Exported account %q to %s (%d API keys, %d team members and invites).\n",
		live.Profile.Username, o.Out, len(live.APIKeys), len(live.Team))
	return nil
}

// checkExportOut refuses, before any request, an --out that can never be
// written (a device, FIFO, directory or dangling link: atomicfile.Check,
// --force or not) and one that names an existing file without --force. An
// export replaces the whole file: over a managed modelslab.yaml it silently
// drops protect, policy and ignore.
func checkExportOut(o Options) error {
	if o.Out == "" {
		return nil
	}
	if err := atomicfile.Check(o.Out); err != nil {
		return fmt.Errorf("--%s: %w", flagExportOut, err)
	}
	if o.Force {
		return nil
	}
	if _, err := os.Stat(o.Out); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("--%s %q: %w", flagExportOut, o.Out, err)
	}
	return fmt.Errorf("--%s %q exists; refusing to replace it (an export has no protect, policy or ignore): pass --%s to replace it, or export to a new file and compare", flagExportOut, o.Out, flagExportForce)
}
