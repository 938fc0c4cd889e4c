//go:build unix

package apply

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envLockHelper makes the test binary a lock holder (TestLockHelperProcess):
// it takes the lock of the state directory the variable names, says
// "locked" on stdout and holds it until killed.
const envLockHelper = "MLABCTL_TEST_LOCK_HELPER_DIR"

// TestLockHelperProcess is not a test: it is the child process of the
// tests below (a real process, so that its death is the system's business).
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(envLockHelper)
	if dir == "" {
		t.Skip("the child process of the account lock tests")
	}
	if _, err := LockAccount(context.Background(), dir, 0, nil); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	fmt.Println("locked")
	select {} // held until killed
}

// startHolder starts a child process holding the lock of dir.
func startHolder(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), envLockHelper+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("the holder process said %q, %v", line, err)
	}
	return cmd
}

func TestLockAccountAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	holder := startHolder(t, dir)

	_, err := LockAccount(context.Background(), dir, 0, func(string) { t.Error("waiting called with --lock-timeout 0") })
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("LockAccount while another process holds it: %v, want a *LockedError", err)
	}
	if want := fmt.Sprintf("pid %d on ", holder.Process.Pid); !strings.Contains(locked.Holder, want) || !strings.Contains(locked.Holder, ", since ") {
		t.Errorf("holder = %q, want it to name %q and since when", locked.Holder, want)
	}
	if !strings.Contains(err.Error(), locked.Holder) || !strings.Contains(err.Error(), filepath.Join(dir, "lock")) {
		t.Errorf("error %q does not name the holder and the lock", err)
	}

	// kill -9: the system releases the lock; the next apply never waits.
	if err := holder.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	unlock, err := LockAccount(context.Background(), dir, 0, func(h string) { t.Errorf("waited for a dead holder: %s", h) })
	if err != nil {
		t.Fatalf("LockAccount after the holder was killed: %v", err)
	}
	if h := readHolderFile(t, dir); h.PID != os.Getpid() {
		t.Errorf("lock file names pid %d, want this process %d", h.PID, os.Getpid())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock: %v", err)
	}
	if h := readHolderFile(t, dir); h.PID != 0 {
		t.Errorf("the released lock still names %+v", h)
	}
}

func readHolderFile(t *testing.T, dir string) LockHolder {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readHolder(f)
}

func TestLockAccountWaitsForTheHolder(t *testing.T) {
	dir := t.TempDir()
	unlockFirst, err := LockAccount(context.Background(), dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan string, 4)
	got := make(chan error, 1)
	go func() {
		unlock, err := LockAccount(context.Background(), dir, time.Minute, func(h string) { waited <- h })
		if err == nil {
			err = unlock()
		}
		got <- err
	}()
	holder := <-waited
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.HasPrefix(holder, want) {
		t.Errorf("waiting said the holder is %q, want %q…", holder, want)
	}
	select {
	case err := <-got:
		t.Fatalf("the second lock returned (%v) while the first is held", err)
	default:
	}
	if err := unlockFirst(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the waiting LockAccount: %v", err)
	}
	if n := len(waited); n != 0 {
		t.Errorf("waiting called %d more times; want once", n)
	}
}

func TestLockAccountGivesUp(t *testing.T) {
	dir := t.TempDir()
	startHolder(t, dir)
	tests := []struct {
		name    string
		timeout time.Duration
		cancel  bool
	}{
		{name: "lock timeout", timeout: 150 * time.Millisecond},
		{name: "cancelled while waiting", timeout: time.Hour, cancel: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			waits := 0
			_, err := LockAccount(ctx, dir, tt.timeout, func(string) {
				waits++
				if tt.cancel {
					cancel() // Ctrl-C while waiting
				}
			})
			if waits != 1 {
				t.Errorf("waiting called %d times, want once", waits)
			}
			var locked *LockedError
			switch {
			case tt.cancel && !errors.Is(err, context.Canceled):
				t.Errorf("err = %v, want context.Canceled", err)
			case !tt.cancel && !errors.As(err, &locked):
				t.Errorf("err = %v, want a *LockedError", err)
			case !tt.cancel && locked.Timeout != tt.timeout:
				t.Errorf("LockedError.Timeout = %v, want %v", locked.Timeout, tt.timeout)
			}
		})
	}
}

func TestLockHolderString(t *testing.T) {
	now := time.Now()
	tests := []struct {
		h    LockHolder
		want string
	}{
		{h: LockHolder{}, want: "holder unknown"},
		{h: LockHolder{PID: 7, Host: "ci-1", Since: now.Format(time.RFC3339)}, want: "pid 7 on ci-1, since " + now.Format("15:04:05")},
		{h: LockHolder{PID: 7, Host: "a\x1b[2Jb\n"}, want: "pid 7 on a[2Jb"},
		{h: LockHolder{PID: 7, Since: "2001-02-03T04:05:06Z"}, want: "pid 7, since " + time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC).Local().Format("2006-01-02 15:04:05")},
	}
	for _, tt := range tests {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.h, got, tt.want)
		}
	}
}

// BenchmarkLockAccount measures what the account lock adds to an apply:
// open the lock file, flock it, write the holder, release.
func BenchmarkLockAccount(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		unlock, err := LockAccount(context.Background(), dir, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := unlock(); err != nil {
			b.Fatal(err)
		}
	}
}
