package cli

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
)

// crashChildEnv makes this package's test binary, run again as a child
// process by TestPanicOutsideRunExits1, play one of crashScenarios instead
// of testing. Only this test file reads it: no mlabctl binary can be made
// to panic on purpose.
const crashChildEnv = "MLABCTL_CLI_CRASH_CHILD"

// crashScenarios are panics Run's recover cannot see, each played by runMain
// in a child process (os.Exit cannot be observed in-process).
var crashScenarios = map[string]func() int{
	// The factory is built before Run (cmdutil.System).
	"factory": func() int {
		return runMain([]string{"mlabctl", "validate"}, iostreams.System, func(*iostreams.IOStreams) *cmdutil.Factory {
			panic("factory\n::error::broken")
		})
	},
	// The password prompt reads in a goroutine of its own (ReadHidden).
	"password reader": func() int {
		newIO := func() *iostreams.IOStreams {
			ios, _, _ := iostreams.Test("")
			ios.Out, ios.ErrOut = os.Stdout, os.Stderr
			ios.SetStdinTTY(true)
			ios.SetHiddenInput(func() ([]byte, error) { panic("password reader\n::error::broken") })
			return ios
		}
		return runMain([]string{"mlabctl", "auth", "login", "--email", "ada@example.com", "--base-url", "http://127.0.0.1:1"}, newIO, cmdutil.System)
	},
}

// TestCrashChild is the child process of TestPanicOutsideRunExits1; it
// does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	name, ok := os.LookupEnv(crashChildEnv)
	if !ok {
		t.Skip("only run as TestPanicOutsideRunExits1's child process")
	}
	play := crashScenarios[name]
	if play == nil {
		t.Fatalf("no crash scenario %q", name)
	}
	os.Exit(play())
}

// TestPanicOutsideRunExits1: a panic outside Run's recover (while Main
// builds the factory, and in a goroutine: the password prompt's reader,
// started with crash.Go) is reported like one inside it (one escaped Error
// line saying where, the hint, the stack with MLABCTL_DEBUG) and exits 1,
// never Go's 2, which `plan --detailed-exitcode` means as "changes
// pending".
func TestPanicOutsideRunExits1(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ scenario, wantErr string }{
		{"factory", `Error: internal error: factory\n::error::broken (in internal/cli.init.func`},
		{"password reader", `Error: internal error: password reader\n::error::broken (in internal/cli.init.func`},
	} {
		for _, debug := range []string{"", "1"} {
			t.Run(tt.scenario+"/MLABCTL_DEBUG="+debug, func(t *testing.T) {
				t.Parallel()
				cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), crashChildEnv+"="+tt.scenario, cmdutil.EnvDebug+"="+debug, "GITHUB_ACTIONS=")
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != cmdutil.ExitError {
					t.Fatalf("child: %v, want exit 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
				}
				lines := strings.Split(stderr.String(), "\n")
				i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "Error: ") })
				if i < 0 || !strings.HasPrefix(lines[i], tt.wantErr) {
					t.Errorf("no line starting %q in stderr:\n%s", tt.wantErr, stderr.String())
				}
				if !strings.Contains(stderr.String(), "please report it at https://github.com/mlabctl/mlabctl/issues") {
					t.Errorf("no hint on how to report it:\n%s", stderr.String())
				}
				if hasStack := strings.Contains(stderr.String(), "goroutine "); hasStack != (debug == "1") {
					t.Errorf("MLABCTL_DEBUG=%q: stack shown %v\n%s", debug, hasStack, stderr.String())
				}
				if strings.Contains(stderr.String(), "panic: ") {
					t.Errorf("Go's own panic report escaped:\n%s", stderr.String())
				}
			})
		}
	}
}
