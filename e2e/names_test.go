package e2e

import (
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	urfave "github.com/urfave/cli/v2"
)

// The CLI's names the tests use: environment variables and exit codes of
// CONTRACT.md, as package cmdutil defines them.
const (
	envBaseURL  = cmdutil.EnvBaseURL
	envToken    = cmdutil.EnvToken
	envFile     = cmdutil.EnvFile
	envNoColor  = cmdutil.EnvNoColor
	envEmail    = cmdutil.EnvEmail
	envPassword = cmdutil.EnvPassword

	exitError   = cmdutil.ExitError
	exitRefused = cmdutil.ExitRefused
	exitPartial = cmdutil.ExitPartial
	exitForced  = cmdutil.ExitForced
)

// testApp is the real command tree, for checking documented command lines
// against it (cmdline_check_test.go).
func testApp() *urfave.App { return clitest.App() }
