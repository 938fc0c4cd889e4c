// Package versioncmd is `mlabctl version`: the version, VCS commit and Go
// version of the binary (cmdutil.Build).
package versioncmd

import (
	"fmt"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "Print mlabctl's version, VCS commit and Go version",
		Action: func(c *cli.Context) error {
			v := f.Build
			commit := v.Commit
			if v.Modified {
				commit += " (modified)"
			}
			_, err := fmt.Fprintf(f.IO.Out, "mlabctl %s\ncommit: %s\ngo: %s\n", v.Version, commit, v.GoVersion)
			return err
		},
	}
}
