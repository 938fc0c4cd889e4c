package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data and leaves it with mode perm. It writes a
// temporary file in the same directory (so that the rename below stays on
// one file system), syncs it and renames it over path: a reader sees the old
// or the new content, never a mix. The mode is set on the temporary file
// before any byte is written, so it holds also when path existed with a
// wider mode (a rename does not inherit the old file's mode) and whatever
// the umask. On failure the temporary file is removed and path is left as
// it was. Every error names path.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	// Checked first, for a clear message: a rename over a directory fails
	// with an error that names the temporary file instead.
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		return fmt.Errorf("writing %q: it is a directory", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close() // a second Close only returns an error, ignored here
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing %q: %w", path, err)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
