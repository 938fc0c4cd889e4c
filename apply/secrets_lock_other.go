//go:build !unix

package apply

// lockFile is a no-op where flock does not exist (Windows, Plan 9, wasm):
// there, Saves within one process are still serialised by SecretsFile's
// mutex, but two processes writing the same --secrets-out file at once can
// lose one another's new keys. Run one at a time, or give each its own file.
func lockFile(path string) (unlock func(), err error) {
	return func() {}, nil
}
