package versioncmd_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/buildinfo"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/plan/planfile"
)

// release is the build a test run pretends to be.
var release = buildinfo.Info{Version: "v1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", GoVersion: "go1.26.8"}

// TestVersionText checks that `mlabctl version` and `mlabctl --version`
// print one text, buildinfo's, and refuse what they cannot mean.
func TestVersionText(t *testing.T) {
	t.Parallel()
	const want = "mlabctl v1.2.3\ncommit: 0123456789abcdef0123456789abcdef01234567\ngo: go1.26.8\n"
	for _, tc := range []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantErr    string
	}{
		{name: "the command", args: []string{"version"}, wantStdout: want},
		{name: "the flag", args: []string{"--version"}, wantStdout: want},
		{name: "the flag after a global flag", args: []string{"--no-color", "--version"}, wantStdout: want},
		{name: "an argument", args: []string{"version", "extra"}, wantCode: cmdutil.ExitError, wantErr: `version takes no arguments, got "extra"`},
		{name: "the flag before a command", args: []string{"--version", "plan"}, wantCode: cmdutil.ExitError, wantErr: `--version takes no command (got "plan"); run ` + "`mlabctl version`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := clitest.Run(t, clitest.Invocation{Args: tc.args, Build: release})
			if res.Code != tc.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", res.Code, tc.wantCode, res.Stderr)
			}
			if diff := cmp.Diff(tc.wantStdout, res.Stdout); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if !strings.Contains(res.Stderr, tc.wantErr) {
				t.Errorf("stderr %q lacks %q", res.Stderr, tc.wantErr)
			}
		})
	}
}

// TestVersionIsRecorded checks the other places a build names itself: the
// plan file's mlabctl_version and the User-Agent of every request.
func TestVersionIsRecorded(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	var mu sync.Mutex
	agents := map[string]int{}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.Header.Get("User-Agent")]++
		mu.Unlock()
		em.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	dir := t.TempDir()
	specPath, planPath := filepath.Join(dir, "modelslab.yaml"), filepath.Join(dir, "plan.bin")
	if err := os.WriteFile(specPath, []byte("version: 1\npreferences:\n  nsfw_content: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{cmdutil.EnvBaseURL: proxy.URL, cmdutil.EnvToken: em.Demo.Token}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", specPath, "--out", planPath}, Env: env, Build: release})
	if res.Code != 0 {
		t.Fatalf("plan: exit %d, stderr %q", res.Code, res.Stderr)
	}
	f, err := planfile.Read(planPath)
	if err != nil {
		t.Fatal(err)
	}
	if f.MlabctlVersion != release.Version {
		t.Errorf("the plan file records mlabctl_version %q, want %q", f.MlabctlVersion, release.Version)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(map[string]int{"mlabctl/v1.2.3": agents["mlabctl/v1.2.3"]}, agents); diff != "" || len(agents) == 0 {
		t.Errorf("User-Agents of the plan's requests (-want +got):\n%s", diff)
	}
}
