package e2e

// Checks of the files users copy: the workflows under examples/github/, the
// composite action.yml, and every mlabctl command line in them, in README.md
// and in docs/*.md (see cmdline_check_test.go for the checker).

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// planOutputs are the step outputs `mlabctl plan` writes under GitHub
// Actions; action.yml passes each one on.
var planOutputs = []string{"has_changes", "create", "update", "delete", "replace", "resend"}

// workflowFiles are the example workflows.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("examples", "github", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no workflows under examples/github/")
	}
	return files
}

// readYAML parses a file into a generic map (yaml.v3 keeps `on` a string).
func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s does not parse as YAML: %v", path, err)
	}
	if doc == nil {
		t.Fatalf("%s is empty", path)
	}
	return doc
}

func mapping(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// stepProblems checks one step of a workflow job or composite action.
func stepProblems(where string, step any, composite bool) []string {
	s, ok := mapping(step)
	if !ok {
		return []string{where + ": a step must be a mapping"}
	}
	var problems []string
	_, hasRun := s["run"]
	_, hasUses := s["uses"]
	if hasRun == hasUses {
		problems = append(problems, where+": a step needs exactly one of run and uses")
	}
	if hasRun && composite {
		if _, ok := s["shell"]; !ok {
			problems = append(problems, where+": a run step of a composite action needs shell")
		}
	}
	// Expressions spliced into a script are the classic workflow injection;
	// values reach scripts through env instead.
	if run, ok := s["run"].(string); ok && strings.Contains(run, "${{") {
		problems = append(problems, where+": the run script contains ${{ }}; pass the value through env")
	}
	if uses, ok := s["uses"].(string); ok && !strings.Contains(uses, "@") && !strings.HasPrefix(uses, "./") {
		problems = append(problems, where+": uses "+uses+" has no @ref")
	}
	return problems
}

func TestWorkflowsParseAndHaveRequiredKeys(t *testing.T) {
	for _, path := range workflowFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			doc := readYAML(t, path)
			var problems []string
			for _, key := range []string{"name", "on", "jobs", "permissions"} {
				if _, ok := doc[key]; !ok {
					problems = append(problems, "no top-level "+key)
				}
			}
			jobs, ok := mapping(doc["jobs"])
			if !ok || len(jobs) == 0 {
				problems = append(problems, "jobs must be a non-empty mapping")
			}
			for name, j := range jobs {
				job, ok := mapping(j)
				if !ok {
					problems = append(problems, "job "+name+" must be a mapping")
					continue
				}
				if _, ok := job["runs-on"]; !ok {
					problems = append(problems, "job "+name+" has no runs-on")
				}
				steps, ok := job["steps"].([]any)
				if !ok || len(steps) == 0 {
					problems = append(problems, "job "+name+" has no steps")
				}
				for i, st := range steps {
					problems = append(problems, stepProblems("job "+name+" step "+strconv.Itoa(i+1), st, false)...)
				}
			}
			sort.Strings(problems)
			for _, p := range problems {
				t.Errorf("%s: %s", path, p)
			}
		})
	}
}

func TestActionYAML(t *testing.T) {
	doc := readYAML(t, "action.yml")
	var problems []string
	for _, key := range []string{"name", "description", "inputs", "outputs", "runs"} {
		if _, ok := doc[key]; !ok {
			problems = append(problems, "no top-level "+key)
		}
	}
	runs, _ := mapping(doc["runs"])
	if runs["using"] != "composite" {
		problems = append(problems, "runs.using is not composite")
	}
	steps, _ := runs["steps"].([]any)
	if len(steps) == 0 {
		problems = append(problems, "runs.steps is empty")
	}
	ids := map[string]bool{}
	for i, st := range steps {
		problems = append(problems, stepProblems("step "+strconv.Itoa(i+1), st, true)...)
		if s, ok := mapping(st); ok {
			if id, ok := s["id"].(string); ok {
				ids[id] = true
			}
		}
	}
	inputs, _ := mapping(doc["inputs"])
	for _, name := range []string{"command", "working-directory", "setup-go"} {
		if _, ok := inputs[name]; !ok {
			problems = append(problems, "no input "+name)
		}
	}
	outputs, _ := mapping(doc["outputs"])
	for _, name := range append([]string{"exit-code"}, planOutputs...) {
		out, ok := mapping(outputs[name])
		if !ok {
			problems = append(problems, "no output "+name)
			continue
		}
		value, _ := out["value"].(string)
		// Composite outputs must name the step that sets them.
		if want := "${{ steps.run.outputs." + name + " }}"; value != want || !ids["run"] {
			problems = append(problems, "output "+name+" is "+value+", want "+want)
		}
		if d, _ := out["description"].(string); d == "" {
			problems = append(problems, "output "+name+" has no description")
		}
	}
	for _, p := range problems {
		t.Errorf("action.yml: %s", p)
	}
}

// TestRunScriptsParse checks every bash script of the workflows and the
// action with bash -n.
func TestRunScriptsParse(t *testing.T) {
	requireTool(t, "bash")
	files := append(workflowFiles(t), "action.yml")
	for _, path := range files {
		scripts := fileRunScripts(t, path)
		if len(scripts) == 0 {
			t.Errorf("%s: no run scripts found; every workflow and the action run mlabctl from a script", path)
		}
		for _, s := range scripts {
			cmd := exec.Command("bash", "-n")
			cmd.Stdin = strings.NewReader(s.Value)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s:%d: bash -n: %v\n%s", path, s.Line, err, out)
			}
		}
	}
}

// fileRunScripts returns the `run:` scripts of the YAML file at path.
func fileRunScripts(t *testing.T, path string) []*yaml.Node {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return runScripts(&root)
}

// runScripts returns the scalar values of every `run:` key.
func runScripts(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "run" && n.Content[i+1].Kind == yaml.ScalarNode {
				out = append(out, n.Content[i+1])
			}
		}
	}
	for _, c := range n.Content {
		out = append(out, runScripts(c)...)
	}
	return out
}

// docFiles are the files whose mlabctl command lines are checked.
func docFiles(t *testing.T) (markdown, yamls []string) {
	t.Helper()
	markdown = []string{"README.md"}
	for _, pattern := range []string{"docs/*.md", "examples/*.md", "examples/*/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		markdown = append(markdown, m...)
	}
	yamls = append(workflowFiles(t), "action.yml")
	for _, pattern := range []string{"examples/*.yaml", "examples/*.yml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		yamls = append(yamls, m...)
	}
	return markdown, yamls
}

// TestDocumentedCommandsExist checks every mlabctl command line of the
// README, the docs, the examples and action.yml against the command tree.
func TestDocumentedCommandsExist(t *testing.T) {
	markdown, yamls := docFiles(t)
	for _, path := range markdown {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkDocCommands(t, extractMarkdownCommands(path, string(data)))
		})
	}
	for _, path := range yamls {
		t.Run(path, func(t *testing.T) {
			checkDocCommands(t, yamlFileCommands(t, path))
		})
	}
}

// yamlFileCommands reads a workflow or action file and extracts the mlabctl
// command lines of its scripts.
func yamlFileCommands(t *testing.T, path string) []docCommand {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := extractYAMLCommands(path, string(data))
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

// TestExamplesUseTheirCommands guards the checker itself: if extraction
// silently found nothing, every file would pass.
func TestExamplesUseTheirCommands(t *testing.T) {
	want := map[string][]string{
		"examples/github/plan.yml":   {"validate", "plan"},
		"examples/github/apply.yml":  {"apply"},
		"examples/github/drift.yml":  {"plan", "export"},
		"examples/github/matrix.yml": {"validate", "plan", "apply"},
	}
	for path, commands := range want {
		got := map[string]bool{}
		for _, c := range yamlFileCommands(t, path) {
			got[c.Words[0]] = true
		}
		var missing []string
		for _, c := range commands {
			if !got[c] {
				missing = append(missing, c)
			}
		}
		if diff := cmp.Diff([]string(nil), missing); diff != "" {
			t.Errorf("%s: commands not found by the checker (-want +got):\n%s", path, diff)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(extractMarkdownCommands("README.md", string(readme))) == 0 {
		t.Error("README.md: the checker found no mlabctl command line")
	}
}

// pinnedUses is a `uses:` pinned by commit SHA with its version in a
// comment: "owner/repo@<40 hex> # v1.2.3".
var pinnedUses = regexp.MustCompile(`^\s*(?:- )?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$`)

// TestWorkflowActionsArePinned: every third-party action of the example
// workflows is pinned by commit SHA, its version in a comment. mlabctl's
// own action is the one exception: the examples cannot know which release
// a user picks; each use says to pin it (docs/github-actions.md).
func TestWorkflowActionsArePinned(t *testing.T) {
	uses := regexp.MustCompile(`^\s*(?:- )?uses:\s*(\S+)`)
	for _, path := range workflowFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			m := uses.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if strings.HasPrefix(m[1], "mlabctl/mlabctl@") {
				if !strings.Contains(line, "# pin the commit SHA") {
					t.Errorf("%s:%d: mlabctl's action without the advice to pin it: %s", path, i+1, strings.TrimSpace(line))
				}
				continue
			}
			if !pinnedUses.MatchString(line) {
				t.Errorf("%s:%d: %s is not pinned by commit SHA with its version in a comment", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestWorkflowsPassActionlintAndShellcheck runs actionlint over the example
// workflows (with shellcheck on every run: script, as actionlint does when
// shellcheck is on PATH) and shellcheck itself over every script of the
// workflows, as bash. Both are installed by .ci/run; with
// MLABCTL_REQUIRE_TOOLS set, a missing one fails the test.
func TestWorkflowsPassActionlintAndShellcheck(t *testing.T) {
	requireTool(t, "shellcheck")
	requireTool(t, "actionlint")
	files := workflowFiles(t)
	cmd := exec.Command("actionlint", append([]string{"-shellcheck", "shellcheck", "-no-color"}, files...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
	for _, path := range files {
		for _, s := range fileRunScripts(t, path) {
			// As the runner runs it: bash -e -o pipefail.
			cmd := exec.Command("shellcheck", "--shell=bash", "--severity=style", "-")
			cmd.Stdin = strings.NewReader("set -eo pipefail\n" + s.Value)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s:%d: shellcheck: %v\n%s", path, s.Line, err, out)
			}
		}
	}
}
