//go:build unix

package fmtcmd_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestFmtRefusesAFIFO: a named pipe at -f is refused without being opened
// (opening it would block until someone wrote to it).
func TestFmtRefusesAFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "modelslab.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan clitest.Result, 1)
	go func() { done <- clitest.Mlabctl(t, nil, "fmt", "-f", fifo) }()
	select {
	case res := <-done:
		if res.Code != 1 || !strings.Contains(res.Stderr, "named pipe") {
			t.Errorf("exit %d, stderr %q; want exit 1 naming the named pipe", res.Code, res.Stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("fmt blocked on the FIFO")
	}
}
