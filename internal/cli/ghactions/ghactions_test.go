package ghactions_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
)

// stepEnv is the environment of one GitHub Actions step: GITHUB_ACTIONS
// set when enabled, and a step summary and an output file (not created
// yet), whose paths it returns too.
func stepEnv(t *testing.T, enabled bool) (env map[string]string, summary, output string) {
	t.Helper()
	dir := t.TempDir()
	summary = filepath.Join(dir, "summary.md")
	output = filepath.Join(dir, "output.txt")
	env = map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": output}
	if enabled {
		env["GITHUB_ACTIONS"] = "true"
	}
	return env, summary, output
}

// runner is a Runner on env, writing its commands to w.
func runner(env map[string]string, w io.Writer) ghactions.Runner {
	return ghactions.New(func(k string) string { return env[k] }, w)
}

func TestGitHubActionsEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		value string
		want  bool
	}{
		{"true", "true", true},
		{"unset", "", false},
		// The runner sets exactly "true"; anything else is not GitHub Actions.
		{"one", "1", false},
		{"TRUE", "TRUE", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := runner(map[string]string{"GITHUB_ACTIONS": tc.value}, &bytes.Buffer{}).Enabled(); got != tc.want {
				t.Errorf("GITHUB_ACTIONS=%q: Enabled() = %v, want %v", tc.value, got, tc.want)
			}
		})
	}
}

func TestGitHubActionsMask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		enabled bool
		secret  string
		want    string
	}{
		{"a key", true, "ml-abc123", "::add-mask::ml-abc123\n"},
		{"escaped like workflow command data", true, "50%\r\nmore", "::add-mask::50%25%0D%0Amore\n"},
		{"colons and commas need no escaping in data", true, "a:b,c", "::add-mask::a:b,c\n"},
		{"an empty secret masks nothing", true, "", ""},
		{"outside GitHub Actions", false, "ml-abc123", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _, _ := stepEnv(t, tc.enabled)
			var w bytes.Buffer
			runner(env, &w).Mask(tc.secret)
			if diff := cmp.Diff(tc.want, w.String()); diff != "" {
				t.Errorf("Mask(%q) (-want +got):\n%s", tc.secret, diff)
			}
		})
	}
}

func TestGitHubActionsError(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	other := t.TempDir()
	for _, tc := range []struct {
		name      string
		enabled   bool
		workspace string
		file      string
		line, col int
		msg       string
		want      string
	}{
		{
			name: "plain", enabled: true, file: "modelslab.yaml", line: 3, col: 5, msg: "unknown field \"nmae\"",
			want: "::error file=modelslab.yaml,line=3,col=5::unknown field \"nmae\"\n",
		},
		{
			name: "properties escape colons and commas", enabled: true, file: "C:\\a,b.yaml", line: 1, col: 1, msg: "bad",
			want: "::error file=C%3A\\a%2Cb.yaml,line=1,col=1::bad\n",
		},
		{
			name: "a line break is shown escaped, as on stderr", enabled: true, file: "m.yaml", line: 2, col: 1, msg: "first\nsecond 100%",
			want: "::error file=m.yaml,line=2,col=1::first\\nsecond 100%25\n",
		},
		{
			name: "relative to the workspace", enabled: true, workspace: ws, file: filepath.Join(ws, "accounts", "acme", "modelslab.yaml"), line: 1, col: 2, msg: "bad",
			want: "::error file=accounts/acme/modelslab.yaml,line=1,col=2::bad\n",
		},
		{
			name: "outside the workspace unchanged", enabled: true, workspace: ws, file: filepath.Join(other, "m.yaml"), line: 1, col: 2, msg: "bad",
			want: "::error file=" + ghactions.EscapeProperty(filepath.Join(other, "m.yaml")) + ",line=1,col=2::bad\n",
		},
		{
			name: "no place", enabled: true, msg: "two live keys are named ci",
			want: "::error::two live keys are named ci\n",
		},
		{
			name: "outside GitHub Actions", enabled: false, file: "m.yaml", line: 1, col: 1, msg: "bad",
			want: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _, _ := stepEnv(t, tc.enabled)
			env["GITHUB_WORKSPACE"] = tc.workspace
			var w bytes.Buffer
			runner(env, &w).Error(tc.file, tc.line, tc.col, tc.msg)
			if diff := cmp.Diff(tc.want, w.String()); diff != "" {
				t.Errorf("Error (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitHubActionsWarning prints a warning annotation, escaped, kept on
// one line and named as Error's are.
func TestGitHubActionsWarning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		enabled bool
		want    string
	}{
		{"under GitHub Actions", true, "::warning file=a%2Cb.yaml,line=7,col=3::ignore glob \"ci*\" matches\\nci 100%25\n"},
		{"outside GitHub Actions", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _, _ := stepEnv(t, tc.enabled)
			var w bytes.Buffer
			runner(env, &w).Warning("a,b.yaml", 7, 3, "ignore glob \"ci*\" matches\nci 100%")
			if diff := cmp.Diff(tc.want, w.String()); diff != "" {
				t.Errorf("Warning (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitHubActionsErrorRelativeFile names a relative file from a
// subdirectory of the workspace, as a matrix job's working-directory does.
// It changes the working directory, so it cannot run in parallel.
func TestGitHubActionsErrorRelativeFile(t *testing.T) {
	env, _, _ := stepEnv(t, true)
	ws := t.TempDir()
	sub := filepath.Join(ws, "accounts", "acme")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	env["GITHUB_WORKSPACE"] = ws
	t.Chdir(sub)
	var w bytes.Buffer
	runner(env, &w).Error("modelslab.yaml", 4, 1, "bad")
	if diff := cmp.Diff("::error file=accounts/acme/modelslab.yaml,line=4,col=1::bad\n", w.String()); diff != "" {
		t.Errorf("Error (-want +got):\n%s", diff)
	}
}

func TestGitHubActionsAppendSummary(t *testing.T) {
	t.Parallel()
	t.Run("appends", func(t *testing.T) {
		t.Parallel()
		env, summary, _ := stepEnv(t, true)
		if err := os.WriteFile(summary, []byte("# earlier step\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		g := runner(env, &bytes.Buffer{})
		for _, md := range []string{"## Plan\n\n+ api_key.ci", "No changes."} {
			if err := g.AppendSummary(md); err != nil {
				t.Fatal(err)
			}
		}
		want := "# earlier step\n## Plan\n\n+ api_key.ci\nNo changes.\n"
		if diff := cmp.Diff(want, clitest.ReadOptional(t, summary)); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
	t.Run("outside GitHub Actions", func(t *testing.T) {
		t.Parallel()
		env, summary, _ := stepEnv(t, false)
		if err := runner(env, &bytes.Buffer{}).AppendSummary("x"); err != nil {
			t.Fatal(err)
		}
		if got := clitest.ReadOptional(t, summary); got != "" {
			t.Errorf("summary written outside GitHub Actions: %q", got)
		}
	})
	t.Run("no summary file configured", func(t *testing.T) {
		t.Parallel()
		env, _, _ := stepEnv(t, true)
		env["GITHUB_STEP_SUMMARY"] = ""
		if err := runner(env, &bytes.Buffer{}).AppendSummary("x"); err != nil {
			t.Errorf("AppendSummary without GITHUB_STEP_SUMMARY: %v", err)
		}
	})
	t.Run("unwritable summary is an error", func(t *testing.T) {
		t.Parallel()
		env, _, _ := stepEnv(t, true)
		env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "missing-dir", "summary.md")
		if err := runner(env, &bytes.Buffer{}).AppendSummary("x"); err == nil {
			t.Error("AppendSummary into a missing directory succeeded")
		}
	})
}

func TestGitHubActionsSetOutputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		enabled  bool
		existing string
		outputs  [][2]string
		want     string
		wantErr  string
	}{
		{
			name: "plan outputs in order", enabled: true,
			outputs: [][2]string{{"has_changes", "true"}, {"create", "1"}, {"update", "2"}, {"delete", "0"}, {"replace", "0"}},
			want:    "has_changes=true\ncreate=1\nupdate=2\ndelete=0\nreplace=0\n",
		},
		{
			name: "appends to earlier outputs", enabled: true, existing: "exit-code=0\n",
			outputs: [][2]string{{"has_changes", "false"}},
			want:    "has_changes=false\n",
		},
		{
			name: "a multi-line value writes nothing", enabled: true,
			outputs: [][2]string{{"create", "1"}, {"summary", "a\nb"}},
			wantErr: `GitHub output "summary": value must be a single line`,
		},
		{
			name: "a name with = writes nothing", enabled: true,
			outputs: [][2]string{{"a=b", "1"}},
			wantErr: `GitHub output name "a=b"`,
		},
		{
			name: "an empty name writes nothing", enabled: true,
			outputs: [][2]string{{"", "1"}},
			wantErr: `GitHub output name ""`,
		},
		{
			name: "outside GitHub Actions", enabled: false,
			outputs: [][2]string{{"has_changes", "true"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _, output := stepEnv(t, tc.enabled)
			if tc.existing != "" {
				if err := os.WriteFile(output, []byte(tc.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := runner(env, &bytes.Buffer{}).SetOutputs(tc.outputs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("SetOutputs error = %v, want one containing %q", err, tc.wantErr)
				}
				if got := clitest.ReadOptional(t, output); got != tc.existing {
					t.Errorf("a failed SetOutputs changed the file: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.existing + tc.want
			if diff := cmp.Diff(want, clitest.ReadOptional(t, output)); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzEscapeProperty(f *testing.F) {
	for _, s := range []string{"modelslab.yaml", "C:\\a,b", "50%", "a\r\nb", "%0A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ghactions.EscapeProperty(s)
		// An escaped property can neither end the property list nor the line.
		if strings.ContainsAny(got, ",:\r\n") {
			t.Fatalf("escapeProperty(%q) = %q keeps a separator", s, got)
		}
		if unescapeCommand(got) != s {
			t.Fatalf("escapeProperty(%q) = %q does not round-trip", s, got)
		}
		data := ghactions.EscapeData(s)
		if strings.ContainsAny(data, "\r\n") || unescapeCommand(data) != s {
			t.Fatalf("EscapeData(%q) = %q", s, data)
		}
	})
}

// unescapeCommand is the runner's unescaping of workflow command values.
func unescapeCommand(s string) string {
	return strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",").Replace(s)
}
