// Command mlabctl keeps a ModelsLab account equal to a modelslab.yaml kept in
// git: `plan` shows what would change, `apply` changes it.
//
// This file is deliberately thin: the command line is package
// internal/cli (one package per command under internal/cli/<name>cmd), and
// main only exits with the code cli.Main returns (CONTRACT.md's exit
// codes); cli.Main sets up the streams and signals, so that a panic there
// is reported like any other (exit 1, never Go's 2). It stays at the
// repository root so that `go install github.com/mlabctl/mlabctl@VERSION`
// and action.yml's `go install .` build the binary; which version it is comes from
// internal/buildinfo (stamped by release builds, else the build info).
package main

import (
	"os"

	"github.com/mlabctl/mlabctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}
