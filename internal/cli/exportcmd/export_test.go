package exportcmd_test

// In-process tests of `mlabctl export` against the emulator. An export must
// plan to no changes, read only, and never print a secret.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// exportFileMode is the mode of a file `export --out` writes: it holds no
// secret and is meant to be committed.
const exportFileMode = 0o644

func TestExportThenPlanHasNoChanges(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	// A repeated key name and YAML-hostile values make the round trip
	// harder than the demo alone.
	em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "ci", Notes: "a second key named ci"})
	em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "yes", Notes: "line one\n  line two\n# not a comment"})
	em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "*star", Notes: "null"})
	em.AddMember(em.Demo.Username, emulator.Member{Email: "Dora@Example.com", Role: "viewer", Status: "pending", Permissions: []string{"billing"}})
	dir := t.TempDir()
	env := clitest.DemoEnv(em)
	em.ResetRequests()

	exported := filepath.Join(dir, "exported.yaml")
	res := clitest.Mlabctl(t, env, "export", "--out", exported)
	if res.Code != 0 {
		t.Fatalf("export: exit %d, stderr:\n%s", res.Code, res.Stderr)
	}
	if res.Stdout != "" {
		t.Errorf("export --out wrote to stdout: %q", res.Stdout)
	}
	// Reading only: GET /me and list pages, no mutation.
	for _, r := range em.Requests() {
		path, _, _ := strings.Cut(r.Path, "?")
		if r.Method != "GET" || (path != "/me" && path != "/api-keys" && path != "/teams") {
			t.Errorf("export made the request %s %s; want only GET /me, /api-keys and /teams", r.Method, r.Path)
		}
	}
	data := clitest.ReadFileWithMode(t, exported, exportFileMode)
	secrets := clitest.AccountSecrets(t, em, em.Demo.Username)
	clitest.AssertNoSecrets(t, "the export", string(data), secrets)
	clitest.AssertNoSecrets(t, "export's stderr", res.Stderr, secrets)
	for _, want := range []string{"version: 1", "api_keys:", "team:", "pending invite", "Dora@Example.com", "ignore:"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "access_tokens") {
		t.Errorf("export declares access_tokens:\n%s", data)
	}

	res = clitest.Mlabctl(t, env, "plan", "-f", exported, "--detailed-exitcode", "--no-color")
	if res.Code != 0 {
		t.Fatalf("plan on the export: exit %d (want 0: no changes)\nstdout:\n%s\nstderr:\n%s\nexport:\n%s", res.Code, res.Stdout, res.Stderr, data)
	}
	if !strings.Contains(res.Stdout, "No changes. The account matches modelslab.yaml.") {
		t.Errorf("plan on the export does not say No changes:\n%s", res.Stdout)
	}
}

func TestExportToStdoutHasNoSecrets(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"export"}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("export: exit %d, stderr:\n%s", res.Code, res.Stderr)
	}
	if !strings.HasPrefix(res.Stdout, "# modelslab.yaml exported by `mlabctl export` from account "+em.Demo.Username) {
		t.Errorf("export does not start with its header:\n%s", res.Stdout)
	}
	secrets := clitest.AccountSecrets(t, em, em.Demo.Username)
	clitest.AssertNoSecrets(t, "stdout", res.Stdout, secrets)
	clitest.AssertNoSecrets(t, "stderr", res.Stderr, secrets)
}

func TestExportTeamAccount(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	const team = "acme-team"
	em.AddUser(emulator.UserSeed{Username: team, Email: team + "@teams.example", Verified: true, Team: true})
	em.AddMember(team, emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
	em.AddAPIKey(team, emulator.Key{Name: "team-key", Notes: "shared"})
	dir := t.TempDir()
	env := clitest.DemoEnv(em)

	out := filepath.Join(dir, "team.yaml")
	res := clitest.Mlabctl(t, env, "export", "--account", team, "--out", out)
	if res.Code != 0 {
		t.Fatalf("export --account: exit %d, stderr:\n%s", res.Code, res.Stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"account: " + team, "team-key", "username: " + team} {
		if !strings.Contains(string(data), want) {
			t.Errorf("team export lacks %q:\n%s", want, data)
		}
	}
	clitest.AssertNoSecrets(t, "the team export", string(data), clitest.AccountSecrets(t, em, team))
	res = clitest.Mlabctl(t, env, "plan", "-f", out, "--detailed-exitcode")
	if res.Code != 0 {
		t.Fatalf("plan on the team export: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

func TestExportErrors(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{name: "an argument", args: []string{"export", "modelslab.yaml"}, env: clitest.DemoEnv(em), wantCode: 1, wantErr: "--out FILE"},
		{name: "no credentials", args: []string{"export"}, env: map[string]string{cmdutil.EnvBaseURL: em.URL}, wantCode: 1, wantErr: "no credentials"},
		{name: "unknown team account", args: []string{"export", "--account", "no-such-team"}, env: clitest.DemoEnv(em), wantCode: 1, wantErr: "no-such-team"},
		{name: "output is a directory", args: []string{"export", "--out", os.TempDir(), "--force"}, env: clitest.DemoEnv(em), wantCode: 1, wantErr: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Run(t, clitest.Invocation{Args: tt.args, Env: tt.env})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", res.Code, tt.wantCode, res.Stderr)
			}
			if !strings.Contains(res.Stderr, tt.wantErr) {
				t.Errorf("stderr does not mention %q:\n%s", tt.wantErr, res.Stderr)
			}
			if res.Stdout != "" {
				t.Errorf("stdout is not empty on error: %q", res.Stdout)
			}
		})
	}
}

// TestExportEmulatorDemo: --emulator seeds the same demo account on every
// run, so an export of it plans to no changes on the next run.
func TestExportEmulatorDemo(t *testing.T) {
	t.Parallel()
	demo := filepath.Join(t.TempDir(), "demo.yaml")
	res := clitest.Mlabctl(t, nil, "export", "--emulator", "--out", demo)
	if res.Code != 0 {
		t.Fatalf("export --emulator: exit %d, stderr:\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "Exported account") {
		t.Errorf("stderr does not confirm the export:\n%s", res.Stderr)
	}
	res = clitest.Mlabctl(t, nil, "plan", "--emulator", "-f", demo, "--detailed-exitcode")
	if res.Code != 0 {
		t.Fatalf("plan --emulator on the demo export: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestExportOutFile: export writes a file only with --out FILE (-o, which
// is --output FORMAT on plan and auth, is refused, naming --out), and never
// replaces an existing file without --force: over a managed repository's
// modelslab.yaml it would drop protect, policy and ignore. A refusal exits
// 1 before any request, with the directory as it was.
func TestExportOutFile(t *testing.T) {
	t.Parallel()
	const existing = "version: 1\napi_keys:\n  - {name: production, protect: true}\npolicy: {min_admins: 1}\n"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stderr
		// wantFiles are the files of the directory after the run, by
		// name; "EXPORT" stands for a fresh export.
		wantFiles map[string]string
	}{
		{name: "-o is not export's flag", args: []string{"export", "-o", "json"}, wantCode: 1, want: "--out FILE",
			wantFiles: map[string]string{".": "<dir>", "modelslab.yaml": existing}},
		{name: "--out an existing file", args: []string{"export", "--out", "modelslab.yaml"}, wantCode: 1, want: "--force",
			wantFiles: map[string]string{".": "<dir>", "modelslab.yaml": existing}},
		{name: "--force without --out", args: []string{"export", "--force"}, wantCode: 1, want: "--out",
			wantFiles: map[string]string{".": "<dir>", "modelslab.yaml": existing}},
		{name: "--out a new file", args: []string{"export", "--out", "live.yaml"}, wantCode: 0, want: "Exported account",
			wantFiles: map[string]string{".": "<dir>", "modelslab.yaml": existing, "live.yaml": "EXPORT"}},
		{name: "--out an existing file with --force", args: []string{"export", "--out", "modelslab.yaml", "--force"}, wantCode: 0, want: "Exported account",
			wantFiles: map[string]string{".": "<dir>", "modelslab.yaml": "EXPORT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			dir := t.TempDir()
			clitest.WriteFile(t, dir, "modelslab.yaml", existing)
			// --out names a file of dir.
			var args []string
			for i, a := range tt.args {
				if i > 0 && tt.args[i-1] == "--out" {
					a = filepath.Join(dir, a)
				}
				args = append(args, a)
			}
			res := clitest.Mlabctl(t, clitest.DemoEnv(em), args...)
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d:\n%s%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, res.Stderr)
			}
			got := clitest.DirContents(t, dir)
			for name, content := range got {
				if strings.HasPrefix(content, "# modelslab.yaml exported by `mlabctl export`") {
					got[name] = "EXPORT"
				}
			}
			if diff := cmp.Diff(tt.wantFiles, got); diff != "" {
				t.Errorf("files after the run (-want +got):\n%s", diff)
			}
			if tt.wantCode != 0 && len(em.Requests()) > 0 {
				t.Errorf("a refused export made requests: %v", em.Routes())
			}
		})
	}
}
