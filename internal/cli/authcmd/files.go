package authcmd

import (
	"fmt"
	"os"
	"path/filepath"
)

// secretFileMode is the mode of a --token-file (the --secrets-out file is
// apply.SecretsFile's, also 0600).
const secretFileMode = 0o600

// checkSecretDest checks, before the API issues a secret, that path can
// receive it: not a directory, in an existing directory mlabctl may create
// files in. A token the API issued and mlabctl could not store would be
// lost (and, after refresh or verify-email, not be issued again).
func checkSecretDest(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%q is a directory", path)
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".mlabctl-probe-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %q: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
