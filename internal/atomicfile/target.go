package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is matched (errors.Is) by every *NotRegularError.
var ErrNotRegular = errors.New("not a regular file")

// NotRegularError refuses an output path where something other than a
// regular file (or nothing) stands.
type NotRegularError struct {
	// Path is the path as the caller gave it.
	Path string
	// Link is where Path points when it is a symlink ("" otherwise): the
	// link's final target, or for a dangling link the text of the link.
	Link string
	// Kind says what stands there: "a directory", "a named pipe (FIFO)",
	// "a Unix socket", "a character device", "a block device", "a special
	// file", or "missing" for the target of a dangling link.
	Kind string
}

func (e *NotRegularError) Error() string {
	switch {
	case e.Link != "" && e.Kind == kindMissing:
		return fmt.Sprintf("refusing to write %q: it is a symlink to %q, which does not exist; create that file first or remove the link", e.Path, e.Link)
	case e.Link != "":
		return fmt.Sprintf("refusing to write %q: it is a symlink to %q, %s, not a regular file; name a file instead", e.Path, e.Link, e.Kind)
	}
	return fmt.Sprintf("refusing to write %q: it is %s, not a regular file; name a file instead", e.Path, e.Kind)
}

// Is makes errors.Is(err, ErrNotRegular) hold.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

const kindMissing = "missing"

// kind names what a non-regular file mode is, for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a Unix socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// target is an output path resolved for writing.
type target struct {
	path string // as the caller gave it, for messages
	real string // what the rename replaces: path, or a symlink's final target
}

// resolve finds what a write of path replaces, refusing what may not be
// replaced. It only looks (lstat, readlink): opening a named pipe to look at
// it would block until someone writes to it.
func resolve(path string) (target, error) {
	t := target{path: path, real: path}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil // created; CreateTemp reports a missing directory
	}
	if err != nil {
		return t, fmt.Errorf("writing %q: %w", path, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(path)
		if errors.Is(err, fs.ErrNotExist) {
			link, _ := os.Readlink(path)
			return t, &NotRegularError{Path: path, Link: link, Kind: kindMissing}
		}
		if err != nil {
			return t, fmt.Errorf("writing %q: following the symlink: %w", path, err)
		}
		if fi, err = os.Lstat(real); err != nil {
			return t, fmt.Errorf("writing %q: %w", path, err)
		}
		t.real = real
		if !fi.Mode().IsRegular() {
			return t, &NotRegularError{Path: path, Link: real, Kind: kind(fi.Mode())}
		}
		return t, nil
	}
	if !fi.Mode().IsRegular() {
		return t, &NotRegularError{Path: path, Kind: kind(fi.Mode())}
	}
	return t, nil
}

// stillReplaceable checks, right before the rename, that what stands at
// real is still a regular file or nothing: a rename replaces any directory
// entry, a device node included.
func (t target) stillReplaceable() error {
	fi, err := os.Lstat(t.real)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		e := &NotRegularError{Path: t.path, Kind: kind(fi.Mode())}
		if t.real != t.path {
			e.Link = t.real
		}
		return e
	}
	return nil
}

// Resolve returns the path a Write of path replaces: path itself, or for a
// symlink its final target. A lock or a journal that belongs beside the
// file is placed beside this path, so that two links to one file share it.
// What Write would refuse is refused the same way (a *NotRegularError).
// Nothing is created or opened.
func Resolve(path string) (string, error) {
	t, err := resolve(path)
	if err != nil {
		return "", err
	}
	return t.real, nil
}

// Check refuses, before anything changes, a path that Write would refuse:
// something other than a regular file, a symlink to one, a dangling
// symlink, or a directory in which no file can be created (probed by
// creating and removing a temporary file there, as Write will). Callers run
// it while validating flags, before any request, so that a value the API
// issues once (a token, an API key) always has somewhere to go.
func Check(path string) error {
	t, err := resolve(path)
	if err != nil {
		return err
	}
	probe, err := createTemp(t)
	if err != nil {
		return err
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// cause drops the *fs.PathError around err, whose path would name the
// temporary file instead of the one the user asked for.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dirOf is the directory of path, "." for a bare name.
func dirOf(path string) string { return filepath.Dir(path) }
