package e2e

// End-to-end tests of mlabctl under GitHub Actions: the built binary with
// GITHUB_ACTIONS=true and temporary GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
// files, against the emulator; and the scripts of action.yml run by bash the
// way the runner runs them.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"gopkg.in/yaml.v3"
)

// githubExample is the commented example account, which differs from the
// emulator's demo account (so planning it has changes, applying it creates
// keys).
var githubExample, _ = filepath.Abs(filepath.Join(repoRoot, "examples", "modelslab.yaml"))

// githubRun is a GitHub Actions environment for one run of the binary.
type githubRun struct {
	Env     map[string]string
	Summary string // path of $GITHUB_STEP_SUMMARY
	Output  string // path of $GITHUB_OUTPUT
	Dir     string // $GITHUB_WORKSPACE, where the run happens
}

// newGitHubRun prepares the files and environment of one step; em may be nil
// for offline commands.
func newGitHubRun(t *testing.T, em *testEmulator) githubRun {
	t.Helper()
	files := t.TempDir()
	r := githubRun{
		Summary: filepath.Join(files, "summary.md"),
		Output:  filepath.Join(files, "output"),
		Dir:     t.TempDir(),
	}
	r.Env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_STEP_SUMMARY": r.Summary,
		"GITHUB_OUTPUT":       r.Output,
		"GITHUB_WORKSPACE":    r.Dir,
		"RUNNER_TEMP":         files,
	}
	if em != nil {
		r.Env["MODELSLAB_BASE_URL"] = em.URL
		r.Env["MODELSLAB_TOKEN"] = em.Demo.Token
	}
	return r
}

// writeFile writes content to name under r.Dir and returns the path.
func (r githubRun) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(r.Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (r githubRun) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runCLI(t, cliRun{Args: args, Env: r.Env, Dir: r.Dir})
}

// readOutputs parses a $GITHUB_OUTPUT file of name=value lines.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(readOptional(t, path)), "\n") {
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

// workflowCommand is a line the runner takes as a command.
var workflowCommand = regexp.MustCompile(`(?m)^::[a-z-]+`)

// diagnosticLine is one FILE:LINE:COL: message line of stderr.
var diagnosticLine = regexp.MustCompile(`(?m)^([^\s:]+):(\d+):(\d+): (.+)$`)

// TestGitHubValidateAnnotations: every diagnostic is also an ::error
// annotation with its file (relative to the workspace, where GitHub shows
// it), line and column.
func TestGitHubValidateAnnotations(t *testing.T) {
	r := newGitHubRun(t, nil)
	r.writeFile(t, "accounts/acme/modelslab.yaml", `version: 1
profile:
  nmae: Acme
api_keys:
  - name: ci
  - name: ci
team:
  - email: not-an-email
    role: admin
`)
	res := r.run(t, "validate", "-f", "accounts/acme/modelslab.yaml")
	if res.Code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	both := res.Stdout + res.Stderr
	var want []string
	for _, m := range diagnosticLine.FindAllStringSubmatch(res.Stderr, -1) {
		want = append(want, "::error file=accounts/acme/modelslab.yaml,line="+m[2]+",col="+m[3]+"::"+ghactions.EscapeData(m[4]))
	}
	if len(want) < 3 {
		t.Fatalf("want at least 3 diagnostics (unknown field, duplicate key, bad email) on stderr, got:\n%s", res.Stderr)
	}
	var got []string
	for _, l := range strings.Split(both, "\n") {
		if strings.HasPrefix(l, "::error ") {
			got = append(got, l)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("annotations, one per diagnostic (-want +got):\n%s", diff)
	}

	// Outside GitHub Actions the same run prints no workflow command.
	delete(r.Env, "GITHUB_ACTIONS")
	plain := r.run(t, "validate", "-f", "accounts/acme/modelslab.yaml")
	if workflowCommand.MatchString(plain.Stdout + plain.Stderr) {
		t.Errorf("workflow commands outside GitHub Actions:\n%s%s", plain.Stdout, plain.Stderr)
	}
}

// TestGitHubPlanSummaryAndOutputs: plan appends the markdown plan to the
// step summary (after what earlier steps wrote) and sets has_changes and
// the counts, equal to the JSON plan's summary.
func TestGitHubPlanSummaryAndOutputs(t *testing.T) {
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

// TestGitHubApplyMasksNewKeys: every new key is masked with ::add-mask::,
// and no other line of the output mentions it.
func TestGitHubApplyMasksNewKeys(t *testing.T) {
	em := startEmulator(t)
	r := newGitHubRun(t, em)
	secretsFile := filepath.Join(t.TempDir(), "secrets.json")
	res := r.run(t, "apply", "--auto-approve", "--secrets-out", secretsFile, "-f", githubExample)
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	keys := readSecretsFile(t, secretsFile)
	if len(keys) == 0 {
		t.Fatal("applying the example created no key; the test proves nothing")
	}
	for name, key := range keys {
		for _, stream := range []struct{ name, text string }{{"stdout", res.Stdout}, {"stderr", res.Stderr}} {
			for _, l := range strings.Split(stream.text, "\n") {
				if strings.Contains(l, key) && l != "::add-mask::"+key {
					t.Errorf("%s mentions the new key %q outside its mask: %q", stream.name, name, strings.ReplaceAll(l, key, "<key>"))
				}
			}
		}
		if n := strings.Count(res.Stdout+res.Stderr, "::add-mask::"+key+"\n"); n != 1 {
			t.Errorf("the new key %q is masked %d times, want once", name, n)
		}
	}
}

// TestGitHubStdoutStaysClean: what workflows redirect (`plan -o markdown >
// plan.md`, `plan -o json`, `export > live.yaml`) carries no workflow
// command: one there would end up in a PR comment or a file, and the runner
// would never see it. Workflow commands belong on stderr.
func TestGitHubStdoutStaysClean(t *testing.T) {
	em := startEmulator(t)
	r := newGitHubRun(t, em)
	bad := r.writeFile(t, "bad.yaml", "version: 1\nprofile:\n  nmae: x\n")
	rail := r.writeFile(t, "rail.yaml", "version: 1\nteam:\n  - email: bob@example.com\npolicy:\n  min_admins: 1\n")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"plan markdown", []string{"plan", "-f", githubExample, "-o", "markdown"}},
		{"plan json", []string{"plan", "-f", githubExample, "-o", "json"}},
		{"plan of an invalid file", []string{"plan", "-f", bad, "-o", "markdown"}},
		{"plan refused by a rail", []string{"plan", "-f", rail, "-o", "markdown"}},
		{"export", []string{"export"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := r.run(t, tc.args...)
			if workflowCommand.MatchString(res.Stdout) {
				t.Errorf("mlabctl %s (exit %d) printed workflow commands on stdout:\n%s", strings.Join(tc.args, " "), res.Code, res.Stdout)
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
