// Command mlabctl keeps a ModelsLab account equal to a modelslab.yaml kept in
// git: `plan` shows what would change, `apply` changes it.
//
// This file is deliberately thin: the command line is package
// internal/cli (one package per command under internal/cli/<name>cmd), and
// main only turns signals into a context and exits with the code cli.Main
// returns (CONTRACT.md's exit codes). It stays at the repository root so
// that `go install github.com/mlabctl/mlabctl@VERSION` and action.yml's
// `go install .` build the binary.
package main

import (
	"os"

	"github.com/mlabctl/mlabctl/internal/cli"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
)

// version is set at link time by release builds
// (-ldflags "-X main.version=v1.2.3"); otherwise the module version from the
// build info is used, or "dev".
var version = ""

func main() {
	ios := iostreams.System()
	ctx, stop := cli.InterruptContext(ios)
	code := cli.Main(ctx, os.Args, ios, version)
	stop()
	os.Exit(code)
}
