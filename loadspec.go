package main

import (
	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// loadSpec loads the file named by -f/--file (MODELSLAB_FILE). On invalid
// input it prints every diagnostic as FILE:LINE:COL: message on stderr (and
// as ::error annotations under GitHub Actions) and returns an error that
// exits 1 without printing more. Every command that reads modelslab.yaml goes
// through here.
//
// SCAFFOLDING: the spec owner completes the diagnostics printing.
func loadSpec(c *cli.Context) (*spec.Spec, error) {
	return spec.Load(globals(c).File)
}
