//go:build !unix

package apply

import "os"

// tryLock always gets the lock where flock does not exist (Windows, Plan 9,
// wasm): as for the secrets file (secrets_lock_other.go), two applies of
// one account on such a system are not kept apart. Run one at a time.
func tryLock(f *os.File) (bool, error) {
	return true, nil
}
