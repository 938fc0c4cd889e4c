//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/atomicfile/atomicfiletest"
)

// dirs are the two directories of a case: the one holding the output path
// and another one that symlinks point into.
type dirs struct{ out, other string }

func listenUnix(t *testing.T, path string) {
	t.Helper()
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	// Closing a listener removes its socket file; the test needs it to stay
	// until the end, so it is closed by Cleanup, after the checks.
	t.Cleanup(func() { l.Close() })
}

// TestSpecialFiles runs Check, ReadFile and Write on every kind of thing
// that can stand at an output path, and compares both directories
// afterwards: a refused path is left exactly as it was, with no temporary
// file beside it; an accepted one holds the new content with the new mode.
func TestSpecialFiles(t *testing.T) {
	const data, perm = "new\n", os.FileMode(0o600)
	for _, tc := range []struct {
		name        string
		setup       func(t *testing.T, d dirs) // makes d.out/"p" (and maybe d.other/…)
		wantKind    string                     // NotRegularError.Kind; "" when accepted
		wantLink    func(d dirs) string        // NotRegularError.Link
		wantRead    string                     // ReadFile's content when accepted and existing
		wantResolve string                     // Resolve's answer when not the path itself
		wantOut     atomicfiletest.Tree        // d.out afterwards, when accepted
		wantOther   atomicfiletest.Tree        // d.other afterwards, when accepted
	}{
		{
			name:    "nothing there",
			setup:   func(t *testing.T, d dirs) {},
			wantOut: atomicfiletest.Tree{"p": "file:new\n:-rw-------"}, wantOther: atomicfiletest.Tree{},
		},
		{
			name:     "a regular file, world-readable",
			setup:    func(t *testing.T, d dirs) { atomicfiletest.WriteFile(t, filepath.Join(d.out, "p"), "old", 0o644) },
			wantRead: "old",
			wantOut:  atomicfiletest.Tree{"p": "file:new\n:-rw-------"}, wantOther: atomicfiletest.Tree{},
		},
		{
			name: "a directory",
			setup: func(t *testing.T, d dirs) {
				if err := os.MkdirAll(filepath.Join(d.out, "p", "child"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantKind: "a directory",
		},
		{
			name:     "a FIFO",
			setup:    func(t *testing.T, d dirs) { atomicfiletest.Mkfifo(t, filepath.Join(d.out, "p")) },
			wantKind: "a named pipe (FIFO)",
		},
		{
			name:     "a Unix socket",
			setup:    func(t *testing.T, d dirs) { listenUnix(t, filepath.Join(d.out, "p")) },
			wantKind: "a Unix socket",
		},
		{
			name: "a symlink to a regular file: the target is replaced, the link kept",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.WriteFile(t, filepath.Join(d.other, "secrets.json"), "old", 0o644)
				atomicfiletest.Symlink(t, filepath.Join(d.other, "secrets.json"), filepath.Join(d.out, "p"))
			},
			wantRead:    "old",
			wantResolve: "OTHER/secrets.json",
			wantOut:     atomicfiletest.Tree{"p": "symlink:OTHER/secrets.json"},
			wantOther:   atomicfiletest.Tree{"secrets.json": "file:new\n:-rw-------"},
		},
		{
			name: "a relative symlink to a symlink to a regular file",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.WriteFile(t, filepath.Join(d.other, "real"), "old", 0o600)
				atomicfiletest.Symlink(t, filepath.Join(d.other, "real"), filepath.Join(d.out, "hop"))
				atomicfiletest.Symlink(t, "hop", filepath.Join(d.out, "p"))
			},
			wantRead:    "old",
			wantResolve: "OTHER/real",
			wantOut:     atomicfiletest.Tree{"p": "symlink:hop", "hop": "symlink:OTHER/real"},
			wantOther:   atomicfiletest.Tree{"real": "file:new\n:-rw-------"},
		},
		{
			name: "a dangling symlink",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.Symlink(t, filepath.Join(d.other, "gone"), filepath.Join(d.out, "p"))
			},
			wantKind: kindMissing,
			wantLink: func(d dirs) string { return filepath.Join(d.other, "gone") },
		},
		{
			name: "a symlink to a FIFO",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.Mkfifo(t, filepath.Join(d.other, "fifo"))
				atomicfiletest.Symlink(t, filepath.Join(d.other, "fifo"), filepath.Join(d.out, "p"))
			},
			wantKind: "a named pipe (FIFO)",
			wantLink: func(d dirs) string { return filepath.Join(d.other, "fifo") },
		},
		{
			name: "a symlink to a directory",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.Symlink(t, d.other, filepath.Join(d.out, "p"))
			},
			wantKind: "a directory",
			wantLink: func(d dirs) string { return d.other },
		},
		{
			name: "a symlink loop",
			setup: func(t *testing.T, d dirs) {
				atomicfiletest.Symlink(t, "q", filepath.Join(d.out, "p"))
				atomicfiletest.Symlink(t, "p", filepath.Join(d.out, "q"))
			},
			wantKind: "loop", // not a NotRegularError: an error naming the path
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Short directory names: a Unix socket's path is limited to
			// about 100 bytes.
			d := dirs{out: shortTempDir(t), other: shortTempDir(t)}
			tc.setup(t, d)
			path := filepath.Join(d.out, "p")
			beforeOut, beforeOther := atomicfiletest.Describe(t, d.out), atomicfiletest.Describe(t, d.other)

			checkErr := Check(path)
			real, resolveErr := Resolve(path)
			read, readErr := ReadFile(path)
			writeErr := Write(path, []byte(data), perm)

			if tc.wantKind != "" {
				for what, err := range map[string]error{"Check": checkErr, "Resolve": resolveErr, "ReadFile": readErr, "Write": writeErr} {
					if err == nil {
						t.Errorf("%s accepted it", what)
						continue
					}
					if !strings.Contains(err.Error(), path) {
						t.Errorf("%s: error %q does not name %s", what, err, path)
					}
					if tc.wantKind == "loop" {
						if errors.Is(err, ErrNotRegular) {
							t.Errorf("%s: a loop is reported as %v", what, err)
						}
						continue
					}
					var nr *NotRegularError
					if !errors.As(err, &nr) || !errors.Is(err, ErrNotRegular) {
						t.Errorf("%s: error %v (%T) is not a *NotRegularError", what, err, err)
						continue
					}
					wantLink := ""
					if tc.wantLink != nil {
						wantLink = tc.wantLink(d)
					}
					if diff := cmp.Diff(NotRegularError{Path: path, Link: wantLink, Kind: tc.wantKind}, *nr); diff != "" {
						t.Errorf("%s: error (-want +got):\n%s", what, diff)
					}
				}
				// Nothing changed, in either directory: no temporary file,
				// the special file still what it was.
				if diff := cmp.Diff(beforeOut, atomicfiletest.Describe(t, d.out)); diff != "" {
					t.Errorf("output directory changed (-before +after):\n%s", diff)
				}
				if diff := cmp.Diff(beforeOther, atomicfiletest.Describe(t, d.other)); diff != "" {
					t.Errorf("other directory changed (-before +after):\n%s", diff)
				}
				return
			}

			for what, err := range map[string]error{"Check": checkErr, "Resolve": resolveErr, "Write": writeErr} {
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			if tc.wantResolve != "" {
				if want := strings.ReplaceAll(tc.wantResolve, "OTHER", d.other); real != want {
					t.Errorf("Resolve = %q, want %q", real, want)
				}
			} else if real != path {
				t.Errorf("Resolve = %q, want the path itself", real)
			}
			switch {
			case tc.wantRead == "" && !errors.Is(readErr, fs.ErrNotExist):
				t.Errorf("ReadFile of a missing file: %v, want an error matching fs.ErrNotExist", readErr)
			case tc.wantRead != "" && (readErr != nil || string(read) != tc.wantRead):
				t.Errorf("ReadFile = %q, %v; want %q", read, readErr, tc.wantRead)
			}
			fill := func(tr atomicfiletest.Tree) atomicfiletest.Tree {
				out := atomicfiletest.Tree{}
				for k, v := range tr {
					out[k] = strings.ReplaceAll(v, "OTHER", d.other)
				}
				return out
			}
			if diff := cmp.Diff(fill(tc.wantOut), atomicfiletest.Describe(t, d.out)); diff != "" {
				t.Errorf("output directory (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(fill(tc.wantOther), atomicfiletest.Describe(t, d.other)); diff != "" {
				t.Errorf("other directory (-want +got):\n%s", diff)
			}
		})
	}
}

// shortTempDir is a temporary directory with a short path (t.TempDir's
// embeds the test's name), free of symlinks (macOS's /var is one), so that
// the resolved paths the tests expect are the ones Resolve finds.
func shortTempDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "af")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	real, err := filepath.EvalSymlinks(d)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// TestDevice checks the refusal of a device on the machine's own /dev/null,
// by looking only: resolve and ReadFile lstat it and refuse before opening
// anything, and no Write is ever tried on it (run as root, a rename over it
// would replace the machine's /dev/null). A symlink to it is refused too.
func TestDevice(t *testing.T) {
	fi, err := os.Lstat(os.DevNull)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	link := filepath.Join(t.TempDir(), "token")
	atomicfiletest.Symlink(t, os.DevNull, link)
	for _, tc := range []struct {
		path string
		want NotRegularError
	}{
		{os.DevNull, NotRegularError{Path: os.DevNull, Kind: "a character device"}},
		{link, NotRegularError{Path: link, Link: os.DevNull, Kind: "a character device"}},
	} {
		_, resolveErr := resolve(tc.path)
		_, readErr := ReadFile(tc.path)
		for what, err := range map[string]error{"resolve": resolveErr, "ReadFile": readErr} {
			var nr *NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("%s(%s) = %v, want a *NotRegularError", what, tc.path, err)
				continue
			}
			if diff := cmp.Diff(tc.want, *nr); diff != "" {
				t.Errorf("%s(%s) (-want +got):\n%s", what, tc.path, diff)
			}
		}
	}
	if after, err := os.Lstat(os.DevNull); err != nil || after.Mode() != fi.Mode() {
		t.Fatalf("%s changed: %v, %v", os.DevNull, after.Mode(), err)
	}
}

// TestErrorMessages pins the wording users see (the CLI prints it after
// "Error: " and exits 1).
func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  NotRegularError
		want string
	}{
		{NotRegularError{Path: "/dev/null", Kind: "a character device"},
			`refusing to write "/dev/null": it is a character device, not a regular file; name a file instead`},
		{NotRegularError{Path: "out.json", Link: "/tmp/fifo", Kind: "a named pipe (FIFO)"},
			`refusing to write "out.json": it is a symlink to "/tmp/fifo", a named pipe (FIFO), not a regular file; name a file instead`},
		{NotRegularError{Path: "secrets.json", Link: "/run/secrets/x", Kind: kindMissing},
			`refusing to write "secrets.json": it is a symlink to "/run/secrets/x", which does not exist; create that file first or remove the link`},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
