package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Write replaces the regular file at path with data and leaves it with
// mode perm (also when it existed with a wider mode: 0600 for secrets stays
// 0600 whatever was there). A symlink is followed and its target replaced
// in place; what is neither a regular file nor missing is refused with a
// *NotRegularError before anything changes (see the package comment).
//
// It writes a temporary file in the directory of the file it replaces (so
// the rename stays on one file system), sets its mode before writing a
// byte, syncs it, renames it over the file and syncs the directory: a
// reader sees the old or the new content, never a mix, and after Write
// returns the new content survives a crash. On failure the temporary file
// is removed and the file is left as it was. Every error names path.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	t, err := resolve(path)
	if err != nil {
		return err
	}
	tmp, err := createTemp(t)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close() // a second Close only returns an error, ignored here
			os.Remove(tmp.Name())
			var nr *NotRegularError
			if !errors.As(err, &nr) {
				err = fmt.Errorf("writing %q: %w", path, cause(err))
			}
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
	// Checked again at the last moment: the rename would replace whatever
	// stands there by then, a device node included.
	if err := t.stillReplaceable(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), t.real); err != nil {
		return err
	}
	syncDir(dirOf(t.real))
	removeStaleTemps(t.real, time.Now())
	return nil
}

// tempPrefix is the start of the names of path's temporary files. The
// random part os.CreateTemp puts after it is decimal digits.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// createTemp creates a temporary file beside the file t replaces, mode
// 0600 until the caller sets another.
func createTemp(t target) (*os.File, error) {
	dir := dirOf(t.real)
	f, err := os.CreateTemp(dir, tempPrefix(t.real)+"*")
	if err != nil {
		// The error's own path would name the temporary file, not one the
		// user knows.
		return nil, fmt.Errorf("writing %q: cannot create files in %q: %w", t.path, dir, cause(err))
	}
	return f, nil
}

// syncDir makes a rename in dir durable. Best effort: some systems
// (Windows) cannot open or sync a directory, and the rename itself has
// already succeeded.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// staleTempAge is how old a temporary file must be before a later Write
// takes it for the leftover of a killed writer: a live writer creates,
// writes and renames its file within seconds, so a quarter of an hour
// leaves a wide margin for slow disks and large plans.
const staleTempAge = 15 * time.Minute

// RemoveTemps removes every temporary file of path, whatever its age: for a
// caller that holds a lock every writer of path takes (so that none can be
// mid-write), which makes each one the leftover of a killed writer.
func RemoveTemps(path string) { removeTemps(path, time.Now(), 0) }

// removeStaleTemps removes path's temporary files older than staleTempAge:
// regular files named tempPrefix(path) followed by digits only, which is
// what createTemp makes and nothing a user would name a file. Errors are
// ignored: a leftover is harmless, since nothing reads it.
func removeStaleTemps(path string, now time.Time) { removeTemps(path, now, staleTempAge) }

// removeTemps removes path's temporary files at least age old.
func removeTemps(path string, now time.Time, age time.Duration) {
	dir, prefix := dirOf(path), tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < age {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
