package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// lockFileName is the lock of an account's state directory. The file stays
// (it holds the last holder until released, then nothing): removing it
// would race with a process that opened it and waits.
const lockFileName = "lock"

// lockPoll is how often a waiting apply tries the lock again. Polling
// rather than a blocking flock lets the wait end on Ctrl-C and on
// --lock-timeout without signals, and costs one syscall per poll.
const lockPoll = 50 * time.Millisecond

// holderWait bounds how long a waiting apply waits for the holder's line
// (written right after it took the lock) before saying who holds it.
const holderWait = 500 * time.Millisecond

// LockHolder is what the lock file says about the apply that holds it.
type LockHolder struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// Since is when it took the lock (RFC 3339).
	Since string `json:"since"`
}

// String is the holder in words: "pid 1234 on build-7, since 12:01:02"
// (local time; with the date when it is not today).
func (h LockHolder) String() string {
	if h.PID == 0 {
		return "holder unknown"
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if h.Host != "" {
		s += " on " + sanitizeHolder(h.Host)
	}
	if t, err := time.Parse(time.RFC3339, h.Since); err == nil {
		t = t.Local()
		if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
			s += ", since " + t.Format("15:04:05")
		} else {
			s += ", since " + t.Format("2006-01-02 15:04:05")
		}
	}
	return s
}

// sanitizeHolder keeps a host name read from the lock file printable: the
// file is in the user's own directory, but a line on a terminal or a CI
// log is no place for control characters whatever wrote them.
func sanitizeHolder(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// LockedError is LockAccount's refusal: another apply of the account holds
// the lock, and timeout (0: not waiting at all) passed.
type LockedError struct {
	// Holder is the holder in words (LockHolder.String).
	Holder  string
	Timeout time.Duration
	// Path is the lock file.
	Path string
}

func (e *LockedError) Error() string {
	if e.Timeout <= 0 {
		return fmt.Sprintf("another apply of this account is running (%s; lock %s)", e.Holder, e.Path)
	}
	return fmt.Sprintf("another apply of this account is still running after %v (%s; lock %s)", e.Timeout, e.Holder, e.Path)
}

// AccountLockPath is the lock file of the account state directory dir.
func AccountLockPath(dir string) string { return filepath.Join(dir, lockFileName) }

// LockAccount takes the account lock of the state directory dir (which
// MakeAccountStateDir made): LockFiles of AccountLockPath(dir) alone.
func LockAccount(ctx context.Context, dir string, timeout time.Duration, waiting func(holder string)) (unlock func() error, err error) {
	return LockFiles(ctx, []string{AccountLockPath(dir)}, timeout, waiting)
}

// LockFiles takes the exclusive account locks paths, in their order: an OS
// advisory lock (flock) on each file (created 0600 when missing; its
// directory must exist), so that two applies of one account on one
// machine never run at once. apply takes the per-user lock (UserLockPath)
// first and its state directory's second: every apply takes them in that
// order, so that two can never each hold one and wait for the other. A
// lock is exclusive between processes and between two calls in one
// process, and the system releases it when its holder dies however it
// dies (kill -9 included): a stale lock never blocks.
//
// When another holds one, waiting is called once (for all of paths) with
// the holder in words ("pid 1234 on host, since 12:01:02", read from the
// lock file, where the holder writes it), and LockFiles tries again until
// it gets the lock, timeout passes (one timeout for all of paths; a
// *LockedError naming the holder; timeout 0 does not wait and calls no
// waiting), or ctx ends (ctx's error). On failure no lock is held. unlock
// releases them all; a second call does nothing.
//
// Where flock does not exist (not Unix), there is no lock: unlock does
// nothing and two applies can overlap, as with the secrets file.
func LockFiles(ctx context.Context, paths []string, timeout time.Duration, waiting func(holder string)) (unlock func() error, err error) {
	deadline := time.Now().Add(timeout)
	told := false
	tell := func(holder string) {
		if !told && waiting != nil {
			waiting(holder)
		}
		told = true
	}
	var held []*os.File
	release := func() error {
		var first error
		for i := len(held) - 1; i >= 0; i-- {
			// Cleared before the release: the next holder writes its own.
			_ = held[i].Truncate(0)
			if err := held[i].Close(); err != nil && first == nil { // closing the descriptor releases the lock
				first = err
			}
		}
		return first
	}
	for _, path := range paths {
		f, err := takeLockFile(ctx, path, timeout, deadline, tell)
		if err != nil {
			_ = release()
			return nil, err
		}
		held = append(held, f)
	}
	var once sync.Once
	return func() error {
		err := error(nil)
		once.Do(func() { err = release() })
		return err
	}, nil
}

// takeLockFile takes the exclusive lock path, waiting until deadline (timeout
// is what the caller gave, for the error), and writes the holder's line.
func takeLockFile(ctx context.Context, path string, timeout time.Duration, deadline time.Time, tell func(string)) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, secretsFileMode)
	if err != nil {
		return nil, fmt.Errorf("account lock: %w", err)
	}
	got, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("account lock %s: %w", path, err)
	}
	if !got {
		if err := waitLock(ctx, f, path, timeout, deadline, tell); err != nil {
			f.Close()
			return nil, err
		}
	}
	// The holder's line, for whoever waits next. A failure to write it only
	// makes their message vaguer.
	host, _ := os.Hostname()
	b, _ := json.Marshal(LockHolder{PID: os.Getpid(), Host: host, Since: time.Now().Format(time.RFC3339)})
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(b, '\n'), 0)
	}
	return f, nil
}

// waitLock waits until deadline for the lock f (at path) that another
// holds. With timeout 0 it does not wait for an apply, but a lock held
// without a holder's line is a plan reading the journal (TryLockShared,
// for the time of one file read) or an apply that took it a moment ago
// and is writing its line: it tries again for up to holderWait before
// refusing, so that a plan never makes `apply --lock-timeout 0` fail.
func waitLock(ctx context.Context, f *os.File, path string, timeout time.Duration, deadline time.Time, tell func(string)) error {
	holder := readHolder(f)
	waitedForHolder := time.Now().Add(holderWait)
	if timeout <= 0 && holder.PID != 0 {
		return &LockedError{Holder: holder.String(), Timeout: 0, Path: path}
	}
	if timeout > 0 && holder.PID != 0 {
		tell(holder.String())
	}
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		got, err := tryLock(f)
		if err != nil {
			return fmt.Errorf("account lock %s: %w", path, err)
		}
		if got {
			return nil
		}
		if holder.PID == 0 {
			// The holder writes its line right after it took the lock.
			holder = readHolder(f)
		}
		if timeout <= 0 {
			if holder.PID != 0 || time.Now().After(waitedForHolder) {
				return &LockedError{Holder: holder.String(), Timeout: 0, Path: path}
			}
			continue
		}
		if holder.PID != 0 || time.Now().After(waitedForHolder) {
			tell(holder.String())
		}
		if time.Now().After(deadline) {
			if h := readHolder(f); h.PID != 0 {
				holder = h
			}
			return &LockedError{Holder: holder.String(), Timeout: timeout, Path: path}
		}
	}
}

// TryLockShared tells whether an apply holds any of the account locks
// paths, for a reader (plan) that must not read the journal while an
// apply writes it: it takes a shared flock on each existing file without
// waiting (a missing file is a lock nobody holds; nothing is created).
// Shared locks do not exclude each other, so plans never wait for plans;
// an apply waits for a plan only while it holds them, which the caller
// keeps to the time of reading the journal. busy reports the first lock an
// apply holds, with its holder in words; then nothing is held. Otherwise
// release gives them back (a second call does nothing). Where flock does
// not exist nothing is ever busy.
func TryLockShared(paths []string) (release func(), busy bool, holder string, err error) {
	var held []*os.File
	closeAll := func() {
		for _, f := range held {
			f.Close()
		}
		held = nil
	}
	for _, path := range paths {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			closeAll()
			return nil, false, "", fmt.Errorf("account lock: %w", err)
		}
		got, err := tryLockShared(f)
		if err != nil {
			f.Close()
			closeAll()
			return nil, false, "", fmt.Errorf("account lock %s: %w", path, err)
		}
		if !got {
			h := readHolder(f)
			f.Close()
			closeAll()
			return func() {}, true, h.String(), nil
		}
		held = append(held, f)
	}
	var once sync.Once
	return func() { once.Do(closeAll) }, false, "", nil
}

// readHolder reads the holder's line; the zero LockHolder when there is
// none (yet) or it cannot be read.
func readHolder(f *os.File) LockHolder {
	var h LockHolder
	b := make([]byte, 512)
	n, err := f.ReadAt(b, 0)
	if n == 0 && err != nil {
		return h
	}
	if json.Unmarshal([]byte(strings.TrimSpace(string(b[:n]))), &h) != nil {
		return LockHolder{}
	}
	return h
}
