package plancmd_test

// In-process tests of `mlabctl plan` against the emulator seeded with the
// demo account (DEMO.md). BenchmarkPlanEndToEnd, which times the built
// binary, is in e2e/.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
)

func TestPlanExitCodes(t *testing.T) {
	t.Parallel()
	const matching = "version: 1\nprofile:\n  username: acme-bot\n  name: Acme Bot\n"
	const protectedOld = `version: 1
api_keys:
  - name: production
    protect: true
    rotate_after: 90d
  - name: ci
  - name: dashboard-playground
  - name: old-key
`
	// protectedPinnedAway pins the protected entry to ci's id: the demo's
	// live key named production (id 101) would be deleted, and protection
	// follows it, so the plan is refused (exit 3).
	const protectedPinnedAway = `version: 1
api_keys:
  - name: production
    protect: true
    id: 102
  - name: dashboard-playground
  - name: old-key
`

	tests := []struct {
		name       string
		spec       string // file content; empty means examples/modelslab.yaml
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr []string // substrings; nil means stderr must be empty
		// wantRequests is the request log, in order; nil means no request
		// at all (the error came before the network).
		wantRequests []string
	}{
		{
			name:         "changes pending",
			wantCode:     0,
			wantStdout:   []string{"Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.", "api_key.dashboard-playground"},
			wantRequests: []string{"GET /api-keys", "GET /auth/tokens", "GET /me", "GET /teams"},
		},
		{
			name:         "changes pending with --detailed-exitcode",
			args:         []string{"--detailed-exitcode"},
			wantCode:     2,
			wantStdout:   []string{"Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend."},
			wantRequests: []string{"GET /api-keys", "GET /auth/tokens", "GET /me", "GET /teams"},
		},
		{
			name:         "no changes with --detailed-exitcode",
			spec:         matching,
			args:         []string{"--detailed-exitcode"},
			wantCode:     0,
			wantStdout:   []string{"No changes. The account matches modelslab.yaml."},
			wantRequests: []string{"GET /me"}, // no list section is managed
		},
		{
			// validate refuses it now, at FILE:LINE, before any request.
			name:       "protected key with rotate_after",
			spec:       protectedOld,
			wantCode:   1,
			wantStderr: []string{`modelslab.yaml:4:14: api_keys[0]: protect: true and rotate_after exclude each other`},
		},
		{
			name:         "protected key would be deleted",
			spec:         protectedPinnedAway,
			wantCode:     3,
			wantStderr:   []string{`modelslab.yaml:4:14: the live API key id 101 is protected by "production" (protect: true), and the plan would delete it`, "nothing was changed"},
			wantRequests: []string{"GET /api-keys", "GET /me"},
		},
		{
			name:       "invalid file",
			spec:       "version: 1\napi_keys:\n  - name: ci\n    colour: red\n",
			wantCode:   1,
			wantStderr: []string{"modelslab.yaml:4:5"},
		},
		{
			name:       "missing file",
			args:       []string{"-f", "no-such-file.yaml"},
			wantCode:   1,
			wantStderr: []string{"no-such-file.yaml"},
		},
		{
			name:       "bad output format",
			args:       []string{"-o", "yaml"},
			wantCode:   1,
			wantStderr: []string{`invalid --output "yaml": use text, markdown or json`},
		},
		{
			name:       "an argument",
			args:       []string{"modelslab.yaml"},
			wantCode:   1,
			wantStderr: []string{"plan takes no arguments"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			path := clitest.ExampleFile()
			if tt.spec != "" {
				path = clitest.WriteSpec(t, tt.spec)
			}
			args := append([]string{"plan", "-f", path}, tt.args...)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(res.Stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
				}
			}
			if tt.wantStderr == nil && res.Stderr != "" {
				t.Errorf("stderr is not empty:\n%s", res.Stderr)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
				}
			}
			got := em.Routes()
			slices.Sort(got) // /me and the lists are read in parallel
			if diff := cmp.Diff(tt.wantRequests, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			secrets := clitest.AccountSecrets(t, em, em.Demo.Username)
			clitest.AssertNoSecrets(t, "stdout", res.Stdout, secrets)
			clitest.AssertNoSecrets(t, "stderr", res.Stderr, secrets)
		})
	}
}

// TestPlanReadsOnly checks that a plan makes nothing but GET requests and
// leaves the account as it was.
func TestPlanReadsOnly(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	before, _ := em.Snapshot(em.Demo.Username)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	for _, r := range em.Requests() {
		if r.Method != "GET" || r.Status != 200 {
			t.Errorf("request %s %s answered %d; a plan only reads", r.Method, r.Path, r.Status)
		}
	}
	after, _ := em.Snapshot(em.Demo.Username)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("plan changed the account (-before +after):\n%s", diff)
	}
}

// TestPlanReadsEveryPage checks that a list longer than the largest page
// is read whole: the plan sees every key.
func TestPlanReadsEveryPage(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	const extra = 150 // more than the API's largest page (100)
	for i := range extra {
		em.AddAPIKey(em.Demo.Username, emulator.Key{Name: fmt.Sprintf("bulk-%03d", i)})
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "-o", "json"}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	var doc struct {
		Summary map[string]int `json:"summary"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// The demo plan's 3 deletions, plus every bulk key.
	if got, want := doc.Summary["delete"], 3+extra; got != want {
		t.Errorf("the plan deletes %d items, want %d: it misses items of later pages", got, want)
	}
	pages := 0
	for _, line := range em.Routes() {
		if line == "GET /api-keys" {
			pages++
		}
	}
	if pages < 2 {
		t.Errorf("read %d pages of %d API keys, want at least 2", pages, 4+extra)
	}
}

func TestPlanOutFile(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "demo.plan")
	// An earlier plan file is replaced; with a wider mode, it gets 0600
	// all the same.
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.WriteSpec(t, "version: 1\n"), "--out", out}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("the first plan --out: exit %d: %s", res.Code, res.Stderr)
	}
	if err := os.Chmod(out, 0o644); err != nil {
		t.Fatal(err)
	}
	res = clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--out", out}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "mlabctl apply "+out) {
		t.Errorf("stdout does not say how to apply the saved plan:\n%s", res.Stdout)
	}
	data := clitest.ReadFileWithMode(t, out, 0o600)
	clitest.AssertNoSecrets(t, "the plan file", string(data), clitest.AccountSecrets(t, em, em.Demo.Username))
	f, err := planfile.Read(out)
	if err != nil {
		t.Fatalf("reading the plan file back: %v", err)
	}
	if got := f.Plan.Summary(); got != (plan.Summary{Create: 2, Update: 5, Delete: 3, Replace: 1, Resend: 1}) {
		t.Errorf("saved plan summary %+v", got)
	}
	if f.SpecHash == "" || f.MlabctlVersion == "" || f.CreatedAt.IsZero() {
		t.Errorf("plan file header incomplete: hash %q, version %q, created %v", f.SpecHash, f.MlabctlVersion, f.CreatedAt)
	}
	if want := (planfile.Sections{APIKeys: true, Team: true, Tokens: true}); f.Sections != want {
		t.Errorf("sections %+v, want %+v", f.Sections, want)
	}
	for _, addr := range []string{"profile", "api_key.production", "team_member.carol@example.com"} {
		if f.Fingerprints[addr] == "" {
			t.Errorf("no fingerprint for %s", addr)
		}
	}
}

func TestPlanJSON(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "-o", "json", "--detailed-exitcode"}, Env: clitest.DemoEnv(em)})
	if res.Code != 2 {
		t.Fatalf("exit %d, want 2: %s", res.Code, res.Stderr)
	}
	var doc struct {
		FormatVersion string         `json:"format_version"`
		Summary       map[string]int `json:"summary"`
		Changes       []struct {
			Address string         `json:"address"`
			Action  string         `json:"action"`
			Before  map[string]any `json:"before"`
			After   map[string]any `json:"after"`
		} `json:"changes"`
	}
	dec := json.NewDecoder(strings.NewReader(res.Stdout))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, res.Stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON value:\n%s", res.Stdout)
	}
	if doc.FormatVersion != "1" {
		t.Errorf("format_version %q, want \"1\"", doc.FormatVersion)
	}
	if diff := cmp.Diff(map[string]int{"create": 2, "update": 5, "delete": 3, "replace": 1, "resend": 1}, doc.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	type change struct {
		Address, Action string
		Before, After   map[string]any
	}
	byAddr := map[string]change{}
	for _, c := range doc.Changes {
		byAddr[c.Address] = change{c.Address, c.Action, c.Before, c.After}
	}
	wantSome := []change{
		{"preferences", "update",
			map[string]any{"nsfw_content": true, "wallet_notification_enabled": false, "wallet_notification_threshold": json.Number("5")},
			map[string]any{"nsfw_content": false, "wallet_notification_enabled": true, "wallet_notification_threshold": json.Number("10")}},
		{"api_key.staging", "create", nil, map[string]any{"name": "staging", "notes": "Used by the staging environment"}},
		{"team_member.carol@example.com", "resend", nil, nil},
	}
	for _, want := range wantSome {
		if diff := cmp.Diff(want, byAddr[want.Address]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", want.Address, diff)
		}
	}
	clitest.AssertNoSecrets(t, "the JSON plan", res.Stdout, clitest.AccountSecrets(t, em, em.Demo.Username))
}

func TestPlanMarkdown(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "-o", "markdown"}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	for _, want := range []string{"api_key.old-key", "team_member.dave@example.com", "<details>"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("markdown lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "\x1b[") {
		t.Error("markdown output holds ANSI escapes")
	}
}

func TestPlanGitHubActions(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name        string
		spec        string
		wantOutputs string
	}{
		{name: "changes", wantOutputs: "has_changes=true\ncreate=2\nupdate=5\ndelete=3\nreplace=1\nresend=1\n"},
		{name: "no changes", spec: "version: 1\n", wantOutputs: "has_changes=false\ncreate=0\nupdate=0\ndelete=0\nreplace=0\nresend=0\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			path := clitest.ExampleFile()
			if tt.spec != "" {
				path = clitest.WriteSpec(t, tt.spec)
			}
			dir := t.TempDir()
			summary, outputs := filepath.Join(dir, "summary.md"), filepath.Join(dir, "outputs")
			env := clitest.DemoEnv(em)
			env["GITHUB_ACTIONS"] = "true"
			env["GITHUB_STEP_SUMMARY"] = summary
			env["GITHUB_OUTPUT"] = outputs
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", path}, Env: env})
			if res.Code != 0 {
				t.Fatalf("exit %d: %s", res.Code, res.Stderr)
			}
			got, err := os.ReadFile(outputs)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantOutputs, string(got)); diff != "" {
				t.Errorf("step outputs (-want +got):\n%s", diff)
			}
			md, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			if len(strings.TrimSpace(string(md))) == 0 {
				t.Error("the step summary is empty")
			}
			clitest.AssertNoSecrets(t, "the step summary", string(md), clitest.AccountSecrets(t, em, em.Demo.Username))
		})
	}
}

// TestPlanRailAnnotations: under GitHub Actions a refusal is also an
// ::error annotation on the file line.
func TestPlanRailAnnotations(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	path := clitest.WriteSpec(t, "version: 1\nteam:\n  - email: bob@example.com\npolicy:\n  min_admins: 1\n")
	env := clitest.DemoEnv(em)
	env["GITHUB_ACTIONS"] = "true"
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", path}, Env: env})
	if res.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "::error file=") || !strings.Contains(res.Stderr, "min_admins is 1") {
		t.Errorf("no annotation of the min_admins refusal on stderr:\n%s", res.Stderr)
	}
	if res.Stdout != "" {
		t.Errorf("a refused plan printed on stdout:\n%s", res.Stdout)
	}
}

// TestPlanDuplicateLiveKeys: a key added live under a declared name makes
// the plan fail, naming both ids so that one can be pinned.
func TestPlanDuplicateLiveKeys(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dup := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "ci", Notes: "a second ci"})
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 3 {
		t.Fatalf("exit %d, want 3:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, `API key "ci" matches 2 live keys`) || !strings.Contains(res.Stderr, fmt.Sprint(dup.ID)) {
		t.Errorf("stderr does not name the duplicate and its id %d:\n%s", dup.ID, res.Stderr)
	}
}

// TestPlanTeamAccount: with `account:` the plan is made in the team
// account's context (its keys, its username in the header), after a switch.
func TestPlanTeamAccount(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	team := em.AddUser(emulator.UserSeed{Email: "team@acme.example", Username: "acme-team", Name: "Acme Team", Verified: true, Team: true})
	em.AddMember(team, emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
	em.AddAPIKey(team, emulator.Key{Name: "team-key", Notes: "shared"})
	path := clitest.WriteSpec(t, "version: 1\naccount: acme-team\napi_keys:\n  - name: team-key\n    notes: shared\n  - name: new-key\n")
	out := filepath.Join(t.TempDir(), "team.plan")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", path, "-o", "json", "--out", out}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	var doc struct {
		Changes []struct {
			Address string `json:"address"`
			Action  string `json:"action"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, res.Stdout)
	}
	f, err := planfile.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.Plan.Account != "acme-team" || f.Plan.SwitchTo != "acme-team" {
		t.Errorf("account %q, switch_to %q; want both acme-team", f.Plan.Account, f.Plan.SwitchTo)
	}
	text := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", path}, Env: clitest.DemoEnv(em)})
	if !strings.Contains(text.Stdout, "acme-team") {
		t.Errorf("the text plan does not name the team account:\n%s", text.Stdout)
	}
	// The demo user's own keys (production, ci, ...) are not in the team
	// account, so they are neither seen nor deleted.
	if len(doc.Changes) != 1 || doc.Changes[0].Address != "api_key.new-key" || doc.Changes[0].Action != "create" {
		t.Errorf("changes %+v, want only the create of api_key.new-key", doc.Changes)
	}
	for _, r := range em.Requests() {
		path, _, _ := strings.Cut(r.Path, "?")
		switch r.Method + " " + path {
		case "POST /auth/switch-account", "POST /auth/logout", "GET /me", "GET /api-keys":
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
	}
}

// TestPlanEphemeralLogin: without a token, plan logs in for the run; that
// token is the one in use, so even matching no keep glob it is never
// revoked, and it is gone after the run.
func TestPlanEphemeralLogin(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	env := map[string]string{"MODELSLAB_BASE_URL": em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": em.Demo.Password}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "-o", "json"}, Env: env})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	var doc struct {
		Changes []struct {
			Address string `json:"address"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, res.Stdout)
	}
	var revoked []string
	for _, c := range doc.Changes {
		if strings.HasPrefix(c.Address, "access_token.") {
			revoked = append(revoked, strings.Split(c.Address, "#")[0])
		}
	}
	if diff := cmp.Diff([]string{"access_token.old-laptop"}, revoked); diff != "" {
		t.Errorf("revoked tokens (-want +got):\n%s", diff)
	}
	acct, _ := em.Snapshot(em.Demo.Username)
	for _, tok := range acct.Tokens {
		if strings.HasPrefix(tok.Name, "mlabctl-") {
			t.Errorf("the run's token %q (id %d) outlived the run", tok.Name, tok.ID)
		}
	}
	clitest.AssertNoSecrets(t, "stdout", res.Stdout+res.Stderr, clitest.AccountSecrets(t, em, em.Demo.Username))
}

// TestMassRevocationOfAccessTokens: access_tokens is a section of the
// mass-deletion rail like api_keys and team. With 9 live tokens and only
// "demo" kept, the plan revokes 8 of 9 (over the default 25%): plan warns,
// apply refuses with nothing revoked, and --allow-mass-delete lets it run.
func TestMassRevocationOfAccessTokens(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	for i := range 7 {
		em.IssueToken(em.Demo.Username, fmt.Sprintf("laptop-%d", i), []string{"*"}, 0)
	}
	liveTokens := func() int {
		acct, ok := em.Snapshot(em.Demo.Username)
		if !ok {
			t.Fatal("the demo account is gone")
		}
		return len(acct.Tokens)
	}
	if n := liveTokens(); n != 9 {
		t.Fatalf("seeded %d live tokens, want 9", n)
	}
	path := clitest.WriteSpec(t, "version: 1\naccess_tokens:\n  keep: [demo]\n")
	env := clitest.DemoEnv(em)

	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", path}, Env: env})
	if res.Code != 0 {
		t.Fatalf("plan: exit %d, want 0:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"mass deletion in access_tokens: 8 of 9", "--allow-mass-delete", "Plan: 0 to create, 0 to update, 8 to delete, 0 to replace."} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, res.Stdout)
		}
	}

	res = clitest.Run(t, clitest.Invocation{Args: []string{"apply", "-f", path, "--auto-approve"}, Env: env})
	if res.Code != 3 {
		t.Fatalf("apply without --allow-mass-delete: exit %d, want 3:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "--allow-mass-delete") {
		t.Errorf("the refusal does not say how to approve:\n%s", res.Stderr)
	}
	if !strings.Contains(res.Stderr, "live access tokens") {
		t.Errorf("the refusal does not name the section in words:\n%s", res.Stderr)
	}
	if n := liveTokens(); n != 9 {
		t.Errorf("a refused apply left %d live tokens, want all 9", n)
	}

	res = clitest.Run(t, clitest.Invocation{Args: []string{"apply", "-f", path, "--auto-approve", "--allow-mass-delete"}, Env: env})
	if res.Code != 0 {
		t.Fatalf("apply --allow-mass-delete: exit %d, want 0:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff([]string{"demo"}, em.TokenNames(t, em.Demo.Username)); diff != "" {
		t.Errorf("live tokens after the approved apply (-want +got):\n%s", diff)
	}
}

// TestPlanOutRefusals: --out never overwrites modelslab.yaml or a file that
// is not a plan file, and is refused with --emulator (a plan of a throwaway
// emulator can never be applied). Each refusal exits 1 before any request,
// with the file as it was.
func TestPlanOutRefusals(t *testing.T) {
	t.Parallel()
	const specText = "version: 1\nprofile:\n  name: Acme Bot\n"
	tests := []struct {
		name string
		// setup returns the -f file, the --out file and the extra args.
		setup func(t *testing.T, dir string) (specPath, out string, args []string)
		want  []string // in stderr
	}{
		{name: "--out is the spec file", setup: func(t *testing.T, dir string) (string, string, []string) {
			p := clitest.WriteFile(t, dir, "modelslab.yaml", specText)
			return p, p, nil
		}, want: []string{"--out", "modelslab.yaml", "-f"}},
		{name: "--out is the spec file by another path", setup: func(t *testing.T, dir string) (string, string, []string) {
			p := clitest.WriteFile(t, dir, "modelslab.yaml", specText)
			link := filepath.Join(dir, "other-name.yaml")
			if err := os.Link(p, link); err != nil {
				t.Fatal(err)
			}
			return p, link, nil
		}, want: []string{"--out", "other-name.yaml", "-f"}},
		{name: "--out is another file", setup: func(t *testing.T, dir string) (string, string, []string) {
			return clitest.WriteFile(t, dir, "modelslab.yaml", specText), clitest.WriteFile(t, dir, "notes.txt", "my notes\n"), nil
		}, want: []string{"--out", "notes.txt", "not an mlabctl plan file"}},
		{name: "--out is a JSON file that is not a plan", setup: func(t *testing.T, dir string) (string, string, []string) {
			return clitest.WriteFile(t, dir, "modelslab.yaml", specText), clitest.WriteFile(t, dir, "package.json", `{"name": "x"}`), nil
		}, want: []string{"--out", "package.json", "not an mlabctl plan file"}},
		{name: "--out is a directory", setup: func(t *testing.T, dir string) (string, string, []string) {
			sub := filepath.Join(dir, "plans")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			return clitest.WriteFile(t, dir, "modelslab.yaml", specText), sub, nil
		}, want: []string{"--out", "plans", "directory"}},
		{name: "--out with --emulator", setup: func(t *testing.T, dir string) (string, string, []string) {
			return clitest.WriteFile(t, dir, "modelslab.yaml", specText), filepath.Join(dir, "demo.plan"), []string{"--emulator"}
		}, want: []string{"--out", "--emulator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			dir := t.TempDir()
			specPath, out, extra := tt.setup(t, dir)
			before := clitest.DirContents(t, dir)
			args := append([]string{"plan", "-f", specPath, "--out", out}, extra...)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: clitest.DemoEnv(em)})
			if res.Code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
			if diff := cmp.Diff(before, clitest.DirContents(t, dir)); diff != "" {
				t.Errorf("the directory changed (-before +after):\n%s", diff)
			}
			if reqs := em.Routes(); len(reqs) > 0 {
				t.Errorf("a refused --out made requests: %v", reqs)
			}
		})
	}
}

// TestPlanGitHubFilesUnwritable: a step summary or output file that cannot
// be written is a warning; the exit code stays the plan's (2 with
// --detailed-exitcode and changes pending) and the plan is printed.
func TestPlanGitHubFilesUnwritable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, variable string
	}{
		{name: "step summary", variable: "GITHUB_STEP_SUMMARY"},
		{name: "step outputs", variable: "GITHUB_OUTPUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			dir := t.TempDir()
			env := clitest.DemoEnv(em)
			env["GITHUB_ACTIONS"] = "true"
			env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary.md")
			env["GITHUB_OUTPUT"] = filepath.Join(dir, "outputs")
			// A directory cannot be appended to, even by root.
			env[tt.variable] = dir
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--detailed-exitcode"}, Env: env})
			if res.Code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", res.Code, res.Stderr)
			}
			if !strings.Contains(res.Stdout, "Plan: 2 to create") {
				t.Errorf("the plan is not printed:\n%s", res.Stdout)
			}
			if !strings.Contains(res.Stderr, "Warning:") || !strings.Contains(res.Stderr, dir) {
				t.Errorf("stderr does not warn about %s:\n%s", dir, res.Stderr)
			}
		})
	}
}
