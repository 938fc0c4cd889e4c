package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxFileSize is the largest modelslab.yaml mlabctl reads (4 MiB). It is
// checked before parsing, so a huge file costs neither time nor memory.
const MaxFileSize = 4 << 20

// MaxAliasNodes is how many nodes anchors and aliases may add to a document
// when expanded. A file past it (a "billion laughs") is refused before it is
// expanded.
const MaxAliasNodes = 10_000

// Load reads, decodes and checks the modelslab.yaml at path. A file that
// cannot be read is an ordinary error naming the path; an invalid file is a
// Diagnostics holding every problem found, sorted by position, whose
// positions name the file as path was given.
func Load(path string) (*Spec, error) {
	data, err := readCapped(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readCapped reads the file at path, refusing one larger than MaxFileSize
// without reading it all.
func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	size := int64(0)
	if fi, err := f.Stat(); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("reading %q: is a directory, not a modelslab.yaml file", path)
		}
		size = fi.Size()
	}
	// One byte past the cap is enough for Parse to report the size; the
	// buffer starts at the file's size (when known) to read it in one go.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, MaxFileSize)+512))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, openError(path, err)
	}
	return buf.Bytes(), nil
}

// openError says why path cannot be opened or read, naming it once (an
// *fs.PathError names it again) and saying what to do.
func openError(path string, err error) error {
	var pe *fs.PathError
	cause := err
	if errors.As(err, &pe) {
		cause = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("reading %q: no such file (give another with -f or MODELSLAB_FILE)", path)
	case errors.Is(err, fs.ErrPermission):
		return &readError{msg: fmt.Sprintf("reading %q: permission denied (mlabctl needs to read it: check the file's owner and mode with ls -l, or run as a user who may read it)", path), err: err}
	}
	return &readError{msg: fmt.Sprintf("reading %q: %v", path, cause), err: err}
}

// readError is a file that cannot be read, in words, still unwrapping to
// the system's error (errors.Is(err, fs.ErrPermission)).
type readError struct {
	msg string
	err error
}

func (e *readError) Error() string { return e.msg }
func (e *readError) Unwrap() error { return e.err }

// Parse is Load for bytes already read; name is the file name used in
// positions and Spec.Path.
func Parse(name string, data []byte) (*Spec, error) {
	l := &loader{file: name}
	s := l.load(data)
	if len(l.diags) > 0 {
		l.diags.sort()
		return nil, l.diags.compact()
	}
	sum := sha256.Sum256(data)
	if len(l.warns) > 0 {
		l.warns.sort()
		s.Warnings = l.warns.compact()
	}
	s.Path = name
	s.Hash = hex.EncodeToString(sum[:])
	s.Source = bytes.Clone(data) // the caller may reuse data
	return s, nil
}
