package e2e

// End-to-end tests of what only the real binary shows for every command:
// its exit codes (CONTRACT.md), one representative run per code, and
// interrupts. Usage errors and error messages are tested in-process in
// internal/cli/usage_test.go.

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// TestSecondInterruptQuits: the first interrupt cancels the command's
// context; something that blocks without watching it (here: a FIFO given as
// -f that nobody writes) must still yield to a second interrupt.
func TestSecondInterruptQuits(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "modelslab.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	p := startCLI(t, cliRun{Args: []string{"validate", "-f", fifo}})
	// Wait until mlabctl has the FIFO open for reading (a non-blocking open
	// for writing fails with ENXIO until then): its signal handler is
	// installed before it reads any file. Keeping the write end open and
	// silent leaves it blocked in read, which does not watch the context.
	w := openFIFOWriter(t, fifo)
	defer w.Close()
	p.Signal(t, os.Interrupt)
	p.Signal(t, syscall.SIGTERM)
	io.Copy(io.Discard, p.Stdout)
	code, stderr := p.Wait(t)
	if code != cmdutil.ExitForced {
		t.Errorf("exit %d, want %d; stderr %q", code, cmdutil.ExitForced, stderr)
	}
	if !strings.Contains(stderr, "interrupted twice") {
		t.Errorf("stderr %q does not say why mlabctl quit", stderr)
	}
}

// openFIFOWriter opens fifo for writing once a reader has it open, polling
// because the kernel offers no way to wait for a reader without blocking.
func openFIFOWriter(t *testing.T, fifo string) *os.File {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			return f
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("waiting for mlabctl to open %s: %v", fifo, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBinaryExitCodes: the exit code the process ends with is CONTRACT.md's,
// one representative run per code; the in-process tests check every
// command's codes through cli.Run, which main hands to os.Exit. 130 is
// TestSecondInterruptQuits's.
func TestBinaryExitCodes(t *testing.T) {
	t.Parallel()
	refused := "version: 1\nteam:\n  - email: bob@example.com\npolicy:\n  min_admins: 1\n"
	tests := []struct {
		name string
		args []string
		// spec is the -f file's content, appended as -f; "" = none.
		spec   string
		faults *emulator.Faults
		want   int
		// wantOut is in stdout, wantErr in stderr.
		wantOut, wantErr string
	}{
		{name: "success", args: []string{"version"}, want: cmdutil.ExitOK, wantOut: "mlabctl "},
		{name: "usage error", args: []string{"frobnicate"}, want: cmdutil.ExitError, wantErr: `Error: unknown command "frobnicate"`},
		{name: "bad environment", args: []string{"version"}, want: cmdutil.ExitError, wantErr: "MLABCTL_DEBUG"},
		{name: "changes pending", args: []string{"plan", "--detailed-exitcode", "-f", exampleFile}, want: cmdutil.ExitChanges, wantOut: "Plan: "},
		{name: "refused by a rail", args: []string{"plan"}, spec: refused, want: cmdutil.ExitRefused, wantErr: "min_admins is 1"},
		{name: "partly applied", args: []string{"apply", "--auto-approve", "--secrets-out", "SECRETS", "-f", exampleFile},
			faults: &emulator.Faults{FailFirst: 2, Statuses: []int{422}, Routes: []string{"POST /api-keys"}},
			want:   cmdutil.ExitPartial, wantOut: "Apply failed: 10 done, 2 failed, 1 skipped."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t, func(s *emulator.Server) { s.Faults = tt.faults })
			env := clitest.DemoEnv(em)
			if tt.name == "bad environment" {
				env["MLABCTL_DEBUG"] = "sometimes"
			}
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "SECRETS", filepath.Join(t.TempDir(), "s.json")))
			}
			if tt.spec != "" {
				args = append(args, "-f", clitest.WriteSpec(t, tt.spec))
			}
			res := runCLI(t, cliRun{Args: args, Env: env})
			if res.Code != tt.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.want, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stdout, tt.wantOut) || !strings.Contains(res.Stderr, tt.wantErr) {
				t.Errorf("stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", tt.wantOut, tt.wantErr, res.Stdout, res.Stderr)
			}
		})
	}
}
