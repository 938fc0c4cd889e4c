package clitest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator/emulatortest"
)

// WorkflowCommand matches a line the GitHub Actions runner takes as a
// workflow command (::error, ::add-mask::, ...).
var WorkflowCommand = regexp.MustCompile(`(?m)^::[a-z-]+`)

// GitHubStep is the environment of one GitHub Actions step for a run:
// GITHUB_ACTIONS=true, a step summary and an output file (not created
// yet), and a workspace directory.
type GitHubStep struct {
	// Env is the whole environment of the run: the GitHub variables, and
	// the emulator's base URL and demo token when there is one.
	Env       map[string]string
	Summary   string // path of $GITHUB_STEP_SUMMARY
	Output    string // path of $GITHUB_OUTPUT
	Workspace string // $GITHUB_WORKSPACE
}

// NewGitHubStep prepares the files and environment of one step against em;
// em may be nil for offline commands.
func NewGitHubStep(t testing.TB, em *emulatortest.Server) GitHubStep {
	t.Helper()
	files := t.TempDir()
	s := GitHubStep{
		Summary:   filepath.Join(files, "summary.md"),
		Output:    filepath.Join(files, "output"),
		Workspace: t.TempDir(),
	}
	s.Env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_STEP_SUMMARY": s.Summary,
		"GITHUB_OUTPUT":       s.Output,
		"GITHUB_WORKSPACE":    s.Workspace,
		"RUNNER_TEMP":         files,
	}
	if em != nil {
		for k, v := range DemoEnv(em) {
			s.Env[k] = v
		}
	}
	return s
}

// WriteFile writes content to name (slash-separated, directories made as
// needed) under the workspace and returns its path.
func (s GitHubStep) WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(s.Workspace, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	return WriteFile(t, filepath.Dir(path), filepath.Base(path), content)
}

// ReadOutputs parses a $GITHUB_OUTPUT file of name=value lines (none when
// it does not exist).
func ReadOutputs(t testing.TB, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(ReadOptional(t, path)), "\n") {
		if l == "" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("%s: line %q is not name=value", path, l)
		}
		out[k] = v
	}
	return out
}
