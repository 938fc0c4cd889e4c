package atomicfile

import (
	"fmt"
	"io"
	"os"
)

// ReadFile reads the file a later Write of path would replace, for a writer
// that merges into what is there (the secrets file). A missing file is an
// error matching fs.ErrNotExist. What Write refuses is refused here the same
// way (a *NotRegularError) without being opened: opening a named pipe would
// block until someone wrote to it, and reading a device could never end.
func ReadFile(path string) ([]byte, error) {
	t, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(t.real)
	if err != nil {
		return nil, err // names the path; fs.ErrNotExist for a missing file
	}
	defer f.Close()
	// What was opened is checked again: it may have changed since resolve.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Kind: kind(fi.Mode())}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	return data, nil
}
