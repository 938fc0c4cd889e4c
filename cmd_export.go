package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mlabctl/mlabctl/export"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// Flags of `mlabctl export`.
const (
	flagExportAccount = "account"
	flagExportOut     = "out"
)

// exportFileMode is the mode of a written export: it holds no secret, and
// is meant to be committed.
const exportFileMode = 0o644

// exportOptions are the resolved flags of one `mlabctl export`.
type exportOptions struct {
	// Account is the team account to switch into and export (--account);
	// empty exports the account of the token.
	Account string
	// Out is the file to write (-o); empty means stdout.
	Out    string
	Stdout io.Writer
	Stderr io.Writer
	// Now stamps the export's header.
	Now func() time.Time
	// connect opens the session.
	connect func(connectOptions) (*session, error)
}

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "Print the live account as a commented modelslab.yaml; plan on it shows no changes",
		UsageText: "mlabctl export [--account NAME] [-o FILE]",
		Description: `Reads the live account with read scopes only (profile, API keys, team) and writes it as
a modelslab.yaml: the profile, the social links that are set, the preferences, every API
key (name and notes; an id only where names repeat) and every team member and pending
invite. Secrets are never exported: API key values and access tokens do not appear.
access_tokens is left out (tokens belong to devices, not to the file).

Start managing an existing account with:
  mlabctl export -o modelslab.yaml && mlabctl plan   # No changes.`,
		Flags: withGlobals(
			&cli.StringFlag{Name: flagExportAccount, Usage: "export the team account `NAME` (switch-account into it first) and write account: NAME"},
			&cli.StringFlag{Name: flagExportOut, Aliases: []string{"o"}, Usage: "write the export to `FILE` instead of stdout (replaced atomically)"},
			emulatorFlag(),
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Errorf("export takes no arguments, got %q (write to a file with -o FILE)", c.Args().First())}
			}
			return runExport(c.Context, exportOptions{
				Account: c.String(flagExportAccount),
				Out:     c.String(flagExportOut),
				Stdout:  c.App.Writer,
				Stderr:  c.App.ErrWriter,
				Now:     time.Now,
				connect: func(co connectOptions) (*session, error) { return connect(c, co) },
			})
		},
	}
}

// exportScopes are the scopes export needs inside the account: it reads
// the profile, the API keys and the team, and changes nothing.
var exportScopes = []string{scopeProfileRead, scopeKeysRead, scopeTeamsRead}

// runExport is `mlabctl export`: connect with read scopes, fetch, render.
func runExport(ctx context.Context, o exportOptions) error {
	sess, err := o.connect(connectOptions{Command: "export", Scopes: normalizeScopes(exportScopes), Account: o.Account})
	if err != nil {
		return err
	}
	defer sess.Close()
	live, err := sess.Client.Fetch(ctx, remote.FetchOptions{APIKeys: true, Team: true})
	if err != nil {
		return explainAPIError(fmt.Errorf("reading the live account: %w", err))
	}
	if live.BaseURL == "" {
		live.BaseURL = sess.BaseURL
	}
	var out bytes.Buffer
	if err := export.Render(&out, live, export.Options{Account: o.Account, Time: o.Now()}); err != nil {
		return err
	}
	if o.Out == "" {
		if _, err := o.Stdout.Write(out.Bytes()); err != nil {
			return fmt.Errorf("writing the export: %w", err)
		}
		return nil
	}
	if err := atomicfile.Write(o.Out, out.Bytes(), exportFileMode); err != nil {
		return err
	}
	fmt.Fprintf(o.Stderr, "Exported account %q to %s (%d API keys, %d team members and invites).\n",
		live.Profile.Username, o.Out, len(live.APIKeys), len(live.Team))
	return nil
}
