//go:build unix

// Package atomicfiletest makes what may stand at an output path, for the
// tests of every flag that names a file mlabctl writes (--token-file,
// --secrets-out, --out, --state): the things internal/atomicfile refuses,
// each able to say afterwards that it is exactly as it was, and a symlink
// to a regular file, whose target must receive the content while the link
// stays.
//
// The machine's /dev/null is one of them: it is only ever looked at (a
// refused path is never opened), and Unchanged checks that it is still a
// character device with nothing created beside it.
//
// It is Unix-only (FIFOs), like the tests that use it.
package atomicfiletest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Tree is what a directory holds, by name: "file:CONTENT:MODE", "dir",
// "fifo", "socket", "symlink:TARGET", or another file mode's text.
type Tree map[string]string

// Describe returns what dir holds.
func Describe(t testing.TB, dir string) Tree {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := Tree{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		switch m := fi.Mode(); {
		case m&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = "symlink:" + link
		case m.IsDir():
			out[e.Name()] = "dir"
		case m&fs.ModeNamedPipe != 0:
			out[e.Name()] = "fifo"
		case m&fs.ModeSocket != 0:
			out[e.Name()] = "socket"
		case m.IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = "file:" + string(b) + ":" + m.Perm().String()
		default:
			out[e.Name()] = m.String()
		}
	}
	return out
}

// Mkfifo makes a named pipe at path, skipping the test where there are none.
func Mkfifo(t testing.TB, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
}

// Symlink makes link point to target.
func Symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// WriteFile writes a regular file with exactly mode perm (whatever the
// umask).
func WriteFile(t testing.TB, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// Special is a path an output flag must refuse, touching nothing.
type Special struct {
	// Name names the case for t.Run: "a FIFO", "/dev/null", ….
	Name string
	// Path is the path to hand the command.
	Path string
	// Says is what the refusal must say besides the path: what stands
	// there ("a named pipe (FIFO)") or, for a dangling link, that its
	// target does not exist.
	Says string
	// dirs are the directories the case made, as they were.
	dirs map[string]Tree
}

// Refusal fails t unless msg (a command's stderr, an error's text) names
// the path and says what stands there.
func (s Special) Refusal(t testing.TB, msg string) {
	t.Helper()
	if !strings.Contains(msg, s.Path) || !strings.Contains(msg, s.Says) {
		t.Errorf("%s: the refusal %q does not name %s and say %q", s.Name, msg, s.Path, s.Says)
	}
}

// Unchanged fails t unless the path and everything beside it are as they
// were made: no temporary file, lock file or replaced entry anywhere.
func (s Special) Unchanged(t testing.TB) {
	t.Helper()
	if s.Path == os.DevNull {
		fi, err := os.Lstat(os.DevNull)
		if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Fatalf("%s is no longer a character device: %v %v", os.DevNull, fi, err)
		}
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(os.DevNull), ".null*"))
		if lock := os.DevNull + ".lock"; exists(lock) {
			matches = append(matches, lock)
		}
		for _, m := range matches {
			t.Errorf("%s was created beside %s (removed now)", m, os.DevNull)
			os.Remove(m)
		}
		return
	}
	for dir, before := range s.dirs {
		if diff := cmp.Diff(before, Describe(t, dir)); diff != "" {
			t.Errorf("%s: %s changed (-before +after):\n%s", s.Name, dir, diff)
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Specials makes, in new temporary directories, every kind of path an
// output flag must refuse: a FIFO, a directory (not empty), a dangling
// symlink, a symlink to a FIFO, and the machine's /dev/null where it is a
// character device. Each is named "out" (or /dev/null) in a directory of
// its own.
func Specials(t testing.TB) []Special {
	t.Helper()
	var out []Special
	add := func(name, says string, make func(dir, other string) string) {
		dir, other := t.TempDir(), t.TempDir()
		s := Special{Name: name, Says: says, Path: make(dir, other)}
		s.dirs = map[string]Tree{dir: Describe(t, dir), other: Describe(t, other)}
		out = append(out, s)
	}
	add("a FIFO", "a named pipe (FIFO)", func(dir, _ string) string {
		Mkfifo(t, filepath.Join(dir, "out"))
		return filepath.Join(dir, "out")
	})
	add("a directory", "a directory", func(dir, _ string) string {
		p := filepath.Join(dir, "out")
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		WriteFile(t, filepath.Join(p, "kept"), "kept", 0o644)
		return p
	})
	add("a dangling symlink", "which does not exist", func(dir, other string) string {
		Symlink(t, filepath.Join(other, "gone"), filepath.Join(dir, "out"))
		return filepath.Join(dir, "out")
	})
	add("a symlink to a FIFO", "a named pipe (FIFO)", func(dir, other string) string {
		Mkfifo(t, filepath.Join(other, "fifo"))
		Symlink(t, filepath.Join(other, "fifo"), filepath.Join(dir, "out"))
		return filepath.Join(dir, "out")
	})
	if fi, err := os.Lstat(os.DevNull); err == nil && fi.Mode()&fs.ModeCharDevice != 0 {
		out = append(out, Special{Name: "/dev/null", Path: os.DevNull, Says: "a character device"})
	}
	return out
}

// Link is a symlink to a regular file in another directory: a write
// through it must replace the target's content and keep the link.
type Link struct {
	// Path is the link, to hand the command.
	Path string
	// Target is the regular file it points to.
	Target string
}

// SymlinkToFile makes a Link whose target holds content (mode 0600; ""
// makes an empty file: a link to a missing one is dangling, and refused).
func SymlinkToFile(t testing.TB, content string) Link {
	t.Helper()
	l := Link{Path: filepath.Join(t.TempDir(), "out"), Target: filepath.Join(t.TempDir(), "target")}
	WriteFile(t, l.Target, content, 0o600)
	Symlink(t, l.Target, l.Path)
	return l
}

// Written fails t unless the link still points to the target, which is a
// regular file of mode perm and nothing else stands beside either, and
// returns the target's content.
func (l Link) Written(t testing.TB, perm os.FileMode) string {
	t.Helper()
	if got, err := os.Readlink(l.Path); err != nil || got != l.Target {
		t.Errorf("%s is no longer a symlink to %s: %q, %v", l.Path, l.Target, got, err)
	}
	fi, err := os.Lstat(l.Target)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != perm {
		t.Errorf("%s: mode %v, want a regular file of mode %v", l.Target, fi.Mode(), perm)
	}
	for _, dir := range []string{filepath.Dir(l.Path), filepath.Dir(l.Target)} {
		for name := range Describe(t, dir) {
			if name != filepath.Base(l.Path) && name != filepath.Base(l.Target) {
				t.Errorf("%s was left in %s", name, dir)
			}
		}
	}
	b, err := os.ReadFile(l.Target)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
