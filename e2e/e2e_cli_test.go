package e2e

// End-to-end tests of what every command shares: usage errors, unknown
// commands and interrupts.

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUsageErrorsExitOneOnStderr: a malformed command line is exit 1 (never
// urfave's 3, which here means "refused by a safety rail"), with one line on
// stderr naming the problem and nothing on stdout, where a redirected plan
// would otherwise receive "Incorrect Usage" and the help.
func TestUsageErrorsExitOneOnStderr(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "unknown command", args: []string{"frobnicate"}, want: `unknown command "frobnicate"; the commands are validate, plan, apply`},
		{name: "misspelt command", args: []string{"plna"}, want: `unknown command "plna"; did you mean "plan"? (see --help)`},
		{name: "unknown subcommand", args: []string{"auth", "frobnicate"}, want: `unknown command "frobnicate" for "mlabctl auth"; the commands are signup`},
		{name: "unknown nested subcommand", args: []string{"auth", "tokens", "frob"}, want: `unknown command "frob" for "mlabctl auth tokens"; the commands are list`},
		{name: "unknown flag of a command", args: []string{"plan", "--bogus"}, want: "flag provided but not defined: -bogus"},
		{name: "flag without its value", args: []string{"plan", "--out"}, want: "flag needs an argument: -out"},
		{name: "unknown flag of a subcommand", args: []string{"auth", "login", "--bogus"}, want: "flag provided but not defined: -bogus"},
		{name: "unknown global flag", args: []string{"--bogus", "plan"}, want: "flag provided but not defined: -bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mlabctl(t, nil, tt.args...)
			if res.Code != exitError {
				t.Errorf("exit %d, want %d", res.Code, exitError)
			}
			if res.Stdout != "" {
				t.Errorf("stdout %q, want nothing", res.Stdout)
			}
			if !strings.HasPrefix(res.Stderr, "Error: ") || !strings.Contains(res.Stderr, tt.want) || strings.Count(res.Stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one Error: line containing %q", res.Stderr, tt.want)
			}
		})
	}
}

// TestSecondInterruptQuits: the first interrupt cancels the command's
// context; something that blocks without watching it (here: a FIFO given as
// -f that nobody writes) must still yield to a second interrupt.
func TestSecondInterruptQuits(t *testing.T) {
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
	if code != exitForced {
		t.Errorf("exit %d, want %d; stderr %q", code, exitForced, stderr)
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

// TestErrorMessagesAreSanitized: an error quoting hostile text (here the
// name of an unknown command, standing for any live name or server message)
// never reaches the terminal with its control characters.
func TestErrorMessagesAreSanitized(t *testing.T) {
	res := mlabctl(t, nil, "evil\x1b[2K\rFAKE: all good")
	if res.Code != exitError {
		t.Fatalf("exit %d, want %d", res.Code, exitError)
	}
	if strings.ContainsAny(res.Stderr, "\x1b\r") {
		t.Errorf("stderr carries raw control characters: %q", res.Stderr)
	}
	if !strings.Contains(res.Stderr, `evil\x1b[2K\rFAKE`) {
		t.Errorf("stderr %q does not show the escaped name", res.Stderr)
	}
}
