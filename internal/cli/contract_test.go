package cli_test

// In-process tests of the CONTRACT.md promises that the commands' own tests
// do not pin down, each named after its promise (TestContract<Promise>):
// global flags over their environment variables, the https-or-loopback rule, exit code 1 for auth, network
// and API errors, read and mutation retries under one Idempotency-Key
// derived from the plan, the text, markdown and JSON output, pinned key
// renames, pending invites, ignore, resend and rotation edges, the
// mass-deletion and min_admins rails, stale plan files, the token in use,
// the owner, and secrets kept out of every output. The two that need a
// real terminal (TestContractNoColor, TestContractSecretOnceOnATerminal)
// run the binary under script(1) in e2e/e2e_contract_test.go.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// assertSameIdempotencyKey checks that the attempts of one mutation (the
// first cut or failed, the retry) carried one non-empty Idempotency-Key.
func assertSameIdempotencyKey(t testing.TB, keys []string) {
	t.Helper()
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Keys of the POSTs %q, want two equal non-empty ones", keys)
	}
}

// contractNoChanges is a file that matches the demo account: planning it
// finds nothing to do.
const contractNoChanges = "version: 1\nprofile: {username: acme-bot, name: Acme Bot}\n"

// contractOneChange is a file that differs from the demo account in the
// profile's name only.
const contractOneChange = "version: 1\nprofile: {name: Someone Else}\n"

// contractClosedURL returns the URL of a loopback port nothing listens on any more:
// a request to it fails with a network error.
func contractClosedURL(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(nil)
	url := ts.URL
	ts.Close()
	return url
}

// TestContractFlagWinsOverEnv: each global flag wins over its environment
// variable, given before or after the command.
func TestContractFlagWinsOverEnv(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dead := contractClosedURL(t)
	dir := t.TempDir()
	noChanges := clitest.WriteFile(t, dir, "same.yaml", contractNoChanges)
	oneChange := clitest.WriteFile(t, dir, "other.yaml", contractOneChange)
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
	}{
		{"--base-url after the command wins over MODELSLAB_BASE_URL",
			map[string]string{cmdutil.EnvBaseURL: dead, cmdutil.EnvToken: em.Demo.Token},
			[]string{"plan", "--detailed-exitcode", "-f", noChanges, "--base-url", em.URL}, 0},
		{"--base-url before the command wins over MODELSLAB_BASE_URL",
			map[string]string{cmdutil.EnvBaseURL: dead, cmdutil.EnvToken: em.Demo.Token},
			[]string{"--base-url", em.URL, "plan", "--detailed-exitcode", "-f", noChanges}, 0},
		{"MODELSLAB_BASE_URL is used without the flag",
			map[string]string{cmdutil.EnvBaseURL: dead, cmdutil.EnvToken: em.Demo.Token},
			[]string{"plan", "--detailed-exitcode", "-f", noChanges}, 1},
		{"--token wins over a wrong MODELSLAB_TOKEN",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: "mlt_wrong"},
			[]string{"plan", "--detailed-exitcode", "-f", noChanges, "--token", em.Demo.Token}, 0},
		{"a wrong --token wins over a right MODELSLAB_TOKEN",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token},
			[]string{"plan", "--detailed-exitcode", "-f", noChanges, "--token", "mlt_wrong"}, 1},
		{"--token before the command wins",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: "mlt_wrong"},
			[]string{"--token", em.Demo.Token, "plan", "--detailed-exitcode", "-f", noChanges}, 0},
		{"-f wins over MODELSLAB_FILE in plan",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token, cmdutil.EnvFile: noChanges},
			[]string{"plan", "--detailed-exitcode", "-f", oneChange}, 2},
		{"--file wins over MODELSLAB_FILE in plan",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token, cmdutil.EnvFile: oneChange},
			[]string{"plan", "--detailed-exitcode", "--file", noChanges}, 0},
		{"MODELSLAB_FILE is used by plan without the flag",
			map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token, cmdutil.EnvFile: oneChange},
			[]string{"plan", "--detailed-exitcode"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := clitest.Run(t, clitest.Invocation{Args: tt.args, Env: tt.env})
			if res.Code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
		})
	}
}

// TestContractBaseURLHTTPSOrLoopback: a base URL that is not https is
// refused unless its host is a loopback address; the refusal names the URL
// and makes no request.
func TestContractBaseURLHTTPSOrLoopback(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	port := em.URL[strings.LastIndex(em.URL, ":")+1:]
	file := clitest.WriteSpec(t, contractNoChanges)
	tests := []struct {
		name     string
		baseURL  string
		wantCode int
		wantErr  string // in stderr; "" means stderr is empty
	}{
		{"http on 127.0.0.1", em.URL, 0, ""},
		{"http on localhost", "http://localhost:" + port, 0, ""},
		{"http on a public host", "http://example.com", 1, `base URL "http://example.com" is not https`},
		{"http on a private address", "http://10.0.0.1:" + port, 1, `base URL "http://10.0.0.1:` + port + `" is not https`},
		{"http on a name that only starts like localhost", "http://localhost.example.com", 1, "is not https"},
		{"another scheme on loopback", "ftp://127.0.0.1:" + port, 1, `has the scheme "ftp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em.ResetRequests()
			env := map[string]string{cmdutil.EnvBaseURL: tt.baseURL, cmdutil.EnvToken: em.Demo.Token}
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", file}, Env: env})
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			if tt.wantErr == "" && res.Stderr != "" {
				t.Errorf("stderr is not empty:\n%s", res.Stderr)
			}
			if !strings.Contains(res.Stderr, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, res.Stderr)
			}
			if tt.wantCode != 0 && len(em.Requests()) != 0 {
				t.Errorf("a refused base URL still reached the emulator: %v", em.Routes())
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
		})
	}
}

// TestContractExitOneBeforeAnythingChanged: auth, network and API errors
// exit 1, for plan and for apply, and apply changes nothing.
func TestContractExitOneBeforeAnythingChanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    *emulator.Faults
		env       func(em *emulatortest.Server) map[string]string
		wantInErr string
	}{
		{name: "auth error: a wrong token",
			env: func(em *emulatortest.Server) map[string]string {
				return map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: "mlt_not-a-token"}
			}, wantInErr: "the access token was rejected (401"},
		{name: "network error: nothing listens",
			env: func(em *emulatortest.Server) map[string]string {
				return map[string]string{cmdutil.EnvBaseURL: contractClosedURL(t), cmdutil.EnvToken: em.Demo.Token}
			}, wantInErr: "connection refused"},
		{name: "API error: reading the account keeps failing",
			faults: &emulator.Faults{FailFirst: 1000, Statuses: []int{500}, Routes: []string{"GET /me"}},
			env:    clitest.DemoEnv, wantInErr: "GET /me: 500"},
		{name: "API error: a list is not found",
			faults: &emulator.Faults{FailFirst: 1000, Statuses: []int{404}, Routes: []string{"GET /api-keys"}},
			env:    clitest.DemoEnv, wantInErr: "GET /api-keys"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{
			{"plan", "--detailed-exitcode", "-f", clitest.ExampleFile()},
			{"apply", "--auto-approve", "--secrets-out", "SECRETS", "-f", clitest.ExampleFile()},
		} {
			t.Run(cmd[0]+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				em := emulatortest.Start(t, func(s *emulator.Server) { s.Faults = tt.faults })
				secrets := filepath.Join(t.TempDir(), "s.json")
				args := make([]string, len(cmd))
				for i, a := range cmd {
					args[i] = strings.ReplaceAll(a, "SECRETS", secrets)
				}
				before, _ := em.Snapshot(em.Demo.Username)
				res := clitest.Run(t, clitest.Invocation{Args: args, Env: tt.env(em)})
				if res.Code != cmdutil.ExitError {
					t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
				}
				if !strings.Contains(res.Stderr, tt.wantInErr) {
					t.Errorf("stderr lacks %q:\n%s", tt.wantInErr, res.Stderr)
				}
				if m := em.Mutations(); len(m) != 0 {
					t.Errorf("mutations despite the error: %v", m)
				}
				after, _ := em.Snapshot(em.Demo.Username)
				if !reflect.DeepEqual(before, after) {
					t.Errorf("the account changed (-before +after):\n%s", cmp.Diff(before, after))
				}
				clitest.AssertRunHasNoSecrets(t, em, res)
			})
		}
	}
}

// TestContractReadsRetry: reads retry on 429 and on 5xx; the plan succeeds
// as if nothing had failed.
func TestContractReadsRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		statuses []int
		// minWait is the least time the run can take when it honours the
		// Retry-After: 1 of each injected 429 (a lower bound, never a limit).
		minWait time.Duration
	}{
		{"429 with Retry-After", []int{429}, 2 * time.Second},
		{"503", []int{503}, 0},
		{"500 then 502", []int{500, 502}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t, func(s *emulator.Server) {
				s.Faults = &emulator.Faults{FailFirst: 2, Statuses: tt.statuses, Routes: []string{"GET /me"}}
			})
			file := clitest.WriteSpec(t, contractNoChanges)
			start := time.Now()
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", file}, Env: clitest.DemoEnv(em)})
			if took := time.Since(start); took < tt.minWait {
				t.Errorf("the run took %v: it did not wait the %v the Retry-After headers asked", took, tt.minWait)
			}
			if res.Code != 0 {
				t.Fatalf("exit %d, want 0 after retries\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			var got []int
			for _, r := range em.Requests() {
				if strings.HasPrefix(r.Path, "/me") && r.Method == "GET" {
					got = append(got, r.Status)
				}
			}
			want := append(append([]int(nil), tt.statuses...), 200)
			if len(tt.statuses) == 1 {
				want = []int{tt.statuses[0], tt.statuses[0], 200}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("statuses of GET /me (-want +got):\n%s", diff)
			}
		})
	}
}

// TestContractMutationRetriesKeepTheIdempotencyKey: a POST that failed with
// a 5xx is retried with the same Idempotency-Key, and the apply creates each
// key once.
func TestContractMutationRetriesKeepTheIdempotencyKey(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, func(s *emulator.Server) {
		s.Faults = &emulator.Faults{FailFirst: 1, Statuses: []int{503}, Routes: []string{"POST /api-keys"}}
	})
	file := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: fresh}]\nignore: {api_keys: [\"*\"]}\n")
	secrets := filepath.Join(t.TempDir(), "s.json")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	var keys []string
	var statuses []int
	for _, r := range em.Requests() {
		if r.Method == "POST" && r.Path == "/api-keys" {
			keys = append(keys, r.IdempotencyKey)
			statuses = append(statuses, r.Status)
		}
	}
	if diff := cmp.Diff([]int{503, 201}, statuses, cmp.Comparer(func(a, b int) bool { return a == b || (a/100 == 2 && b/100 == 2) })); diff != "" {
		t.Errorf("statuses of POST /api-keys (-want +got):\n%s", diff)
	}
	assertSameIdempotencyKey(t, keys)
	if n := len(em.KeysNamed(em.Demo.Username, "fresh")); n != 1 {
		t.Errorf("%d keys named fresh, want 1", n)
	}
	if got := clitest.ReadSecretsFile(t, secrets); len(got) != 1 || got["fresh"] == "" {
		t.Errorf("secrets file holds %d keys, want fresh only", len(got))
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
}

// TestContractTextOutput: the text plan has one block per change with its
// mark, field-level old → new, a line diff for multi-line text, the
// unmanaged line and the closing line.
func TestContractTextOutput(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	t.Run("every mark of the example", func(t *testing.T) {
		res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
		}
		lines := strings.Split(res.Stdout, "\n")
		// Each wanted line is the start of one output line, trailing
		// padding and notes aside.
		wants := []string{
			"Account acme-bot (" + em.URL + "): 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.",
			"  ~ preferences",
			"      nsfw_content:",
			"  ~ profile",
			"  -/+ api_key.ci",
			"  + api_key.staging",
			`      name:  "staging"`,
			`      notes: "Used by the staging environment"`,
			"  ~ api_key.production",
			`      notes: "Used by prod" → "Used by the production backend"`,
			"  - api_key.old-key",
			"  + team_member.dave@example.com",
			"  - team_member.mallory@example.com",
			"  - access_token.old-laptop#",
			"  Unmanaged (matched by ignore): api_key.dashboard-playground",
			"Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.",
		}
		var missing []string
		for _, w := range wants {
			found := false
			for _, l := range lines {
				if strings.HasPrefix(l, w) {
					found = true
				}
			}
			if !found {
				missing = append(missing, w)
			}
		}
		if len(missing) != 0 {
			t.Errorf("stdout lacks lines starting %q:\n%s", missing, res.Stdout)
		}
		if !strings.Contains(res.Stdout, "nsfw_content:                  true → false") {
			t.Errorf("no field-level old → new for nsfw_content:\n%s", res.Stdout)
		}
		if !strings.HasSuffix(res.Stdout, "\nPlan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.\n") {
			t.Errorf("stdout does not end with the Plan line:\n%s", res.Stdout)
		}
		if strings.Contains(res.Stdout, "\x1b[") {
			t.Error("text output off a terminal holds ANSI escapes")
		}
	})
	t.Run("multi-line text as a line diff, a pinned rename", func(t *testing.T) {
		file := clitest.WriteSpec(t, `version: 1
profile: {about_me: "Automation account.\nSecond line."}
api_keys:
  - {name: production, notes: Used by prod}
  - {name: ci, id: 102, notes: Used by GitHub Actions}
  - {name: renamed, id: 104}
ignore: {api_keys: ["dashboard-*"]}
`)
		res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("exit %d\n%s", res.Code, res.Stderr)
		}
		want := "Account acme-bot (" + em.URL + `): 0 to create, 2 to update, 0 to delete, 0 to replace.

  ~ profile          (about_me differs from modelslab.yaml)
      about_me:
          Automation account.
        + Second line.
  ~ api_key.renamed  (id 104, renamed from "old-key" (pinned to id 104))
      name: "old-key" → "renamed"

  Unmanaged (matched by ignore): api_key.dashboard-playground

Plan: 0 to create, 2 to update, 0 to delete, 0 to replace.
`
		if diff := cmp.Diff(want, res.Stdout); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
	})
	t.Run("no changes", func(t *testing.T) {
		for _, out := range []string{"text", "markdown"} {
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", out, "-f", clitest.WriteSpec(t, contractNoChanges)}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("-o %s: exit %d\n%s", out, res.Code, res.Stderr)
			}
			if !strings.Contains(res.Stdout, "No changes. The account matches modelslab.yaml.") {
				t.Errorf("-o %s: no closing line:\n%s", out, res.Stdout)
			}
			if strings.Contains(res.Stdout, "Plan:") {
				t.Errorf("-o %s: a Plan line without changes:\n%s", out, res.Stdout)
			}
		}
	})
}

// TestContractPinnedKeyRenameIsAnUpdate: changing the name of a key pinned
// by id renames the live key; no new secret is made.
func TestContractPinnedKeyRenameIsAnUpdate(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	before, _ := em.Snapshot(em.Demo.Username)
	var old emulator.Key
	for _, k := range em.KeysNamed(em.Demo.Username, "old-key") {
		old = k
	}
	if old.ID == 0 {
		t.Fatal("the demo account has no key old-key")
	}
	file := clitest.WriteSpec(t, "version: 1\napi_keys:\n  - {name: renamed, id: "+strconv.FormatInt(old.ID, 10)+"}\nignore: {api_keys: [\"*\"]}\n")
	// No --secrets-out: an apply that created a key off a terminal would
	// be refused, so success shows that nothing is created.
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, m := range em.Mutations() {
		if strings.HasPrefix(m, "POST ") || strings.HasPrefix(m, "DELETE ") {
			t.Errorf("a rename made %s", m)
		}
	}
	after, _ := em.Snapshot(em.Demo.Username)
	var got emulator.Key
	for _, k := range after.APIKeys {
		if k.ID == old.ID {
			got = k
		}
	}
	want := old
	want.Name = "renamed"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the pinned key (-want +got):\n%s", diff)
	}
	if len(after.APIKeys) != len(before.APIKeys) {
		t.Errorf("%d keys after the rename, want %d", len(after.APIKeys), len(before.APIKeys))
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
	clitest.AssertConverged(t, em, file, "the rename")
}

// TestContractMassDeleteEdges: the rail counts only when more than
// max_delete_percent of a section's live managed items are deleted AND at
// least 4 of them; below either edge apply goes on without an allow flag.
func TestContractMassDeleteEdges(t *testing.T) {
	t.Parallel()
	// The demo account has 4 API keys: production, ci,
	// dashboard-playground, old-key.
	tests := []struct {
		name      string
		spec      string
		ignored   int // extra live keys matched by ignore (not managed)
		wantCode  int
		wantLeft  int
		planWarns bool
	}{
		{name: "3 of 4 deleted: fewer than 4 deletions",
			spec:     "version: 1\napi_keys: [{name: production, notes: Used by prod}]\n",
			wantCode: 0, wantLeft: 1},
		{name: "4 of 4 deleted under max_delete_percent 100",
			spec:     "version: 1\napi_keys: []\npolicy: {max_delete_percent: 100}\n",
			wantCode: 0, wantLeft: 0},
		{name: "4 of 4 deleted under the default 25%",
			spec:     "version: 1\napi_keys: []\n",
			wantCode: cmdutil.ExitRefused, wantLeft: 4, planWarns: true},
		{name: "4 of 4 managed deleted beside 20 ignored keys",
			spec:    "version: 1\napi_keys: []\nignore: {api_keys: [\"hand-*\"]}\n",
			ignored: 20, wantCode: cmdutil.ExitRefused, wantLeft: 24, planWarns: true},
		{name: "4 of 4 deleted under max_delete_percent 99",
			spec:     "version: 1\napi_keys: []\npolicy: {max_delete_percent: 99}\n",
			wantCode: cmdutil.ExitRefused, wantLeft: 4, planWarns: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			for i := range tt.ignored {
				em.AddAPIKey(em.Demo.Username, emulator.Key{Name: fmt.Sprintf("hand-%02d", i)})
			}
			file := clitest.WriteSpec(t, tt.spec)
			p := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: clitest.DemoEnv(em)})
			if p.Code != 0 {
				t.Fatalf("plan: exit %d\n%s", p.Code, p.Stderr)
			}
			warns := strings.Contains(p.Stdout+p.Stderr, "mass deletion")
			if warns != tt.planWarns {
				t.Errorf("plan warns of a mass deletion: %v, want %v\nstdout:\n%s\nstderr:\n%s", warns, tt.planWarns, p.Stdout, p.Stderr)
			}
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Fatalf("apply: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			acct, _ := em.Snapshot(em.Demo.Username)
			if len(acct.APIKeys) != tt.wantLeft {
				t.Errorf("%d keys left, want %d", len(acct.APIKeys), tt.wantLeft)
			}
		})
	}
}

// TestContractTokenInUseIsNeverRevoked: access_tokens whose keep matches
// nothing revokes every other token, never the one the run uses.
func TestContractTokenInUseIsNeverRevoked(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, "version: 1\naccess_tokens: {keep: [\"matches-nothing\"]}\n")
	p := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "-o", "json"}, Env: clitest.DemoEnv(em)})
	if p.Code != 0 {
		t.Fatalf("plan: exit %d\n%s", p.Code, p.Stderr)
	}
	if strings.Contains(p.Stdout, `"access_token.demo#`) {
		t.Errorf("the plan revokes the token in use:\n%s", p.Stdout)
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff([]string{"demo"}, em.TokenNames(t, em.Demo.Username)); diff != "" {
		t.Errorf("live tokens after apply (-want +got):\n%s", diff)
	}
	clitest.AssertConverged(t, em, file, "the revocations")
}

// TestContractDuplicateLiveKeysListBothIDs: two live keys with a declared
// name and no id fail plan and apply (exit 3) naming both ids; pinning one
// with `id:` resolves it.
func TestContractDuplicateLiveKeysListBothIDs(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	first := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "twin", Notes: "one"})
	second := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "twin", Notes: "two"})
	ids := []string{strconv.FormatInt(first.ID, 10), strconv.FormatInt(second.ID, 10)}
	unpinned := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: twin, notes: one}]\nignore: {api_keys: [\"*\"]}\n")
	for _, args := range [][]string{
		{"plan", "-f", unpinned},
		{"apply", "--auto-approve", "-f", unpinned},
	} {
		res := clitest.Run(t, clitest.Invocation{Args: args, Env: clitest.DemoEnv(em)})
		if res.Code != cmdutil.ExitRefused {
			t.Fatalf("%s: exit %d, want 3\nstdout:\n%s\nstderr:\n%s", args[0], res.Code, res.Stdout, res.Stderr)
		}
		for _, id := range ids {
			if !strings.Contains(res.Stderr, id) {
				t.Errorf("%s: stderr does not name id %s:\n%s", args[0], id, res.Stderr)
			}
		}
	}
	if m := em.Mutations(); len(m) != 0 {
		t.Errorf("mutations despite the duplicate: %v", m)
	}
	pinned := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: twin, id: "+ids[0]+", notes: one}]\nignore: {api_keys: [\"*\"]}\n")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", pinned}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Errorf("pinned: exit %d, want 0 (no changes)\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestContractPendingInviteCountsAsDeclared: a declared email with a
// pending invite is not invited again, and its role is still reconciled.
func TestContractPendingInviteCountsAsDeclared(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	// carol@example.com is the demo's pending invite, as a member.
	file := clitest.WriteSpec(t, `version: 1
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: CAROL@example.com, role: viewer}
  - {email: mallory@example.com, role: member}
`)
	p := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "-o", "json"}, Env: clitest.DemoEnv(em)})
	if p.Code != 0 {
		t.Fatalf("plan: exit %d\n%s", p.Code, p.Stderr)
	}
	var doc struct {
		Changes []struct{ Address, Action string }
	}
	if err := json.Unmarshal([]byte(p.Stdout), &doc); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, p.Stdout)
	}
	var got []string
	for _, c := range doc.Changes {
		got = append(got, c.Action+" "+strings.ToLower(c.Address))
	}
	if diff := cmp.Diff([]string{"update team_member.carol@example.com"}, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, m := range em.Mutations() {
		if strings.HasPrefix(m, "POST /teams") {
			t.Errorf("the pending invite was sent again: %s", m)
		}
	}
	acct, _ := em.Snapshot(em.Demo.Username)
	for _, m := range acct.Team {
		if strings.EqualFold(m.Email, "carol@example.com") && (m.Role != "viewer" || m.Status != "pending") {
			t.Errorf("carol is %s and %s, want a pending viewer", m.Role, m.Status)
		}
	}
	clitest.AssertConverged(t, em, file, "the role change")
}

// TestContractIgnoreOnlyUndeclared: ignore leaves undeclared live items
// alone and lists them as unmanaged; a declared item it matches is still
// managed.
func TestContractIgnoreOnlyUndeclared(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	em.AddMember(em.Demo.Username, emulator.Member{Email: "ext@contractor.example", Role: "member", Status: "active"})
	file := clitest.WriteSpec(t, `version: 1
api_keys:
  - {name: production, notes: Used by prod}
  - {name: ci, notes: Used by GitHub Actions}
  - {name: dashboard-playground, notes: now declared}
ignore:
  api_keys: ["dashboard-*", "old-*"]
  team: ["*@contractor.example"]
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
`)
	p := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: clitest.DemoEnv(em)})
	if p.Code != 0 {
		t.Fatalf("plan: exit %d\n%s", p.Code, p.Stderr)
	}
	for _, want := range []string{
		"  ~ api_key.dashboard-playground",
		"  Unmanaged (matched by ignore): api_key.old-key, team_member.ext@contractor.example\n",
		"Plan: 0 to create, 1 to update, 0 to delete, 0 to replace.",
	} {
		if !strings.Contains(p.Stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, p.Stdout)
		}
	}
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if diff := cmp.Diff([]string{"PUT /api-keys/103"}, em.Mutations()); diff != "" {
		t.Errorf("mutations (-want +got):\n%s", diff)
	}
}

// TestContractMinAdminsCountsPendingAdmins: min_admins counts active and
// pending admins; plan itself fails (exit 3) when too few are left.
func TestContractMinAdminsCountsPendingAdmins(t *testing.T) {
	t.Parallel()
	// alice is the demo's only admin; carol's invite is pending.
	const team = `version: 1
team:
  - {email: alice@example.com, role: member}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: %s}
  - {email: mallory@example.com, role: member}
policy: {min_admins: 1}
`
	tests := []struct {
		name      string
		carolRole string
		wantCode  int
	}{
		{"a pending admin counts", "admin", 0},
		{"no admin left", "member", cmdutil.ExitRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.WriteSpec(t, fmt.Sprintf(team, tt.carolRole))
			p := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: clitest.DemoEnv(em)})
			if p.Code != tt.wantCode {
				t.Fatalf("plan: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", p.Code, tt.wantCode, p.Stdout, p.Stderr)
			}
			if tt.wantCode != 0 && !strings.Contains(p.Stderr, "min_admins is 1") {
				t.Errorf("plan's refusal does not name min_admins:\n%s", p.Stderr)
			}
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Fatalf("apply: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			if tt.wantCode == 0 {
				clitest.AssertConverged(t, em, file, "apply")
			} else if m := em.Mutations(); len(m) != 0 {
				t.Errorf("mutations despite the refusal: %v", m)
			}
		})
	}
}

// contractDuration matches the duration apply prints after each action.
var contractDuration = regexp.MustCompile(`\(\d+(\.\d+)?(ns|µs|ms|s)\)`)

// contractNewID matches the id apply prints for a created item.
var contractNewID = regexp.MustCompile(`(created|invited), id \d+`)

// contractAtATime matches where apply says how many calls run at once.
var contractAtATime = regexp.MustCompile(`(one call|up to \d+ calls) at a time`)

// TestContractPrintedOrderIsDeterministic: whatever --parallelism, apply
// prints the same lines in the same order (the plan's), though calls of one
// phase finish in any order.
func TestContractPrintedOrderIsDeterministic(t *testing.T) {
	t.Parallel()
	var outputs []string
	for _, n := range []string{"1", "4", "16"} {
		em := emulatortest.Start(t)
		secrets := filepath.Join(t.TempDir(), "s.json")
		res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--parallelism", n, "--secrets-out", secrets, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("--parallelism %s: exit %d\nstdout:\n%s\nstderr:\n%s", n, res.Code, res.Stdout, res.Stderr)
		}
		// The emulator's URL, the secrets file, the durations and the ids
		// the emulator gives new items (in the order the creates arrive)
		// differ between runs.
		out := strings.NewReplacer(em.URL, "URL", secrets, "SECRETS").Replace(res.Stdout)
		out = contractDuration.ReplaceAllString(out, "(DURATION)")
		out = contractNewID.ReplaceAllString(out, "$1, id NEW")
		out = contractAtATime.ReplaceAllString(out, "PARALLELISM at a time")
		outputs = append(outputs, out)
	}
	for i, out := range outputs[1:] {
		if diff := cmp.Diff(outputs[0], out); diff != "" {
			t.Errorf("stdout of run %d differs from --parallelism 1 (-want +got):\n%s", i+2, diff)
		}
	}
}

// TestContractOwnerIsNeverRemoved: a team list without the account owner
// never removes the owner, even where the API lists the owner; a team list
// that declares the owner does not invite them.
func TestContractOwnerIsNeverRemoved(t *testing.T) {
	t.Parallel()
	const team = `version: 1
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
`
	tests := []struct {
		name        string
		listed      bool // the emulator lists the owner as a member
		declareSelf bool // the file declares the owner's email
	}{
		{name: "listed by the API, not declared", listed: true},
		{name: "declared in the file", declareSelf: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			if tt.listed {
				em.AddMember(em.Demo.Username, emulator.Member{Email: em.Demo.Email, Role: "admin", Status: "active"})
			}
			content := team
			if tt.declareSelf {
				content += "  - {email: " + strings.ToUpper(em.Demo.Email) + ", role: admin}\n"
			}
			file := clitest.WriteSpec(t, content)
			before, _ := em.Snapshot(em.Demo.Username)
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("apply: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("mutations of a team that matches but for the owner: %v", m)
			}
			after, _ := em.Snapshot(em.Demo.Username)
			if diff := cmp.Diff(before.Team, after.Team); diff != "" {
				t.Errorf("team (-before +after):\n%s", diff)
			}
			clitest.AssertConverged(t, em, file, "apply")
		})
	}
}

// TestContractDebugLogHasNoSecrets: the --debug log of an apply that
// creates keys holds no token, password or key.
func TestContractDebugLogHasNoSecrets(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	secrets := filepath.Join(t.TempDir(), "s.json")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--debug", "--auto-approve", "--secrets-out", secrets, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "POST") {
		t.Errorf("--debug logged no POST:\n%s", res.Stderr)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
	// The ephemeral login's password and token stay out of the log too.
	env := map[string]string{cmdutil.EnvBaseURL: em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": em.Demo.Password}
	res = clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--debug", "-f", clitest.ExampleFile()}, Env: env})
	if res.Code != 0 {
		t.Fatalf("plan with a login: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
}

// TestContractValidateIsOffline: validate reads no live state, with valid
// and invalid files alike, even with credentials in the environment.
func TestContractValidateIsOffline(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	tests := []struct {
		name     string
		content  string
		wantCode int
	}{
		{"valid", "version: 1\napi_keys: [{name: ci}]\n", 0},
		{"invalid", "version: 1\napi_keys: [{name: ci}, {name: ci}]\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em.ResetRequests()
			res := clitest.Run(t, clitest.Invocation{Args: []string{"validate", "-f", clitest.WriteSpec(t, tt.content)}, Env: clitest.DemoEnv(em)})
			if res.Code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, res.Stdout, res.Stderr)
			}
			if got := em.Routes(); len(got) != 0 {
				t.Errorf("validate made requests: %v", got)
			}
		})
	}
}

// TestContractDeleteRetriesKeepTheIdempotencyKey: a DELETE answered 503 is
// retried under the same Idempotency-Key and the key is deleted once.
func TestContractDeleteRetriesKeepTheIdempotencyKey(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t, func(s *emulator.Server) {
		s.Faults = &emulator.Faults{FailFirst: 2, Statuses: []int{503, 502}, Routes: []string{"DELETE /api-keys/104"}}
	})
	file := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: production, notes: Used by prod}, {name: ci, notes: Used by GitHub Actions}]\nignore: {api_keys: [\"dashboard-*\"]}\n")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	var keys []string
	var statuses []int
	for _, r := range em.Requests() {
		if r.Method == "DELETE" {
			keys = append(keys, r.IdempotencyKey)
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 502 || statuses[2]/100 != 2 {
		t.Errorf("statuses of the DELETEs %v, want 503, 502, then success", statuses)
	}
	for _, k := range keys {
		if k == "" || k != keys[0] {
			t.Errorf("Idempotency-Keys of the DELETEs %q, want one non-empty key", keys)
			break
		}
	}
	clitest.AssertConverged(t, em, file, "the retried delete")
}

// contractCall makes one API call to em as the demo user, as a person changing
// the account by hand would, and fails the test unless it succeeds.
func contractCall(t *testing.T, em *emulatortest.Server, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, em.URL+emulator.Prefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+em.Demo.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
}

// TestContractStalePlanNamesChangedAddresses: whatever changed in the live
// state a plan file was made from (an item deleted, a field changed by
// hand), apply PLANFILE refuses with exit 3, names the address and changes
// nothing.
func TestContractStalePlanNamesChangedAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		wantAddr                 string
	}{
		{"a key deleted by hand", "DELETE", "/api-keys/104", "", "api_key.old-key"},
		{"a key's notes changed by hand", "PUT", "/api-keys/101", `{"notes": "by hand"}`, "api_key.production"},
		{"preferences changed by hand", "PATCH", "/me/preferences", `{"nsfw_content": false}`, "preferences"},
		{"the profile changed by hand", "PATCH", "/me", `{"about_me": "by hand"}`, "profile"},
		{"a member's role changed by hand", "PUT", "/teams/2", `{"role": "admin"}`, "team_member.bob@example.com"},
		{"a member removed by hand", "DELETE", "/teams/4", "", "team_member.mallory@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			dir := t.TempDir()
			planPath := filepath.Join(dir, "p.plan")
			if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile(), "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
				t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
			}
			contractCall(t, em, tt.method, tt.path, tt.body)
			before, _ := em.Snapshot(em.Demo.Username)
			em.ResetRequests()
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(dir, "s.json"), planPath}, Env: clitest.DemoEnv(em)})
			if res.Code != cmdutil.ExitRefused {
				t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			for _, want := range []string{"stale", tt.wantAddr} {
				if !strings.Contains(res.Stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
				}
			}
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("mutations despite a stale plan: %v", m)
			}
			after, _ := em.Snapshot(em.Demo.Username)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("the account changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestContractPlanShowsTheMassDeletionWarning: plan shows the mass-deletion
// warning in every output format (with -o json on stderr or in the JSON,
// stdout staying one JSON object), and exits 0: apply is what refuses.
func TestContractPlanShowsTheMassDeletionWarning(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, "version: 1\napi_keys: []\n")
	for _, format := range []string{"text", "markdown", "json"} {
		t.Run(format, func(t *testing.T) {
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", format, "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			if format == "json" {
				var doc map[string]any
				if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
					t.Fatalf("stdout is not one JSON object: %v\n%s", err, res.Stdout)
				}
			}
			shown := strings.Contains(res.Stdout+res.Stderr, "mass deletion")
			if format == "json" {
				shown = strings.Contains(res.Stderr, "Warning: mass deletion in api_keys")
			}
			if !shown {
				t.Errorf("no mass-deletion warning\nstdout:\n%s\nstderr:\n%s", res.Stdout, res.Stderr)
			}
		})
	}
}

// TestContractMarkdownIsTheTextPlan: the markdown plan holds every change
// line and field line of the text plan, and its closing line.
func TestContractMarkdownIsTheTextPlan(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	text := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	md := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", "markdown", "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if text.Code != 0 || md.Code != 0 {
		t.Fatalf("exit %d (text), %d (markdown)\n%s%s", text.Code, md.Code, text.Stderr, md.Stderr)
	}
	var missing []string
	for _, line := range strings.Split(text.Stdout, "\n") {
		// Change and field lines are indented; their padding differs
		// between the layouts, their words do not.
		if !strings.HasPrefix(line, "  ") || strings.HasPrefix(strings.TrimSpace(line), "Unmanaged") {
			continue
		}
		words := strings.Join(strings.Fields(line), " ")
		found := false
		for _, l := range strings.Split(md.Stdout, "\n") {
			if strings.Join(strings.Fields(l), " ") == words {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, words)
		}
	}
	if len(missing) != 0 {
		t.Errorf("markdown lacks lines of the text plan:\n%s\nmarkdown:\n%s", strings.Join(missing, "\n"), md.Stdout)
	}
	if !strings.Contains(md.Stdout, "api_key.dashboard-playground") {
		t.Errorf("markdown does not list the unmanaged key:\n%s", md.Stdout)
	}
	if !strings.HasSuffix(md.Stdout, "Plan: 2 to create, 5 to update, 3 to delete, 1 to replace, 1 to resend.\n") {
		t.Errorf("markdown does not end with the Plan line:\n%s", md.Stdout)
	}
}

// TestContractHTTPSRuleEverywhere: every command that talks to the API
// refuses a non-https base URL of a host that is not loopback, before any
// request; every loopback form is allowed.
func TestContractHTTPSRuleEverywhere(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	port := em.URL[strings.LastIndex(em.URL, ":")+1:]
	file := clitest.WriteSpec(t, contractNoChanges)
	commands := []struct {
		name string
		args []string
	}{
		{"plan", []string{"plan", "-f", file}},
		{"apply", []string{"apply", "--auto-approve", "-f", file}},
		{"export", []string{"export"}},
		{"auth tokens list", []string{"auth", "tokens", "list"}},
	}
	for _, cmd := range commands {
		t.Run(cmd.name+" refuses", func(t *testing.T) {
			env := map[string]string{cmdutil.EnvBaseURL: "http://203.0.113.7:" + port, cmdutil.EnvToken: em.Demo.Token}
			res := clitest.Run(t, clitest.Invocation{Args: cmd.args, Env: env})
			if res.Code != cmdutil.ExitError || !strings.Contains(res.Stderr, "is not https") {
				t.Errorf("exit %d, want 1 naming the rule\nstderr:\n%s", res.Code, res.Stderr)
			}
		})
	}
	// Loopback hosts other than the emulator's own address pass the rule
	// and then fail to connect (nothing listens there): a network error,
	// not a refusal.
	for _, host := range []string{"127.0.0.2", "[::1]", "LOCALHOST"} {
		t.Run("loopback "+host, func(t *testing.T) {
			dead := contractClosedURL(t)
			deadPort := dead[strings.LastIndex(dead, ":")+1:]
			env := map[string]string{cmdutil.EnvBaseURL: "http://" + host + ":" + deadPort, cmdutil.EnvToken: em.Demo.Token}
			res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file}, Env: env})
			if res.Code != cmdutil.ExitError {
				t.Fatalf("exit %d, want 1 (a network error)\nstderr:\n%s", res.Code, res.Stderr)
			}
			if strings.Contains(res.Stderr, "not https") || strings.Contains(res.Stderr, "scheme") {
				t.Errorf("a loopback host was refused by the https rule:\n%s", res.Stderr)
			}
		})
	}
}

// TestContractBadFileTouchesNothing: plan and apply report a bad file as
// FILE:LINE:COL before any network call.
func TestContractBadFileTouchesNothing(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, "version: 1\nteam:\n  - {email: not-an-email}\n")
	for _, cmd := range [][]string{
		{"plan", "-f", file},
		{"apply", "--auto-approve", "-f", file},
	} {
		t.Run(cmd[0], func(t *testing.T) {
			em.ResetRequests()
			res := clitest.Run(t, clitest.Invocation{Args: cmd, Env: clitest.DemoEnv(em)})
			if res.Code != cmdutil.ExitError {
				t.Errorf("exit %d, want 1\nstderr:\n%s", res.Code, res.Stderr)
			}
			if !strings.Contains(res.Stderr, file+":3:") {
				t.Errorf("stderr does not give FILE:LINE:COL of the bad email:\n%s", res.Stderr)
			}
			if got := em.Routes(); len(got) != 0 {
				t.Errorf("requests despite the bad file: %v", got)
			}
		})
	}
}

// TestContractJSONShape: `-o json` is exactly one object of format_version,
// summary and changes (whose before/after hold only the managed fields that
// change: no protect or rotate_after, no secrets; with each change's reason
// and live id), and the plan's account, base URL, warnings and unmanaged
// items; the summary counts its changes, resends apart.
func TestContractJSONShape(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, `version: 1
socials: {github: acme}
preferences: {nsfw_content: false}
api_keys:
  - {name: production, notes: new notes, protect: true}
  - {name: fresh, rotate_after: 30d}
ignore: {api_keys: ["dashboard-*", "ci", "old-*"]}
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: admin}
  - {email: mallory@example.com, role: member}
  - {email: new@example.com, role: viewer, permissions: [billing]}
access_tokens: {keep: [demo]}
`)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", "json", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if res.Stderr != "" {
		t.Errorf("stderr is not empty:\n%s", res.Stderr)
	}
	var got any
	dec := json.NewDecoder(strings.NewReader(res.Stdout))
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.Stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON value:\n%s", res.Stdout)
	}
	var want any
	if err := json.Unmarshal([]byte(`{"format_version": "1",
 "summary": {"create": 2, "update": 4, "delete": 1, "replace": 0, "resend": 0},
 "changes": [
  {"address": "preferences", "action": "update", "before": {"nsfw_content": true}, "after": {"nsfw_content": false},
   "reason": "nsfw_content differs from modelslab.yaml"},
  {"address": "socials", "action": "update", "before": {"github": "acme-old"}, "after": {"github": "acme"},
   "reason": "github differs from modelslab.yaml"},
  {"address": "api_key.fresh", "action": "create", "before": null, "after": {"name": "fresh"},
   "reason": "in modelslab.yaml, not in the live account"},
  {"address": "api_key.production", "action": "update", "before": {"notes": "Used by prod"}, "after": {"notes": "new notes"},
   "reason": "notes differ from modelslab.yaml", "live_id": "101"},
  {"address": "team_member.new@example.com", "action": "create", "before": null,
   "after": {"email": "new@example.com", "permissions": ["billing"], "role": "viewer"},
   "reason": "in modelslab.yaml, not in the live account"},
  {"address": "team_member.carol@example.com", "action": "update", "before": {"role": "member"}, "after": {"role": "admin"},
   "reason": "role of the pending invite differs from modelslab.yaml", "live_id": "3"},
  {"address": "access_token.old-laptop#2", "action": "delete", "before": {"name": "old-laptop"}, "after": null,
   "reason": "matches no access_tokens.keep glob", "live_id": "2"}],
 "account": "acme-bot", "base_url": "`+em.URL+`", "partial": false,
 "warnings": [], "unmanaged": ["api_key.ci", "api_key.dashboard-playground", "api_key.old-key"], "retiring": []}`), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan JSON (-want +got):\n%s", diff)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
}

// TestContractResendOnlyOlderInvites: a pending invite gets a `resend`
// only when older than resend_invites_after (never without it), and the
// resend is one POST …/resend-invite after which the plan is empty.
func TestContractResendOnlyOlderInvites(t *testing.T) {
	t.Parallel()
	// carol's invite is 30 days old in the demo account.
	const team = `version: 1
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
`
	tests := []struct {
		name       string
		policy     string
		wantResend bool
	}{
		{"no resend_invites_after", "", false},
		{"7d", "policy: {resend_invites_after: 7d}\n", true},
		{"4w", "policy: {resend_invites_after: 4w}\n", true},
		{"60d", "policy: {resend_invites_after: 60d}\n", false},
		{"1000h", "policy: {resend_invites_after: 1000h}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.WriteSpec(t, team+tt.policy)
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			var want []string
			if tt.wantResend {
				want = []string{"POST /teams/3/resend-invite"}
			}
			if diff := cmp.Diff(want, em.Mutations()); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			if got := strings.Contains(res.Stdout, "↻ team_member.carol@example.com"); got != tt.wantResend {
				t.Errorf("apply shows a resend: %v, want %v\n%s", got, tt.wantResend, res.Stdout)
			}
			clitest.AssertConverged(t, em, file, "apply")
		})
	}
}

// TestContractRotateAfter: a key older than rotate_after is replaced
// (create the new, then delete the old); a younger one is left alone; the
// replacement is not rotated again.
func TestContractRotateAfter(t *testing.T) {
	t.Parallel()
	// ci was created 120 days ago in the demo account (id 102).
	tests := []struct {
		rotateAfter string
		wantReplace bool
	}{
		{"90d", true},
		{"17w", true},
		{"2000h", true},
		{"121d", false},
		{"20w", false},
	}
	for _, tt := range tests {
		t.Run(tt.rotateAfter, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: ci, notes: Used by GitHub Actions, rotate_after: "+tt.rotateAfter+"}]\nignore: {api_keys: [\"*\"]}\n")
			secrets := filepath.Join(t.TempDir(), "s.json")
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			var want []string
			if tt.wantReplace {
				want = []string{"POST /api-keys", "DELETE /api-keys/102"}
			}
			if diff := cmp.Diff(want, em.Mutations()); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
			clitest.AssertConverged(t, em, file, "apply")
		})
	}
}

// TestContractTokenBeatsEmailLogin: with a token (flag or environment),
// plan never logs in with MODELSLAB_EMAIL and MODELSLAB_PASSWORD; without
// one it does, and logs that token out on exit.
func TestContractTokenBeatsEmailLogin(t *testing.T) {
	t.Parallel()
	file := clitest.WriteSpec(t, contractNoChanges)
	tests := []struct {
		name      string
		env       func(em *emulatortest.Server) map[string]string
		args      []string
		wantLogin bool
	}{
		{"MODELSLAB_TOKEN", func(em *emulatortest.Server) map[string]string {
			return map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: em.Demo.Token, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": "wrong"}
		}, nil, false},
		{"--token", func(em *emulatortest.Server) map[string]string {
			return map[string]string{cmdutil.EnvBaseURL: em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": "wrong"}
		}, []string{"--token", "TOKEN"}, false},
		{"email and password only", func(em *emulatortest.Server) map[string]string {
			return map[string]string{cmdutil.EnvBaseURL: em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": em.Demo.Password}
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			args := []string{"plan", "--detailed-exitcode", "-f", file}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "TOKEN", em.Demo.Token))
			}
			before, _ := em.Snapshot(em.Demo.Username)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: tt.env(em)})
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			var got []string
			for _, m := range em.Mutations() {
				got = append(got, strings.SplitN(m, "?", 2)[0])
			}
			var want []string
			if tt.wantLogin {
				want = []string{"POST /auth/login", "POST /auth/logout"}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			after, _ := em.Snapshot(em.Demo.Username)
			if diff := cmp.Diff(before.Tokens, after.Tokens); diff != "" {
				t.Errorf("live tokens changed (-before +after):\n%s", diff)
			}
			clitest.AssertRunHasNoSecrets(t, em, res)
		})
	}
}

// TestContractPinnedKeyEdges: keys pinned by id may swap names, and a
// duplicate live name is resolved when one of the two is pinned by another
// entry: the name alone then matches one key.
func TestContractPinnedKeyEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// twin adds two live keys named "twin" before the run.
		twin bool
		spec string // ID1 and ID2 stand for the twins' ids
		// want is the live key names by id after apply; with twin, ids 0
		// and 1 stand for the twins'.
		want map[int64]string
	}{
		{name: "two pinned keys swap names",
			spec: "version: 1\napi_keys:\n  - {name: ci, id: 104}\n  - {name: old-key, id: 102}\nignore: {api_keys: [\"*\"]}\n",
			want: map[int64]string{101: "production", 102: "old-key", 103: "dashboard-playground", 104: "ci"}},
		{name: "a duplicate name, one twin pinned away", twin: true,
			spec: "version: 1\napi_keys:\n  - {name: twin, notes: one}\n  - {name: twin-b, id: ID2}\nignore: {api_keys: [\"*\"]}\n",
			want: map[int64]string{101: "production", 102: "ci", 103: "dashboard-playground", 104: "old-key", 0: "twin", 1: "twin-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			spec := tt.spec
			want := tt.want
			if tt.twin {
				a := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "twin", Notes: "one"})
				b := em.AddAPIKey(em.Demo.Username, emulator.Key{Name: "twin", Notes: "two"})
				spec = strings.NewReplacer("ID1", strconv.FormatInt(a.ID, 10), "ID2", strconv.FormatInt(b.ID, 10)).Replace(spec)
				want = map[int64]string{}
				for id, name := range tt.want {
					switch id {
					case 0:
						id = a.ID
					case 1:
						id = b.ID
					}
					want[id] = name
				}
			}
			file := clitest.WriteSpec(t, spec)
			res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "-f", file}, Env: clitest.DemoEnv(em)})
			if res.Code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			for _, m := range em.Mutations() {
				if !strings.HasPrefix(m, "PUT /api-keys/") {
					t.Errorf("a rename made %s", m)
				}
			}
			acct, _ := em.Snapshot(em.Demo.Username)
			got := map[int64]string{}
			for _, k := range acct.APIKeys {
				got[k.ID] = k.Name
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("live keys by id (-want +got):\n%s", diff)
			}
			clitest.AssertConverged(t, em, file, "apply")
		})
	}
}

// TestContractWrongCredentialsNotEchoed: a rejected token or password is
// never repeated in the output, the --debug log included.
func TestContractWrongCredentialsNotEchoed(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, contractNoChanges)
	const badToken = "mlt_0123456789abcdef-wrong-token"
	const badPassword = "wrong-horse-battery-staple-42"
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"MODELSLAB_TOKEN", map[string]string{cmdutil.EnvBaseURL: em.URL, cmdutil.EnvToken: badToken}, nil},
		{"--token", map[string]string{cmdutil.EnvBaseURL: em.URL}, []string{"--token", badToken}},
		{"MODELSLAB_PASSWORD", map[string]string{cmdutil.EnvBaseURL: em.URL, "MODELSLAB_EMAIL": em.Demo.Email, "MODELSLAB_PASSWORD": badPassword}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"plan", "--debug", "-f", file}, tt.args...)
			res := clitest.Run(t, clitest.Invocation{Args: args, Env: tt.env})
			if res.Code != cmdutil.ExitError {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			secrets := []string{badToken, badPassword}
			clitest.AssertNoSecrets(t, "stdout", res.Stdout, secrets)
			clitest.AssertNoSecrets(t, "stderr", res.Stderr, secrets)
		})
	}
}

// contractEmulatorOn is emulatortest.Start served on addr, so that two emulators
// run one after the other can share a base URL; stop frees addr.
func contractEmulatorOn(t *testing.T, addr string) (em *emulatortest.Server, stop func()) {
	t.Helper()
	srv := emulator.New()
	demo := srv.SeedDemo()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	ts.Listener = l
	ts.Start()
	t.Cleanup(ts.Close)
	return &emulatortest.Server{Server: srv, URL: ts.URL, Demo: demo}, ts.Close
}

// TestContractIdempotencyKeysDerivedFromThePlan: the Idempotency-Key of
// each mutation is derived from the plan and the action: the same plan
// applied to two identical accounts at one base URL sends the same keys,
// and different actions send different keys.
func TestContractIdempotencyKeysDerivedFromThePlan(t *testing.T) {
	t.Parallel()
	addr := "127.0.0.1:0" // then the first emulator's address
	keysOf := func() map[string]string {
		em, stop := contractEmulatorOn(t, addr)
		defer stop()
		addr = strings.TrimPrefix(em.URL, "http://")
		secrets := filepath.Join(t.TempDir(), "s.json")
		res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--parallelism", "1", "--secrets-out", secrets, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
		}
		out := map[string]string{}
		n := 0
		for _, r := range em.Requests() {
			if r.Method == "GET" {
				continue
			}
			// One call at a time: the n-th mutation is the same call in
			// both runs.
			n++
			out[fmt.Sprintf("%02d %s %s", n, r.Method, r.Path)] = r.IdempotencyKey
		}
		return out
	}
	first := keysOf()
	second := keysOf()
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("Idempotency-Keys of two applies of one plan to identical accounts (-first +second):\n%s", diff)
	}
	seen := map[string]string{}
	for call, key := range first {
		if key == "" {
			t.Errorf("%s has no Idempotency-Key", call)
		}
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s share the Idempotency-Key", call, other)
		}
		seen[key] = call
	}
}

// TestContractOutKeepsJSONStdout: `plan -o json --out PLANFILE` still
// prints exactly one JSON object, and the plan file it writes applies.
func TestContractOutKeepsJSONStdout(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	dir := t.TempDir()
	planPath := filepath.Join(dir, "p.plan")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-o", "json", "--out", planPath, "-f", clitest.ExampleFile()}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	dec := json.NewDecoder(strings.NewReader(res.Stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, res.Stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than the JSON object:\n%s", res.Stdout)
	}
	clitest.ReadFileWithMode(t, planPath, 0o600)
	apply := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(dir, "s.json"), planPath}, Env: clitest.DemoEnv(em)})
	if apply.Code != 0 {
		t.Fatalf("apply PLANFILE: exit %d\nstdout:\n%s\nstderr:\n%s", apply.Code, apply.Stdout, apply.Stderr)
	}
	clitest.AssertConverged(t, em, clitest.ExampleFile(), "apply PLANFILE")
}

// TestContractReadsRetryOnNetworkErrors: a read whose connection is cut
// before any answer is retried; the plan succeeds.
func TestContractReadsRetryOnNetworkErrors(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	var mu sync.Mutex
	cut := 0
	// A front that cuts the first two connections asking for GET /me.
	front := contractCuttingFront(t, em, func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		drop := r.Method == "GET" && r.URL.Path == emulator.Prefix+"/me" && cut < 2
		if drop {
			cut++
		}
		return drop
	})
	file := clitest.WriteSpec(t, contractNoChanges)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "--detailed-exitcode", "-f", file}, Env: map[string]string{cmdutil.EnvBaseURL: front.URL, cmdutil.EnvToken: em.Demo.Token}})
	if res.Code != 0 {
		t.Fatalf("exit %d, want 0 after retries\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if cut != 2 {
		t.Errorf("%d connections cut, want 2", cut)
	}
	if diff := cmp.Diff([]string{"GET /me"}, em.Routes()); diff != "" {
		t.Errorf("requests the emulator answered (-want +got):\n%s", diff)
	}
}

// TestContractMutationRetriesOnNetworkErrors: a POST whose connection is
// cut before it reaches the server is retried under its Idempotency-Key,
// and the key is created once.
func TestContractMutationRetriesOnNetworkErrors(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	var mu sync.Mutex
	var keys []string
	// A front that cuts the first POST /api-keys before the emulator sees it.
	front := contractCuttingFront(t, em, func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if r.Method != "POST" || r.URL.Path != emulator.Prefix+"/api-keys" {
			return false
		}
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		return len(keys) == 1
	})
	file := clitest.WriteSpec(t, "version: 1\napi_keys: [{name: fresh}]\nignore: {api_keys: [\"*\"]}\n")
	secrets := filepath.Join(t.TempDir(), "s.json")
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--secrets-out", secrets, "-f", file}, Env: map[string]string{cmdutil.EnvBaseURL: front.URL, cmdutil.EnvToken: em.Demo.Token}})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	assertSameIdempotencyKey(t, keys)
	if n := len(em.KeysNamed(em.Demo.Username, "fresh")); n != 1 {
		t.Errorf("%d keys named fresh, want 1", n)
	}
	clitest.AssertRunHasNoSecrets(t, em, res)
}

// TestContractPlanFileKeepsTheRails: a plan refused by a rail writes no
// plan file, and a plan file that mass-deletes is refused by apply (exit 3)
// unless --allow-mass-delete.
func TestContractPlanFileKeepsTheRails(t *testing.T) {
	t.Parallel()
	t.Run("min_admins writes no plan file", func(t *testing.T) {
		t.Parallel()
		em := emulatortest.Start(t)
		file := clitest.WriteSpec(t, "version: 1\nteam:\n  - {email: alice@example.com, role: member}\n  - {email: bob@example.com, role: viewer}\n  - {email: carol@example.com, role: member}\n  - {email: mallory@example.com, role: member}\npolicy: {min_admins: 1}\n")
		planPath := filepath.Join(t.TempDir(), "p.plan")
		res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "--out", planPath}, Env: clitest.DemoEnv(em)})
		if res.Code != cmdutil.ExitRefused {
			t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
		}
		if _, err := os.Stat(planPath); err == nil {
			t.Error("a refused plan wrote a plan file")
		}
	})
	t.Run("a mass deletion in a plan file", func(t *testing.T) {
		t.Parallel()
		em := emulatortest.Start(t)
		file := clitest.WriteSpec(t, "version: 1\napi_keys: []\n")
		planPath := filepath.Join(t.TempDir(), "p.plan")
		if res := clitest.Run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "--out", planPath}, Env: clitest.DemoEnv(em)}); res.Code != 0 {
			t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
		}
		res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", planPath}, Env: clitest.DemoEnv(em)})
		if res.Code != cmdutil.ExitRefused || !strings.Contains(res.Stderr, "--allow-mass-delete") {
			t.Fatalf("apply PLANFILE: exit %d, want 3 naming --allow-mass-delete\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
		}
		if m := em.Mutations(); len(m) != 0 {
			t.Errorf("mutations despite the refusal: %v", m)
		}
		res = clitest.Run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", "--allow-mass-delete", planPath}, Env: clitest.DemoEnv(em)})
		if res.Code != 0 {
			t.Fatalf("apply PLANFILE --allow-mass-delete: exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
		}
		clitest.AssertConverged(t, em, file, "apply PLANFILE --allow-mass-delete")
	})
}

// TestContractApplyWithoutChanges: an apply with nothing to do needs no
// confirmation, changes nothing and exits 0 with the closing line.
func TestContractApplyWithoutChanges(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	file := clitest.WriteSpec(t, contractNoChanges)
	res := clitest.Run(t, clitest.Invocation{Args: []string{"apply", "-f", file}, Env: clitest.DemoEnv(em)})
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.HasSuffix(res.Stdout, "No changes. The account matches modelslab.yaml.\n") {
		t.Errorf("stdout does not end with the no-changes line:\n%s", res.Stdout)
	}
	if m := em.Mutations(); len(m) != 0 {
		t.Errorf("mutations: %v", m)
	}
}

// contractCuttingFront serves the emulator behind a front that closes the
// connection, without any answer, of every request cut reports true for:
// a network fault before the request reaches the server.
func contractCuttingFront(t *testing.T, em *emulatortest.Server, cut func(*http.Request) bool) *httptest.Server {
	t.Helper()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cut(r) {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		em.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front
}
