// Package mancmd is `mlabctl man`: the manual page of mlabctl, rendered by
// urfave/cli's ToManWithSection from the command tree the binary runs, so
// that it lists exactly the commands and flags `--help` does, plus the
// environment and the exit codes. docs/mlabctl.1 is its output, held
// current by a test (regenerate with `go generate ./internal/cli/mancmd`).
//
// It must not describe what the tree already says (commands, flags): only
// what --help has no place for.
package mancmd

//go:generate go test -run TestManPageIsCurrent -update .

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// section is the manual section of user commands.
const section = 1

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "man",
		Usage:     "Print mlabctl's manual page (roff), e.g. mlabctl man | man -l -",
		UsageText: "mlabctl man > mlabctl.1",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("man takes no arguments, got %q", c.Args().First())
			}
			page, err := Page(c.App)
			if err != nil {
				return err
			}
			_, err = io.WriteString(f.IO.Out, page)
			return err
		},
	}
}

// Page renders the manual page of app: its visible commands and flags
// (forPage), then the sections --help has no place for: the
// environment, the exit status and where to read more. app itself is not
// changed.
func Page(app *cli.App) (string, error) {
	page := *app
	page.Commands = forPage(app.Commands, "")
	page.Description = description
	out, err := page.ToManWithSection(section)
	if err != nil {
		return "", fmt.Errorf("rendering the manual page: %w", err)
	}
	var b strings.Builder
	b.WriteString(out)
	writeSection(&b, "ENVIRONMENT", "A flag wins over its variable.", environment)
	writeSection(&b, "EXIT STATUS", "", exitStatus)
	writeSection(&b, "SEE ALSO", seeAlso, nil)
	return asciiRoff(b.String()), nil
}

// asciiRoff writes every non-ASCII character (the "→" of flag usages) as
// roff's \[uXXXX] escape, which groff and mandoc render in any locale.
func asciiRoff(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\[u%04X]`, r)
	}
	return b.String()
}

// forPage returns copies of commands and their subcommands for the page:
// each named by its whole path after "mlabctl" ("auth tokens list"), since
// the page lists them all at one level, and without the help command
// urfave adds to each command it sets up.
func forPage(commands []*cli.Command, parent string) []*cli.Command {
	var out []*cli.Command
	for _, c := range commands {
		if c.Name == "help" {
			continue
		}
		cc := *c
		cc.Name = strings.TrimSpace(parent + " " + c.Name)
		cc.Subcommands = forPage(c.Subcommands, cc.Name)
		out = append(out, &cc)
	}
	return out
}

// description is the page's DESCRIPTION (markdown: urfave renders its page
// with go-md2man).
const description = "mlabctl keeps a ModelsLab account (profile, socials, preferences, API keys, team members " +
	"and invites, which access tokens may exist) equal to a **modelslab.yaml** kept in git. " +
	"**mlabctl plan** reads the live account and shows what would change; **mlabctl apply** makes the " +
	"changes in ordered, idempotent API calls. **mlabctl validate** checks the file offline."

// entry is one tagged paragraph of a section: a term and its text.
type entry struct{ term, text string }

var environment = []entry{
	{cmdutil.EnvBaseURL, "site root of the API (--base-url); default " + cmdutil.DefaultBaseURL + ". Plain http is accepted only on a loopback address."},
	{cmdutil.EnvToken, "access token (--token); prefer it to the flag, which shows in the process list."},
	{cmdutil.EnvEmail + ", " + cmdutil.EnvPassword, "without a token, plan and apply log in with these, asking only for the scopes they need, and log that token out on exit."},
	{cmdutil.EnvFile, "path of modelslab.yaml (-f); default " + cmdutil.DefaultFile + "."},
	{cmdutil.EnvNoColor, "any non-empty value: never colour the output (--no-color)."},
	{cmdutil.EnvDebug, "a boolean (1, true, yes, on, or 0, false, no, off): log every HTTP request to stderr, never a secret (--debug)."},
	{cmdutil.EnvStateDir, "apply's state directory (--state-dir): its journal and account lock, one subdirectory per API and account; default .mlabctl-state beside --secrets-out, else $XDG_STATE_HOME/mlabctl or ~/.local/state/mlabctl. Keep it between runs (a CI cache)."},
	{cmdutil.EnvTestNow, "for tests only: an RFC 3339 time at which mlabctl's clock (and mlabctl emulator's) stands still, to drive a rotation across days; never set it otherwise."},
}

var exitStatus = []entry{
	{fmt.Sprint(cmdutil.ExitOK), "success; with plan --detailed-exitcode, success and no changes."},
	{fmt.Sprint(cmdutil.ExitError), "an error before anything changed: an invalid file, flag, authentication, API or network error."},
	{fmt.Sprint(cmdutil.ExitChanges), "plan --detailed-exitcode only: success, and changes are pending."},
	{fmt.Sprint(cmdutil.ExitRefused), "refused by a safety rail, nothing changed: a protected key, a mass deletion, min_admins, a stale plan, a declined confirmation."},
	{fmt.Sprint(cmdutil.ExitPartial), "apply changed some things and then failed or was interrupted; its summary says what was done, failed and skipped, and a re-run converges."},
	{fmt.Sprint(cmdutil.ExitForced), "a second interrupt (Ctrl-C, or SIGTERM after SIGINT) stopped the run: apply waited briefly for the answers arriving, named the actions whose outcome is unknown, and the next apply settles them; other commands quit at once."},
}

const seeAlso = "The README and docs/ of https://github.com/mlabctl/mlabctl; mlabctl schema prints the JSON Schema of modelslab.yaml."

// writeSection appends a roff section: a heading, an optional paragraph,
// and tagged paragraphs, in the layout go-md2man gives the rest.
func writeSection(b *strings.Builder, heading, intro string, entries []entry) {
	fmt.Fprintf(b, "\n.SH %s\n", heading)
	if intro != "" {
		b.WriteString(roffText(intro) + "\n")
	}
	for _, e := range entries {
		fmt.Fprintf(b, ".TP\n\\fB%s\\fP\n%s\n", roffText(e.term), roffText(e.text))
	}
}

// roffText escapes text for a roff line: backslashes, and a leading dot or
// quote, which would make the line a request.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
