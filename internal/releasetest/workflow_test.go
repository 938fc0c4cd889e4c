package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const releaseWorkflow = ".github/workflows/release.yml"

// workflowStep returns the run script and env of the step with id in a job
// of a workflow.
func workflowStep(t *testing.T, file, job, id string) actionStep {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []actionStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	readRepoYAML(t, file, &wf)
	for _, s := range wf.Jobs[job].Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("%s: job %s has no step %q", file, job, id)
	return actionStep{}
}

// runStep runs a workflow step's script with bash in dir, as the runner
// runs a job's default shell (bash -e {0}), with env, and returns its
// output, exit code and $GITHUB_OUTPUT.
func runStep(t *testing.T, s actionStep, dir string, env map[string]string) (string, int, map[string]string) {
	t.Helper()
	requireTool(t, "bash")
	script := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(t.TempDir(), "output")
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GITHUB_OUTPUT=" + output, "RUNNER_TEMP=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	return string(out), code, readOutputs(t, output)
}

// TestReleaseNotes runs the release workflow's notes step: the notes are
// the version's section of CHANGELOG.md, and a version without entries
// stops the release.
func TestReleaseNotes(t *testing.T) {
	step := workflowStep(t, releaseWorkflow, "release", "notes")
	const changelog = `# Changelog

## [Unreleased]

- Not yet.

## [1.2.0] - 2026-12-01

### Added

- Plans as files.

## [1.1.0] - 2026-11-01

- Older.

## [1.0.0-rc.1] - 2026-10-01

## [0.9.0] - 2026-09-01

- The first.
`
	for _, tc := range []struct {
		version  string
		want     string // the notes; "" when the step must fail
		wantFail string
	}{
		{version: "1.2.0", want: "\n### Added\n\n- Plans as files.\n\n"},
		{version: "0.9.0", want: "\n- The first.\n"},
		{version: "1.3.0", wantFail: `CHANGELOG.md has no entries under "## [1.3.0]"`},
		{version: "1.0.0-rc.1", wantFail: `CHANGELOG.md has no entries under "## [1.0.0-rc.1]"`}, // a heading alone
		{version: "1.2", wantFail: `CHANGELOG.md has no entries under "## [1.2]"`},               // not a prefix match
	} {
		t.Run(tc.version, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "CHANGELOG.md"), []byte(changelog), 0o644); err != nil {
				t.Fatal(err)
			}
			out, code, outputs := runStep(t, step, dir, map[string]string{"VERSION": tc.version})
			if tc.wantFail != "" {
				if code == 0 || !strings.Contains(out, "::error file=CHANGELOG.md::"+tc.wantFail) {
					t.Errorf("exit %d, output:\n%s\nwant a failure saying %q", code, out, tc.wantFail)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			notes, err := os.ReadFile(outputs["path"])
			if err != nil {
				t.Fatal(err)
			}
			if string(notes) != tc.want {
				t.Errorf("notes %q, want %q", notes, tc.want)
			}
		})
	}
}

// TestReleaseTagCheck runs the release workflow's tag step in a throwaway
// repository: only a vX.Y.Z tag on a commit of main is released.
func TestReleaseTagCheck(t *testing.T) {
	requireTool(t, "git")
	step := workflowStep(t, releaseWorkflow, "release", "tag")
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	git("commit", "-q", "--allow-empty", "-m", "on main")
	onMain := git("rev-parse", "HEAD")
	git("update-ref", "refs/remotes/origin/main", onMain)
	git("checkout", "-q", "-b", "feature")
	git("commit", "-q", "--allow-empty", "-m", "not on main")
	offMain := git("rev-parse", "HEAD")

	for _, tc := range []struct {
		name, tag, commit string
		wantVersion       string
		wantFail          string
	}{
		{"a version on main", "v1.2.3", onMain, "1.2.3", ""},
		{"a pre-release on main", "v1.3.0-rc.1", onMain, "1.3.0-rc.1", ""},
		{"a version off main", "v1.2.4", offMain, "", "which is not on main; releases are made only from main"},
		{"not a version", "v1.2", onMain, "", "tag v1.2 is not a version vX.Y.Z"},
		{"a version with junk", "v1.2.3;rm", onMain, "", "is not a version vX.Y.Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			git("checkout", "-q", "--detach", tc.commit)
			out, code, outputs := runStep(t, step, dir, map[string]string{"TAG": tc.tag})
			if tc.wantFail != "" {
				if code == 0 || !strings.Contains(out, tc.wantFail) {
					t.Errorf("exit %d, output:\n%s\nwant a failure saying %q", code, out, tc.wantFail)
				}
				return
			}
			if code != 0 || outputs["version"] != tc.wantVersion {
				t.Errorf("exit %d, version %q, want %q\n%s", code, outputs["version"], tc.wantVersion, out)
			}
		})
	}
}

// The files whose scripts and actions are checked below.
var checkedFiles = []string{"action.yml", releaseWorkflow}

// TestScriptsPassShellcheck runs shellcheck on every bash script of
// action.yml and the release workflow.
func TestScriptsPassShellcheck(t *testing.T) {
	requireTool(t, "shellcheck")
	for _, file := range checkedFiles {
		var root yaml.Node
		readRepoYAML(t, file, &root)
		scripts := runScripts(&root)
		if len(scripts) == 0 {
			t.Fatalf("%s: no run scripts found", file)
		}
		for _, s := range scripts {
			cmd := exec.Command("shellcheck", "--shell=bash", "--format=gcc", "-")
			cmd.Stdin = strings.NewReader(s.Value)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: the script at line %d fails shellcheck:\n%s", file, s.Line+1, out)
			}
		}
	}
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

// pinnedUses is a `uses:` of a third-party action pinned by a full commit
// SHA, followed by a comment naming its version.
var (
	usesLine   = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinnedUses = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
	versionTag = regexp.MustCompile(`^\s+#\s*v[0-9]+\.[0-9]+\.[0-9]+\s*$`)
)

// TestActionsArePinned: every third-party action that action.yml and the
// release workflow use is pinned by commit SHA with `# vX.Y.Z` after it
// (a tag can be moved to other code; a SHA cannot).
func TestActionsArePinned(t *testing.T) {
	for _, file := range checkedFiles {
		data, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, line := range strings.Split(string(data), "\n") {
			m := usesLine.FindStringSubmatch(line)
			if m == nil || strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			n++
			if m[1] == "./" {
				continue // this repository's own action, at the same commit
			}
			if !pinnedUses.MatchString(m[1]) || !versionTag.MatchString(m[2]) {
				t.Errorf("%s:%d: %q is not pinned as owner/repo@<40-hex SHA> # vX.Y.Z", file, i+1, strings.TrimSpace(line))
			}
		}
		if n == 0 {
			t.Errorf("%s: no uses: lines found", file)
		}
	}
}
