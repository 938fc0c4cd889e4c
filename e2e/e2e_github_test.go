package e2e

// End-to-end tests of mlabctl under GitHub Actions with the built binary:
// the step outputs plan sets, which action.yml passes on, and the scripts
// of action.yml run by bash the way the runner runs them. The other GitHub
// Actions tests run in-process in internal/cli/github_test.go.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"gopkg.in/yaml.v3"
)

// githubExample is the commented example account, which differs from the
// emulator's demo account (so planning it has changes, applying it creates
// keys).
var githubExample, _ = filepath.Abs(filepath.Join(repoRoot, "examples", "modelslab.yaml"))

// githubRun is a GitHub Actions step (clitest.GitHubStep) for runs of the
// binary in its workspace.
type githubRun struct {
	clitest.GitHubStep
	Dir string // $GITHUB_WORKSPACE, where the run happens
}

// newGitHubRun prepares the files and environment of one step; em may be nil
// for offline commands.
func newGitHubRun(t *testing.T, em *testEmulator) githubRun {
	t.Helper()
	step := clitest.NewGitHubStep(t, em)
	return githubRun{GitHubStep: step, Dir: step.Workspace}
}

// writeFile writes content to name under r.Dir and returns the path.
func (r githubRun) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	return r.WriteFile(t, name, content)
}

func (r githubRun) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runCLI(t, cliRun{Args: args, Env: r.Env, Dir: r.Dir})
}

// readOutputs parses a $GITHUB_OUTPUT file of name=value lines.
var readOutputs = clitest.ReadOutputs

// workflowCommand is a line the runner takes as a command.
var workflowCommand = clitest.WorkflowCommand

// TestGitHubPlanSummaryAndOutputs: plan appends the markdown plan to the
// step summary (after what earlier steps wrote) and sets has_changes and
// the counts, equal to the JSON plan's summary.
func TestGitHubPlanSummaryAndOutputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		spec        string // "" means the example file
		wantChanges bool
	}{
		{name: "changes", wantChanges: true},
		{name: "no changes", spec: "version: 1\n", wantChanges: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := startEmulator(t)
			r := newGitHubRun(t, em)
			file := githubExample
			if tc.spec != "" {
				file = r.writeFile(t, "modelslab.yaml", tc.spec)
			}
			if err := os.WriteFile(r.Summary, []byte("## Earlier step\n"), 0o644); err != nil {
				t.Fatal(err)
			}

			md := r.run(t, "plan", "-f", file, "-o", "markdown")
			if md.Code != 0 {
				t.Fatalf("plan -o markdown: exit %d\n%s", md.Code, md.Stderr)
			}
			summary := readOptional(t, r.Summary)
			if !strings.HasPrefix(summary, "## Earlier step\n") {
				t.Errorf("the summary lost what an earlier step wrote:\n%s", summary)
			}
			if !strings.Contains(summary, strings.TrimSpace(md.Stdout)) {
				t.Errorf("the summary does not hold the markdown plan.\nsummary:\n%s\nplan:\n%s", summary, md.Stdout)
			}

			// The outputs agree with the JSON plan of the same state.
			if err := os.Remove(r.Output); err != nil {
				t.Fatal(err)
			}
			js := r.run(t, "plan", "-f", file, "-o", "json")
			if js.Code != 0 {
				t.Fatalf("plan -o json: exit %d\n%s", js.Code, js.Stderr)
			}
			var p struct {
				Summary map[string]int `json:"summary"`
			}
			if err := json.Unmarshal([]byte(js.Stdout), &p); err != nil {
				t.Fatalf("plan -o json under GitHub Actions is not JSON (%v):\n%s", err, js.Stdout)
			}
			want := map[string]string{"has_changes": strconv.FormatBool(tc.wantChanges)}
			for _, k := range []string{"create", "update", "delete", "replace", "resend"} {
				want[k] = strconv.Itoa(p.Summary[k])
			}
			if diff := cmp.Diff(want, readOutputs(t, r.Output)); diff != "" {
				t.Errorf("step outputs (-want +got):\n%s", diff)
			}
			if got := len(readOutputs(t, r.Output)); got != len(planOutputs) {
				t.Errorf("%d outputs, want the %d that action.yml passes on (%v)", got, len(planOutputs), planOutputs)
			}
		})
	}
}

// actionStep returns the run script and shell of the action.yml step with id.
func actionStep(t *testing.T, id string) string {
	t.Helper()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Runs struct {
			Steps []struct {
				ID    string `yaml:"id"`
				Run   string `yaml:"run"`
				Shell string `yaml:"shell"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	for _, s := range action.Runs.Steps {
		if s.ID == id {
			if s.Shell != "bash" {
				t.Fatalf("step %q runs in %q, the test knows bash", id, s.Shell)
			}
			return s.Run
		}
	}
	t.Fatalf("action.yml has no step with id %q", id)
	return ""
}

// runActionScript runs a step's script as the runner runs `shell: bash`.
func runActionScript(t *testing.T, script, dir string, env map[string]string) (out string, code int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", path)
	cmd.Dir = dir
	cmd.Env = childEnv(t, env)
	b, err := cmd.CombinedOutput()
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running the step: %v", err)
		}
		return string(b), ee.ExitCode()
	}
	return string(b), 0
}

// TestActionRunStep runs action.yml's command step with the built binary:
// words split honouring quotes, exit codes 0 and 2 pass, others fail the
// step, and exit-code plus plan's outputs reach $GITHUB_OUTPUT.
func TestActionRunStep(t *testing.T) {
	requireTool(t, "bash")
	script := actionStep(t, "run")
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		files       map[string]string
		command     string
		wantCode    int
		wantOutputs map[string]string
		wantOut     string // a substring of the step's output
	}{
		{
			name:        "plan with changes passes with exit-code 2",
			files:       map[string]string{"modelslab.yaml": string(example)},
			command:     "plan --detailed-exitcode",
			wantCode:    0,
			wantOutputs: map[string]string{"exit-code": "2", "has_changes": "true"},
		},
		{
			name:        "plan without changes",
			files:       map[string]string{"modelslab.yaml": "version: 1\n"},
			command:     "plan --detailed-exitcode",
			wantCode:    0,
			wantOutputs: map[string]string{"exit-code": "0", "has_changes": "false", "create": "0", "update": "0", "delete": "0", "replace": "0"},
		},
		{
			name:        "quoted words",
			files:       map[string]string{"my dir/modelslab.yaml": "version: 1\n"},
			command:     `validate -f "my dir/modelslab.yaml"`,
			wantCode:    0,
			wantOutputs: map[string]string{"exit-code": "0"},
		},
		{
			name:        "a failure fails the step",
			files:       map[string]string{"modelslab.yaml": "version: 1\nprofile:\n  nmae: x\n"},
			command:     "validate",
			wantCode:    1,
			wantOutputs: map[string]string{"exit-code": "1"},
			wantOut:     "::error::mlabctl exited with 1",
		},
		{
			name:        "no shell expansion",
			files:       map[string]string{"modelslab.yaml": "version: 1\n"},
			command:     "validate -f $HOME/x",
			wantCode:    1,
			wantOutputs: map[string]string{"exit-code": "1"},
			wantOut:     "$HOME/x",
		},
		{
			name:     "an unbalanced quote runs nothing",
			files:    map[string]string{"modelslab.yaml": "version: 1\n"},
			command:  `validate -f "modelslab.yaml`,
			wantCode: 1,
			wantOut:  "cannot split the command input into words",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			em := startEmulator(t)
			r := newGitHubRun(t, em)
			for name, content := range tc.files {
				r.writeFile(t, name, content)
			}
			r.Env["MLABCTL"] = binPath
			r.Env["MLABCTL_COMMAND"] = tc.command
			out, code := runActionScript(t, script, r.Dir, r.Env)
			if code != tc.wantCode {
				t.Fatalf("step exit %d, want %d\n%s", code, tc.wantCode, out)
			}
			got := readOutputs(t, r.Output)
			for k, v := range tc.wantOutputs {
				if got[k] != v {
					t.Errorf("output %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if tc.wantOutputs == nil && len(got) > 0 {
				t.Errorf("outputs %v, want none: mlabctl must not have run", got)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("step output lacks %q:\n%s", tc.wantOut, out)
			}
		})
	}
}

// TestActionBuildStep runs action.yml's build step on this checkout: `go
// install .` puts mlabctl in GOBIN, which goes to $GITHUB_PATH, and the path
// output names the binary.
func TestActionBuildStep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlabctl; skipped with -short")
	}
	requireTool(t, "bash")
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	gobin := filepath.Join(files, "bin")
	env := map[string]string{
		"GITHUB_ACTION_PATH": root,
		"GITHUB_PATH":        filepath.Join(files, "path"),
		"GITHUB_OUTPUT":      filepath.Join(files, "output"),
		"GOBIN":              gobin,
		"GOTOOLCHAIN":        "local",
	}
	// The Go environment of this test run (module and build caches).
	for _, k := range []string{"GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY"} {
		if v, err := exec.Command("go", "env", k).Output(); err == nil {
			env[k] = strings.TrimSpace(string(v))
		}
	}
	out, code := runActionScript(t, actionStep(t, "build"), t.TempDir(), env)
	if code != 0 {
		t.Fatalf("build step exit %d\n%s", code, out)
	}
	if got := strings.TrimSpace(readOptional(t, env["GITHUB_PATH"])); got != gobin {
		t.Errorf("GITHUB_PATH = %q, want %q", got, gobin)
	}
	if diff := cmp.Diff(map[string]string{"path": filepath.Join(gobin, "mlabctl")}, readOutputs(t, env["GITHUB_OUTPUT"])); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, "mlabctl ") || !strings.Contains(out, "commit: ") {
		t.Errorf("the build step did not print the version:\n%s", out)
	}
}
