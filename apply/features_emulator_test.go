package apply

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// clockWorld is an account on an emulator whose clock the test moves, as
// plan and apply see it on two machines days apart.
type clockWorld struct {
	srv      *emulator.Server
	url      string
	token    string
	username string
	time     *emulatortest.Clock
}

func newClockWorld(t *testing.T, start time.Time) *clockWorld {
	t.Helper()
	w := &clockWorld{time: emulatortest.NewClock(start)}
	w.srv = emulator.New()
	w.srv.Now = w.clock
	w.username = w.srv.AddUser(emulator.UserSeed{Username: "acme-bot", Verified: true})
	w.token = w.srv.IssueToken(w.username, "ci", []string{"*"}, 0)
	ts := httptest.NewServer(w.srv)
	t.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

func (w *clockWorld) clock() time.Time { return w.time.Now() }

func (w *clockWorld) advance(d time.Duration) { w.time.Advance(d) }

// client is a fresh client, as a second machine (no local file at all)
// would make.
func (w *clockWorld) client(t *testing.T) *remote.Client {
	t.Helper()
	c, err := remote.New(remote.Options{BaseURL: w.url, Token: remote.Secret(w.token), MaxRetryWait: time.Second, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// plan reads the live account with a fresh client and plans s at the
// emulator's time.
func (w *clockWorld) plan(t *testing.T, s *spec.Spec, o plan.Options) (*plan.Plan, *remote.State, error) {
	t.Helper()
	live, err := w.client(t).Fetch(context.Background(), plan.FetchOptionsFor(s))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	p, err := plan.ComputeWith(s, live, w.clock(), o)
	return p, live, err
}

// keysNamed returns the stored keys of a name.
func (w *clockWorld) keysNamed(t *testing.T, name string) []emulator.Key {
	t.Helper()
	acct, ok := w.srv.Snapshot(w.username)
	if !ok {
		t.Fatal("no account")
	}
	var out []emulator.Key
	for _, k := range acct.APIKeys {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// alwaysOneKey wraps a client and, after every call, checks that the
// account still holds a key named name: no moment of the apply leaves the
// consumers of name without a valid key.
type alwaysOneKey struct {
	Client
	t    *testing.T
	w    *clockWorld
	name string
}

func (a *alwaysOneKey) check(call string) {
	if len(a.w.keysNamed(a.t, a.name)) == 0 {
		a.t.Errorf("after %s no key named %q exists", call, a.name)
	}
}

func (a *alwaysOneKey) CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error) {
	defer a.check("POST /api-keys")
	return a.Client.CreateAPIKey(ctx, r)
}

func (a *alwaysOneKey) UpdateAPIKey(ctx context.Context, id remote.ID, u remote.APIKeyUpdate) (*remote.APIKey, error) {
	defer a.check("PUT /api-keys/" + id.String())
	return a.Client.UpdateAPIKey(ctx, id, u)
}

func (a *alwaysOneKey) DeleteAPIKey(ctx context.Context, id remote.ID) error {
	defer a.check("DELETE /api-keys/" + id.String())
	return a.Client.DeleteAPIKey(ctx, id)
}

func parseSpec(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("modelslab.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

// TestRotationWithOverlapOnTheWire rotates a key with rotate_overlap over
// two applies at two clock times, each planned from the live account alone
// by a fresh client: the first creates the successor and marks the old key,
// plans within the overlap change nothing, the first apply after it deletes
// the old key, and at no moment is the name without a valid key.
func TestRotationWithOverlapOnTheWire(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := newClockWorld(t, start)
	old := w.srv.AddAPIKey(w.username, emulator.Key{Name: "ci", Notes: "Used by CI", CreatedAt: start.Add(-100 * 24 * time.Hour)})
	s := parseSpec(t, `version: 1
api_keys:
  - name: ci
    notes: Used by CI
    rotate_after: 90d
    rotate_overlap: 7d
`)
	ctx := context.Background()

	// Day 0: the rotation.
	p, live, err := w.plan(t, s, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Replace || p.Changes[0].RotateOverlap != "7d" {
		t.Fatalf("day 0 plan = %+v, want one replace with rotate_overlap 7d", p.Changes)
	}
	if err := CheckRails(ctx, p, w.client(t), Rails{Live: live, Now: w.clock()}); err != nil {
		t.Fatalf("CheckRails: %v", err)
	}
	sink := &memSink{}
	guard := &alwaysOneKey{Client: w.client(t), t: t, w: w, name: "ci"}
	res, err := Run(ctx, p, guard, Options{Secrets: sink, Now: w.clock})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Steps) != 1 || !strings.Contains(res.Steps[0].Note, "old key id "+itoa(old.ID)+" retires after 2026-12-09 09:00 UTC") {
		t.Errorf("steps %+v, want one step noting the retirement", res.Steps)
	}
	keys := w.keysNamed(t, "ci")
	if len(keys) != 2 {
		t.Fatalf("after the rotation %d keys named ci, want the old and the new", len(keys))
	}
	at, ok, err := retirement.Parse(keys[0].Notes)
	if !ok || err != nil || !at.Equal(start.Add(7*24*time.Hour)) {
		t.Errorf("old key notes %q: retirement %v %v %v, want after %v", keys[0].Notes, at, ok, err, start.Add(7*24*time.Hour))
	}
	if sink.keys["ci"] == "" || keys[1].Key != sink.keys["ci"].Reveal() {
		t.Error("the new key's secret did not reach the sink")
	}

	// Within the overlap: nothing to do, the predecessor is shown.
	for _, d := range []time.Duration{time.Hour, 6 * 24 * time.Hour} {
		w.advance(d)
		p, _, err := w.plan(t, s, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Empty() || len(p.Retiring) != 1 || p.Retiring[0].LiveID != itoa(old.ID) {
			t.Fatalf("at %s: changes %+v, retiring %+v; want none and the predecessor", w.clock(), p.Changes, p.Retiring)
		}
	}

	// After the overlap: the second apply deletes the predecessor.
	w.advance(23*time.Hour + time.Minute) // start + 7d + 1m
	p, live, err = w.plan(t, s, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	refs := p.UniqueAddresses()
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Delete || p.Changes[0].LiveID != itoa(old.ID) {
		t.Fatalf("after the overlap: %+v (%v), want the predecessor's delete", p.Changes, refs)
	}
	if err := CheckRails(ctx, p, w.client(t), Rails{Live: live, Now: w.clock()}); err != nil {
		t.Fatalf("CheckRails: %v", err)
	}
	if _, err := Run(ctx, p, guard, Options{Now: w.clock}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	keys = w.keysNamed(t, "ci")
	if len(keys) != 1 || keys[0].Key != sink.keys["ci"].Reveal() {
		t.Fatalf("after the second apply: %d keys named ci, want only the successor", len(keys))
	}
	p, _, err = w.plan(t, s, plan.Options{})
	if err != nil || !p.Empty() || len(p.Retiring) != 0 {
		t.Fatalf("converged plan: %+v, %v", p, err)
	}
}

// TestRotationWithOverlapCreateFails: the successor's create fails after
// the old key was marked; the old key is kept, the next plan (any machine)
// creates the successor, and the old key retires only after that.
func TestRotationWithOverlapCreateFails(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := newClockWorld(t, start)
	w.srv.AddAPIKey(w.username, emulator.Key{Name: "ci", CreatedAt: start.Add(-100 * 24 * time.Hour)})
	s := parseSpec(t, "version: 1\napi_keys:\n  - {name: ci, rotate_after: 90d, rotate_overlap: 1d}\n")
	p, _, err := w.plan(t, s, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	failing := &failCreate{Client: w.client(t)}
	res, err := Run(context.Background(), p, failing, Options{Secrets: &memSink{}, Now: w.clock})
	var failed *FailedError
	if !errors.As(err, &failed) || failed.ExitCode() != 4 {
		t.Fatalf("Run = %v, want a failure after a change (exit 4)", err)
	}
	if res.Steps[0].Outcome != Failed || !strings.Contains(res.Steps[0].Err.Error(), "the next apply creates it") {
		t.Errorf("step %+v", res.Steps[0])
	}
	if n := len(w.keysNamed(t, "ci")); n != 1 {
		t.Fatalf("%d keys named ci, want the old one kept", n)
	}
	w.advance(2 * 24 * time.Hour) // past the overlap, still no successor
	p, _, err = w.plan(t, s, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Action != plan.Create || len(p.Retiring) != 1 {
		t.Fatalf("next plan %+v, retiring %+v: want the successor's create, the old key kept", p.Changes, p.Retiring)
	}
	if _, err := Run(context.Background(), p, w.client(t), Options{Secrets: &memSink{}, Now: w.clock}); err != nil {
		t.Fatal(err)
	}
	p, _, err = w.plan(t, s, plan.Options{})
	if err != nil || len(p.Changes) != 1 || p.Changes[0].Action != plan.Delete {
		t.Fatalf("then: %+v, %v; want the old key's delete", p, err)
	}
}

// failCreate fails every key create with a refusal of the API.
type failCreate struct{ Client }

func (f *failCreate) CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error) {
	return nil, &remote.APIError{Status: 422, Code: "validation_error", Message: "refused by the test"}
}

// TestProtectUsedWithinOnTheWire: a key the live account says was used an
// hour ago is refused for deletion (exit 3), and deleted once approved with
// --allow-delete; the plan says when each key was last used.
func TestProtectUsedWithinOnTheWire(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := newClockWorld(t, start)
	used := start.Add(-time.Hour)
	w.srv.AddAPIKey(w.username, emulator.Key{Name: "busy", CreatedAt: start.Add(-10 * 24 * time.Hour), LastUsedAt: &used})
	s := parseSpec(t, "version: 1\napi_keys: []\npolicy: {protect_used_within: 24h}\n")
	p, live, err := w.plan(t, s, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.RecentlyUsed) != 1 || p.RecentlyUsed[0].Address != "api_key.busy" {
		t.Fatalf("RecentlyUsed = %+v", p.RecentlyUsed)
	}
	var text strings.Builder
	if err := plan.RenderText(&text, p, plan.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "last used 1 hour ago") {
		t.Errorf("the plan does not say when the key was last used:\n%s", text.String())
	}
	rails := Rails{Live: live, Now: w.clock(), ProtectUsedWithin: s.Policy.ProtectUsedWithin, ProtectUsedWithinText: s.Policy.ProtectUsedWithinText}
	err = CheckRails(context.Background(), p, w.client(t), rails)
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.ExitCode() != 3 || !strings.Contains(err.Error(), "--allow-delete api_key.busy") {
		t.Fatalf("CheckRails = %v, want a refusal (exit 3) naming --allow-delete api_key.busy", err)
	}
	rails.AllowDelete = []plan.Address{{Kind: plan.KindAPIKey, Name: "busy"}}
	if err := CheckRails(context.Background(), p, w.client(t), rails); err != nil {
		t.Fatalf("approved: %v", err)
	}
	if _, err := Run(context.Background(), p, w.client(t), Options{Now: w.clock}); err != nil {
		t.Fatal(err)
	}
	if n := len(w.keysNamed(t, "busy")); n != 0 {
		t.Errorf("%d keys named busy left, want the approved delete done", n)
	}
}

// TestReplaceOnTheWire: --replace of a protected key is refused (exit 3)
// before anything is read or changed twice; of another key it replaces it
// now, the old one deleted in the same apply.
func TestReplaceOnTheWire(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := newClockWorld(t, start)
	prod := w.srv.AddAPIKey(w.username, emulator.Key{Name: "production", CreatedAt: start.Add(-time.Hour)})
	leaked := w.srv.AddAPIKey(w.username, emulator.Key{Name: "leaked", CreatedAt: start.Add(-time.Hour)})
	s := parseSpec(t, `version: 1
api_keys:
  - {name: production, protect: true}
  - {name: leaked, rotate_after: 90d, rotate_overlap: 7d}
`)
	_, _, err := w.plan(t, s, plan.Options{Replace: []string{"api_key.production"}})
	var rail *plan.RailError
	if !errors.As(err, &rail) || rail.ExitCode() != 3 || !strings.Contains(err.Error(), `remove "protect: true"`) {
		t.Fatalf("--replace of the protected key: %v, want a refusal saying to remove protect", err)
	}
	p, live, err := w.plan(t, s, plan.Options{Replace: []string{"api_key.leaked"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Reason != "requested with --replace" || p.Changes[0].RotateOverlap != "" {
		t.Fatalf("plan %+v, want one replace requested with --replace, without overlap", p.Changes)
	}
	// Edited to delete the protected key under the leaked key's address:
	// the rail follows the live id.
	forged := *p
	forged.Changes = []plan.Change{{Address: p.Changes[0].Address, Action: plan.Delete, LiveID: itoa(prod.ID)}}
	err = CheckRails(context.Background(), &forged, w.client(t), Rails{Live: live, ProtectedIDs: plan.ProtectedKeyIDs(s, live.APIKeys)})
	if !errors.As(err, new(*RefusedError)) {
		t.Fatalf("the forged delete of the protected id: %v, want refused", err)
	}
	if _, err := Run(context.Background(), p, w.client(t), Options{Secrets: &memSink{}, Now: w.clock}); err != nil {
		t.Fatal(err)
	}
	keys := w.keysNamed(t, "leaked")
	if len(keys) != 1 || keys[0].ID == leaked.ID {
		t.Fatalf("keys named leaked: %+v, want only a new one", keys)
	}
	if len(w.keysNamed(t, "production")) != 1 {
		t.Error("the protected key is gone")
	}
}
