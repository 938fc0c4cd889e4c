// Package schemacmd is `mlabctl schema`: it prints the embedded JSON Schema
// of modelslab.yaml, for editors (`# yaml-language-server: $schema=…`) and
// other tools, or with --plan the JSON Schema of the JSON plan (`plan -o
// json`), for scripts that consume plans. Both are compiled into the
// binary, so they always match what this version accepts and prints.
package schemacmd

import (
	"io"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/schema"
	"github.com/urfave/cli/v2"
)

// flagPlan selects the schema of the JSON plan.
const flagPlan = "plan"

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "Print the JSON Schema (draft 2020-12) of modelslab.yaml, or of the JSON plan with --plan",
		UsageText: "mlabctl schema > modelslab.schema.json\nmlabctl schema --plan > plan.schema.json",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagPlan, Usage: "print the schema of the JSON plan (plan -o json) instead"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("schema takes no arguments, got %q", c.Args().First())
			}
			text := schema.JSON()
			if c.Bool(flagPlan) {
				text = schema.PlanJSON()
			}
			_, err := io.WriteString(f.IO.Out, text)
			return err
		},
	}
}
