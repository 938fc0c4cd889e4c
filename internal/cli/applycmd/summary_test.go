package applycmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// TestApplyStepSummaryOfAnEmptyPlan: apply's GitHub step summary of an
// empty plan closes with the very line its text plan does, and an empty
// partial plan (a --target that matches nothing to change) does not claim
// that the account matches modelslab.yaml while changes outside the
// targets are left out.
func TestApplyStepSummaryOfAnEmptyPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		appliedFirst bool // the whole file applied before, so nothing is left out
		args         []string
		want         string // the text plan's last line
		wantMD       string // the summary's (markdown: _ escaped)
	}{
		{"a whole plan", true, nil, "No changes. The account matches modelslab.yaml.", "No changes. The account matches modelslab.yaml."},
		{"a partial plan leaving changes out", false, []string{"--target", "team_member.alice@example.com"},
			"No changes within --target team_member.alice@example.com.", `No changes within --target team\_member.alice@example.com.`},
		{"a partial plan of a matching account", true, []string{"--target", "team_member.alice@example.com"},
			"No changes within --target team_member.alice@example.com, nor outside it: the account matches modelslab.yaml.",
			`No changes within --target team\_member.alice@example.com, nor outside it: the account matches modelslab.yaml.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := startEmulatorFaulty(t, nil)
			env := clitest.DemoEnv(em)
			apply := []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}
			if tt.appliedFirst {
				if res := clitest.Run(t, clitest.Invocation{Args: apply, Env: env}); res.Code != 0 {
					t.Fatalf("the first apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
				}
			}
			before := len(em.Mutations())
			summary := clitest.WriteFile(t, t.TempDir(), "step_summary.md", "")
			env["GITHUB_ACTIONS"], env["GITHUB_STEP_SUMMARY"] = "true", summary
			res := clitest.Run(t, clitest.Invocation{Args: append(apply, tt.args...), Env: env})
			if res.Code != 0 {
				t.Fatalf("exit %d, want 0\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			if lines := strings.Split(strings.TrimSpace(res.Stdout), "\n"); lines[len(lines)-1] != tt.want {
				t.Errorf("the text plan closes with %q, want %q\n%s", lines[len(lines)-1], tt.want, res.Stdout)
			}
			b, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			md := strings.TrimRight(string(b), "\n")
			if want := "### mlabctl apply: `acme-bot`\n\n" + tt.wantMD; md != want {
				t.Errorf("step summary:\n%s\nwant:\n%s", md, want)
			}
			if m := em.Mutations(); len(m) != before {
				t.Errorf("an empty plan changed the account: %v", m[before:])
			}
		})
	}
}
