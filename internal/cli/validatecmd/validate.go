// Package validatecmd is `mlabctl validate`: it checks modelslab.yaml
// offline, touching no network, so it runs in any CI job before credentials
// exist.
package validatecmd

import (
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// Options are the inputs of `mlabctl validate`.
type Options struct {
	File   string
	IO     *iostreams.IOStreams
	GitHub ghactions.Runner
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "Check modelslab.yaml offline (schema and semantic checks); exit 0 if valid, 1 if not",
		UsageText: "mlabctl validate [-f FILE]",
		Description: "Every problem is printed on stderr as FILE:LINE:COL: message (and as an ::error annotation\n" +
			"under GitHub Actions). Nothing is read from the network: no token is needed.",
		Flags: cmdutil.WithFileGlobals(),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("validate takes no arguments, got %q; name the file with -f", c.Args().First())
			}
			return run(Options{
				File:   f.Globals(c).File,
				IO:     f.IO,
				GitHub: f.GitHub(),
			})
		},
	}
}

// run loads the file and prints one OK line saying what it manages, or the
// diagnostics.
func run(o Options) error {
	s, err := cmdutil.LoadSpecFile(o.File, o.IO.ErrOut, o.GitHub)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out, validSummary(o.File, s))
	return nil
}

// validSummary is the OK line: "modelslab.yaml: OK (3 API keys, 4 team
// members)", naming only the list sections the file manages.
func validSummary(file string, s *spec.Spec) string {
	var parts []string
	if s.Account != "" {
		parts = append(parts, fmt.Sprintf("account %q", s.Account))
	}
	if s.APIKeysSet {
		parts = append(parts, countNoun(len(s.APIKeys), "API key", "API keys"))
	}
	if s.TeamSet {
		parts = append(parts, countNoun(len(s.Team), "team member", "team members"))
	}
	if len(parts) == 0 {
		return file + ": OK"
	}
	return file + ": OK (" + strings.Join(parts, ", ") + ")"
}

// countNoun renders "1 API key" or "3 API keys".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
