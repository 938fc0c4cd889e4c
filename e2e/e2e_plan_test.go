package e2e

// End-to-end tests of `mlabctl plan`: the built binary against the emulator
// seeded with the demo account (DEMO.md).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
)

// planDemoExample is the example file DEMO.md describes.
var planDemoExample, _ = filepath.Abs(filepath.Join(repoRoot, "examples", "modelslab.yaml"))

// planRequestLines renders the emulator's request log as "METHOD /path" with the
// query left out, in the order served.
func planRequestLines(em *testEmulator) []string {
	var out []string
	for _, r := range em.Requests() {
		path, _, _ := strings.Cut(r.Path, "?")
		out = append(out, r.Method+" "+path)
	}
	return out
}

func TestPlanExitCodes(t *testing.T) {
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
			spec:         authRefusedSpec,
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
			em := startEmulator(t)
			path := planDemoExample
			if tt.spec != "" {
				path = writeSpecFile(t, tt.spec)
			}
			args := append([]string{"plan", "-f", path}, tt.args...)
			res := runCLI(t, cliRun{Args: args, Env: demoEnv(em), Dir: filepath.Dir(path)})
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
			got := planRequestLines(em)
			slices.Sort(got) // /me and the lists are read in parallel
			if diff := cmp.Diff(tt.wantRequests, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			secrets := accountSecrets(t, em, em.Demo.Username)
			assertNoSecrets(t, "stdout", res.Stdout, secrets)
			assertNoSecrets(t, "stderr", res.Stderr, secrets)
		})
	}
}

// TestPlanReadsOnly checks that a plan makes nothing but GET requests and
// leaves the account as it was.
func TestPlanReadsOnly(t *testing.T) {
	em := startEmulator(t)
	before, _ := em.Snapshot(em.Demo.Username)
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample}, Env: demoEnv(em)})
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
	em := startEmulator(t)
	const extra = 150 // more than the API's largest page (100)
	for i := range extra {
		em.AddAPIKey(em.Demo.Username, emulator.Key{Name: fmt.Sprintf("bulk-%03d", i)})
	}
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "-o", "json"}, Env: demoEnv(em)})
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
	for _, line := range planRequestLines(em) {
		if line == "GET /api-keys" {
			pages++
		}
	}
	if pages < 2 {
		t.Errorf("read %d pages of %d API keys, want at least 2", pages, 4+extra)
	}
}

func TestPlanOutFile(t *testing.T) {
	em := startEmulator(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "demo.plan")
	// An earlier plan file is replaced; with a wider mode, it gets 0600
	// all the same.
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", writeSpecFile(t, "version: 1\n"), "--out", out}, Env: demoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("the first plan --out: exit %d: %s", res.Code, res.Stderr)
	}
	if err := os.Chmod(out, 0o644); err != nil {
		t.Fatal(err)
	}
	res = runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "--out", out}, Env: demoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d: %s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "mlabctl apply "+out) {
		t.Errorf("stdout does not say how to apply the saved plan:\n%s", res.Stdout)
	}
	data := readFileWithMode(t, out, 0o600)
	assertNoSecrets(t, "the plan file", string(data), accountSecrets(t, em, em.Demo.Username))
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
	em := startEmulator(t)
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "-o", "json", "--detailed-exitcode"}, Env: demoEnv(em)})
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
	assertNoSecrets(t, "the JSON plan", res.Stdout, accountSecrets(t, em, em.Demo.Username))
}

func TestPlanMarkdown(t *testing.T) {
	em := startEmulator(t)
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "-o", "markdown"}, Env: demoEnv(em)})
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
	for _, tt := range []struct {
		name        string
		spec        string
		wantOutputs string
	}{
		{name: "changes", wantOutputs: "has_changes=true\ncreate=2\nupdate=5\ndelete=3\nreplace=1\nresend=1\n"},
		{name: "no changes", spec: "version: 1\n", wantOutputs: "has_changes=false\ncreate=0\nupdate=0\ndelete=0\nreplace=0\nresend=0\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			em := startEmulator(t)
			path := planDemoExample
			if tt.spec != "" {
				path = writeSpecFile(t, tt.spec)
			}
			dir := t.TempDir()
			summary, outputs := filepath.Join(dir, "summary.md"), filepath.Join(dir, "outputs")
			env := demoEnv(em)
			env["GITHUB_ACTIONS"] = "true"
			env["GITHUB_STEP_SUMMARY"] = summary
			env["GITHUB_OUTPUT"] = outputs
			res := runCLI(t, cliRun{Args: []string{"plan", "-f", path}, Env: env})
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
			assertNoSecrets(t, "the step summary", string(md), accountSecrets(t, em, em.Demo.Username))
		})
	}
}

// TestPlanRailAnnotations: under GitHub Actions a refusal is also an
// ::error annotation on the file line.
func TestPlanRailAnnotations(t *testing.T) {
	em := startEmulator(t)
	path := writeSpecFile(t, "version: 1\nteam:\n  - email: bob@example.com\npolicy:\n  min_admins: 1\n")
	env := demoEnv(em)
	env["GITHUB_ACTIONS"] = "true"
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", path}, Env: env, Dir: filepath.Dir(path)})
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
	em := startEmulator(t)
	dup := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "ci", Notes: "a second ci"})
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample}, Env: demoEnv(em)})
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
	em := startEmulator(t)
	team := em.AddUser(emulator.UserSeed{Email: "team@acme.example", Username: "acme-team", Name: "Acme Team", Verified: true, Team: true})
	em.AddMember(team, emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
	em.AddAPIKey(team, emulator.Key{Name: "team-key", Notes: "shared"})
	path := writeSpecFile(t, "version: 1\naccount: acme-team\napi_keys:\n  - name: team-key\n    notes: shared\n  - name: new-key\n")
	out := filepath.Join(t.TempDir(), "team.plan")
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", path, "-o", "json", "--out", out}, Env: demoEnv(em)})
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
	text := runCLI(t, cliRun{Args: []string{"plan", "-f", path}, Env: demoEnv(em)})
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
	em := startEmulator(t)
	env := map[string]string{"MODELSLAB_BASE_URL": em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": em.Demo.Password}
	res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "-o", "json"}, Env: env})
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
	assertNoSecrets(t, "stdout", res.Stdout+res.Stderr, accountSecrets(t, em, em.Demo.Username))
}

// BenchmarkPlanEndToEnd runs the built binary's plan against an emulator
// answering every request after 20 ms, for an account of 10,000 API keys
// and 2,000 team members that the file declares exactly (an empty plan):
// the time is the time to read the account, page by page, plus compute and
// render. It reports the requests made per plan.
func BenchmarkPlanEndToEnd(b *testing.B) {
	const keys, members = 10_000, 2_000
	em := startEmulator(b)
	var spec strings.Builder
	spec.WriteString("version: 1\napi_keys:\n")
	acct, _ := em.Snapshot(em.Demo.Username)
	for _, k := range acct.APIKeys {
		fmt.Fprintf(&spec, "  - name: %q\n", k.Name)
	}
	for i := range keys - len(acct.APIKeys) {
		name := fmt.Sprintf("bench-key-%05d", i)
		em.AddAPIKey(em.Demo.Username, emulator.Key{Name: name})
		fmt.Fprintf(&spec, "  - name: %q\n", name)
	}
	spec.WriteString("team:\n")
	for _, m := range acct.Team {
		fmt.Fprintf(&spec, "  - {email: %q, role: %s, permissions: [%s]}\n", m.Email, m.Role, strings.Join(m.Permissions, ", "))
	}
	for i := range members - len(acct.Team) {
		email := fmt.Sprintf("bench%05d@example.com", i)
		em.AddMember(em.Demo.Username, emulator.Member{Email: email, Role: "viewer", Status: "active"})
		fmt.Fprintf(&spec, "  - {email: %q, role: viewer}\n", email)
	}
	path := filepath.Join(b.TempDir(), "modelslab.yaml")
	if err := os.WriteFile(path, []byte(spec.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	em.Latency = 20 * time.Millisecond
	em.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		res := runCLI(b, cliRun{Args: []string{"plan", "-f", path, "--detailed-exitcode"}, Env: demoEnv(em)})
		if res.Code != 0 {
			b.Fatalf("exit %d (want 0, no changes):\n%s%s", res.Code, res.Stderr, lastLines(res.Stdout, 5))
		}
	}
	b.ReportMetric(float64(len(em.Requests()))/float64(b.N), "requests/op")
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestMassRevocationOfAccessTokens: access_tokens is a section of the
// mass-deletion rail like api_keys and team. With 9 live tokens and only
// "demo" kept, the plan revokes 8 of 9 (over the default 25%): plan warns,
// apply refuses with nothing revoked, and --allow-mass-delete lets it run.
func TestMassRevocationOfAccessTokens(t *testing.T) {
	em := startEmulator(t)
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
	path := writeSpecFile(t, "version: 1\naccess_tokens:\n  keep: [demo]\n")
	env := demoEnv(em)

	res := runCLI(t, cliRun{Args: []string{"plan", "-f", path}, Env: env})
	if res.Code != 0 {
		t.Fatalf("plan: exit %d, want 0:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"mass deletion in access_tokens: 8 of 9", "--allow-mass-delete", "Plan: 0 to create, 0 to update, 8 to delete, 0 to replace."} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, res.Stdout)
		}
	}

	res = runCLI(t, cliRun{Args: []string{"apply", "-f", path, "--auto-approve"}, Env: env})
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

	res = runCLI(t, cliRun{Args: []string{"apply", "-f", path, "--auto-approve", "--allow-mass-delete"}, Env: env})
	if res.Code != 0 {
		t.Fatalf("apply --allow-mass-delete: exit %d, want 0:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff([]string{"demo"}, liveTokenNames(t, em.Server, em.Demo.Username)); diff != "" {
		t.Errorf("live tokens after the approved apply (-want +got):\n%s", diff)
	}
}

// TestPlanOutRefusals: --out never overwrites modelslab.yaml or a file that
// is not a plan file, and is refused with --emulator (a plan of a throwaway
// emulator can never be applied). Each refusal exits 1 before any request,
// with the file as it was.
func TestPlanOutRefusals(t *testing.T) {
	const specText = "version: 1\nprofile:\n  name: Acme Bot\n"
	tests := []struct {
		name string
		// setup returns the -f file, the --out file and the extra args.
		setup func(t *testing.T, dir string) (specPath, out string, args []string)
		want  []string // in stderr
	}{
		{name: "--out is the spec file", setup: func(t *testing.T, dir string) (string, string, []string) {
			p := writeTestFile(t, dir, "modelslab.yaml", specText)
			return p, p, nil
		}, want: []string{"--out", "modelslab.yaml", "-f"}},
		{name: "--out is the spec file by another path", setup: func(t *testing.T, dir string) (string, string, []string) {
			p := writeTestFile(t, dir, "modelslab.yaml", specText)
			link := filepath.Join(dir, "other-name.yaml")
			if err := os.Link(p, link); err != nil {
				t.Fatal(err)
			}
			return p, link, nil
		}, want: []string{"--out", "other-name.yaml", "-f"}},
		{name: "--out is another file", setup: func(t *testing.T, dir string) (string, string, []string) {
			return writeTestFile(t, dir, "modelslab.yaml", specText), writeTestFile(t, dir, "notes.txt", "my notes\n"), nil
		}, want: []string{"--out", "notes.txt", "not an mlabctl plan file"}},
		{name: "--out is a JSON file that is not a plan", setup: func(t *testing.T, dir string) (string, string, []string) {
			return writeTestFile(t, dir, "modelslab.yaml", specText), writeTestFile(t, dir, "package.json", `{"name": "x"}`), nil
		}, want: []string{"--out", "package.json", "not an mlabctl plan file"}},
		{name: "--out is a directory", setup: func(t *testing.T, dir string) (string, string, []string) {
			sub := filepath.Join(dir, "plans")
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			return writeTestFile(t, dir, "modelslab.yaml", specText), sub, nil
		}, want: []string{"--out", "plans", "directory"}},
		{name: "--out with --emulator", setup: func(t *testing.T, dir string) (string, string, []string) {
			return writeTestFile(t, dir, "modelslab.yaml", specText), filepath.Join(dir, "demo.plan"), []string{"--emulator"}
		}, want: []string{"--out", "--emulator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := startEmulator(t)
			dir := t.TempDir()
			specPath, out, extra := tt.setup(t, dir)
			before := dirContents(t, dir)
			args := append([]string{"plan", "-f", specPath, "--out", out}, extra...)
			res := runCLI(t, cliRun{Args: args, Env: demoEnv(em)})
			if res.Code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.Stderr)
				}
			}
			if diff := cmp.Diff(before, dirContents(t, dir)); diff != "" {
				t.Errorf("the directory changed (-before +after):\n%s", diff)
			}
			if reqs := planRequestLines(em); len(reqs) > 0 {
				t.Errorf("a refused --out made requests: %v", reqs)
			}
		})
	}
}

// dirContents maps each regular file under dir to its content ("<dir>" for
// directories).
func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel] = "<dir>"
			return nil
		}
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlanGitHubFilesUnwritable: a step summary or output file that cannot
// be written is a warning; the exit code stays the plan's (2 with
// --detailed-exitcode and changes pending) and the plan is printed.
func TestPlanGitHubFilesUnwritable(t *testing.T) {
	for _, tt := range []struct {
		name, variable string
	}{
		{name: "step summary", variable: "GITHUB_STEP_SUMMARY"},
		{name: "step outputs", variable: "GITHUB_OUTPUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			em := startEmulator(t)
			dir := t.TempDir()
			env := demoEnv(em)
			env["GITHUB_ACTIONS"] = "true"
			env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary.md")
			env["GITHUB_OUTPUT"] = filepath.Join(dir, "outputs")
			// A directory cannot be appended to, even by root.
			env[tt.variable] = dir
			res := runCLI(t, cliRun{Args: []string{"plan", "-f", planDemoExample, "--detailed-exitcode"}, Env: env})
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
