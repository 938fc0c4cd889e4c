// Package schemacmd is `mlabctl schema`: it prints the embedded JSON Schema
// of modelslab.yaml, for editors (`# yaml-language-server: $schema=…`) and
// other tools. The schema is compiled into the binary, so it always matches
// what this version of validate accepts.
package schemacmd

import (
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/schema"
	"github.com/urfave/cli/v2"
)

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "Print the JSON Schema (draft 2020-12) of modelslab.yaml",
		UsageText: "mlabctl schema > modelslab.schema.json",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("schema takes no arguments, got %q", c.Args().First())
			}
			_, err := io.WriteString(f.IO.Out, schema.JSON())
			return err
		},
	}
}
