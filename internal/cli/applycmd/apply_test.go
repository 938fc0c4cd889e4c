package applycmd_test

// In-process tests of `mlabctl apply` against an emulator seeded with the
// demo account (DEMO.md), checking exit codes, output, the emulator's
// request log and its final state. The README's demo command and a real
// Ctrl-C are e2e's (e2e/e2e_apply_test.go).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/remote"
)

// startEmulatorFaulty is startEmulator with faults set before the server
// serves.
func startEmulatorFaulty(t *testing.T, f *emulator.Faults) *emulatortest.Server {
	t.Helper()
	return emulatortest.Start(t, func(s *emulator.Server) { s.Faults = f })
}

func TestApplyConvergesOverScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec string // "" = the example file
		args []string
	}{
		{name: "the example file"},
		{name: "the example file one call at a time", args: []string{"--parallelism", "1"}},
		{name: "keys only", spec: `version: 1
api_keys:
  - {name: production, notes: Used by prod}
  - {name: fresh-1}
  - {name: fresh-2, notes: second}
ignore: {api_keys: ["dashboard-*", "ci", "old-key"]}
`},
		{name: "team only", spec: `version: 1
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: admin}
  - {email: Carol@Example.com, role: viewer}
  - {email: mallory@example.com, role: member}
  - {email: erin@example.com, role: member, permissions: [billing]}
policy: {min_admins: 2}
`},
		{name: "account settings only", spec: `version: 1
profile: {name: New Name, about_me: "line one\nline two"}
socials: {github: "", twitter: acme, website: https://acme.example}
preferences: {wallet_notification_threshold: 25.5}
`},
		{name: "access tokens", spec: `version: 1
access_tokens: {keep: ["demo"]}
`},
		{name: "an empty key list deletes all, allowed", spec: `version: 1
api_keys: []
`, args: []string{"--allow-mass-delete"}},
		{name: "an empty key list, each deletion approved", spec: `version: 1
api_keys: []
`, args: []string{"--allow-delete", "api_key.production", "--allow-delete", "api_key.ci",
			"--allow-delete", "api_key.dashboard-playground", "--allow-delete", "api_key.old-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.SpecOrExample(t, tt.spec)
			secrets := filepath.Join(t.TempDir(), "secrets.json")
			args := append([]string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", file}, tt.args...)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("apply exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stdout, "Apply complete:") {
				t.Errorf("no closing line:\n%s", res.Stdout)
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
			clitest.AssertConverged(t, em, file, "apply")
		})
	}
}

func TestApplyRequestOrderFollowsThePhases(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	// The phases of CONTRACT.md, as route patterns.
	phases := []*regexp.Regexp{
		regexp.MustCompile(`^PATCH /me`),
		regexp.MustCompile(`^POST /api-keys$`),
		regexp.MustCompile(`^PUT /api-keys/`),
		regexp.MustCompile(`^DELETE /api-keys/`),
		regexp.MustCompile(`^POST /teams(/[^/]+/resend-invite)?$`),
		regexp.MustCompile(`^PUT /teams/`),
		regexp.MustCompile(`^DELETE /teams/`),
		regexp.MustCompile(`^DELETE /auth/tokens/`),
	}
	var got []int
	for _, m := range em.Mutations() {
		ph := -1
		for i, re := range phases {
			if re.MatchString(m) {
				ph = i
			}
		}
		if ph < 0 {
			t.Fatalf("unexpected mutation %q", m)
		}
		got = append(got, ph)
	}
	// Per DEMO.md: 3 account calls, 2 creates, 1 update, 2 deletes, an invite
	// and a resend, 1 member update, 1 removal, 1 revocation.
	want := []int{0, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 6, 7}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("phases of the mutations in order (-want +got):\n%s", diff)
	}
	for _, r := range em.Requests() {
		if r.Method != "GET" && r.IdempotencyKey == "" {
			t.Errorf("%s %s has no Idempotency-Key", r.Method, r.Path)
		}
	}
}

func TestApplyRefusalsTouchNothing(t *testing.T) {
	t.Parallel()
	massDelete := `version: 1
api_keys: []
`
	tests := []struct {
		name     string
		spec     string // "" = the example file
		args     []string
		planFile bool // apply a plan file made first with `plan --out`
		tamper   func(em *emulatortest.Server)
		// edit adds a change to the plan file by hand.
		edit     func(em *emulatortest.Server) map[string]any
		wantCode int
		want     []string // in stderr
	}{
		{name: "no --auto-approve off a terminal", wantCode: 3, want: []string{"--auto-approve"}},
		{name: "new keys without --secrets-out off a terminal", args: []string{"--auto-approve"}, wantCode: 3, want: []string{"--secrets-out"}},
		{name: "mass deletion", spec: massDelete, args: []string{"--auto-approve"}, wantCode: 3, want: []string{"--allow-mass-delete", "api_key.old-key"}},
		{name: "mass deletion partly approved", spec: massDelete, args: []string{"--auto-approve", "--allow-delete", "api_key.old-key"}, wantCode: 3, want: []string{"api_key.production"}},
		{name: "--allow-delete of an address the plan does not delete", spec: massDelete, args: []string{"--auto-approve", "--allow-delete", "api_key.nope"}, wantCode: 1, want: []string{"does not delete api_key.nope"}},
		{name: "malformed --allow-delete", args: []string{"--auto-approve", "--allow-delete", "key.x"}, wantCode: 1, want: []string{"invalid address"}},
		{name: "parallelism 0", args: []string{"--auto-approve", "--parallelism", "0"}, wantCode: 1, want: []string{"--parallelism"}},
		{name: "parallelism 65", args: []string{"--auto-approve", "--parallelism", "65"}, wantCode: 1, want: []string{"--parallelism"}},
		{name: "protected key", spec: `version: 1
api_keys:
  - {name: production, protect: true, id: 102}
ignore: {api_keys: ["dashboard-*", "old-*"]}
`, args: []string{"--auto-approve"}, wantCode: 3, want: []string{"protect"}},
		{name: "min_admins", spec: `version: 1
team:
  - {email: alice@example.com, role: member}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
policy: {min_admins: 1}
`, args: []string{"--auto-approve"}, wantCode: 3, want: []string{"min_admins"}},
		{name: "stale plan file", planFile: true, args: []string{"--auto-approve", "--secrets-out", "SECRETS"},
			tamper:   func(em *emulatortest.Server) { em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "surprise"}) },
			wantCode: 3, want: []string{"stale", "api_key.surprise"}},
		{name: "hand-edited plan file revoking the token in use", planFile: true, args: []string{"--auto-approve", "--secrets-out", "SECRETS"},
			edit: func(em *emulatortest.Server) map[string]any {
				acct, _ := em.Snapshot(em.Demo.Username)
				for _, tok := range acct.Tokens {
					if tok.Name == "demo" {
						id := fmt.Sprint(tok.ID)
						return map[string]any{"address": "access_token.demo#" + id, "action": "delete", "live_id": id, "before": map[string]any{"name": "demo"}}
					}
				}
				return nil
			},
			wantCode: 3, want: []string{"is the token this apply runs with"}},
		{name: "hand-edited plan file removing the owner", planFile: true, args: []string{"--auto-approve", "--secrets-out", "SECRETS"},
			edit: func(em *emulatortest.Server) map[string]any {
				return map[string]any{"address": "team_member.demo@mlabctl.example", "action": "delete", "live_id": "1", "before": map[string]any{"email": "demo@mlabctl.example"}}
			},
			wantCode: 3, want: []string{"account owner"}},
		{name: "--secrets-out is a directory", args: []string{"--auto-approve", "--secrets-out", "DIR"}, wantCode: 1, want: []string{"secrets", "nothing was changed"}},
		{name: "--secrets-out holds something else", args: []string{"--auto-approve", "--secrets-out", "GARBAGE"}, wantCode: 1, want: []string{"not a JSON object"}},
		{name: "plan file of another API", planFile: true, args: []string{"--auto-approve", "--secrets-out", "SECRETS"},
			tamper: func(em *emulatortest.Server) {}, wantCode: 3, want: []string{"was made against"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.SpecOrExample(t, tt.spec)
			dir := t.TempDir()
			args := []string{"apply", "-f", file}
			if tt.planFile {
				planPath := filepath.Join(dir, "plan.json")
				planEm := em
				if tt.name == "plan file of another API" {
					planEm = emulatortest.Start(t)
				}
				res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "--out", planPath}, Env: clitest.DemoEnv(planEm)})
				if res.Code != 0 {
					t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
				}
				if tt.tamper != nil {
					tt.tamper(em)
				}
				if tt.edit != nil {
					clitest.AddPlanChange(t, planPath, tt.edit(em))
				}
				args = []string{"apply"} // flags, then PLANFILE
			}
			for _, a := range tt.args {
				switch a {
				case "DIR":
					a = t.TempDir()
				case "GARBAGE":
					a = filepath.Join(t.TempDir(), "notes.txt")
					if err := os.WriteFile(a, []byte("my notes, not JSON\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				args = append(args, strings.ReplaceAll(a, "SECRETS", filepath.Join(dir, "s.json")))
			}
			if tt.planFile {
				args = append(args, filepath.Join(dir, "plan.json"))
			}
			before, _ := em.Snapshot(em.Demo.Username)
			em.ResetRequests()
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("mutations despite the refusal: %v", m)
			}
			after, _ := em.Snapshot(em.Demo.Username)
			if !reflect.DeepEqual(before, after) {
				t.Errorf("the account changed despite the refusal (-before +after):\n%s", cmp.Diff(before, after))
			}
			if _, err := os.Stat(filepath.Join(dir, "s.json")); err == nil {
				t.Error("a secrets file was written by a refused apply")
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
		})
	}
}

func TestApplyPlanFile(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dir := t.TempDir()
	planPath := filepath.Join(dir, "plan.json")
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(dir, "s.json"), planPath}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("apply PLANFILE: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "apply PLANFILE")
	// The same plan file again: the account changed since, so it is stale.
	res = clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(dir, "s.json"), planPath}, Env: clitest.DemoEnv(em)})
	if res.Code != 3 || !strings.Contains(res.Stderr, "stale") {
		t.Errorf("re-applying a used plan file: exit %d, want 3 (stale)\n%s", res.Code, res.Stderr)
	}
}

func TestApplyStalePlanSaysHowToReplanIt(t *testing.T) {
	t.Parallel()
	// The plan is made from a file that is not ./modelslab.yaml: the advice
	// must not suggest a command that plans another file.
	em := emulatortest.Start(t)
	dir := t.TempDir()
	specPath := clitest.WriteFile(t, dir, "acme.yaml", "version: 1\nsocials: {github: acme}\napi_keys: [{name: production, notes: Used by prod}]\nignore: {api_keys: [\"*\"]}\n")
	planPath := filepath.Join(dir, "p1.plan")
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", specPath, "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
	}
	// A live name made to rewrite the log line it is printed on.
	em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "surprise\x1b[2K\rFAKE"})
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", planPath}, Env: clitest.DemoEnv(em)})
	if res.Code != cmdutil.ExitRefused {
		t.Fatalf("exit %d, want 3\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	want := fmt.Sprintf("Error: plan file %s is stale: the live state of api_key.surprise\\u001b[2K\\rFAKE changed since it was made; "+
		"make a new plan from the same modelslab.yaml with `mlabctl plan -f <your modelslab.yaml> --out %s`, review it, and apply that "+
		"(the stale plan was made from a file whose SHA-256 starts %s); nothing was changed\n", planPath, planPath, hex.EncodeToString(sum[:])[:12])
	if diff := cmp.Diff(want, res.Stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	// The advice, followed with the plan's own file, works.
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", specPath, "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Fatalf("plan --out again: exit %d\n%s", res.Code, res.Stderr)
	}
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Fatalf("apply of the new plan: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, em, specPath, "apply of the new plan")
}

func TestApplyPartialFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   *emulator.Faults
		wantCode int
		want     []string
	}{
		{
			name: "key creates refused: exit 4, the rest applied",
			// 4xx are never retried: exactly the two creates fail, once.
			faults:   &emulator.Faults{FailFirst: 2, Statuses: []int{422}, Routes: []string{"POST /api-keys"}},
			wantCode: 4,
			want: []string{"Apply failed: 10 done, 2 failed, 1 skipped.", "Failed:", "+ api_key.staging: POST /api-keys: 422",
				"Skipped:", "-/+ api_key.ci (delete the old key): not started: the new key was not created", "Run the same command again"},
		},
		{
			name:     "every change refused: exit 1, nothing changed",
			faults:   &emulator.Faults{FailFirst: 12, Statuses: []int{422}, Routes: []string{"POST ", "PUT ", "PATCH ", "DELETE "}},
			wantCode: 1,
			want:     []string{"Apply failed: 0 done, 12 failed, 1 skipped.", "Nothing was changed."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := startEmulatorFaulty(t, tt.faults)
			secrets := filepath.Join(t.TempDir(), "s.json")
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, res.Stdout)
				}
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
			// The faults are used up: a re-run converges.
			if res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
				t.Fatalf("re-run: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			clitest.AssertConverged(t, em, clitest.ExampleFile(), "the re-run")
		})
	}
}

// TestApplySecretsFile: the --secrets-out file gets the new keys, has mode
// 0600 also when it existed with a wider mode (CONTRACT.md), and keeps what
// it held.
func TestApplySecretsFile(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	path := clitest.WriteFile(t, t.TempDir(), "secrets.json", `{"earlier": "kept-value"}`)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", path, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.ReadFileWithMode(t, path, 0o600)
	got := clitest.ReadSecretsFile(t, path)
	acct, _ := em.Snapshot(em.Demo.Username)
	want := map[string]string{"earlier": "kept-value"}
	for _, k := range acct.APIKeys {
		if k.Name == "ci" || k.Name == "staging" {
			want[k.Name] = k.Key
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secrets file (-want +got):\n%s", diff)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
}

func TestApplyMasksSecretsUnderGitHubActions(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	env := clitest.DemoEnv(em)
	env["GITHUB_ACTIONS"] = "true"
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: env})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	acct, _ := em.Snapshot(em.Demo.Username)
	masked := 0
	for _, k := range acct.APIKeys {
		if k.Name != "ci" && k.Name != "staging" {
			continue
		}
		masked++
		// On stderr: a workflow that redirects apply's stdout to a file
		// (or a PR comment) must not carry the mask, which holds the key.
		mask := "::add-mask::" + k.Key + "\n"
		if strings.Count(res.Stderr, mask) != 1 {
			t.Errorf("the new %q key is not masked exactly once on stderr", k.Name)
		}
		if strings.Count(res.Stderr, k.Key) != 1 || strings.Contains(res.Stdout, k.Key) {
			t.Errorf("the new %q key appears beyond its mask", k.Name)
		}
	}
	if masked != 2 {
		t.Fatalf("%d new keys found, want 2", masked)
	}
}

func TestApplyRevertedByHandConverges(t *testing.T) {
	t.Parallel()
	// The same modelslab.yaml applied again after someone undid its changes
	// by hand, within the API's 24 hours of idempotent replays: the plan,
	// and so every Idempotency-Key, is identical to the first one.
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, `version: 1
api_keys:
  - {name: production, notes: Used by the production backend}
ignore: {api_keys: ["*"]}
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: member, permissions: [api-keys]}
  - {email: carol@example.com, role: member}
`)
	before, _ := em.Snapshot(em.Demo.Username)
	apply := func() clitest.Result {
		t.Helper()
		res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
		return res
	}
	first := apply()

	// The revert: notes and role set back through the API (with keys of
	// their own), the removed member restored with its id.
	client, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range before.APIKeys {
		if k.Name == "production" {
			if _, err := client.UpdateAPIKey(ctx, remote.ID(fmt.Sprint(k.ID)), remote.APIKeyUpdate{Notes: &k.Notes}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range before.Team {
		switch m.Email {
		case "bob@example.com":
			none := []string{}
			if _, err := client.UpdateMember(ctx, remote.ID(fmt.Sprint(m.ID)), remote.MemberUpdate{Role: &m.Role, Permissions: &none}); err != nil {
				t.Fatal(err)
			}
		case "mallory@example.com":
			em.AddMember(em.Demo.Username, m)
		}
	}
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", "json", "-f", file}, Env: clitest.DemoEnv(em)}); !strings.Contains(res.Stdout, `"api_key.production"`) {
		t.Fatalf("the revert left nothing to do, the test proves nothing:\n%s", res.Stdout)
	}

	second := apply()
	if !strings.Contains(second.Stdout, "made again") {
		t.Errorf("the second apply does not say it made changes again:\n%s", second.Stdout)
	}
	if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", file}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
		t.Errorf("not converged: plan exits %d after the second apply\nfirst apply:\n%s\nsecond apply:\n%s\nplan:\n%s", res.Code, first.Stdout, second.Stdout, res.Stdout)
	}
	acct, _ := em.Snapshot(em.Demo.Username)
	seen := map[string]bool{}
	for _, k := range acct.APIKeys {
		if seen["key "+k.Name] {
			t.Errorf("two API keys named %q", k.Name)
		}
		seen["key "+k.Name] = true
	}
	for _, m := range acct.Team {
		if seen[strings.ToLower(m.Email)] {
			t.Errorf("two team entries for %q", m.Email)
		}
		seen[strings.ToLower(m.Email)] = true
	}
}

func TestApplyReplayedInviteOfADeletedObjectIsOneLine(t *testing.T) {
	t.Parallel()
	// A.yaml invites erin, B.yaml does not: applying B, A, B, A, B, A
	// within the API's 24 hours of idempotent replays sends the same invite
	// (same Idempotency-Key) each time A follows B. Each apply of A prints
	// one line for its one action, naming the invite that is live.
	team := `version: 1
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
`
	dir := t.TempDir()
	a := clitest.WriteFile(t, dir, "A.yaml", team+"  - {email: erin@example.com, role: member}\n")
	b := clitest.WriteFile(t, dir, "B.yaml", team)
	em := emulatortest.Start(t)
	erinID := func() string {
		acct, _ := em.Snapshot(em.Demo.Username)
		for _, m := range acct.Team {
			if m.Email == "erin@example.com" {
				return fmt.Sprint(m.ID)
			}
		}
		return ""
	}
	duration := regexp.MustCompile(`\([0-9.]+(ns|µs|ms|s)\)$`)
	apply := func(file string) []string {
		t.Helper()
		res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("apply %s: exit %d\n%s%s", filepath.Base(file), res.Code, res.Stdout, res.Stderr)
		}
		var lines []string
		for _, l := range strings.Split(res.Stdout, "\n") {
			if strings.HasPrefix(l, "+ team_member.erin") || strings.HasPrefix(l, "- team_member.erin") {
				lines = append(lines, duration.ReplaceAllString(l, "(D)"))
			}
		}
		return lines
	}
	invited := func(id, note string) []string {
		return []string{"+ team_member.erin@example.com: invited, id " + id + note + " (D)"}
	}
	removed := []string{"- team_member.erin@example.com: removed (D)"}
	check := func(what string, want, got []string) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: erin's lines (-want +got):\n%s", what, diff)
		}
	}

	check("apply B", nil, apply(b))
	lines := apply(a)
	first := erinID()
	check("first apply A", invited(first, ""), lines)
	check("second apply B", removed, apply(b))
	lines = apply(a)
	second := erinID()
	check("second apply A (replays the first invite, since removed)",
		invited(second, ", made again: the API replayed an identical apply's answer (< 24 h old) whose object (id "+first+") was since deleted"), lines)
	check("third apply B", removed, apply(b))
	lines = apply(a)
	third := erinID()
	check("third apply A (replays both earlier invites, both removed)",
		invited(third, ", made again: the API replayed 2 identical applies' answers (< 24 h old) whose objects (ids "+first+", "+second+") were since deleted"), lines)
	if first == second || second == third || first == third {
		t.Errorf("erin's invites have ids %s, %s, %s: each apply of A must make a new one", first, second, third)
	}
	clitest.AssertConverged(t, em, a, "the last apply of A")
}

func TestApplyInsufficientScopeSaysWhatToDo(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	// Everything apply needs for the example file but api-keys:write.
	token := em.IssueToken(em.Demo.Username, "no-key-writes", []string{
		"profile:read", "profile:write", "api-keys:read", "teams:read", "teams:write", "tokens:read", "tokens:write"}, time.Hour)
	env := clitest.DemoEnv(em)
	env[cmdutil.EnvToken] = token
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: env})
	if res.Code != 4 {
		t.Fatalf("exit %d, want 4 (the other changes were made)\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	want := regexp.MustCompile(`the access token lacks scope "api-keys:write": create a token with it \(mlabctl auth login --scopes api-keys:write,`)
	line := ""
	for _, l := range strings.Split(res.Stdout, "\n") {
		if strings.HasPrefix(l, "+ api_key.staging:") {
			line = l
		}
	}
	if !strings.Contains(line, "FAILED") || !want.MatchString(line) {
		t.Errorf("the failure line does not say what to do: %q\n%s", line, res.Stdout)
	}
	summary := res.Stdout[strings.Index(res.Stdout, "Apply failed"):]
	// The two creates, the update and the delete; the replaced key's
	// delete is skipped.
	if got := len(want.FindAllString(summary, -1)); got != 4 {
		t.Errorf("the summary explains %d failures, want the 4 failed key changes:\n%s", got, summary)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
	if strings.Contains(res.Stdout+res.Stderr, token) {
		t.Error("the token appears in the output")
	}
}

func TestApplyGitHubStepSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   *emulator.Faults
		wantCode int
		want     []string
	}{
		{
			name:     "complete",
			wantCode: 0,
			want:     []string{"### mlabctl apply: `acme-bot`", "**Apply complete**: 2 created, 5 updated, 3 deleted, 1 replaced, 1 resent."},
		},
		{
			name:     "partial failure names each failed and skipped address with its error",
			faults:   &emulator.Faults{FailFirst: 2, Statuses: []int{422}, Routes: []string{"POST /api-keys"}},
			wantCode: 4,
			want: []string{"**Apply failed**: 10 done, 2 failed, 1 skipped.", "Failed:", "- `+ api_key.staging`: POST /api-keys: 422",
				"- `-/+ api_key.ci (create the new key)`: POST /api-keys: 422", "Skipped:",
				"- `-/+ api_key.ci (delete the old key)`: not started", "Run the same apply again"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := startEmulatorFaulty(t, tt.faults)
			summary := clitest.WriteFile(t, t.TempDir(), "step_summary.md", "earlier step\n")
			env := clitest.DemoEnv(em)
			env["GITHUB_ACTIONS"], env["GITHUB_STEP_SUMMARY"] = "true", summary
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: env})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			b, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			md := string(b)
			if !strings.HasPrefix(md, "earlier step\n") {
				t.Errorf("the summary of earlier steps was not kept:\n%s", md)
			}
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("the step summary lacks %q:\n%s", w, md)
				}
			}
			clitest.AssertNoSecrets(t, "the step summary", md, clitest.AccountSecrets(t, em, em.Demo.Username))
			// Outside GitHub Actions nothing is written.
			env["GITHUB_ACTIONS"] = "false"
			clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: env})
			if again, _ := os.ReadFile(summary); string(again) != md {
				t.Errorf("apply wrote the step summary outside GitHub Actions:\n%s", again)
			}
		})
	}
}

func TestApplyEscapesHostileLiveNames(t *testing.T) {
	t.Parallel()
	// A live key (not ours: anyone with access to the account names keys)
	// whose name would erase and forge a log line, close its code span in
	// the job page, inject HTML and mention a team. apply deletes it, and
	// the deletion fails so that the name reaches every summary.
	const hostile = "evil\x1b[2K\rFAKE: all good` <img src=x onerror=alert(1)> @acme/admins"
	em := emulatortest.Start(t, func(s *emulator.Server) {
		s.Faults = &emulator.Faults{FailFirst: 1000, Statuses: []int{422}, Routes: []string{"DELETE /api-keys/777"}}
	})
	em.AddAPIKey(em.Demo.Username, emulator.Key{ID: 777, Name: hostile})
	summary := clitest.WriteFile(t, t.TempDir(), "step_summary.md", "")
	env := clitest.DemoEnv(em)
	env["GITHUB_ACTIONS"], env["GITHUB_STEP_SUMMARY"] = "true", summary
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--allow-mass-delete", "--secrets-out", filepath.Join(t.TempDir(), "s.json"), "-f", clitest.ExampleFile()}, Env: env})
	if res.Code != 4 {
		t.Fatalf("exit %d, want 4\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	escaped := `api_key.evil\u001b[2K\rFAKE: all good` + "`" + ` <img src=x onerror=alert(1)> @acme/admins`
	for _, want := range []string{"- " + escaped + ": FAILED", "    - " + escaped + ": DELETE /api-keys/777: 422"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.ContainsAny(res.Stdout+res.Stderr, "\x1b\r") {
		t.Errorf("apply printed the live name raw:\n%q", res.Stdout+res.Stderr)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	// The address is one code span that its backtick cannot close.
	if want := "- ``- " + escaped + "``: DELETE /api-keys/777: 422"; !strings.Contains(string(b), want) {
		t.Errorf("the step summary lacks %q:\n%s", want, b)
	}
}

func TestApplyFlagsAfterPlanFile(t *testing.T) {
	t.Parallel()
	// CONTRACT.md's synopsis, and users, put flags after PLANFILE; urfave/cli
	// alone would stop parsing flags at PLANFILE.
	tests := []struct {
		name string
		// global come before "apply", args after it; PLAN is the plan
		// file, SECRETS a secrets file.
		global, args []string
		// env is added to the demo environment.
		env      map[string]string
		wantCode int
		// want is in stdout+stderr.
		want []string
		// changes reports whether the account must have changed.
		changes bool
	}{
		{name: "flags after PLANFILE, with = and with a separate value",
			args: []string{"PLAN", "--auto-approve", "--secrets-out=SECRETS", "--parallelism", "2"}, changes: true,
			want: []string{"up to 2 calls at a time", "Apply complete:"}},
		{name: "flags on both sides", args: []string{"--parallelism", "1", "PLAN", "--secrets-out", "SECRETS", "--auto-approve"}, changes: true,
			want: []string{"one call at a time", "Apply complete:"}},
		{name: "after --, a flag is an argument", args: []string{"PLAN", "--auto-approve", "--", "--secrets-out"}, wantCode: 1,
			want: []string{`apply takes at most one PLANFILE, got 2 arguments:`, `"--secrets-out"`}},
		{name: "an unknown flag after PLANFILE is named", args: []string{"PLAN", "--auto-approve", "--secret-out", "SECRETS"}, wantCode: 1,
			want: []string{"flag provided but not defined: --secret-out (after PLANFILE)"}},
		{name: "a flag without its value", args: []string{"PLAN", "--auto-approve", "--secrets-out"}, wantCode: 1,
			want: []string{"flag needs an argument: --secrets-out"}},
		{name: "a bad value", args: []string{"PLAN", "--parallelism", "many"}, wantCode: 1,
			want: []string{`invalid value "many" for flag --parallelism`}},
		{name: "two plan files", args: []string{"PLAN", "PLAN", "--auto-approve"}, wantCode: 1,
			want: []string{"apply takes at most one PLANFILE, got 2 arguments"}},
		{name: "help after PLANFILE", args: []string{"PLAN", "--help"}, want: []string{"[PLANFILE]", "--auto-approve", "MODELSLAB_FILE is ignored"}},
		// -f FILE with PLANFILE binds the plan file to FILE (what a CI
		// apply job runs): the plan was made from the example file, so it
		// applies.
		{name: "-f binds PLANFILE to the file it was made from", args: []string{"-f", clitest.ExampleFile(), "PLAN", "--auto-approve", "--secrets-out", "SECRETS"}, changes: true,
			want: []string{"Apply complete:"}},
		{name: "--file after PLANFILE", args: []string{"PLAN", "--auto-approve", "--secrets-out", "SECRETS", "--file", clitest.ExampleFile()}, changes: true,
			want: []string{"Apply complete:"}},
		{name: "-f before the command", global: []string{"-f", clitest.ExampleFile()}, args: []string{"PLAN", "--auto-approve", "--secrets-out", "SECRETS"}, changes: true,
			want: []string{"Apply complete:"}},
		{name: "-f before the command, MODELSLAB_FILE naming another file", global: []string{"-f", clitest.ExampleFile()}, args: []string{"PLAN", "--auto-approve", "--secrets-out", "SECRETS"},
			env: map[string]string{cmdutil.EnvFile: "elsewhere.yaml"}, changes: true, want: []string{"Apply complete:"}},
		{name: "-f naming another file than the plan's", args: []string{"-f", "OTHER", "PLAN", "--auto-approve", "--secrets-out", "SECRETS"}, wantCode: cmdutil.ExitRefused,
			want: []string{"was not made from", "differs from it at line"}},
		{name: "MODELSLAB_FILE is ignored for a PLANFILE", args: []string{"PLAN", "--auto-approve", "--secrets-out", "SECRETS"},
			env: map[string]string{cmdutil.EnvFile: "no-such-dir/modelslab.yaml"}, changes: true, want: []string{"Apply complete:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			dir := t.TempDir()
			planPath, secrets := filepath.Join(dir, "plan.json"), filepath.Join(dir, "s.json")
			if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
				t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
			}
			em.ResetRequests()
			args := append(append([]string{}, tt.global...), "apply")
			other := clitest.WriteFile(t, dir, "other.yaml", "version: 1\nsocials: {github: someone-else}\n")
			for _, a := range tt.args {
				a = strings.ReplaceAll(a, "PLAN", planPath)
				a = strings.ReplaceAll(a, "OTHER", other)
				args = append(args, strings.ReplaceAll(a, "SECRETS", secrets))
			}
			env := clitest.DemoEnv(em)
			for k, v := range tt.env {
				env[k] = v
			}
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: env})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			if n := len(em.Requests()); tt.wantCode == cmdutil.ExitError && n != 0 {
				t.Errorf("a usage error made %d requests, want none", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stdout+res.Stderr, w) {
					t.Errorf("the output lacks %q:\n%s%s", w, res.Stdout, res.Stderr)
				}
			}
			if changed := len(em.Mutations()) > 0; changed != tt.changes {
				t.Errorf("account changed: %v, want %v (%v)", changed, tt.changes, em.Mutations())
			}
			if tt.changes {
				clitest.AssertConverged(t, em, clitest.ExampleFile(), "apply")
			}
		})
	}
}

func TestApplyLostKeySecretsConverge(t *testing.T) {
	t.Parallel()
	// Every key create is committed and its answer lost, retries included
	// (seed 4, one call at a time; see apply/orphan_test.go): the new ci
	// (a replace) and staging (a create) keys are useless, so apply deletes
	// them again and exits 4. The emulator then restarts from its saved
	// state without faults: a re-run creates both afresh and converges.
	state := filepath.Join(t.TempDir(), "state.json")
	faulty := emulatortest.Start(t, func(s *emulator.Server) {
		s.StatePath = state
		s.Faults = &emulator.Faults{Rate: 0.85, DropRate: 1, Routes: []string{"POST /api-keys"}, Seed: 4}
	})
	if err := faulty.Save(); err != nil {
		t.Fatal(err)
	}
	oldCI := ""
	for _, k := range faulty.KeysNamed(faulty.Demo.Username, "ci") {
		oldCI = fmt.Sprint(k.ID)
	}
	secrets := filepath.Join(t.TempDir(), "s.json")
	apply := []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", clitest.ExampleFile()}
	res := clitest.Run(t, clitest.Invocation{Args: apply, Env: clitest.DemoEnv(faulty)})
	if res.Code != 4 {
		t.Fatalf("faulted apply: exit %d, want 4\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, w := range []string{
		"but its secret was lost in transit", "deleted it again so a re-run can create it afresh",
		"the old key, id " + oldCI + ", is kept and still works",
		"-/+ api_key.ci (delete the old key): not started: the new key was not created",
	} {
		if !strings.Contains(res.Stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, res.Stdout)
		}
	}
	for _, bad := range []string{`remove "ci"`, `remove "staging"`, "rotate it"} {
		if strings.Contains(res.Stdout+res.Stderr, bad) {
			t.Errorf("the output advises %q, which would delete the key in use:\n%s%s", bad, res.Stdout, res.Stderr)
		}
	}
	clitest.AssertRunHasNoSecrets(t, faulty, res)
	var ciIDs []string
	for _, k := range faulty.KeysNamed(faulty.Demo.Username, "ci") {
		ciIDs = append(ciIDs, fmt.Sprint(k.ID))
	}
	if diff := cmp.Diff([]string{oldCI}, ciIDs); diff != "" {
		t.Errorf("live ci keys after the faulted apply (-want +got):\n%s", diff)
	}

	healthy := emulatortest.Start(t, func(s *emulator.Server) {
		if err := s.Load(state); err != nil {
			t.Fatal(err)
		}
	})
	healthy.Demo = faulty.Demo
	if res := clitest.Run(t, clitest.Invocation{Args: apply, Env: clitest.DemoEnv(healthy)}); res.Code != 0 {
		t.Fatalf("re-run: exit %d, want 0\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertConverged(t, healthy, clitest.ExampleFile(), "the re-run")
	acct, _ := healthy.Snapshot(healthy.Demo.Username)
	got := clitest.ReadSecretsFile(t, secrets)
	count := map[string]int{}
	for _, k := range acct.APIKeys {
		count[k.Name]++
		if (k.Name == "ci" || k.Name == "staging") && got[k.Name] != k.Key {
			t.Errorf("the secret of %q in %s is not the live key's", k.Name, secrets)
		}
	}
	if count["ci"] != 1 || count["staging"] != 1 {
		t.Errorf("live keys: %d named ci, %d named staging; want one each", count["ci"], count["staging"])
	}
}
