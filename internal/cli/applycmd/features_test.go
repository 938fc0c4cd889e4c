package applycmd_test

// In-process tests of what issue 15 added to apply: a rotation with
// rotate_overlap over two applies days apart, --replace, --target and
// policy.protect_used_within, each run at a clock the test moves together
// with the emulator's (MLABCTL_TEST_NOW, emulatortest.Clock).

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/retirement"
)

// start is when every test's clock starts.
var start = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// rotationFile rotates the demo's ci key (120 days old) with an overlap,
// leaving the demo's other keys alone.
const rotationFile = "testdata/rotation.yaml"

// clockedDemo is the demo account on an emulator whose clock the test
// moves, and the environment of a run at the same time.
type clockedDemo struct {
	em    *emulatortest.Server
	clock *emulatortest.Clock
}

func newClockedDemo(t *testing.T, configure ...func(*emulator.Server)) *clockedDemo {
	t.Helper()
	clock := emulatortest.NewClock(start)
	return &clockedDemo{em: emulatortest.StartAt(t, clock, configure...), clock: clock}
}

// run runs mlabctl at the clock's time.
func (d *clockedDemo) run(t *testing.T, args ...string) clitest.Result {
	t.Helper()
	return clitest.Mlabctl(t, clitest.ClockEnv(clitest.DemoEnv(d.em), d.clock.Now()), args...)
}

// keys returns the demo account's live keys named name.
func keysNamed(t *testing.T, srv *emulator.Server, username, name string) []emulator.Key {
	t.Helper()
	acct, ok := srv.Snapshot(username)
	if !ok {
		t.Fatalf("no account %q", username)
	}
	var out []emulator.Key
	for _, k := range acct.APIKeys {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// readSecrets reads the --secrets-out file (name → key); missing is empty.
// The request watcher calls it, where a missing file is a finding, not a
// reason to stop the test from another goroutine.
func readSecrets(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if data := clitest.ReadOptional(t, path); data != "" {
		if err := json.Unmarshal([]byte(data), &out); err != nil {
			t.Errorf("secrets file: %v", err)
		}
	}
	return out
}

// keyWatch checks, after every request the emulator serves, that a key
// named name exists, and that when one was deleted the secrets file
// already holds the secret of a remaining one: the consumers of name are
// never without a key they can use.
type keyWatch struct {
	t        *testing.T
	srv      *emulator.Server
	username string
	name     string
	secrets  string

	mu       sync.Mutex
	checked  int
	problems []string
}

func (w *keyWatch) after(r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checked++
	keys := keysNamed(w.t, w.srv, w.username, w.name)
	if len(keys) == 0 {
		w.problems = append(w.problems, "after "+r.Method+" "+r.URL.Path+" no key named "+w.name+" exists")
		return
	}
	if r.Method == http.MethodDelete {
		held := readSecrets(w.t, w.secrets)[w.name]
		usable := false
		for _, k := range keys {
			usable = usable || k.Key == held
		}
		if !usable {
			w.problems = append(w.problems, "after "+r.Method+" "+r.URL.Path+" the secrets file holds no secret of a live key named "+w.name)
		}
	}
}

// TestApplyRotationWithOverlap rotates a key with rotate_overlap over two
// applies at two clock times, mlabctl's and the emulator's moved together,
// each run planning from the live account alone: the first creates the
// successor and records the predecessor's retirement in its notes, plans
// within the overlap change nothing and show the predecessor, the first
// apply after the overlap deletes it, and a plan after that has nothing to
// do. After every request of every run, a key named ci exists, and none is
// deleted before its successor's secret is in the secrets file.
func TestApplyRotationWithOverlap(t *testing.T) {
	t.Parallel()
	clock := emulatortest.NewClock(start)
	srv := emulator.New()
	srv.Now = clock.Now
	demo := srv.SeedDemo()
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets.json")
	file := rotationFile
	watch := &keyWatch{t: t, srv: srv, username: demo.Username, name: "ci", secrets: secrets}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		watch.after(r)
	}))
	t.Cleanup(ts.Close)
	run := func(args ...string) clitest.Result {
		t.Helper()
		env := clitest.ClockEnv(map[string]string{"MODELSLAB_BASE_URL": ts.URL, "MODELSLAB_TOKEN": demo.Token}, clock.Now())
		return clitest.Mlabctl(t, env, args...)
	}
	old := keysNamed(t, srv, demo.Username, "ci")
	if len(old) != 1 {
		t.Fatalf("the demo has %d keys named ci, want 1", len(old))
	}
	oldID := itoa(old[0].ID)

	// Day 0: the rotating apply.
	res := run("apply", "-f", file, "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 {
		t.Fatalf("rotating apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"-/+ api_key.ci", "rotate_overlap 7d", "old key id " + oldID + " retires after 2026-12-09 09:00 UTC"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("rotating apply's output does not say %q:\n%s", want, res.Stdout)
		}
	}
	keys := keysNamed(t, srv, demo.Username, "ci")
	if len(keys) != 2 {
		t.Fatalf("after the rotating apply %d keys named ci, want the old and its successor", len(keys))
	}
	at, ok, err := retirement.Parse(keys[0].Notes)
	if !ok || err != nil || !at.Equal(start.Add(7*24*time.Hour)) {
		t.Errorf("the old key's notes %q record retirement %v (%v, %v), want after %v", keys[0].Notes, at, ok, err, start.Add(7*24*time.Hour))
	}
	if got := readSecrets(t, secrets)["ci"]; got == "" || got != keys[1].Key {
		t.Error("the successor's secret is not in the secrets file")
	}
	if strings.Contains(res.Stdout+res.Stderr, keys[1].Key) {
		t.Error("the new secret was printed")
	}

	// Within the overlap: nothing to do, the predecessor is listed.
	for _, d := range []time.Duration{time.Hour, 6 * 24 * time.Hour} {
		clock.Advance(d)
		res := run("plan", "-f", file, "--detailed-exitcode")
		if res.Code != 0 || !strings.Contains(res.Stdout, "Retiring: api_key.ci: predecessor id "+oldID+" retires after 2026-12-09 09:00 UTC") {
			t.Fatalf("plan at %s: exit %d, want no changes and the retiring predecessor:\n%s%s", clock.Now(), res.Code, res.Stdout, res.Stderr)
		}
		res = run("apply", "-f", file, "--auto-approve", "--secrets-out", secrets)
		if res.Code != 0 || !strings.Contains(res.Stdout, "No changes.") {
			t.Fatalf("apply at %s: exit %d, want nothing done:\n%s%s", clock.Now(), res.Code, res.Stdout, res.Stderr)
		}
	}
	if n := len(keysNamed(t, srv, demo.Username, "ci")); n != 2 {
		t.Fatalf("within the overlap %d keys named ci, want 2", n)
	}

	// After the overlap: the second apply deletes the predecessor.
	clock.Advance(23*time.Hour + time.Minute) // start + 7d + 1m
	res = run("apply", "-f", file, "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 || !strings.Contains(res.Stdout, "- api_key.ci  (id "+oldID+", created 2026-08-04, predecessor of id ") {
		t.Fatalf("apply after the overlap: exit %d, want the predecessor's delete:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	keys = keysNamed(t, srv, demo.Username, "ci")
	if len(keys) != 1 || itoa(keys[0].ID) == oldID || keys[0].Key != readSecrets(t, secrets)["ci"] {
		t.Fatalf("after the overlap keys named ci %+v, want only the successor, whose secret the file holds", keys)
	}
	res = run("plan", "-f", file, "--detailed-exitcode")
	if res.Code != 0 || strings.Contains(res.Stdout, "Retiring") {
		t.Errorf("plan after the rotation: exit %d, want no changes and nothing retiring:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}

	watch.mu.Lock()
	defer watch.mu.Unlock()
	for _, p := range watch.problems {
		t.Error(p)
	}
	t.Logf("checked the ci key after each of %d requests", watch.checked)
}

// replaceSpec declares the demo's keys as they are, production protected
// and ci rotated with an overlap.
const replaceSpec = `version: 1
api_keys:
  - name: production
    notes: Used by prod
    protect: true
  - name: ci
    notes: Used by GitHub Actions
    rotate_after: 200d
    rotate_overlap: 7d
  - name: dashboard-playground
    notes: Made in the dashboard
  - name: old-key
    notes: ""
`

// TestApplyReplace: --replace of a protected key is refused (exit 3) with
// nothing changed; --replace of another key replaces it at once, old key
// deleted in the same apply whatever rotate_overlap says (a leaked key
// must stop working now), and a plan afterwards has nothing to do.
func TestApplyReplace(t *testing.T) {
	t.Parallel()
	d := newClockedDemo(t)
	file := clitest.SpecOrExample(t, replaceSpec)
	secrets := filepath.Join(t.TempDir(), "secrets.json")
	username := d.em.Demo.Username

	res := d.run(t, "apply", "-f", file, "--auto-approve", "--secrets-out", secrets, "--replace", "api_key.production")
	if res.Code != 3 || !strings.Contains(res.Stderr, `API key "production" is protected; remove "protect: true"`) || !strings.Contains(res.Stderr, "nothing was changed") {
		t.Fatalf("--replace of a protected key: exit %d, want 3 saying to remove protect:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if m := d.em.Mutations(); len(m) > 0 {
		t.Fatalf("a refused --replace changed the account: %v", m)
	}

	old := keysNamed(t, d.em.Server, username, "ci")
	res = d.run(t, "apply", "-f", file, "--auto-approve", "--secrets-out", secrets, "--replace", "api_key.ci")
	if res.Code != 0 || !strings.Contains(res.Stdout, "requested with --replace") {
		t.Fatalf("--replace api_key.ci: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	keys := keysNamed(t, d.em.Server, username, "ci")
	if len(keys) != 1 || keys[0].ID == old[0].ID || keys[0].Key != readSecrets(t, secrets)["ci"] {
		t.Errorf("after --replace keys named ci %+v (old id %d), want only a new one, its secret in the file", keys, old[0].ID)
	}
	if res := d.run(t, "plan", "-f", file, "--detailed-exitcode"); res.Code != 0 {
		t.Errorf("plan after --replace: exit %d, want no changes\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestApplyRecentlyUsedKey: with policy.protect_used_within, apply refuses
// to delete a key used within the window (exit 3, nothing changed, saying
// which --allow-delete approves it), deletes it once approved, and never
// holds back a key used before the window.
func TestApplyRecentlyUsedKey(t *testing.T) {
	t.Parallel()
	d := newClockedDemo(t)
	username := d.em.Demo.Username
	usedRecently, usedLongAgo := start.Add(-2*time.Hour), start.Add(-48*time.Hour)
	d.em.AddAPIKey(username, emulator.Key{Name: "busy", CreatedAt: start.AddDate(0, 0, -30), LastUsedAt: &usedRecently})
	d.em.AddAPIKey(username, emulator.Key{Name: "stale", CreatedAt: start.AddDate(0, 0, -30), LastUsedAt: &usedLongAgo})
	file := clitest.SpecOrExample(t, `version: 1
api_keys: []
ignore:
  api_keys: ["production", "ci", "dashboard-*", "old-key"]
policy:
  protect_used_within: 24h
`)

	res := d.run(t, "plan", "-f", file)
	for _, want := range []string{"api_key.busy (id ", "last used 2 hours ago", "within policy.protect_used_within 24h", "last used 2 days ago"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("the plan does not say %q:\n%s", want, res.Stdout)
		}
	}

	res = d.run(t, "apply", "-f", file, "--auto-approve")
	if res.Code != 3 || !strings.Contains(res.Stderr, "approve it with --allow-delete api_key.busy") || strings.Contains(res.Stderr, "api_key.stale") {
		t.Fatalf("apply: exit %d, want 3 refusing only api_key.busy:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if m := d.em.Mutations(); len(m) > 0 {
		t.Fatalf("a refused apply changed the account: %v", m)
	}

	res = d.run(t, "apply", "-f", file, "--auto-approve", "--allow-delete", "api_key.busy")
	if res.Code != 0 {
		t.Fatalf("apply --allow-delete api_key.busy: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if n := len(keysNamed(t, d.em.Server, username, "busy")) + len(keysNamed(t, d.em.Server, username, "stale")); n != 0 {
		t.Errorf("%d of busy and stale are left, want both deleted", n)
	}
	// A re-run of the same command line (a CI retry) has nothing to do and
	// nothing to approve: it succeeds.
	if res := d.run(t, "apply", "-f", file, "--auto-approve", "--allow-delete", "api_key.busy"); res.Code != 0 || !strings.Contains(res.Stdout, "No changes.") {
		t.Errorf("the same apply again: exit %d, want 0 and no changes:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestApplyTarget applies only the targeted changes: the rest of the plan
// stays undone, and a plan without --target still shows it.
func TestApplyTarget(t *testing.T) {
	t.Parallel()
	d := newClockedDemo(t)
	file := "../plancmd/testdata/modelslab.yaml"
	res := d.run(t, "apply", "-f", file, "--auto-approve", "--target", "api_key.old-key", "--target", "team_member.bob@example.com")
	if res.Code != 0 || !strings.Contains(res.Stdout, "partial plan for --target api_key.old-key, team_member.bob@example.com") {
		t.Fatalf("apply --target: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	want := []string{"DELETE /api-keys/104", "PUT /teams/2"}
	if got := d.em.Mutations(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("apply --target made %v, want only %v", got, want)
	}
	res = d.run(t, "plan", "-f", file)
	for _, want := range []string{"~ profile", "- team_member.mallory@example.com", "~ api_key.dashboard-playground"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("the whole plan after apply --target lacks %q:\n%s", want, res.Stdout)
		}
	}
	for _, done := range []string{"api_key.old-key", "team_member.bob@example.com"} {
		if strings.Contains(res.Stdout, done) {
			t.Errorf("the whole plan still plans %s:\n%s", done, res.Stdout)
		}
	}
}

// TestApplyPlanFileRefusesPlanOptions: a plan file holds the plan it was
// made with, so --replace and --target beside PLANFILE (before or after
// it) are a usage error, and nothing is changed.
func TestApplyPlanFileRefusesPlanOptions(t *testing.T) {
	t.Parallel()
	d := newClockedDemo(t)
	planFile := filepath.Join(t.TempDir(), "modelslab.plan")
	if res := d.run(t, "plan", "-f", "../plancmd/testdata/modelslab.yaml", "--out", planFile); res.Code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", res.Code, res.Stderr)
	}
	for _, args := range [][]string{
		{"apply", "--replace", "api_key.ci", planFile},
		{"apply", planFile, "--auto-approve", "--target", "team"},
	} {
		res := d.run(t, args...)
		if res.Code != 1 || !strings.Contains(res.Stderr, "--replace and --target shape a new plan") {
			t.Errorf("%v: exit %d, want 1 explaining why:\n%s", args, res.Code, res.Stderr)
		}
	}
	if m := d.em.Mutations(); len(m) > 0 {
		t.Errorf("the account changed: %v", m)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestApplyPrintsSpecWarnings: the warnings of the file apply plans from
// are printed on stderr (and annotated under GitHub Actions), for -f FILE
// and for the modelslab.yaml a PLANFILE embeds; they stop nothing.
func TestApplyPrintsSpecWarnings(t *testing.T) {
	t.Parallel()
	d := newClockedDemo(t)
	file := clitest.SpecOrExample(t, `version: 1
api_keys:
  - name: ci
    notes: Used by GitHub Actions
ignore:
  api_keys: ["c*", "production", "dashboard-*", "old-key"]
`)
	planFile := filepath.Join(t.TempDir(), "modelslab.plan")
	for _, args := range [][]string{
		{"apply", "-f", file, "--auto-approve"},
		{"plan", "-f", file, "--out", planFile},
		{"apply", planFile, "--auto-approve"},
	} {
		env := clitest.ClockEnv(clitest.DemoEnv(d.em), d.clock.Now())
		env["GITHUB_ACTIONS"] = "true"
		res := clitest.Mlabctl(t, env, args...)
		if res.Code != 0 || !strings.Contains(res.Stderr, `:6:14: warning: `) || !strings.Contains(res.Stderr, "::warning file=") {
			t.Errorf("%v: exit %d, want 0 with the file's warning on stderr:\n%s", args, res.Code, res.Stderr)
		}
	}
}
