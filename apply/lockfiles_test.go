package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockFilesTakesAllOrNone(t *testing.T) {
	tests := []struct {
		name    string
		held    int // index of the path another holder has; -1 for none
		wantErr bool
	}{
		{name: "both free", held: -1},
		{name: "the first held", held: 0, wantErr: true},
		{name: "the second held", held: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := []string{filepath.Join(dir, "user.lock"), filepath.Join(dir, "lock")}
			if tt.held >= 0 {
				other, err := LockFiles(context.Background(), paths[tt.held:tt.held+1], 0, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer other()
			}
			unlock, err := LockFiles(context.Background(), paths, 0, func(string) { t.Error("timeout 0 must not wait") })
			var locked *LockedError
			if tt.wantErr {
				if !errors.As(err, &locked) || locked.Path != paths[tt.held] {
					t.Fatalf("err = %v, want a LockedError of %s", err, paths[tt.held])
				}
			} else if err != nil {
				t.Fatal(err)
			}
			// After a refusal nothing is held; after a success everything is.
			for i, p := range paths {
				if i == tt.held {
					continue
				}
				u, err := LockFiles(context.Background(), []string{p}, 0, nil)
				if got := err == nil; got != tt.wantErr {
					t.Errorf("%s free: %v, want %v (err %v)", p, got, tt.wantErr, err)
				}
				if u != nil {
					_ = u()
				}
			}
			if unlock != nil {
				if err := unlock(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestUserStateRoot(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		want      string
		wantError bool
	}{
		{name: "XDG_STATE_HOME", env: map[string]string{"XDG_STATE_HOME": "/xdg", "HOME": "/home/u"}, want: "/xdg/mlabctl"},
		{name: "a relative XDG_STATE_HOME is ignored", env: map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/home/u"}, want: "/home/u/.local/state/mlabctl"},
		{name: "HOME", env: map[string]string{"HOME": "/home/u"}, want: "/home/u/.local/state/mlabctl"},
		{name: "neither", env: map[string]string{}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UserStateRoot(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantError || got != filepath.FromSlash(tt.want) && !tt.wantError {
				t.Errorf("UserStateRoot = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantError)
			}
		})
	}
}

func TestMakeUserLockDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "mlabctl")
	path, err := MakeUserLockDir(root, "https://ModelsLab.com/", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if want := UserLockPath(root, "https://modelslab.com", "acme"); path != want {
		t.Errorf("path %q, want %q (one lock for every spelling of the URL)", path, want)
	}
	if filepath.Base(path) != accountDirName("https://modelslab.com", "acme")+".lock" {
		t.Errorf("lock %q is not named after the account directory", path)
	}
	for _, d := range []string{root, filepath.Dir(path)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != stateDirMode {
			t.Errorf("%s: %v, %v; want mode 0700", d, fi, err)
		}
	}
}

func TestTryLockShared(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lock")
	missing := filepath.Join(dir, "none", "lock")

	// Nobody holds it: not busy, and a missing lock file is not created.
	release, busy, _, err := TryLockShared([]string{missing, path})
	if err != nil || busy {
		t.Fatalf("free lock: busy %v, err %v", busy, err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); err == nil {
		t.Error("TryLockShared created a directory")
	}
	// Two readers do not exclude each other.
	release2, busy, _, err := TryLockShared([]string{path})
	if err != nil || busy {
		t.Fatalf("second reader: busy %v, err %v", busy, err)
	}
	release2()

	// An apply with --lock-timeout 0 gets the lock a reader gives back
	// within the grace for a holder without a line.
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(2 * lockPoll)
		release()
	}()
	unlock, err := LockFiles(context.Background(), []string{path}, 0, nil)
	<-done
	if err != nil {
		t.Fatalf("apply --lock-timeout 0 behind a reader: %v", err)
	}

	// While an apply holds it, a reader sees it busy and who holds it.
	_, busy, holder, err := TryLockShared([]string{missing, path})
	if err != nil || !busy || !strings.Contains(holder, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("held lock: busy %v, holder %q, err %v", busy, holder, err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
}
