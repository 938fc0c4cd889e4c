package e2e

// The example workflows' steps, run as the runner runs them: each step's
// script under `bash -eo pipefail`, with its env (expressions filled in by
// the test), the built mlabctl against the emulator, and a fake `gh` that
// records what the workflow asks of GitHub. This proves the scripts users
// copy work: the sticky comment is created once and then edited, new keys
// reach `gh secret set` and nowhere else, the drift issue opens and closes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"gopkg.in/yaml.v3"
)

// fakeGH is a `gh` that answers from and records into files under its
// directory. `gh api` answers GET requests with the JSON file of the route
// (comments.json, pulls.json, runs.json) filtered by the real jq with the
// workflow's own --jq, so the workflows' filters are tested too.
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
case "$1" in
  api)
    shift
    method=GET jqf= path= body=
    while [ $# -gt 0 ]; do
      case "$1" in
        --paginate) ;;
        --method) method="$2"; shift ;;
        --jq) jqf="$2"; shift ;;
        -F|-f) body="$2"; shift ;;
        *) path="$1" ;;
      esac
      shift
    done
    case "$method $path" in
      "GET repos/"*/issues/*/comments) file="$d/comments.json"; empty='[]' ;;
      "GET repos/"*/commits/*/pulls) file="$d/pulls.json"; empty='[]' ;;
      "GET repos/"*/actions/workflows/*/runs*) file="$d/runs.json"; empty='{"workflow_runs":[]}' ;;
      "PATCH repos/"*/issues/comments/*) cp "${body#body=@}" "$d/comment-body"; echo '{}'; exit 0 ;;
      *) echo "fake gh: unexpected api $method $path" >&2; exit 1 ;;
    esac
    [ -f "$file" ] || printf '%s\n' "$empty" > "$file"
    if [ -n "$jqf" ]; then jq -r "$jqf" "$file"; else cat "$file"; fi ;;
  pr) # pr comment N --body-file FILE
    f="$(arg --body-file "$@")"
    cp "$f" "$d/comment-body"; cp "$f" "$d/pr-comment-$3"
    jq -n --rawfile body "$f" '[{id: 101, user: {login: "github-actions[bot]"}, body: $body}]' > "$d/comments.json" ;;
  secret) # secret set NAME --env ENV --repo REPO, the value on stdin
    if [ -f "$d/secret-set-fails" ]; then cat > /dev/null; echo "HTTP 403: Resource not accessible by personal access token" >&2; exit 1; fi
    env="$(arg --env "$@")"; mkdir -p "$d/secrets/$env"; cat > "$d/secrets/$env/$3" ;;
  run) # run download ID --name NAME --dir DIR
    src="$d/artifacts/$3/$(arg --name "$@")"
    [ -d "$src" ] || { echo "no artifact matches any of the names or patterns provided" >&2; exit 1; }
    mkdir -p "$(arg --dir "$@")"; cp "$src/"* "$(arg --dir "$@")/" ;;
  label) ;;
  issue)
    case "$2" in
      list) cat "$d/issue-number" 2>/dev/null || true ;;
      create) cp "$(arg --body-file "$@")" "$d/issue-body"; echo 7 > "$d/issue-number"
        echo "https://github.com/acme/infra/issues/7" ;;
      edit) cp "$(arg --body-file "$@")" "$d/issue-body" ;;
      close) rm -f "$d/issue-number" ;;
    esac ;;
  *) echo "fake gh: unexpected: $*" >&2; exit 1 ;;
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
	// override replaces environment variables of every step after its
	// own env (a smaller COMMENT_MAX, say).
	override map[string]string
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
		"inputs.plan_main":                   "",
		"github.ref_name":                    "main",
		"needs.plan.outputs.pr":              "",
		"steps.plan.outputs.exit-code":       "",
		"steps.apply.outputs.exit-code":      "",
		"steps.upload.outputs.artifact-url":  "",
		"runner.temp":                        h.temp,
	}
	return h
}

// mergeSHA is $GITHUB_SHA of the steps: the merge commit of a pushed
// pull request.
const mergeSHA = "fedcba9876543210fedcba9876543210fedcba98"

// gitCommit commits the workspace as it is (a pull request's base, then its
// merge commit), for the steps that diff the two.
func (h *workflowHarness) gitCommit(message string) {
	h.t.Helper()
	requireTool(h.t, "git")
	if _, err := os.Stat(filepath.Join(h.ws, ".git")); err != nil {
		h.git("init", "-q")
	}
	h.git("add", "-A")
	h.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", message)
}

func (h *workflowHarness) git(args ...string) {
	h.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = h.ws
	cmd.Env = childEnv(h.t, map[string]string{"GIT_CONFIG_NOSYSTEM": "1"})
	if out, err := cmd.CombinedOutput(); err != nil {
		h.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// ghJSON writes a response of the fake gh.
func (h *workflowHarness) ghJSON(name string, v any) {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.gh, name), b, 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// artifact stores files as artifact name of run id, for `gh run download`.
func (h *workflowHarness) artifact(run int, name string, files map[string][]byte) {
	h.t.Helper()
	dir := filepath.Join(h.gh, "artifacts", strconv.Itoa(run), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
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
			"GITHUB_SHA":          mergeSHA,
			"RUNNER_TEMP":         h.temp,
			"FAKE_GH_DIR":         h.gh,
			"MODELSLAB_BASE_URL":  h.em.URL,
		}
		for _, layer := range []map[string]string{h.doc.Env, j.Env, s.Env} {
			for k, v := range layer {
				env[k] = h.fill(v)
			}
		}
		for k, v := range h.override {
			env[k] = v
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

// prWorkspace writes a pull request's checkout: a base commit with base as
// modelslab.yaml ("" for none), then the merge commit with head.
func (h *workflowHarness) prWorkspace(base, head string) {
	h.t.Helper()
	if base != "" {
		h.write("modelslab.yaml", base)
	}
	h.write("README.md", "base\n")
	h.gitCommit("base")
	h.write("modelslab.yaml", head)
	h.gitCommit("merge")
}

func TestPlanWorkflowStickyComment(t *testing.T) {
	h := newWorkflowHarness(t, "plan.yml")
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	h.prWorkspace("version: 1\n", string(example))
	h.mustStep("plan", "Find what the pull request changes")
	if got := h.exprs["steps.changes.outputs.changed"]; got != "true" {
		t.Fatalf("changed output %q, want true", got)
	}

	// First push: the plan has changes; the comment is created.
	h.mustStep("plan", "Plan")
	if got := h.exprs["steps.plan.outputs.exit-code"]; got != "2" {
		t.Fatalf("plan exit-code output %q, want 2", got)
	}
	h.exprs["steps.upload.outputs.artifact-url"] = "https://github.com/acme/infra/actions/runs/4242/artifacts/7"
	h.mustStep("plan", "Comment the plan on the pull request")
	first := h.ghFile("comment-body")
	if !strings.HasPrefix(first, "<!-- mlabctl-plan -->\n") {
		t.Errorf("the comment does not start with the marker:\n%s", first)
	}
	for _, want := range []string{"changes to review", "api_key.ci", "Plan: ", "[full text plan](https://github.com/acme/infra/actions/runs/4242/artifacts/7)", "Merging applies exactly this plan"} {
		if !strings.Contains(first, want) {
			t.Errorf("the comment lacks %q:\n%s", want, first)
		}
	}
	if workflowCommand.MatchString(first) {
		t.Errorf("the comment carries workflow commands:\n%s", first)
	}
	assertNoSecrets(t, "the PR comment", first, []string{h.em.Demo.Token})
	for _, f := range []string{"plan.bin", "plan.md", "plan.txt"} {
		if _, err := os.Stat(filepath.Join(h.ws, f)); err != nil {
			t.Errorf("the plan step did not leave %s for the artifact: %v", f, err)
		}
	}
	if txt := readOptional(t, filepath.Join(h.ws, "plan.txt")); !strings.Contains(txt, "Not verified against the live account") || !strings.Contains(txt, "Plan: ") {
		t.Errorf("plan.txt is not the full text plan of mlabctl show:\n%s", txt)
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

// TestPlanWorkflowIsARequiredCheck: the workflow runs on every pull
// request (no paths filter, which would leave a required check pending
// forever), and one that does not change modelslab.yaml passes at once.
func TestPlanWorkflowIsARequiredCheck(t *testing.T) {
	doc := readYAML(t, filepath.Join("examples", "github", "plan.yml"))
	on, _ := mapping(doc["on"])
	pr, _ := mapping(on["pull_request"])
	if _, filtered := pr["paths"]; filtered || on["pull_request"] == nil {
		t.Errorf("plan.yml's pull_request trigger is %v: it must run on every pull request, with no paths filter", on["pull_request"])
	}
	h := newWorkflowHarness(t, "plan.yml")
	h.prWorkspace("version: 1\n", "version: 1\n")
	h.write("README.md", "changed\n")
	h.gitCommit("an unrelated change")
	out := h.mustStep("plan", "Find what the pull request changes")
	if got := h.exprs["steps.changes.outputs.changed"]; got != "false" || !strings.Contains(out, "nothing to plan") {
		t.Errorf("an unrelated pull request: changed %q, output %q; want false and a reason", got, out)
	}
	if summary := readOptional(t, h.summary); !strings.Contains(summary, "does not change modelslab.yaml") {
		t.Errorf("the job summary does not say why nothing was planned:\n%s", summary)
	}
}

// TestPlanWorkflowForkSaysWhy: a fork's pull request that changes
// modelslab.yaml fails the check with an annotation saying why no plan was
// made and what to do, instead of passing silently.
func TestPlanWorkflowForkSaysWhy(t *testing.T) {
	h := newWorkflowHarness(t, "plan.yml")
	out, code := h.step("plan", "Refuse a fork's change of modelslab.yaml")
	if code == 0 {
		t.Fatal("the fork step passed")
	}
	if !strings.Contains(out, "::error title=No plan for a pull request from a fork::") || !strings.Contains(out, "pull/12/head") {
		t.Errorf("the fork step does not say why and what to do:\n%s", out)
	}
	if summary := readOptional(t, h.summary); !strings.Contains(summary, "no plan made") {
		t.Errorf("the job summary does not say so:\n%s", summary)
	}
	// The step runs only for a fork's change of modelslab.yaml.
	if cond := stepField(t, "plan.yml", "plan", "Refuse a fork's change of modelslab.yaml", "if"); !strings.Contains(cond, "head.repo.full_name != github.repository") ||
		!strings.Contains(cond, "steps.changes.outputs.changed == 'true'") {
		t.Errorf("the fork step's condition is %q", cond)
	}
}

// TestWorkflowBudgetsAgreeWithTheRenderer: the byte budget the workflows
// give mlabctl's markdown is the renderer's own (plan.MarkdownMaxBytes), and
// the comment budget is GitHub's.
func TestWorkflowBudgetsAgreeWithTheRenderer(t *testing.T) {
	if got := stepField(t, "plan.yml", "plan", "Comment the plan on the pull request", "env.PLAN_MAX"); got != strconv.Itoa(plan.MarkdownMaxBytes) {
		t.Errorf("plan.yml's PLAN_MAX is %s, the renderer's limit %d", got, plan.MarkdownMaxBytes)
	}
	for _, c := range []struct{ file, job, step string }{
		{"plan.yml", "plan", "Comment the plan on the pull request"},
		{"apply.yml", "apply", "Post the result on the pull request"},
	} {
		if got := stepField(t, c.file, c.job, c.step, "env.COMMENT_MAX"); got != "65536" {
			t.Errorf("%s: COMMENT_MAX is %s, GitHub's limit 65536", c.file, got)
		}
	}
}

// stepField returns a field of a step ("if", "env.NAME") as written.
func stepField(t *testing.T, file, job, step, field string) string {
	t.Helper()
	doc := readYAML(t, filepath.Join("examples", "github", file))
	jobs, _ := mapping(doc["jobs"])
	j, _ := mapping(jobs[job])
	steps, _ := j["steps"].([]any)
	for _, st := range steps {
		m, _ := mapping(st)
		if m["name"] != step {
			continue
		}
		if name, ok := strings.CutPrefix(field, "env."); ok {
			env, _ := mapping(m["env"])
			return fmt.Sprint(env[name])
		}
		return fmt.Sprint(m[field])
	}
	t.Fatalf("%s has no step %q in job %s", file, step, job)
	return ""
}

// TestPlanWorkflowCutsOnlyWhereItCloses: a comment over GitHub's limit is
// never cut inside the plan's <details> blocks or fences: a plan over the
// renderer's budget is left out whole, and the error block is cut at a line
// inside a fence longer than any backticks of the error, then closed.
func TestPlanWorkflowCutsOnlyWhereItCloses(t *testing.T) {
	h := newWorkflowHarness(t, "plan.yml")
	var errs strings.Builder
	for i := 0; errs.Len() < 200_000; i++ {
		fmt.Fprintf(&errs, "api_key.k%d: a name with ``` backticks ````` in it\n", i)
	}
	h.write("plan.err", errs.String())
	h.write("plan.md", "<details open>\n\n```diff\n"+strings.Repeat("+ api_key.x\n", 6000)+"```\n\n</details>\n")
	h.exprs["steps.plan.outputs.exit-code"] = "3"
	h.mustStep("plan", "Comment the plan on the pull request")
	body := h.ghFile("comment-body")
	if n := len(body); n > 65536 {
		t.Errorf("the comment is %d bytes, over GitHub's 65,536", n)
	}
	if strings.Contains(body, "<details") || !strings.Contains(body, "too large for a comment") {
		t.Errorf("a plan over the renderer's budget was cut instead of left out:\n%.400s", body)
	}
	assertFencesClosed(t, body)
	if !strings.Contains(body, "(cut: see the run log)") {
		t.Errorf("the cut error block does not say so")
	}
}

// assertFencesClosed fails unless every fence opened in md is closed by
// the same fence, every <details> is closed, and md does not end inside
// either.
func assertFencesClosed(t *testing.T, md string) {
	t.Helper()
	open := ""
	details := 0
	for _, line := range strings.Split(md, "\n") {
		switch {
		case open != "":
			if line == open {
				open = ""
			}
		case strings.HasPrefix(line, "```"):
			open = strings.TrimRight(line, "abcdefghijklmnopqrstuvwxyz")
		case strings.HasPrefix(line, "<details"):
			details++
		case line == "</details>":
			details--
		}
	}
	if open != "" || details != 0 {
		t.Errorf("the comment ends inside a fence (%q) or %d <details> blocks:\n%.2000s", open, details, md[max(0, len(md)-2000):])
	}
}

// applyRun sets up the apply workflow for a push merging pull request 12,
// whose head commit planHead a plan run reviewed: the reviewed plan file of
// reviewedSpec is run 99's artifact, and around it the runs a careless
// selection would take.
type applyRun struct {
	*workflowHarness
	reviewed []byte // the reviewed plan file
}

const planHead = "abc123abc123abc123abc123abc123abc123abc1"

func newApplyRun(t *testing.T, reviewedSpec []byte) *applyRun {
	t.Helper()
	h := newWorkflowHarness(t, "apply.yml")
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	h.write("modelslab.yaml", string(example)) // main's, after the merge
	a := &applyRun{workflowHarness: h, reviewed: makePlanFile(t, h, reviewedSpec)}
	h.ghJSON("pulls.json", []map[string]any{
		{"number": 11, "merged_at": nil, "merge_commit_sha": "0000000000000000000000000000000000000000", "base": map[string]any{"ref": "main"}, "head": map[string]any{"sha": "1111"}},
		{"number": 12, "merged_at": "2026-11-25T12:00:00Z", "merge_commit_sha": mergeSHA, "base": map[string]any{"ref": "main"}, "head": map[string]any{"sha": planHead}},
	})
	prRef := func(n int, base string) []any {
		return []any{map[string]any{"number": n, "base": map[string]any{"ref": base}, "head": map[string]any{"sha": planHead}}}
	}
	h.ghJSON("runs.json", map[string]any{"workflow_runs": []any{
		// The newest: a second pull request of the same head commit into
		// another branch. It must never be chosen.
		map[string]any{"id": 97, "event": "pull_request", "conclusion": "success", "head_sha": planHead, "created_at": "2026-11-25T11:00:00Z", "pull_requests": prRef(13, "release")},
		// A push run on the same commit.
		map[string]any{"id": 96, "event": "push", "conclusion": "success", "head_sha": planHead, "created_at": "2026-11-25T10:30:00Z", "pull_requests": []any{}},
		// The review of pull request 12.
		map[string]any{"id": 99, "event": "pull_request", "conclusion": "success", "head_sha": planHead, "created_at": "2026-11-25T10:00:00Z", "pull_requests": prRef(12, "main")},
		// An older, failed run of it.
		map[string]any{"id": 95, "event": "pull_request", "conclusion": "failure", "head_sha": planHead, "created_at": "2026-11-25T09:00:00Z", "pull_requests": prRef(12, "main")},
	}})
	// What a malicious second pull request's run uploaded, under both names.
	evil := makePlanFile(t, h, []byte("version: 1\napi_keys: []\n"))
	h.artifact(97, "mlabctl-plan-pr13", map[string][]byte{"plan.bin": evil})
	h.artifact(97, "mlabctl-plan-pr12", map[string][]byte{"plan.bin": evil})
	h.artifact(96, "mlabctl-plan-pr12", map[string][]byte{"plan.bin": evil})
	h.artifact(99, "mlabctl-plan-pr12", map[string][]byte{"plan.bin": a.reviewed})
	return a
}

// makePlanFile plans spec against the harness's emulator and returns the
// plan file.
func makePlanFile(t *testing.T, h *workflowHarness, spec []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "modelslab.yaml")
	if err := os.WriteFile(file, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "plan.bin")
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", file, "--out", out}, Env: demoEnv(h.em)})
	if res.Code != 0 {
		t.Fatalf("making a plan file: exit %d\n%s", res.Code, res.Stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// findPlan runs the plan job as a push runs it and returns its output.
func (a *applyRun) findPlan() string {
	a.t.Helper()
	out := a.mustStep("plan", "Find the reviewed plan")
	a.exprs["needs.plan.outputs.pr"] = a.exprs["steps.reviewed.outputs.pr"]
	a.mustStep("plan", "Show the plan to apply")
	return out
}

func TestApplyWorkflowChoosesTheMergedPullRequestsPlan(t *testing.T) {
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	a := newApplyRun(t, example)
	out := a.findPlan()
	got, err := os.ReadFile(filepath.Join(a.ws, "apply-plan", "plan.bin"))
	if err != nil {
		t.Fatalf("no plan handed to the apply job: %v\n%s", err, out)
	}
	if !bytes.Equal(got, a.reviewed) {
		t.Errorf("the plan handed on is not run 99's reviewed plan:\n%s", out)
	}
	calls := a.ghFile("calls")
	if !strings.Contains(calls, "run download 99 --name mlabctl-plan-pr12") {
		t.Errorf("the reviewed run was not downloaded:\n%s", calls)
	}
	for _, run := range []string{"97", "96", "95"} {
		if strings.Contains(calls, "run download "+run) {
			t.Errorf("run %s (not pull request 12's successful review into main) was downloaded:\n%s", run, calls)
		}
	}
	if !strings.Contains(calls, "event=pull_request") || !strings.Contains(calls, "head_sha="+planHead) {
		t.Errorf("the runs were not asked for by event and head commit:\n%s", calls)
	}
	if a.exprs["steps.reviewed.outputs.pr"] != "12" {
		t.Errorf("pr output %q, want 12", a.exprs["steps.reviewed.outputs.pr"])
	}
	if summary := readOptional(t, a.summary); !strings.Contains(summary, "Not verified against the live account") {
		t.Errorf("the job summary does not show the plan to apply:\n%s", summary)
	}
}

func TestApplyWorkflowHandsKeysToSecrets(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stale bool // the account changed after the review
	}{
		{"the reviewed plan", false},
		{"a stale reviewed plan is refused", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			example, err := os.ReadFile(githubExample)
			if err != nil {
				t.Fatal(err)
			}
			h := newApplyRun(t, example)
			h.findPlan()
			if tc.stale {
				h.em.AddAPIKey(h.em.Demo.Username, emulator.Key{Name: "made-by-hand"})
				out, code := h.step("apply", "Apply")
				if code != 3 {
					t.Fatalf("applying a stale plan: step exit %d, want 3\n%s", code, out)
				}
				if !strings.Contains(out, "stale") || !strings.Contains(out, `plan_main set to "plan main"`) {
					t.Errorf("the refusal does not say why and how to proceed:\n%s", out)
				}
				if h.ghFile("calls") != "" && strings.Contains(h.ghFile("calls"), "secret set") {
					t.Errorf("a refused apply set secrets:\n%s", h.ghFile("calls"))
				}
				return
			}
			out := h.mustStep("apply", "Apply")
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
			dir := filepath.Join(h.gh, "secrets", "modelslab-keys")
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatalf("no secret was set in the environment modelslab-keys: %v\n%s", err, out)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
				value := readOptional(t, filepath.Join(dir, e.Name()))
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
			// apply's state is where the cache steps keep it, and holds no
			// secret.
			stateDir := apply.AccountStateDir(filepath.Join(h.temp, "mlabctl-state"), h.em.URL, h.em.Demo.Username)
			if _, err := apply.ReadAccountRecord(stateDir); err != nil {
				t.Errorf("no state directory where the workflow caches it: %v", err)
			}
			var inState strings.Builder
			_ = filepath.WalkDir(filepath.Join(h.temp, "mlabctl-state"), func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					inState.WriteString(readOptional(t, path))
				}
				return nil
			})
			var keys []string
			for _, v := range live {
				keys = append(keys, v)
			}
			assertNoSecrets(t, "the cached state directory", inState.String(), append(keys, h.em.Demo.Token))
			// The result goes to the merged pull request, with no secret.
			h.mustStep("apply", "Keep the result")
			h.exprs["steps.upload.outputs.artifact-url"] = "https://github.com/acme/infra/actions/runs/4242/artifacts/8"
			h.mustStep("apply", "Post the result on the pull request")
			comment := h.ghFile("pr-comment-12")
			for _, want := range []string{"mlabctl apply: applied", "Apply complete", "[run log](https://github.com/acme/infra/actions/runs/4242)", "artifacts/8"} {
				if !strings.Contains(comment, want) {
					t.Errorf("the result comment lacks %q:\n%s", want, comment)
				}
			}
			assertFencesClosed(t, comment)
			var secrets []string
			for _, v := range live {
				secrets = append(secrets, v)
			}
			assertNoSecrets(t, "the result comment", comment, append(secrets, h.em.Demo.Token))
			assertNoSecrets(t, "apply.txt", readOptional(t, filepath.Join(h.ws, "apply.txt")), secrets)
		})
	}
}

// TestApplyWorkflowRefusesAnotherFilesPlan: the reviewed run's artifact is
// a plan of another modelslab.yaml than main's (a crafted artifact, or
// another merge in between): `apply -f modelslab.yaml` refuses it, and
// nothing changes.
func TestApplyWorkflowRefusesAnotherFilesPlan(t *testing.T) {
	a := newApplyRun(t, []byte("version: 1\nsocials: {github: someone-else}\n"))
	a.findPlan()
	before, _ := a.em.Snapshot(a.em.Demo.Username)
	out, code := a.step("apply", "Apply")
	if code != 3 || !strings.Contains(out, "was not made from modelslab.yaml") {
		t.Fatalf("applying another file's plan: exit %d, want 3 naming the file\n%s", code, out)
	}
	if after, _ := a.em.Snapshot(a.em.Demo.Username); !cmp.Equal(before, after) {
		t.Error("the account changed")
	}
}

// TestApplyWorkflowWithoutAReviewedPlanFails: no silent fallback. Without
// the reviewed plan the job fails saying why and how to proceed, and a
// manual run plans main only when confirmed.
func TestApplyWorkflowWithoutAReviewedPlanFails(t *testing.T) {
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(a *applyRun)
		want  string
	}{
		{"a direct push", func(a *applyRun) { a.ghJSON("pulls.json", []any{}) }, "without a merged pull request"},
		{"the artifact expired", func(a *applyRun) {
			if err := os.RemoveAll(filepath.Join(a.gh, "artifacts", "99")); err != nil {
				t.Fatal(err)
			}
		}, "No plan of pull request #12 for its merged head commit abc123a was found"},
		{"only another pull request's run", func(a *applyRun) {
			a.ghJSON("runs.json", map[string]any{"workflow_runs": []any{map[string]any{"id": 97, "event": "pull_request", "conclusion": "success", "head_sha": planHead,
				"pull_requests": []any{map[string]any{"number": 13, "base": map[string]any{"ref": "release"}}}}}})
		}, "No plan of pull request #12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newApplyRun(t, example)
			tc.setup(a)
			out, code := a.step("plan", "Find the reviewed plan")
			if code == 0 {
				t.Fatalf("the job found a plan:\n%s", out)
			}
			for _, want := range []string{"::error title=No reviewed plan to apply::", tc.want, "Nothing was applied", `plan_main set to "plan main"`} {
				if !strings.Contains(out, want) {
					t.Errorf("the failure lacks %q:\n%s", want, out)
				}
			}
			if _, err := os.Stat(filepath.Join(a.ws, "apply-plan", "plan.bin")); err == nil {
				t.Error("a plan was handed on anyway")
			}
			if !strings.Contains(readOptional(t, a.summary), "nothing applied") {
				t.Error("the job summary does not say nothing was applied")
			}
		})
	}
	t.Run("a manual run needs its confirmation", func(t *testing.T) {
		a := newApplyRun(t, example)
		out, code := a.step("plan", "Plan main")
		if code == 0 || !strings.Contains(out, `type \"plan main\"`) && !strings.Contains(out, `type "plan main"`) {
			t.Fatalf("an unconfirmed manual run: exit %d\n%s", code, out)
		}
		a.exprs["inputs.plan_main"] = "plan main"
		a.mustStep("plan", "Plan main")
		a.mustStep("plan", "Show the plan to apply")
		if out := a.mustStep("apply", "Apply"); !strings.Contains(out, "Apply complete") {
			t.Errorf("the confirmed manual run did not apply:\n%s", out)
		}
	})
}

// TestApplyWorkflowSecretStoreFailure: a new key whose secret cannot be
// stored fails the job loudly, naming the key and how to replace it; the
// secrets file is still removed.
func TestApplyWorkflowSecretStoreFailure(t *testing.T) {
	example, err := os.ReadFile(githubExample)
	if err != nil {
		t.Fatal(err)
	}
	a := newApplyRun(t, example)
	a.findPlan()
	if err := os.WriteFile(filepath.Join(a.gh, "secret-set-fails"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a.override = map[string]string{"RETRY_WAIT": "0"} // no real waits in tests
	out, code := a.step("apply", "Apply")
	if code == 0 {
		t.Fatalf("the job passed with secrets not stored:\n%s", out)
	}
	for _, want := range []string{"::error title=New API keys not stored::", "MODELSLAB_KEY_", "the secret is lost", "delete it in the ModelsLab dashboard", "Environments: Read and write", "attempt 3 of 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("the failure lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(a.ghFile("calls"), "secret set") < 3 {
		t.Errorf("gh secret set was not retried:\n%s", a.ghFile("calls"))
	}
	if _, err := os.Stat(filepath.Join(a.temp, "secrets.json")); !os.IsNotExist(err) {
		t.Errorf("the secrets file survived the step (stat: %v)", err)
	}
	if !strings.Contains(readOptional(t, a.summary), "New API keys not stored") {
		t.Error("the job summary does not name the keys")
	}
}

// TestApplyWorkflowCutsTheResultComment: a result too long for one comment
// is cut at a whole line inside the fence the script closes, and links the
// full result.
func TestApplyWorkflowCutsTheResultComment(t *testing.T) {
	h := newWorkflowHarness(t, "apply.yml")
	var log strings.Builder
	for i := 0; log.Len() < 150_000; i++ {
		fmt.Fprintf(&log, "  + api_key.k%d ```` done\n", i)
	}
	h.write("apply.txt", log.String())
	h.exprs["needs.plan.outputs.pr"] = "12"
	h.exprs["steps.apply.outputs.exit-code"] = "4"
	h.exprs["steps.upload.outputs.artifact-url"] = "https://github.com/acme/infra/actions/runs/4242/artifacts/8"
	h.mustStep("apply", "Post the result on the pull request")
	comment := h.ghFile("pr-comment-12")
	if n := len(comment); n > 65536 || n < 60000 {
		t.Errorf("the comment is %d bytes; want most of GitHub's 65,536 and no more", n)
	}
	assertFencesClosed(t, comment)
	for _, want := range []string{"partly applied", "The log is cut to fit one comment", "[artifact](https://github.com/acme/infra/actions/runs/4242/artifacts/8)"} {
		if !strings.Contains(comment, want) {
			t.Errorf("the cut comment lacks %q", want)
		}
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
