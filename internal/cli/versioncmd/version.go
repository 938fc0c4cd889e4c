// Package versioncmd is `mlabctl version`: the version, VCS commit and Go
// version of the binary (cmdutil.Build).
package versioncmd

import (
	"fmt"
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print mlabctl's version, VCS commit and Go version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("version takes no arguments, got %q", c.Args().First())
			}
			return Write(f.IO.Out, f.Build)
		},
	}
}

// Write prints v as `mlabctl version` and `mlabctl --version` do.
func Write(w io.Writer, v cmdutil.Build) error {
	commit := v.Commit
	if v.Modified {
		commit += " (modified)"
	}
	_, err := fmt.Fprintf(w, "mlabctl %s\ncommit: %s\ngo: %s\n", v.Version, commit, v.GoVersion)
	return err
}
