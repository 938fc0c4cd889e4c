package apply

import (
	"context"
	"encoding/json"
	"fmt"
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

// LockAccount takes the account lock of the state directory dir (which
// MakeAccountStateDir made): an OS advisory lock (flock) on dir/lock, so
// that two applies of one account on one machine never run at once. It is
// exclusive between processes and between two calls in one process, and
// the system releases it when its holder dies however it dies (kill -9
// included): a stale lock never blocks.
//
// When another holds it, waiting is called once with the holder in words
// ("pid 1234 on host, since 12:01:02", read from the lock file, where the
// holder writes it), and LockAccount tries again until it gets the lock,
// timeout passes (a *LockedError naming the holder; timeout 0 does not wait
// at all and calls no waiting), or ctx ends (ctx's error). unlock releases
// it; a second call does nothing.
//
// Where flock does not exist (not Unix), there is no lock: unlock does
// nothing and two applies can overlap, as with the secrets file.
func LockAccount(ctx context.Context, dir string, timeout time.Duration, waiting func(holder string)) (unlock func() error, err error) {
	path := filepath.Join(dir, lockFileName)
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
		got, err = waitLock(ctx, f, path, timeout, waiting)
		if err != nil {
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
	var once sync.Once
	return func() error {
		err := error(nil)
		once.Do(func() {
			// Cleared before the release: the next holder writes its own.
			_ = f.Truncate(0)
			err = f.Close() // closing the descriptor releases the lock
		})
		return err
	}, nil
}

// waitLock waits for the lock f (at path) that another holds.
func waitLock(ctx context.Context, f *os.File, path string, timeout time.Duration, waiting func(string)) (bool, error) {
	holder := readHolder(f)
	if timeout <= 0 {
		return false, &LockedError{Holder: holder.String(), Timeout: 0, Path: path}
	}
	deadline := time.Now().Add(timeout)
	told := false
	tell := func() {
		if !told && waiting != nil {
			waiting(holder.String())
		}
		told = true
	}
	if holder.PID != 0 {
		tell()
	}
	waitedForHolder := time.Now().Add(holderWait)
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
		got, err := tryLock(f)
		if err != nil {
			return false, fmt.Errorf("account lock %s: %w", path, err)
		}
		if got {
			return true, nil
		}
		if !told {
			// The holder writes its line right after it took the lock.
			if holder = readHolder(f); holder.PID != 0 || time.Now().After(waitedForHolder) {
				tell()
			}
		}
		if time.Now().After(deadline) {
			if h := readHolder(f); h.PID != 0 {
				holder = h
			}
			return false, &LockedError{Holder: holder.String(), Timeout: timeout, Path: path}
		}
	}
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
