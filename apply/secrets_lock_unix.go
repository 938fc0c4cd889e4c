//go:build unix

package apply

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock (flock) on path, creating it,
// and returns the function that releases it. Two mlabctl processes writing
// the same --secrets-out file (two applies, or an apply and `auth
// verify-email`) then never both read the old content and each write back
// their own addition, losing the other's key.
//
// The lock file is removed on release so that nothing is left next to the
// secrets. Removal can race with a process that opened the file and waits
// for the lock: that one then holds a lock on a file no longer at path, so
// after locking, the file is checked to still be the one at path, and
// opened again when it is not.
func lockFile(path string) (unlock func(), err error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, secretsFileMode)
		if err != nil {
			return nil, fmt.Errorf("creating the lock file: %w", err)
		}
		if err := flock(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %q: %w", path, err)
		}
		held, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %q: %w", path, err)
		}
		now, err := os.Stat(path)
		if err == nil && os.SameFile(held, now) {
			return func() {
				// Remove before unlocking: a process waiting on this file
				// sees it gone and starts over on a fresh one.
				os.Remove(path)
				f.Close() // closing the last descriptor releases the flock
			}, nil
		}
		f.Close()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("locking %q: %w", path, err)
		}
	}
}

// flock is syscall.Flock, retried when a signal interrupts the wait.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
