// Command mlabctl keeps a ModelsLab account equal to a modelslab.yaml kept in
// git: `plan` shows what would change, `apply` changes it.
//
// This file is deliberately thin: the command line is package
// internal/cli (one package per command under internal/cli/<name>cmd), and
// main only turns signals into a context and exits with the code cli.Main
// returns (CONTRACT.md's exit codes). It stays at the repository root so
// that `go install github.com/mlabctl/mlabctl@VERSION` and action.yml's
// `go install .` build the binary; which version it is comes from
// internal/buildinfo (stamped by release builds, else the build info).
package main

import (
	"os"

	"github.com/mlabctl/mlabctl/internal/cli"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
)

func main() {
	ios := iostreams.System()
	ctx, stop := cli.InterruptContext(ios)
	code := cli.Main(ctx, os.Args, ios)
	stop()
	os.Exit(code)
}
