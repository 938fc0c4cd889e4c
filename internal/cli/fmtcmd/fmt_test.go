package fmtcmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/golden"
)

// copyTo copies src into dir under its base name and returns the copy.
func copyTo(t *testing.T, dir, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o640); err != nil {
		t.Fatal(err)
	}
	return dst
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// corpus is every valid modelslab.yaml of the repository: spec's valid
// corpus and the examples. The canonical form of each is the golden file
// of spec/specfmt, which the command must write exactly.
func corpus(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../../spec/testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Glob("../../../examples/*.yaml")
	files = append(files, examples...)
	if len(files) < 10 {
		t.Fatalf("found %d corpus files, want the valid corpus and the examples", len(files))
	}
	return files
}

// TestFmtCorpus runs `mlabctl fmt` on a copy of every valid corpus file:
// it writes specfmt's canonical form (comments kept: the golden files hold
// them), keeps the file's mode, leaves a valid file, and a second run, like
// --check, finds nothing to change.
func TestFmtCorpus(t *testing.T) {
	t.Parallel()
	for _, src := range corpus(t) {
		t.Run(filepath.Base(src), func(t *testing.T) {
			t.Parallel()
			file := copyTo(t, t.TempDir(), src)
			before := readFile(t, file)
			res := clitest.Mlabctl(t, nil, "fmt", "-f", file)
			if res.Code != 0 || res.Stderr != "" {
				t.Fatalf("fmt: exit %d, stderr %q", res.Code, res.Stderr)
			}
			got := readFile(t, file)
			want := readFile(t, filepath.Join("../../../spec/specfmt/testdata", filepath.Base(src)))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("fmt wrote (-specfmt golden +got):\n%s", d)
			}
			wantOut := ""
			if got != before {
				wantOut = file + "\n"
			}
			if res.Stdout != wantOut {
				t.Errorf("stdout %q, want %q (the name of a file that changed)", res.Stdout, wantOut)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("mode after fmt: %v %v, want 0640 kept", fi.Mode(), err)
			}
			for _, args := range [][]string{{"fmt", "-f", file}, {"fmt", "--check", "-f", file}, {"fmt", "--check", "--diff", "-f", file}} {
				res := clitest.Mlabctl(t, nil, args...)
				if res.Code != 0 || res.Stdout != "" || res.Stderr != "" {
					t.Errorf("%v on the formatted file: exit %d, stdout %q, stderr %q; want nothing to do", args, res.Code, res.Stdout, res.Stderr)
				}
			}
			if got := readFile(t, file); got != want {
				t.Error("a second fmt changed the formatted file")
			}
			if res := clitest.Mlabctl(t, nil, "validate", "-f", file); res.Code != 0 {
				t.Errorf("validate of the formatted file: exit %d, stderr %q", res.Code, res.Stderr)
			}
		})
	}
}

// TestFmtCheckAndDiff: --check exits 1 and writes nothing when the file
// would change (naming the first line that differs, and as an annotation
// under GitHub Actions), --diff prints the golden unified diff and writes
// nothing, and both together print the diff and exit 1.
func TestFmtCheckAndDiff(t *testing.T) {
	t.Parallel()
	messy := readFile(t, "testdata/messy.yaml")
	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		code       int
		diff       bool
		wantStderr []string
	}{
		{name: "check", args: []string{"--check"}, code: 1,
			wantStderr: []string{"Error: ", "messy.yaml:1: not in canonical form; run `mlabctl fmt -f "}},
		{name: "check under GitHub Actions", args: []string{"--check"}, env: map[string]string{"GITHUB_ACTIONS": "true"}, code: 1,
			wantStderr: []string{"::error file=", "messy.yaml,line=1,col=1::not in canonical form"}},
		{name: "diff", args: []string{"--diff"}, code: 0, diff: true},
		{name: "check and diff", args: []string{"--check", "--diff"}, code: 1, diff: true,
			wantStderr: []string{"not in canonical form"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := copyTo(t, dir, "testdata/messy.yaml")
			res := clitest.Mlabctl(t, tc.env, append(append([]string{"fmt"}, tc.args...), "-f", file)...)
			if res.Code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", res.Code, tc.code, res.Stderr)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr %q does not contain %q", res.Stderr, w)
				}
			}
			if tc.code == 0 && res.Stderr != "" {
				t.Errorf("stderr %q, want none", res.Stderr)
			}
			if tc.diff {
				// The diff names the file relative to the temporary
				// directory's root, as git would: a/<path without "/">.
				got := strings.ReplaceAll(res.Stdout, strings.TrimPrefix(filepath.ToSlash(dir), "/")+"/", "")
				golden.Check(t, "testdata/messy.diff", []byte(got))
			} else if res.Stdout != "" {
				t.Errorf("stdout %q, want none", res.Stdout)
			}
			if got := readFile(t, file); got != messy {
				t.Errorf("%v changed the file:\n%s", tc.args, got)
			}
		})
	}
}

// TestFmtWrites rewrites a file in place: the canonical form, comments
// kept, through a symlink to its target (the link stays a link).
func TestFmtWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := copyTo(t, dir, "testdata/messy.yaml")
	link := filepath.Join(dir, "modelslab.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	res := clitest.Mlabctl(t, map[string]string{"MODELSLAB_FILE": link}, "fmt")
	if res.Code != 0 {
		t.Fatalf("fmt: exit %d, stderr %q", res.Code, res.Stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	got := readFile(t, target)
	golden.Check(t, "testdata/messy.formatted.yaml", []byte(got))
	for _, c := range []string{"# The team's account, kept in git.", "# at least one admin", "# the CI key", "# the production key: never rotated"} {
		if !strings.Contains(got, c) {
			t.Errorf("comment %q lost:\n%s", c, got)
		}
	}
}

// TestFmtStdin formats stdin to stdout with -f -, touching no file.
func TestFmtStdin(t *testing.T) {
	t.Parallel()
	res := clitest.Run(t, clitest.Invocation{Args: []string{"fmt", "-f", "-"}, Stdin: readFile(t, "testdata/messy.yaml")})
	if res.Code != 0 {
		t.Fatalf("exit %d, stderr %q", res.Code, res.Stderr)
	}
	golden.Check(t, "testdata/messy.formatted.yaml", []byte(res.Stdout))

	res = clitest.Run(t, clitest.Invocation{Args: []string{"fmt", "--check", "-f", "-"}, Stdin: readFile(t, "testdata/messy.yaml")})
	if res.Code != 1 || res.Stdout != "" || !strings.Contains(res.Stderr, "<stdin>:1: not in canonical form") {
		t.Errorf("--check of stdin: exit %d, stdout %q, stderr %q; want exit 1 naming <stdin>:1", res.Code, res.Stdout, res.Stderr)
	}
}

// TestFmtRefuses: what fmt cannot format is an error (exit 1) naming the
// file, and the file is left as it was.
func TestFmtRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content string // "" means the file does not exist
		args    []string
		want    string
	}{
		{name: "missing file", want: "reading "},
		{name: "not YAML", content: "version: [1\n", want: "m.yaml"},
		{name: "not a mapping", content: "- a\n- b\n", want: "m.yaml"},
		{name: "two documents", content: "version: 1\n---\nversion: 1\n", want: "m.yaml"},
		{name: "an argument", content: "version: 1\n", args: []string{"m.yaml"}, want: "fmt takes no arguments"},
		{name: "a network flag", content: "version: 1\n", args: []string{"--token", "x"}, want: "flag provided but not defined: -token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "m.yaml")
			if tc.content != "" {
				if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res := clitest.Mlabctl(t, nil, append([]string{"fmt", "-f", file}, tc.args...)...)
			if res.Code != 1 || !strings.Contains(res.Stderr, tc.want) || res.Stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and %q", res.Code, res.Stdout, res.Stderr, tc.want)
			}
			if tc.content != "" && readFile(t, file) != tc.content {
				t.Error("the file was changed")
			}
		})
	}
}
