package clitest

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
)

// repoRoot is the repository's root: the nearest directory above the
// working directory (a package's directory under go test) holding go.mod.
var repoRoot = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("clitest: no go.mod above the working directory; run the tests with go test")
		}
		dir = parent
	}
})

// RepoPath is the absolute path of rel, a slash-separated path from the
// repository's root ("examples/modelslab.yaml"): in-process tests run in
// their package's directory, and cannot change it while tests run in
// parallel.
func RepoPath(rel string) string { return filepath.Join(repoRoot(), filepath.FromSlash(rel)) }

// ExampleFile is the README's example, examples/modelslab.yaml, which plans
// changes of every kind against the demo account (DEMO.md).
func ExampleFile() string { return RepoPath("examples/modelslab.yaml") }

// WriteFile writes content to dir/name (mode 0644) and returns the path.
func WriteFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteSpec writes a modelslab.yaml into a fresh directory and returns its
// path.
func WriteSpec(t testing.TB, content string) string {
	t.Helper()
	return WriteFile(t, t.TempDir(), "modelslab.yaml", content)
}

// SpecOrExample writes spec into a fresh modelslab.yaml and returns its
// path; an empty spec means the README's example file (ExampleFile).
func SpecOrExample(t testing.TB, spec string) string {
	t.Helper()
	if spec == "" {
		return ExampleFile()
	}
	return WriteSpec(t, spec)
}

// ReadOptional returns a file's contents, or "" when it does not exist.
func ReadOptional(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ReadFileWithMode returns the content of a file mlabctl wrote, failing
// the test unless the file has mode perm.
func ReadFileWithMode(t testing.TB, path string, perm os.FileMode) []byte {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != perm {
		t.Errorf("%s has mode %o, want %o", path, got, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadSecretsFile reads a --secrets-out file: a JSON object of key name to
// key.
func ReadSecretsFile(t testing.TB, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var secrets map[string]string
	if err := json.Unmarshal(b, &secrets); err != nil {
		t.Fatalf("secrets file %s: %v", path, err)
	}
	return secrets
}

// DirContents maps each file under dir (relative to it) to its content,
// "<dir>" for directories: a test compares it before and after a command
// that must leave the directory as it was.
func DirContents(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel] = "<dir>"
			return nil
		}
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// AddPlanChange adds change to the plan of the plan file at path and
// seals the file again, as an attacker who also computes the digest would:
// only apply's recomputation and rails stand in the way.
func AddPlanChange(t testing.TB, path string, change map[string]any) {
	t.Helper()
	if change == nil {
		t.Fatal("no change to add")
	}
	f, err := planfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(change)
	if err != nil {
		t.Fatal(err)
	}
	var c plan.Change
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	f.Plan.Changes = append(f.Plan.Changes, c)
	if err := planfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
}
