package e2e

// The example workflows' steps, run as the runner runs them: each step's
// script under `bash -eo pipefail`, with its env (expressions filled in by
// the test), the built mlabctl against the emulator, and a fake `gh` that
// records what the workflow asks of GitHub. This proves the scripts users
// copy work: the sticky comment is created once and then edited, new keys
// reach `gh secret set` and nowhere else, the drift issue opens and closes.

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"gopkg.in/yaml.v3"
)

// fakeGH is a `gh` that answers from and records into files under its
// directory (see the cases of the script).
const fakeGH = `#!/usr/bin/env bash
set -euo pipefail
d="$FAKE_GH_DIR"
printf '%s\n' "$*" >> "$d/calls"
arg() { # the value after flag $1 in the arguments
  local want="$1"; shift
  while [ $# -gt 0 ]; do
    if [ "$1" = "$want" ]; then echo "$2"; return; fi
    shift
  done
}
case "$1 $2" in
  "api --paginate")           # the PR's comments, filtered by the workflow's --jq
    cat "$d/comment-id" 2>/dev/null || true ;;
  "api --method")             # PATCH a comment
    body="$(arg -F "$@")"; cp "${body#body=@}" "$d/comment-body"; echo '{}' ;;
  "pr comment")
    cp "$(arg --body-file "$@")" "$d/comment-body"; echo 101 > "$d/comment-id" ;;
  "secret set")
    mkdir -p "$d/secrets"; cat > "$d/secrets/$3" ;;
  "label create") ;;
  "issue list")
    cat "$d/issue-number" 2>/dev/null || true ;;
  "issue create")
    cp "$(arg --body-file "$@")" "$d/issue-body"; echo 7 > "$d/issue-number"
    echo "https://github.com/acme/infra/issues/7" ;;
  "issue edit")
    cp "$(arg --body-file "$@")" "$d/issue-body" ;;
  "issue close")
    rm -f "$d/issue-number" ;;
  "run list")
    cat "$d/run-id" 2>/dev/null || true ;;
  "run download")
    [ -d "$d/artifact" ] || exit 1
    mkdir -p "$(arg --dir "$@")"; cp "$d/artifact/"* "$(arg --dir "$@")/" ;;
  *)
    case "$1" in
      api)                    # commits/SHA/pulls, or pulls/N
        case "$2" in
          */pulls) cat "$d/pr" 2>/dev/null || true ;;
          */pulls/*) cat "$d/head" ;;
          *) echo "fake gh: unexpected api $2" >&2; exit 1 ;;
        esac ;;
      *) echo "fake gh: unexpected: $*" >&2; exit 1 ;;
    esac ;;
esac
`

// workflowHarness runs steps of one example workflow.
type workflowHarness struct {
	t        *testing.T
	doc      workflowDoc
	em       *testEmulator
	ws       string            // $GITHUB_WORKSPACE
	gh       string            // the fake gh's directory
	binDir   string            // PATH entries: the fake gh, then mlabctl
	exprs    map[string]string // values of ${{ }} expressions
	temp     string            // $RUNNER_TEMP
	summary  string
	lastOuts map[string]map[string]string // step id → outputs
}

type workflowDoc struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Name string            `yaml:"name"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func newWorkflowHarness(t *testing.T, file string) *workflowHarness {
	t.Helper()
	requireTool(t, "bash")
	requireTool(t, "jq")
	data, err := os.ReadFile(filepath.Join("examples", "github", file))
	if err != nil {
		t.Fatal(err)
	}
	h := &workflowHarness{t: t, em: startEmulator(t), ws: t.TempDir(), gh: t.TempDir(), temp: t.TempDir(), lastOuts: map[string]map[string]string{}}
	if err := yaml.Unmarshal(data, &h.doc); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "gh"), []byte(fakeGH), 0o755); err != nil {
		t.Fatal(err)
	}
	h.binDir = bin + string(os.PathListSeparator) + filepath.Dir(binPath)
	h.summary = filepath.Join(h.temp, "summary.md")
	h.exprs = map[string]string{
		"github.token":                       "ghs_fake",
		"github.repository":                  "acme/infra",
		"github.server_url":                  "https://github.com",
		"github.run_id":                      "4242",
		"github.event.pull_request.number":   "12",
		"github.event.pull_request.head.sha": "0123456789abcdef0123456789abcdef01234567",
		"secrets.MODELSLAB_READ_TOKEN":       h.em.Demo.Token,
		"secrets.MODELSLAB_TOKEN":            h.em.Demo.Token,
		"secrets.SECRETS_ADMIN_TOKEN":        "github_pat_fake",
		"inputs.allow_delete":                "",
		"steps.reviewed.outputs.planfile":    "",
		"steps.plan.outputs.exit-code":       "",
	}
	return h
}

// expression matches a ${{ }} expression.
var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// fill replaces the expressions in v; an unknown one fails the test, so the
// harness never runs a step with a value it did not choose.
func (h *workflowHarness) fill(v string) string {
	return expression.ReplaceAllStringFunc(v, func(m string) string {
		key := expression.FindStringSubmatch(m)[1]
		val, ok := h.exprs[key]
		if !ok {
			h.t.Fatalf("the harness has no value for ${{ %s }}", key)
		}
		return val
	})
}

// step runs the step named name of job and returns its output and exit code.
func (h *workflowHarness) step(job, name string) (string, int) {
	h.t.Helper()
	j, ok := h.doc.Jobs[job]
	if !ok {
		h.t.Fatalf("no job %q", job)
	}
	for _, s := range j.Steps {
		if s.Name != name {
			continue
		}
		outputs := filepath.Join(h.temp, "output-"+strings.ReplaceAll(name, " ", "-"))
		os.Remove(outputs)
		env := map[string]string{
			"PATH":                h.binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
			"GITHUB_ACTIONS":      "true",
			"GITHUB_WORKSPACE":    h.ws,
			"GITHUB_OUTPUT":       outputs,
			"GITHUB_STEP_SUMMARY": h.summary,
			"GITHUB_SHA":          "fedcba9876543210fedcba9876543210fedcba98",
			"RUNNER_TEMP":         h.temp,
			"FAKE_GH_DIR":         h.gh,
			"MODELSLAB_BASE_URL":  h.em.URL,
		}
		for _, layer := range []map[string]string{h.doc.Env, j.Env, s.Env} {
			for k, v := range layer {
				env[k] = h.fill(v)
			}
		}
		out, code := runActionScript(h.t, s.Run, h.ws, env)
		if s.ID != "" {
			h.lastOuts[s.ID] = readOutputs(h.t, outputs)
			for k, v := range h.lastOuts[s.ID] {
				h.exprs["steps."+s.ID+".outputs."+k] = v
			}
		}
		return out, code
	}
	h.t.Fatalf("job %q has no step %q", job, name)
	return "", 0
}

func (h *workflowHarness) write(name, content string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.ws, name), []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// ghFile returns a file the fake gh wrote, or "".
func (h *workflowHarness) ghFile(name string) string {
	h.t.Helper()
	return readOptional(h.t, filepath.Join(h.gh, name))
}

func (h *workflowHarness) mustStep(job, name string) string {
	h.t.Helper()
	out, code := h.step(job, name)
	if code != 0 {
		h.t.Fatalf("step %q exited %d:\n%s", name, code, out)
	}
	return out
}

func TestPlanWorkflowStickyComment(t *testing.T) {
	h := newWorkflowHarness(t, "plan.yml")
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	h.write("modelslab.yaml", string(example))

	// First push: the plan has changes; the comment is created.
	h.mustStep("plan", "Plan")
	if got := h.exprs["steps.plan.outputs.exit-code"]; got != "2" {
		t.Fatalf("plan exit-code output %q, want 2", got)
	}
	h.mustStep("plan", "Comment the plan on the pull request")
	first := h.ghFile("comment-body")
	if !strings.HasPrefix(first, "<!-- mlabctl-plan -->\n") {
		t.Errorf("the comment does not start with the marker:\n%s", first)
	}
	for _, want := range []string{"changes to review", "api_key.ci", "Plan: "} {
		if !strings.Contains(first, want) {
			t.Errorf("the comment lacks %q:\n%s", want, first)
		}
	}
	if workflowCommand.MatchString(first) {
		t.Errorf("the comment carries workflow commands:\n%s", first)
	}
	assertNoSecrets(t, "the PR comment", first, []string{h.em.Demo.Token})
	for _, f := range []string{"plan.bin", "plan.md"} {
		if _, err := os.Stat(filepath.Join(h.ws, f)); err != nil {
			t.Errorf("the plan step did not leave %s for the artifact: %v", f, err)
		}
	}

	// Second push: nothing left to change; the same comment is edited.
	h.write("modelslab.yaml", "version: 1\n")
	h.mustStep("plan", "Plan")
	h.mustStep("plan", "Comment the plan on the pull request")
	if second := h.ghFile("comment-body"); !strings.Contains(second, "no changes") {
		t.Errorf("the edited comment does not say no changes:\n%s", second)
	}
	var kinds []string
	for _, call := range strings.Split(strings.TrimSpace(h.ghFile("calls")), "\n") {
		f := strings.Fields(call)
		kinds = append(kinds, strings.Join(f[:2], " "))
	}
	want := []string{"api --paginate", "pr comment", "api --paginate", "api --method"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("gh calls: one comment created, then edited (-want +got):\n%s", diff)
	}

	// A failing plan is commented with its error, then fails the job.
	h.exprs["secrets.MODELSLAB_READ_TOKEN"] = "not-a-valid-token"
	h.mustStep("plan", "Plan")
	if got := h.exprs["steps.plan.outputs.exit-code"]; got != "1" {
		t.Fatalf("plan with a bad token: exit-code %q, want 1", got)
	}
	h.mustStep("plan", "Comment the plan on the pull request")
	failed := h.ghFile("comment-body")
	if !strings.Contains(failed, "failed (exit 1)") || !strings.Contains(failed, "```") {
		t.Errorf("the comment of a failed plan does not show the error:\n%s", failed)
	}
	assertNoSecrets(t, "the PR comment", failed, []string{"not-a-valid-token", h.em.Demo.Token})
	if _, code := h.step("plan", "Fail if the plan failed"); code == 0 {
		t.Error("the job did not fail after a failed plan")
	}
}

func TestApplyWorkflowHandsKeysToSecrets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reviewed bool // a plan artifact of the merged PR exists
		stale    bool // the account changed after the review
	}{
		{"re-plan from main", false, false},
		{"the reviewed plan", true, false},
		{"a stale reviewed plan is refused", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWorkflowHarness(t, "apply.yml")
			example, err := os.ReadFile(githubExample)
			if err != nil {
				t.Fatal(err)
			}
			h.write("modelslab.yaml", string(example))
			if tc.reviewed {
				art := filepath.Join(h.gh, "artifact")
				if err := os.MkdirAll(art, 0o755); err != nil {
					t.Fatal(err)
				}
				res := runCLI(t, cliRun{Args: []string{"plan", "--out", filepath.Join(art, "plan.bin")}, Dir: h.ws,
					Env: map[string]string{"MODELSLAB_BASE_URL": h.em.URL, "MODELSLAB_TOKEN": h.em.Demo.Token}})
				if res.Code != 0 {
					t.Fatalf("making the reviewed plan: exit %d\n%s", res.Code, res.Stderr)
				}
				if err := os.WriteFile(filepath.Join(art, "modelslab.yaml"), example, 0o644); err != nil {
					t.Fatal(err)
				}
				for name, v := range map[string]string{"pr": "12", "head": "abc123", "run-id": "99"} {
					if err := os.WriteFile(filepath.Join(h.gh, name), []byte(v+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			out := h.mustStep("apply", "Find the reviewed plan")
			planfile := h.exprs["steps.reviewed.outputs.planfile"]
			if tc.reviewed != (planfile != "") {
				t.Fatalf("planfile output %q with a reviewed plan: %v\n%s", planfile, tc.reviewed, out)
			}

			if tc.reviewed {
				if _, err := os.Stat(planfile); err != nil {
					t.Fatalf("the reviewed plan was not downloaded: %v", err)
				}
			}
			if tc.stale {
				h.em.AddAPIKey(h.em.Demo.Username, emulator.Key{Name: "made-by-hand"})
				out, code := h.step("apply", "Apply")
				if code != 3 {
					t.Fatalf("applying a stale plan: step exit %d, want 3\n%s", code, out)
				}
				if h.ghFile("calls") != "" && strings.Contains(h.ghFile("calls"), "secret set") {
					t.Errorf("a refused apply set secrets:\n%s", h.ghFile("calls"))
				}
				return
			}
			out = h.mustStep("apply", "Apply")
			if !strings.Contains(out, "Apply complete") {
				t.Errorf("the apply did not complete:\n%s", out)
			}
			acct, ok := h.em.Snapshot(h.em.Demo.Username)
			if !ok {
				t.Fatal("no demo account")
			}
			live := map[string]string{}
			for _, k := range acct.APIKeys {
				live[k.Name] = k.Key
			}
			entries, err := os.ReadDir(filepath.Join(h.gh, "secrets"))
			if err != nil {
				t.Fatalf("no secret was set: %v\n%s", err, out)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
				value := readOptional(t, filepath.Join(h.gh, "secrets", e.Name()))
				keyName := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.Name(), "MODELSLAB_KEY_"), "_", "-"))
				if live[keyName] == "" || value != live[keyName] {
					t.Errorf("secret %s does not hold the live key %q exactly", e.Name(), keyName)
				}
				if strings.Contains(out, value) && !strings.Contains(out, "::add-mask::"+value) {
					t.Errorf("the step's log shows key %q unmasked", keyName)
				}
			}
			sort.Strings(names)
			if len(names) == 0 {
				t.Fatal("applying the example set no secret")
			}
			if _, err := os.Stat(filepath.Join(h.temp, "secrets.json")); !os.IsNotExist(err) {
				t.Errorf("the secrets file survived the step (stat: %v)", err)
			}
		})
	}
}

func TestDriftWorkflowOpensAndClosesOneIssue(t *testing.T) {
	h := newWorkflowHarness(t, "drift.yml")
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	h.write("modelslab.yaml", string(example))

	for round := 1; round <= 2; round++ {
		h.mustStep("drift", "Plan")
		if got := h.exprs["steps.plan.outputs.exit-code"]; got != "2" {
			t.Fatalf("round %d: plan exit-code %q, want 2", round, got)
		}
		h.mustStep("drift", "Export the live account")
		h.mustStep("drift", "Open or update the drift issue")
		body := h.ghFile("issue-body")
		for _, want := range []string{"no longer matches", "Plan: ", "```yaml", "version: 1"} {
			if !strings.Contains(body, want) {
				t.Errorf("round %d: the issue lacks %q:\n%s", round, want, body)
			}
		}
	}
	calls := h.ghFile("calls")
	if n := strings.Count(calls, "issue create"); n != 1 {
		t.Errorf("%d issues created over two drifted runs, want 1:\n%s", n, calls)
	}
	if !strings.Contains(calls, "issue edit 7") {
		t.Errorf("the second run did not edit the open issue:\n%s", calls)
	}

	// The drift is gone: the issue is closed.
	h.write("modelslab.yaml", "version: 1\n")
	h.mustStep("drift", "Plan")
	if got := h.exprs["steps.plan.outputs.exit-code"]; got != "0" {
		t.Fatalf("plan exit-code %q, want 0", got)
	}
	h.mustStep("drift", "Close the drift issue")
	if !strings.Contains(h.ghFile("calls"), "issue close 7") || h.ghFile("issue-number") != "" {
		t.Errorf("the drift issue was not closed:\n%s", h.ghFile("calls"))
	}

	// A broken token fails the job instead of looking like no drift.
	h.exprs["secrets.MODELSLAB_READ_TOKEN"] = "not-a-valid-token"
	if _, code := h.step("drift", "Plan"); code == 0 {
		t.Error("a plan that failed did not fail the drift job")
	}
}
