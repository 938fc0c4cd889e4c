package e2e

// The harness of the end-to-end tests: they build the real binary once and
// run it against an emulator served by httptest, checking exit codes, output
// and the emulator's final state. Each area has its own e2e_<area>_test.go.
// The tests run in the repository's root (TestMain changes into it), where
// the files they read live: README.md, docs/, examples/, action.yml. What
// they check beyond the process (files, secrets, the emulator's requests)
// is clitest's and emulatortest's, shared with the in-process tests.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	urfave "github.com/urfave/cli/v2"
)

// binPath is the mlabctl binary built by TestMain.
var binPath string

// repoRoot is the repository's root, the parent of this package's
// directory (where go test starts the test binary).
var repoRoot = func() string {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return root
}()

func TestMain(m *testing.M) {
	if _, err := os.Stat(filepath.Join(repoRoot, "go.mod")); err != nil {
		fmt.Fprintln(os.Stderr, "the end-to-end tests run from e2e/ in the repository:", err)
		os.Exit(1)
	}
	if err := os.Chdir(repoRoot); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "mlabctl-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "mlabctl")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building mlabctl for the end-to-end tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testEmulator is an emulator served on loopback for one test.
type testEmulator = emulatortest.Server

// startEmulator serves a fresh emulator seeded with the demo account
// (emulatortest.Start).
var startEmulator = emulatortest.Start

// cliResult is what one run of the binary produced: what an in-process
// run (clitest.Run) returns, so that the clitest assertions take either.
type cliResult = clitest.Result

// cliRun describes one run of the binary.
type cliRun struct {
	Args  []string
	Env   map[string]string // added to a minimal environment (PATH, HOME)
	Stdin string
	Dir   string
}

// runCLI runs the built binary with a minimal environment: nothing of the
// developer's MODELSLAB_* or GITHUB_* variables leaks into a test.
func runCLI(t testing.TB, r cliRun) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, r.Args...)
	cmd.Dir = r.Dir
	cmd.Env = childEnv(t, r.Env)
	cmd.Stdin = strings.NewReader(r.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running mlabctl %v: %v", r.Args, err)
		}
		code = ee.ExitCode()
	}
	return cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// childEnv is the environment of a process a test starts: PATH, HOME in a
// fresh directory, and env. Nothing of the developer's MODELSLAB_* or
// GITHUB_* variables leaks into a test.
func childEnv(t testing.TB, env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// cliProcess is a run of the binary that a test watches while it runs.
type cliProcess struct {
	cmd *exec.Cmd
	// Stdout is the binary's standard output, read as it is written.
	Stdout io.Reader
	stderr strings.Builder
}

// startCLI starts the built binary as runCLI runs it (same environment),
// for a test that acts while it runs, such as sending it a signal. The
// process is killed at the end of the test if it still runs.
func startCLI(t testing.TB, r cliRun) *cliProcess {
	t.Helper()
	p := &cliProcess{cmd: exec.Command(binPath, r.Args...)}
	p.cmd.Dir = r.Dir
	p.cmd.Env = childEnv(t, r.Env)
	p.cmd.Stdin = strings.NewReader(r.Stdin)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.Stdout = stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting mlabctl %v: %v", r.Args, err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// Signal sends sig to the process.
func (p *cliProcess) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling mlabctl: %v", err)
	}
}

// Wait waits for the process to exit, once Stdout has been read to its
// end, and returns its exit code and its stderr.
func (p *cliProcess) Wait(t testing.TB) (code int, stderr string) {
	t.Helper()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("waiting for mlabctl: %v", err)
	}
	return code, p.stderr.String()
}

// exampleFile is the README's example, relative to the repository's root
// where the tests run.
const exampleFile = "examples/modelslab.yaml"

// Names the files shared with other work in progress use
// (e2e_workflows_test.go, examples_test.go, e2e_github_test.go's action
// tests) for helpers that moved to clitest.
var (
	assertNoSecrets = clitest.AssertNoSecrets
	readOptional    = clitest.ReadOptional
	demoEnv         = clitest.DemoEnv
)

// requireTool skips a test that needs a program that is not installed,
// unless CI requires it (see clitest.RequireTool).
var requireTool = clitest.RequireTool

// testApp is the real command tree, for checking documented command lines
// against it (cmdline_check_test.go).
func testApp() *urfave.App { return clitest.App() }
