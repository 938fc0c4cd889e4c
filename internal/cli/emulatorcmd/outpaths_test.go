//go:build unix

package emulatorcmd_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestStateRefused starts the emulator with --state naming what it could
// never save to: exit 1 naming the path at start, the path untouched.
func TestStateRefused(t *testing.T) {
	t.Parallel()
	for _, sp := range atomicfiletest.Specials(t) {
		t.Run(sp.Name, func(t *testing.T) {
			res := clitest.Mlabctl(t, nil, "emulator", "--listen", "127.0.0.1:0", "--state", sp.Path)
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want %d\nstdout %q\nstderr %q", res.Code, cmdutil.ExitError, res.Stdout, res.Stderr)
			}
			sp.Refusal(t, res.Stderr)
			sp.Unchanged(t)
		})
	}
}

// TestStateThroughSymlink checks a symlinked --state: the state is loaded
// from the link's target, every change is saved into the target, and the
// link stays.
func TestStateThroughSymlink(t *testing.T) {
	t.Parallel()
	// A state file as an earlier run left it.
	seeded := emulator.New()
	demo := seeded.SeedDemo()
	seeded.StatePath = filepath.Join(t.TempDir(), "state.json")
	if err := seeded.Save(); err != nil {
		t.Fatal(err)
	}
	before, _ := seeded.Snapshot(demo.Username)
	state, err := os.ReadFile(seeded.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	l := atomicfiletest.SymlinkToFile(t, string(state))

	addr := freeLoopbackAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan clitest.Result, 1)
	go func() {
		done <- clitest.Run(t, clitest.Invocation{Args: []string{"emulator", "--listen", addr, "--state", l.Path}, Context: ctx})
	}()
	waitForListener(t, addr)

	spec := filepath.Join(t.TempDir(), "modelslab.yaml")
	if err := os.WriteFile(spec, fmt.Appendf(nil, "version: 1\npreferences:\n  nsfw_content: %t\n", !before.Preferences.NSFWContent), 0o600); err != nil {
		t.Fatal(err)
	}
	// The demo token of the loaded state works: it was loaded, not seeded anew.
	env := map[string]string{cmdutil.EnvBaseURL: "http://" + addr, cmdutil.EnvToken: demo.Token}
	if res := clitest.Mlabctl(t, env, "apply", "-f", spec, "--auto-approve"); res.Code != 0 {
		t.Errorf("apply: exit %d, stderr %q", res.Code, res.Stderr)
	}
	stop()
	if res := <-done; res.Code != 0 {
		t.Errorf("emulator: exit %d, stderr %q", res.Code, res.Stderr)
	}

	l.Written(t, 0o600)
	after := emulator.New()
	if err := after.Load(l.Target); err != nil {
		t.Fatal(err)
	}
	if got, _ := after.Snapshot(demo.Username); got.Preferences.NSFWContent == before.Preferences.NSFWContent {
		t.Error("the change was not saved into the link's target")
	}
}

// freeLoopbackAddr returns a loopback address with a port free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitForListener waits until something accepts connections at addr.
func waitForListener(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
