package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
)

// secretFileMode is the mode of every file mlabctl writes a secret to.
const secretFileMode = 0o600

// mergeSecret sets name → value in the JSON object stored at path (the
// format of apply's --secrets-out: an object of key name to key), keeping
// the other entries, and writes it back, mode 0600. A missing file
// is created; a file that is not a JSON object of strings is an error and is
// left alone.
func mergeSecret(path, name, value string) error {
	secrets, err := readSecrets(path)
	if err != nil {
		return err
	}
	secrets[name] = value
	out, err := json.MarshalIndent(secrets, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(out, '\n'), secretFileMode)
}

// readSecrets reads a secrets file: an empty map when it does not exist or
// is empty, an error when it is not a JSON object of strings.
func readSecrets(path string) (map[string]string, error) {
	secrets := map[string]string{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("reading %q: %w", path, err)
	case len(b) > 0:
		if err := json.Unmarshal(b, &secrets); err != nil {
			return nil, fmt.Errorf("%q is not a JSON object of key names to keys, so mlabctl will not overwrite it: %w", path, err)
		}
		if secrets == nil { // the file held `null`
			secrets = map[string]string{}
		}
	}
	return secrets, nil
}

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
