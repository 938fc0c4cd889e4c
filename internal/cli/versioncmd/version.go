// Package versioncmd is `mlabctl version` (and `mlabctl --version`, which
// prints the same text): the version, VCS commit and Go version of the
// binary, as internal/buildinfo reads them.
package versioncmd

import (
	"io"

	"github.com/mlabctl/mlabctl/internal/buildinfo"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/urfave/cli/v2"
)

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "Print mlabctl's version, VCS commit and Go version",
		UsageText: "mlabctl version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("version takes no arguments, got %q", c.Args().First())
			}
			return Write(f.IO.Out, f.Build)
		},
	}
}

// Write prints b as `mlabctl version` and `mlabctl --version` do.
func Write(w io.Writer, b buildinfo.Info) error {
	_, err := io.WriteString(w, b.String())
	return err
}
