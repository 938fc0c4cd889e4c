package completioncmd_test

import (
	"context"
	"io"

	"github.com/mlabctl/mlabctl/internal/cli"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/completioncmd"
	urfave "github.com/urfave/cli/v2"
)

// The names completion_test.go uses, from the package under test and the
// harness.
var (
	completionTree     = completioncmd.CompletionTree
	completionShells   = completioncmd.CompletionShells
	supportedShells    = completioncmd.SupportedShells
	fishQuote          = completioncmd.FishQuote
	fileCompletionFlag = completioncmd.FileCompletionFlag
	requireTool        = clitest.RequireTool
)

// newApp is the real command tree; its streams are not read.
func newApp(io.Reader, io.Writer, io.Writer) *urfave.App { return clitest.App() }

// run runs mlabctl in-process and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	in, _ := io.ReadAll(stdin)
	f, out, errOut := clitest.Factory(clitest.Invocation{Stdin: string(in)})
	code := cli.Run(ctx, args, f)
	io.WriteString(stdout, out.String())
	io.WriteString(stderr, errOut.String())
	return code
}
