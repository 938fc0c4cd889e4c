package main

import (
	"fmt"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"io"
	"os"
	"strings"

	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// validateOptions are the inputs of `mlabctl validate`.
type validateOptions struct {
	File   string
	Stdout io.Writer
	Stderr io.Writer
	GitHub ghactions.Runner
}

// validateCommand is `mlabctl validate`: it checks modelslab.yaml offline,
// touching no network, so it runs in any CI job before credentials exist.
func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "Check modelslab.yaml offline (schema and semantic checks); exit 0 if valid, 1 if not",
		UsageText: "mlabctl validate [-f FILE]",
		Description: "Every problem is printed on stderr as FILE:LINE:COL: message (and as an ::error annotation\n" +
			"under GitHub Actions). Nothing is read from the network: no token is needed.",
		Flags: withGlobals(),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Errorf("validate takes no arguments, got %q; name the file with -f", c.Args().First())}
			}
			return runValidate(validateOptions{
				File:   globals(c).File,
				Stdout: c.App.Writer,
				Stderr: c.App.ErrWriter,
				GitHub: ghactions.New(os.Getenv, c.App.ErrWriter),
			})
		},
	}
}

// runValidate loads the file and prints one OK line saying what it manages,
// or the diagnostics.
func runValidate(opts validateOptions) error {
	s, err := loadSpecFile(opts.File, opts.Stderr, opts.GitHub)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.Stdout, validSummary(opts.File, s))
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
