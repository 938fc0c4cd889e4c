package cli_test

// In-process tests of mlabctl under GitHub Actions: command lines with
// GITHUB_ACTIONS=true and temporary GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
// files (clitest.GitHubStep), against the emulator. The plan outputs that
// action.yml passes on, and action.yml's own scripts, are tested with the
// built binary in e2e/e2e_github_test.go.

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
)

// diagnosticLine is one FILE:LINE:COL: message line of stderr.
var diagnosticLine = regexp.MustCompile(`(?m)^([^\s:]+):(\d+):(\d+): (.+)$`)

// TestGitHubValidateAnnotations: every diagnostic is also an ::error
// annotation with its file (relative to the workspace, where GitHub shows
// it, though the run names it by its absolute path), line and column.
func TestGitHubValidateAnnotations(t *testing.T) {
	t.Parallel()
	r := clitest.NewGitHubStep(t, nil)
	file := r.WriteFile(t, "accounts/acme/modelslab.yaml", `version: 1
profile:
  nmae: Acme
api_keys:
  - name: ci
  - name: ci
team:
  - email: not-an-email
    role: admin
`)
	res := clitest.Mlabctl(t, r.Env, "validate", "-f", file)
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
	plain := clitest.Mlabctl(t, r.Env, "validate", "-f", file)
	if clitest.WorkflowCommand.MatchString(plain.Stdout + plain.Stderr) {
		t.Errorf("workflow commands outside GitHub Actions:\n%s%s", plain.Stdout, plain.Stderr)
	}
}

// TestGitHubApplyMasksNewKeys: every new key is masked with ::add-mask::,
// and no other line of the output mentions it.
func TestGitHubApplyMasksNewKeys(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	r := clitest.NewGitHubStep(t, em)
	secretsFile := filepath.Join(t.TempDir(), "secrets.json")
	res := clitest.Mlabctl(t, r.Env, "apply", "--auto-approve", "--secrets-out", secretsFile, "-f", clitest.ExampleFile())
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	keys := clitest.ReadSecretsFile(t, secretsFile)
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
	t.Parallel()
	em := emulatortest.Start(t)
	r := clitest.NewGitHubStep(t, em)
	bad := r.WriteFile(t, "bad.yaml", "version: 1\nprofile:\n  nmae: x\n")
	rail := r.WriteFile(t, "rail.yaml", "version: 1\nteam:\n  - email: bob@example.com\npolicy:\n  min_admins: 1\n")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"plan markdown", []string{"plan", "-f", clitest.ExampleFile(), "-o", "markdown"}},
		{"plan json", []string{"plan", "-f", clitest.ExampleFile(), "-o", "json"}},
		{"plan of an invalid file", []string{"plan", "-f", bad, "-o", "markdown"}},
		{"plan refused by a rail", []string{"plan", "-f", rail, "-o", "markdown"}},
		{"export", []string{"export"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := clitest.Mlabctl(t, r.Env, tc.args...)
			if clitest.WorkflowCommand.MatchString(res.Stdout) {
				t.Errorf("mlabctl %s (exit %d) printed workflow commands on stdout:\n%s", strings.Join(tc.args, " "), res.Code, res.Stdout)
			}
		})
	}
}
