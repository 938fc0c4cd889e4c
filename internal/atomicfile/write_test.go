package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// result is what a Write left behind, compared as one value.
type result struct {
	Content string
	Mode    os.FileMode
	Entries []string // names in the directory: no temporary file may stay
}

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before *string // nil: no file before
		mode   os.FileMode
		perm   os.FileMode
		want   result
	}{
		{name: "new secret file", perm: 0o600, want: result{Content: "new\n", Mode: 0o600, Entries: []string{"f"}}},
		{name: "new public file", perm: 0o644, want: result{Content: "new\n", Mode: 0o644, Entries: []string{"f"}}},
		{name: "a world-readable file is narrowed", before: ptr("old and longer content\n"), mode: 0o644, perm: 0o600, want: result{Content: "new\n", Mode: 0o600, Entries: []string{"f"}}},
		{name: "a read-only file is replaced", before: ptr("x"), mode: 0o400, perm: 0o600, want: result{Content: "new\n", Mode: 0o600, Entries: []string{"f"}}},
		{name: "an executable file loses its x bits", before: ptr("x"), mode: 0o777, perm: 0o644, want: result{Content: "new\n", Mode: 0o644, Entries: []string{"f"}}},
		{name: "a narrow file is widened as asked", before: ptr("x"), mode: 0o600, perm: 0o644, want: result{Content: "new\n", Mode: 0o644, Entries: []string{"f"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			if tc.before != nil {
				if err := os.WriteFile(path, []byte(*tc.before), tc.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tc.mode); err != nil { // the umask may have narrowed it
					t.Fatal(err)
				}
			}
			if err := Write(path, []byte("new\n"), tc.perm); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, inspect(t, dir, path)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("f", []byte("new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := result{Content: "new\n", Mode: 0o600, Entries: []string{"f"}}
	if diff := cmp.Diff(want, inspect(t, dir, filepath.Join(dir, "f"))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path to write
		wantErr []string                              // parts of the error
		want    []string                              // what the directory holds afterwards
	}{
		{
			name: "a directory in the way",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "taken")
				if err := os.MkdirAll(filepath.Join(p, "child"), 0o755); err != nil {
					t.Fatal(err)
				}
				return p
			},
			wantErr: []string{"taken", "is a directory"},
			want:    []string{"taken"},
		},
		{
			name:    "a missing directory",
			setup:   func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "such", "f") },
			wantErr: []string{filepath.Join("no", "such", "f")},
			want:    []string{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			err := Write(path, []byte("x"), 0o600)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			for _, part := range tc.wantErr {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not contain %q", err, part)
				}
			}
			if diff := cmp.Diff(tc.want, names(t, dir)); diff != "" {
				t.Errorf("directory after a failed write (-want +got):\n%s", diff)
			}
		})
	}
}

func inspect(t *testing.T, dir, path string) result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return result{Content: string(b), Mode: fi.Mode().Perm(), Entries: names(t, dir)}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func ptr[T any](v T) *T { return &v }
