package showcmd_test

// `mlabctl show PLANFILE` in-process: goldens of each format for a fixed
// plan file, and the refusals of a file that is not exactly what plan wrote.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/schema"
	"github.com/mlabctl/mlabctl/spec"
)

// showNow is the clock of the fixed plan.
var showNow = time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)

// writeShowPlan writes the plan file of testdata/modelslab.yaml against a
// fixed live account, and returns its path.
func writeShowPlan(t *testing.T) string {
	t.Helper()
	s, err := spec.Load("testdata/modelslab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	live := &remote.State{
		BaseURL: "https://modelslab.com",
		Profile: remote.Profile{ID: "1", Username: "acme-bot", Name: "Acme Bot", Email: "bot@acme.example"},
		APIKeys: []remote.APIKey{
			{ID: "101", Name: "production", Notes: "Used by prod", CreatedAt: showNow.Add(-300 * day)},
			{ID: "102", Name: "ci", Notes: "Used by GitHub Actions", CreatedAt: showNow.Add(-120 * day)},
			{ID: "104", Name: "old-key", CreatedAt: showNow.Add(-200 * day)},
		},
		Team: []remote.TeamMember{
			{ID: "1", Email: "alice@example.com", Role: "admin", Status: remote.StatusActive, InvitedAt: showNow.Add(-200 * day)},
			{ID: "4", Email: "mallory@example.com", Role: "member", Status: remote.StatusActive, InvitedAt: showNow.Add(-90 * day)},
		},
	}
	p, err := plan.Compute(s, live, showNow)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reviewed.plan")
	f := planfile.New(p, planfile.Made{Spec: s, Live: live, Version: "v1.2.3", Now: showNow})
	if err := planfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestShowGoldens(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "markdown", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			path := writeShowPlan(t)
			res := clitest.Mlabctl(t, map[string]string{cmdutil.EnvNoColor: "1"}, "show", path, "-o", format)
			if res.Code != 0 {
				t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			// The path is a temporary directory's: golden files name it PLANFILE.
			stdout := strings.ReplaceAll(res.Stdout, path, "PLANFILE")
			stderr := strings.ReplaceAll(res.Stderr, path, "PLANFILE")
			golden.Check(t, filepath.Join("testdata", "show."+format), []byte(stdout))
			golden.Check(t, filepath.Join("testdata", "show."+format+".stderr"), []byte(stderr))
			if !strings.Contains(stdout+stderr, "ot verified against the live account") {
				t.Errorf("show -o %s does not say the plan is unverified:\n%s%s", format, stdout, stderr)
			}
			switch format {
			case "json":
				var doc any
				if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
					t.Fatalf("stdout is not one JSON object: %v", err)
				}
				sch, err := schema.PlanCompiled()
				if err != nil {
					t.Fatal(err)
				}
				if err := sch.Validate(doc); err != nil {
					t.Errorf("show -o json does not match schema/plan.schema.json: %v", err)
				}
			case "markdown":
				if len(res.Stdout) > plan.MarkdownMaxBytes {
					t.Errorf("markdown of %d bytes, over the budget %d", len(res.Stdout), plan.MarkdownMaxBytes)
				}
			}
		})
	}
}

// TestShowMatchesPlan: show prints the plan exactly as plan printed it,
// under its note.
func TestShowMatchesPlan(t *testing.T) {
	t.Parallel()
	path := writeShowPlan(t)
	f, err := planfile.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := plan.RenderText(&want, f.Plan, plan.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	res := clitest.Mlabctl(t, map[string]string{cmdutil.EnvNoColor: "1"}, "show", path)
	if !strings.HasSuffix(res.Stdout, "\n\n"+want.String()) {
		t.Errorf("show does not end with the plan as rendered:\n%s", res.Stdout)
	}
}

// TestShowRefusesWhatApplyRefuses: show verifies the file as apply does.
func TestShowRefusesWhatApplyRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(data []byte) []byte // nil: no file at all
		args []string
		want string
	}{
		{name: "digest mismatch", edit: func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"action": "delete"`, `"action": "update"`, 1))
		}, want: "its digest does not match its content"},
		{name: "truncated", edit: func(d []byte) []byte { return d[:len(d)/2] }, want: "is truncated"},
		{name: "a modelslab.yaml", edit: func([]byte) []byte { return []byte("version: 1\n") }, want: "is not a plan file"},
		{name: "missing", want: "no such file"},
		{name: "bad format", edit: func(d []byte) []byte { return d }, args: []string{"-o", "yaml"}, want: `"yaml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeShowPlan(t)
			if tt.edit == nil {
				path += ".missing"
			} else {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tt.edit(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res := clitest.Mlabctl(t, nil, append([]string{"show", path}, tt.args...)...)
			if res.Code != cmdutil.ExitError || res.Stdout != "" || !strings.Contains(res.Stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, nothing on stdout, %q", res.Code, res.Stdout, res.Stderr, tt.want)
			}
		})
	}
	t.Run("no PLANFILE", func(t *testing.T) {
		t.Parallel()
		res := clitest.Mlabctl(t, nil, "show")
		if res.Code != cmdutil.ExitError || !strings.Contains(res.Stderr, "show takes one PLANFILE") {
			t.Errorf("exit %d, stderr %q", res.Code, res.Stderr)
		}
	})
}

// TestShowMarkdownStaysWithinTheBudget: a plan too large for one comment
// is shortened by the renderer so that the note and the plan together fit
// plan.MarkdownMaxBytes, the budget the example workflows post whole.
func TestShowMarkdownStaysWithinTheBudget(t *testing.T) {
	t.Parallel()
	s, err := spec.Parse("modelslab.yaml", []byte("version: 1\napi_keys: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	live := &remote.State{BaseURL: "https://modelslab.com", Profile: remote.Profile{Username: "acme-bot"}, APIKeys: []remote.APIKey{}}
	for i := range 3000 {
		id := remote.ID(strconv.Itoa(1000 + i))
		live.APIKeys = append(live.APIKeys, remote.APIKey{ID: id, Name: "key-" + string(id) + strings.Repeat("x", 40), CreatedAt: showNow})
	}
	p, err := plan.Compute(s, live, showNow)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "big.plan")
	if err := planfile.Write(path, planfile.New(p, planfile.Made{Spec: s, Live: live, Version: "dev", Now: showNow})); err != nil {
		t.Fatal(err)
	}
	res := clitest.Mlabctl(t, nil, "show", path, "-o", "markdown")
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if n := len(res.Stdout); n > plan.MarkdownMaxBytes || n < plan.MarkdownMaxBytes/2 {
		t.Errorf("markdown of %d bytes; want at most %d, and most of it used", n, plan.MarkdownMaxBytes)
	}
	if !strings.HasPrefix(res.Stdout, "> [!NOTE]") || !strings.Contains(res.Stdout, "too large for one comment") {
		t.Errorf("the shortened comment lacks the note or the renderer's cut notice:\n%.600s", res.Stdout)
	}
}
