package releasetest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// actionDoc is action.yml, as far as the harness runs it.
type actionDoc struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID               string            `yaml:"id"`
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	Shell            string            `yaml:"shell"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func readAction(t *testing.T) actionDoc {
	t.Helper()
	var a actionDoc
	readRepoYAML(t, "action.yml", &a)
	if a.Runs.Using != "composite" {
		t.Fatalf("action.yml runs.using = %q; the harness runs composite actions", a.Runs.Using)
	}
	return a
}

// actionRun is one run of the composite action in a fresh runner-like
// environment: its own RUNNER_TEMP, workspace, GITHUB_PATH, and a stub
// `go` first on PATH that logs its arguments.
type actionRun struct {
	t      *testing.T
	action actionDoc
	// Inputs are the `with:` of the calling step; missing ones take the
	// action's defaults.
	Inputs map[string]string
	// GitHub is the github context (action_ref, action_repository, …).
	GitHub map[string]string
	// Env is added to every step's environment (RUNNER_OS, test knobs).
	Env map[string]string

	Temp, Workspace, PathFile, GoLog, GoBin string
	stubs                                   string

	// Results, filled by run.
	Ran     []string                     // ids (or names) of the steps run, in order
	Used    map[string]map[string]string // uses: steps run → their with: values
	Outputs map[string]map[string]string // step id → outputs
	Log     string                       // the steps' combined output
	Failed  string                       // id of the step that failed, "" if none
}

// stubGo is a `go` that logs each call to $STUB_GO_LOG and does what the
// action's source-build steps ask: `go env NAME` and `go install`, which
// "builds" an mlabctl that prints a dev version.
const stubGo = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\n' "$*" >> "$STUB_GO_LOG"
case "$1" in
  env)
    case "$2" in
      GOBIN) echo "$STUB_GOBIN" ;;
      GOPATH) echo "$STUB_GOBIN/.." ;;
      GOVERSION) echo go1.26.8 ;;
      GOMODCACHE) echo "$STUB_GOBIN/../pkg/mod" ;;
      GOCACHE) echo "$STUB_GOBIN/../cache" ;;
      *) echo "stub go: unexpected go env $2" >&2; exit 1 ;;
    esac ;;
  install)
    mkdir -p "$STUB_GOBIN"
    printf '#!/bin/sh\necho "mlabctl dev"; echo "commit: unknown"; echo "go: go1.26.8"\n' > "$STUB_GOBIN/mlabctl"
    chmod 755 "$STUB_GOBIN/mlabctl" ;;
  *) echo "stub go: unexpected go $*" >&2; exit 1 ;;
esac
`

func newActionRun(t *testing.T) *actionRun {
	t.Helper()
	requireTool(t, "bash")
	r := &actionRun{
		t:         t,
		action:    readAction(t),
		Inputs:    map[string]string{},
		GitHub:    map[string]string{"action_ref": "", "action_repository": "mlabctl/mlabctl"},
		Env:       map[string]string{"RUNNER_OS": "Linux", "RUNNER_ARCH": runnerArch(t)},
		Temp:      t.TempDir(),
		Workspace: t.TempDir(),
		stubs:     t.TempDir(),
		Used:      map[string]map[string]string{},
		Outputs:   map[string]map[string]string{},
	}
	files := t.TempDir()
	r.PathFile = filepath.Join(files, "path")
	r.GoLog = filepath.Join(files, "go.log")
	r.GoBin = filepath.Join(files, "gobin", "bin")
	if err := os.WriteFile(filepath.Join(r.stubs, "go"), []byte(stubGo), 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// runnerArch is RUNNER_ARCH for this machine.
func runnerArch(t *testing.T) string {
	switch runtime.GOARCH {
	case "amd64":
		return "X64"
	case "arm64":
		return "ARM64"
	}
	t.Skipf("no runner architecture for %s", runtime.GOARCH)
	return ""
}

// lookup resolves a context value of an expression.
func (r *actionRun) lookup(name string) (string, error) {
	parts := strings.Split(name, ".")
	switch {
	case len(parts) == 2 && parts[0] == "inputs":
		if v, ok := r.Inputs[parts[1]]; ok {
			return v, nil
		}
		in, ok := r.action.Inputs[parts[1]]
		if !ok {
			return "", fmt.Errorf("action.yml has no input %q", parts[1])
		}
		return fillExprs(in.Default, r.lookup)
	case len(parts) == 2 && parts[0] == "github":
		if parts[1] == "action_path" {
			return filepath.Abs(repoRoot)
		}
		v, ok := r.GitHub[parts[1]]
		if !ok {
			return "", fmt.Errorf("the harness has no github.%s", parts[1])
		}
		return v, nil
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		return r.Outputs[parts[1]][parts[3]], nil // unset: empty, as on GitHub
	}
	return "", fmt.Errorf("the harness has no value for %s", name)
}

// run runs the action's steps in order, as the runner does: a step whose
// if: is false is skipped, a failing step stops the rest.
func (r *actionRun) run() {
	t := r.t
	t.Helper()
	for i, s := range r.action.Runs.Steps {
		id := s.ID
		if id == "" {
			id = fmt.Sprintf("step%d", i+1)
		}
		if s.If != "" {
			ok, err := evalExpr(s.If, r.lookup)
			if err != nil {
				t.Fatalf("step %s: if: %v", id, err)
			}
			if ok == "" {
				continue
			}
		}
		r.Ran = append(r.Ran, id)
		if s.Uses != "" {
			with := map[string]string{}
			for k, v := range s.With {
				fv, err := fillExprs(v, r.lookup)
				if err != nil {
					t.Fatalf("step %s: with.%s: %v", id, k, err)
				}
				with[k] = fv
			}
			r.Used[s.Uses] = with
			continue
		}
		if s.Shell != "bash" {
			t.Fatalf("step %s runs in %q; the harness knows bash", id, s.Shell)
		}
		if !r.runScript(id, s) {
			r.Failed = id
			return
		}
	}
}

// runScript runs one run: step as `bash --noprofile --norc -eo pipefail`,
// the runner's command for shell: bash, and reads its outputs.
func (r *actionRun) runScript(id string, s actionStep) bool {
	t := r.t
	t.Helper()
	script := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(t.TempDir(), "output")
	actionPath, _ := filepath.Abs(repoRoot)
	env := []string{
		"PATH=" + r.stubs + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"GITHUB_ACTIONS=true",
		"GITHUB_OUTPUT=" + output,
		"GITHUB_PATH=" + r.PathFile,
		"GITHUB_ACTION_PATH=" + actionPath,
		"GITHUB_WORKSPACE=" + r.Workspace,
		"RUNNER_TEMP=" + r.Temp,
		"STUB_GO_LOG=" + r.GoLog,
		"STUB_GOBIN=" + r.GoBin,
	}
	for k, v := range r.Env {
		env = append(env, k+"="+v)
	}
	for k, v := range s.Env {
		fv, err := fillExprs(v, r.lookup)
		if err != nil {
			t.Fatalf("step %s: env.%s: %v", id, k, err)
		}
		env = append(env, k+"="+fv)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = r.Workspace
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	r.Log += string(out)
	r.Outputs[id] = readOutputs(t, output)
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("step %s: %v", id, err)
		}
		return false
	}
	return true
}

// output is the action's output name, as its outputs: value computes it.
func (r *actionRun) output(name string) string {
	r.t.Helper()
	o, ok := r.action.Outputs[name]
	if !ok {
		r.t.Fatalf("action.yml has no output %q", name)
	}
	v, err := fillExprs(o.Value, r.lookup)
	if err != nil {
		r.t.Fatalf("output %s: %v", name, err)
	}
	return v
}

// readOutputs parses a $GITHUB_OUTPUT file: name=value lines and
// name<<DELIM heredocs.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var vals []string
			for sc.Scan() && sc.Text() != delim {
				vals = append(vals, sc.Text())
			}
			out[name] = strings.Join(vals, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("$GITHUB_OUTPUT line %q is neither name=value nor name<<DELIM", line)
		}
		out[name] = val
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readLines returns a file's lines, none when it does not exist.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// requireTool skips a test whose tool is missing, or fails it when
// MLABCTL_REQUIRE_TOOLS=1 (set by .ci/run once it has installed them).
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("MLABCTL_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (MLABCTL_REQUIRE_TOOLS=1) but not on PATH", name)
		}
		t.Skipf("%s not on PATH", name)
	}
}
