// Package clitest runs whole mlabctl command lines in-process, for tests:
// the real command tree (cli.Run) on a fresh cmdutil.Factory with fake
// streams, an environment map instead of the process's environment, and a
// retry backoff shortened so that no test waits through the real one.
// Tests using it can run in parallel (t.Parallel): nothing is shared.
//
// A command test looks like this:
//
//	func TestPlanShowsChanges(t *testing.T) {
//		t.Parallel()
//		em := emulatortest.Start(t)
//		res := clitest.Run(t, clitest.Invocation{
//			Args: []string{"plan", "-f", "testdata/modelslab.yaml"},
//			Env:  clitest.DemoEnv(em),
//		})
//		if res.Code != 0 || !strings.Contains(res.Stdout, "Plan: ") { … }
//	}
//
// What only a real process shows (signals, a real terminal, the exit code
// of the binary) belongs in the binary-level suite under e2e/.
//
// A command package tests itself through clitest from an external test
// package (package plancmd_test): clitest imports package cli, which imports
// every command package.
package clitest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/buildinfo"
	"github.com/mlabctl/mlabctl/internal/cli"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/mlabctl/mlabctl/remote"
	urfave "github.com/urfave/cli/v2"
)

// Invocation is one command line to run.
type Invocation struct {
	// Args are the arguments after "mlabctl".
	Args []string
	// Env is the whole environment of the run: nothing of the test
	// process's MODELSLAB_* or GITHUB_* variables leaks in. Unless it
	// names MLABCTL_STATE_DIR, Run and Start set it to a directory of the
	// test's own, so that apply's state (journal, account lock) never
	// lands in the home of whoever runs the tests; set it to "" for
	// apply's default (beside --secrets-out), or to one directory for
	// runs that must share a lock. Likewise XDG_STATE_HOME (where apply's
	// per-user account lock lives, apply.UserStateRoot) is a directory of
	// the test's own unless Env names it.
	Env map[string]string
	// Stdin is what the command reads on stdin.
	Stdin string
	// StdinTTY and StdoutTTY make stdin and stdout pretend to be
	// terminals (prompts, progress lines, secrets shown once). Colour
	// follows StdoutTTY unless Env sets NO_COLOR.
	StdinTTY, StdoutTTY bool
	// StdoutFile makes stdout pretend to be redirected to a file
	// (`> apply.log`) rather than a pipe, which it is otherwise.
	StdoutFile bool
	// Password answers a no-echo prompt (a password typed at the
	// terminal); nil means there is none. It needs StdinTTY.
	Password func() ([]byte, error)
	// Now is the run's clock; nil means time.Now.
	Now func() time.Time
	// RetryBackoff is the API client's first retry wait; 0 means 1ms.
	RetryBackoff time.Duration
	// Clock is the time the API clients wait for the rate limit in; nil
	// means the real clock. Give an emulatortest.Clock (and its Now to the
	// emulator) to run a minute's window in no time.
	Clock remote.Clock
	// Build is which mlabctl the run is (`version`, plan files, the
	// User-Agent); the zero value means the test binary's own,
	// buildinfo.Read().
	Build buildinfo.Info
	// Context is the run's context (cancel it to play Ctrl-C); nil means
	// one that ends with the test, or after two minutes.
	Context context.Context
}

// Result is what one run printed and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs inv in-process and returns what it printed and its exit code.
func Run(t testing.TB, inv Invocation) Result {
	t.Helper()
	inv.Env = withStateDir(t, inv.Env)
	f, stdout, stderr := factory(inv)
	ctx := inv.Context
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
	}
	code := cli.Run(ctx, append([]string{"mlabctl"}, inv.Args...), f)
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
}

// Mlabctl runs args with env and no stdin.
func Mlabctl(t testing.TB, env map[string]string, args ...string) Result {
	t.Helper()
	return Run(t, Invocation{Args: args, Env: env})
}

// Running is a command line running in the background (Start).
type Running struct {
	stdout, stderr fmt.Stringer
	interrupt      context.CancelFunc
	interrupts     *cmdutil.Interrupts
	done           chan struct{}
	code           int
}

// Start runs inv in-process in the background, for a command that runs
// until interrupted (`mlabctl emulator`) or a test that acts while it runs.
// Its context is inv.Context (or a new one) made cancellable: Interrupt
// plays the first Ctrl-C. The run is interrupted and waited for at the end
// of the test if it still runs.
func Start(t testing.TB, inv Invocation) *Running {
	t.Helper()
	inv.Env = withStateDir(t, inv.Env)
	f, stdout, stderr := factory(inv)
	parent := inv.Context
	if parent == nil {
		parent = context.Background()
	}
	interrupts := cmdutil.NewInterrupts()
	ctx, interrupt := context.WithTimeout(cmdutil.WithInterrupts(parent, interrupts), 2*time.Minute)
	r := &Running{stdout: stdout, stderr: stderr, interrupt: interrupt, interrupts: interrupts, done: make(chan struct{})}
	crash.Go(func() {
		defer close(r.done)
		r.code = cli.Run(ctx, append([]string{"mlabctl"}, inv.Args...), f)
	})
	t.Cleanup(func() {
		interrupt()
		<-r.done
	})
	return r
}

// Stdout is what the run printed on stdout so far.
func (r *Running) Stdout() string { return r.stdout.String() }

// Stderr is what the run printed on stderr so far.
func (r *Running) Stderr() string { return r.stderr.String() }

// Interrupt cancels the run's context, as the first Ctrl-C does
// (cli.InterruptContext).
func (r *Running) Interrupt() { r.interrupt() }

// Force plays the second Ctrl-C after Interrupt: it reports whether the
// command held the interrupts (cmdutil.Interrupts.Hold) and so took it;
// false means that a real process would have quit at once
// (cli.InterruptContext), which an in-process run cannot show.
func (r *Running) Force() bool { return r.interrupts.Force() }

// Wait waits for the run to end and returns what it printed and its exit
// code.
func (r *Running) Wait() Result {
	<-r.done
	return Result{Stdout: r.stdout.String(), Stderr: r.stderr.String(), Code: r.code}
}

// Factory is the factory Run uses for inv, with its stdout and stderr, for
// a test that needs the command tree itself (NewApp).
func Factory(inv Invocation) (f *cmdutil.Factory, stdout, stderr fmt.Stringer) {
	return factory(inv)
}

// EnvStateDir is the environment variable naming apply's state directory
// (its journal and lock; apply.StateRoot).
const EnvStateDir = cmdutil.EnvStateDir

// testDirs are the state directories of the tests running, one of each
// kind per test.
var testDirs sync.Map // testDirKey → string

// testDirKey names one test's directory of one kind (an environment
// variable).
type testDirKey struct {
	t   testing.TB
	env string
}

// testDir returns the test's directory for the variable env, the same for
// every command line the test runs.
func testDir(t testing.TB, env string) string {
	key := testDirKey{t, env}
	dir, ok := testDirs.Load(key)
	if !ok {
		d := t.TempDir()
		var loaded bool
		dir, loaded = testDirs.LoadOrStore(key, d)
		if !loaded {
			t.Cleanup(func() { testDirs.Delete(key) })
		}
	}
	return dir.(string)
}

// withStateDir returns env with EnvStateDir and XDG_STATE_HOME set to
// temporary directories of the test (the same for every command line it
// runs, so that a second apply settles the first one's journal and waits
// for its lock), unless env sets them (even empty): a test never writes
// apply's state or locks into the real home directory.
func withStateDir(t testing.TB, env map[string]string) map[string]string {
	out := make(map[string]string, len(env)+2)
	for k, v := range env {
		out[k] = v
	}
	for _, k := range []string{EnvStateDir, "XDG_STATE_HOME"} {
		if _, ok := env[k]; !ok {
			out[k] = testDir(t, k)
		}
	}
	return out
}

// factory is Factory with the writers themselves, safe to read while the
// run writes.
func factory(inv Invocation) (f *cmdutil.Factory, stdout, stderr *Buffer) {
	stdout, stderr = &Buffer{}, &Buffer{}
	ios, _, _ := iostreams.Test(inv.Stdin)
	ios.Out, ios.ErrOut = stdout, stderr
	ios.SetStdinTTY(inv.StdinTTY)
	ios.SetStdoutTTY(inv.StdoutTTY)
	ios.SetStdoutFile(inv.StdoutFile)
	if inv.Password != nil {
		ios.SetHiddenInput(inv.Password)
	}
	env := inv.Env
	now := inv.Now
	if now == nil {
		now = time.Now
	}
	backoff := inv.RetryBackoff
	if backoff == 0 {
		backoff = time.Millisecond
	}
	build := inv.Build
	if build == (buildinfo.Info{}) {
		build = buildinfo.Read()
	}
	return &cmdutil.Factory{
		IO:           ios,
		LookupEnv:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Now:          now,
		Build:        build,
		RetryBackoff: backoff,
		Clock:        inv.Clock,
	}, stdout, stderr
}

// App is the real command tree on a factory whose output is discarded,
// for tests that walk or complete it.
func App() *urfave.App {
	f, _, _ := Factory(Invocation{})
	return cli.NewApp(f)
}

// ClockEnv returns a copy of env with MLABCTL_TEST_NOW set to now: the
// run's clock stands there, as a test moves it together with the
// emulator's (emulatortest.StartAt).
func ClockEnv(env map[string]string, now time.Time) map[string]string {
	out := make(map[string]string, len(env)+1)
	for k, v := range env {
		out[k] = v
	}
	out[cmdutil.EnvTestNow] = now.UTC().Format(time.RFC3339)
	return out
}

// DemoEnv points a run at em with the demo account's token.
func DemoEnv(em *emulatortest.Server) map[string]string {
	return map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token}
}

// AssertConverged fails the test unless planning file against em finds no
// changes (exit 0 under --detailed-exitcode) after what the test ran
// (after names it in the message).
func AssertConverged(t testing.TB, em *emulatortest.Server, file, after string) {
	t.Helper()
	res := Mlabctl(t, DemoEnv(em), "plan", "--detailed-exitcode", "-f", file)
	if res.Code != 0 {
		t.Errorf("plan after %s: exit %d, want 0 (no changes)\n%s%s", after, res.Code, res.Stdout, res.Stderr)
	}
}
