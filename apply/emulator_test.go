package apply

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// world is the demo account on an emulator, the real client on it, and the
// example modelslab.yaml: apply is tested on the wire, not on a mock.
type world struct {
	srv    *emulator.Server
	url    string
	demo   emulator.Demo
	client *remote.Client
	spec   *spec.Spec
}

func newWorld(t testing.TB, faults *emulator.Faults) *world {
	t.Helper()
	srv := emulator.New()
	demo := srv.SeedDemo()
	srv.Faults = faults
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	// Retries wait 1ms, not the real 250ms backoff.
	client, err := remote.New(remote.Options{BaseURL: ts.URL, Token: remote.Secret(demo.Token), MaxRetryWait: 10 * time.Second, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Load("../examples/modelslab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, url: ts.URL, demo: demo, client: client, spec: s}
}

// plan computes the plan of the example file against the live account.
func (w *world) plan(t testing.TB) *plan.Plan {
	t.Helper()
	live, err := w.client.Fetch(context.Background(), plan.FetchOptionsFor(w.spec))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	p, err := plan.Compute(w.spec, live, time.Now())
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return p
}

// mutations are the logged requests that change something.
func (w *world) mutations() []emulator.Request {
	var out []emulator.Request
	for _, r := range w.srv.Requests() {
		if r.Method != "GET" {
			out = append(out, r)
		}
	}
	return out
}

// phaseOf maps a logged mutation to the phase CONTRACT.md puts it in.
func phaseOf(t testing.TB, r emulator.Request) plan.Phase {
	t.Helper()
	route := r.Method + " " + r.Path
	switch {
	case strings.HasPrefix(route, "PATCH /me"):
		return plan.PhaseAccount
	case route == "POST /api-keys":
		return plan.PhaseKeyCreate
	case strings.HasPrefix(route, "PUT /api-keys/"):
		return plan.PhaseKeyUpdate
	case strings.HasPrefix(route, "DELETE /api-keys/"):
		return plan.PhaseKeyDelete
	case route == "POST /teams", strings.HasSuffix(route, "/resend-invite"):
		return plan.PhaseTeamInvite
	case strings.HasPrefix(route, "PUT /teams/"):
		return plan.PhaseTeamUpdate
	case strings.HasPrefix(route, "DELETE /teams/"):
		return plan.PhaseTeamRemove
	case strings.HasPrefix(route, "DELETE /auth/tokens/"):
		return plan.PhaseTokenRevoke
	}
	t.Fatalf("unexpected mutation %s", route)
	return 0
}

// checkNoDuplicates fails when a key name or an email exists twice.
func (w *world) checkNoDuplicates(t testing.TB) {
	t.Helper()
	acct, ok := w.srv.Snapshot(w.demo.Username)
	if !ok {
		t.Fatal("no demo account")
	}
	names := map[string]int{}
	for _, k := range acct.APIKeys {
		names[k.Name]++
	}
	emails := map[string]int{}
	for _, m := range acct.Team {
		emails[strings.ToLower(m.Email)]++
	}
	for n, c := range names {
		if c > 1 {
			t.Errorf("%d API keys named %q", c, n)
		}
	}
	for e, c := range emails {
		if c > 1 {
			t.Errorf("%d team entries for %q", c, e)
		}
	}
}

func TestEmulatorApplyFollowsPhasesAndConverges(t *testing.T) {
	w := newWorld(t, nil)
	p := w.plan(t)
	w.srv.ResetRequests()
	sink := &memSink{}
	var out strings.Builder
	res, err := Run(context.Background(), p, w.client, Options{Out: &out, Secrets: sink})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	muts := w.mutations()
	if len(muts) != len(res.Steps) {
		t.Errorf("%d mutations for %d steps", len(muts), len(res.Steps))
	}
	keys := map[string]string{}
	last := plan.Phase(0)
	for _, r := range muts {
		ph := phaseOf(t, r)
		if ph < last {
			t.Errorf("%s %s (phase %d) after a call of phase %d", r.Method, r.Path, ph, last)
		}
		last = ph
		if r.IdempotencyKey == "" {
			t.Errorf("%s %s carries no Idempotency-Key", r.Method, r.Path)
		}
		if other, dup := keys[r.IdempotencyKey]; dup {
			t.Errorf("%s %s and %s share an Idempotency-Key", r.Method, r.Path, other)
		}
		keys[r.IdempotencyKey] = r.Method + " " + r.Path
	}
	for _, s := range res.Steps {
		if _, ok := keys[s.IdempotencyKey]; !ok {
			t.Errorf("%s/%s: key %s never reached the server", s.Address, s.Step, s.IdempotencyKey)
		}
	}
	if got := keysOf(sink.keys); len(got) != 2 {
		t.Errorf("secrets for %v, want ci and staging", got)
	}
	if again := w.plan(t); !again.Empty() {
		t.Errorf("a second plan has %d changes, want none: %+v", len(again.Changes), again.Changes)
	}
	w.checkNoDuplicates(t)
}

func TestEmulatorSamePlanTwiceReplays(t *testing.T) {
	w := newWorld(t, nil)
	p := w.plan(t)
	if _, err := Run(context.Background(), p, w.client, Options{Secrets: &memSink{}}); err != nil {
		t.Fatal(err)
	}
	first := w.mutations()
	w.srv.ResetRequests()
	// A re-run of the same plan file (or a retry of the whole apply).
	sink := &memSink{}
	if _, err := Run(context.Background(), p, w.client, Options{Secrets: sink}); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	second := w.mutations()
	key := func(rs []emulator.Request) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Method+" "+r.Path+" "+r.IdempotencyKey)
		}
		sort.Strings(out) // calls within a phase overlap
		return out
	}
	if diff := cmp.Diff(key(first), key(second)); diff != "" {
		t.Errorf("the second run sent other calls or keys (-first +second):\n%s", diff)
	}
	for _, r := range second {
		if !r.Replayed {
			t.Errorf("%s %s was not replayed: it changed the account again", r.Method, r.Path)
		}
	}
	if len(sink.keys) != 2 {
		t.Errorf("the replayed creates gave %d secrets, want 2 (the stored answers carry them)", len(sink.keys))
	}
	w.checkNoDuplicates(t)
}

func TestEmulatorStaleReplayIsMadeAgain(t *testing.T) {
	// Create a key and invite someone, delete both, declare them again
	// within 24 hours, twice: the plan is the same each time, so are its
	// idempotency keys, and the server replays the earlier answers (dead
	// ids, a dead secret). Each round must make them again, on one line per
	// action naming the live id, and keep the live secret.
	w := newWorld(t, nil)
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Account: w.demo.Username, BaseURL: w.url, Changes: []plan.Change{
		{Address: addr(t, "api_key.fresh"), Action: plan.Create, After: map[string]any{"name": "fresh", "notes": "n"}},
		{Address: addr(t, "team_member.zed@example.com"), Action: plan.Create, After: map[string]any{"email": "zed@example.com", "role": "viewer"}},
	}}
	ctx := context.Background()
	// live returns the live ids of the key and the invite, and the key.
	live := func() (keyID, memberID string, key remote.Secret) {
		acct, _ := w.srv.Snapshot(w.demo.Username)
		for _, k := range acct.APIKeys {
			if k.Name == "fresh" {
				keyID, key = fmt.Sprint(k.ID), remote.Secret(k.Key)
			}
		}
		for _, m := range acct.Team {
			if m.Email == "zed@example.com" {
				memberID = fmt.Sprint(m.ID)
			}
		}
		return keyID, memberID, key
	}
	if _, err := Run(ctx, p, w.client, Options{Secrets: &memSink{}}); err != nil {
		t.Fatal(err)
	}
	var staleKeys, staleMembers []string
	for round := 1; round <= 2; round++ {
		keyID, memberID, _ := live()
		staleKeys, staleMembers = append(staleKeys, keyID), append(staleMembers, memberID)
		if err := w.client.DeleteAPIKey(ctx, remote.ID(keyID)); err != nil {
			t.Fatal(err)
		}
		if err := w.client.RemoveMember(ctx, remote.ID(memberID)); err != nil {
			t.Fatal(err)
		}
		sink := &memSink{}
		var out strings.Builder
		if _, err := Run(ctx, p, w.client, Options{Secrets: sink, Out: &out}); err != nil {
			t.Fatalf("round %d: Run: %v\n%s", round, err, out.String())
		}
		keyID, memberID, key := live()
		if keyID == "" || memberID == "" {
			t.Fatalf("round %d: the key or the invite is not live again:\n%s", round, out.String())
		}
		if sink.keys["fresh"].Reveal() != key.Reveal() {
			t.Errorf("round %d: the secret kept is not the live key's (a dead, replayed secret?)", round)
		}
		stale := func(ids []string) string {
			if len(ids) == 1 {
				return "an identical apply's answer (< 24 h old) whose object (id " + ids[0] + ") was"
			}
			return fmt.Sprintf("%d identical applies' answers (< 24 h old) whose objects (ids %s) were", len(ids), strings.Join(ids, ", "))
		}
		want := []string{
			"+ api_key.fresh: created, id " + keyID + ", made again: the API replayed " + stale(staleKeys) + " since deleted (D)",
			"+ team_member.zed@example.com: invited, id " + memberID + ", made again: the API replayed " + stale(staleMembers) + " since deleted (D)",
		}
		got := strings.Split(strings.TrimSuffix(durations.ReplaceAllString(out.String(), "(D)"), "\n"), "\n")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d: output lines (-want +got):\n%s", round, diff)
		}
	}
}

func TestEmulatorConcurrentIdenticalRuns(t *testing.T) {
	w := newWorld(t, &emulator.Faults{})
	w.srv.Latency = 5 * time.Millisecond
	p := w.plan(t)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Run(context.Background(), p, w.client, Options{Secrets: &memSink{}}); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	wg.Wait()
	w.checkNoDuplicates(t)
	if again := w.plan(t); !again.Empty() {
		t.Errorf("a plan after three identical runs has %d changes", len(again.Changes))
	}
}

func TestEmulatorFaultsNeverDuplicateAndConverge(t *testing.T) {
	mutating := []string{"POST ", "PUT ", "PATCH ", "DELETE "}
	tests := []struct {
		name   string
		faults *emulator.Faults
	}{
		{"503 on the first mutations", &emulator.Faults{FailFirst: 3, Routes: mutating}},
		{"429 with Retry-After", &emulator.Faults{FailFirst: 2, Statuses: []int{429}, Routes: mutating}},
		{"500 and 502 at random", &emulator.Faults{Rate: 0.3, Statuses: []int{500, 502}, Routes: mutating, Seed: 7}},
		{"key creates dropped after commit", &emulator.Faults{DropFirst: 2, Routes: []string{"POST /api-keys"}}},
		{"invites dropped after commit", &emulator.Faults{DropFirst: 1, Routes: []string{"POST /teams"}}},
		{"every kind of mutation dropped at random", &emulator.Faults{DropRate: 0.4, Routes: mutating, Seed: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			sink := &memSink{}
			// Faults start with the apply, so that planning reads cleanly.
			p := w.plan(t)
			w.srv.Faults = tt.faults
			runs := 0
			for ; runs < 4 && !p.Empty(); runs++ {
				var out strings.Builder
				_, err := Run(context.Background(), p, w.client, Options{Secrets: sink, Out: &out})
				var fe *FailedError
				if err != nil && !errors.As(err, &fe) {
					t.Fatalf("Run: %v", err)
				}
				w.checkNoDuplicates(t)
				if runs == 0 && !faulted(w.srv.Requests()) {
					t.Error("no fault was injected: the test proves nothing")
				}
				w.srv.Faults = nil
				p = w.plan(t)
			}
			if !p.Empty() {
				t.Fatalf("no convergence after %d runs: %d changes left", runs, len(p.Changes))
			}
			for _, n := range []string{"ci", "staging"} {
				if sink.keys[n].IsZero() {
					t.Errorf("the secret of %q was lost", n)
				}
			}
			// A created key's secret is what the account holds.
			acct, _ := w.srv.Snapshot(w.demo.Username)
			for _, k := range acct.APIKeys {
				if s, ok := sink.keys[k.Name]; ok && s.Reveal() != k.Key {
					t.Errorf("the saved secret of %q is not the live key's", k.Name)
				}
			}
		})
	}
}

func TestEmulatorReplaceCreateFailureKeepsOldKey(t *testing.T) {
	w := newWorld(t, nil)
	p := w.plan(t)
	// Every key create fails with a 422: the replacement of ci cannot be
	// made, so the old ci key must survive.
	w.srv.Faults = &emulator.Faults{Rate: 1, Statuses: []int{422}, Routes: []string{"POST /api-keys"}}
	res, err := Run(context.Background(), p, w.client, Options{Secrets: &memSink{}})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want exit 4", err)
	}
	got := map[string]Outcome{}
	for _, s := range res.Steps {
		if s.Address.Kind == plan.KindAPIKey {
			got[s.Address.Name+"/"+string(s.Step)] = s.Outcome
		}
	}
	want := map[string]Outcome{
		"ci/replace-create": Failed, "ci/replace-delete": Skipped, "staging/create": Failed,
		"production/update": Done, "old-key/delete": Done,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	acct, _ := w.srv.Snapshot(w.demo.Username)
	var names []string
	for _, k := range acct.APIKeys {
		names = append(names, k.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "ci") {
		t.Errorf("the old ci key is gone: keys %v", names)
	}
}

// BenchmarkApplyCreates applies 500 key creates at 20 ms emulator latency.
// It reports the wall time per apply next to the ideal 500/P × 20 ms, and
// the requests the apply made.
func BenchmarkApplyCreates(b *testing.B) {
	const n, latency = 500, 20 * time.Millisecond
	for _, par := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("parallelism=%d", par), func(b *testing.B) {
			var wall time.Duration
			requests := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				srv := emulator.New()
				demo := srv.SeedDemo()
				srv.Latency = latency
				ts := httptest.NewServer(srv)
				client, err := remote.New(remote.Options{BaseURL: ts.URL, Token: remote.Secret(demo.Token)})
				if err != nil {
					b.Fatal(err)
				}
				p := &plan.Plan{BaseURL: ts.URL}
				for k := 0; k < n; k++ {
					name := fmt.Sprintf("bench-%03d", k)
					p.Changes = append(p.Changes, plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: name}, Action: plan.Create, After: map[string]any{"name": name}})
				}
				b.StartTimer()
				start := time.Now()
				if _, err := Run(context.Background(), p, client, Options{Parallelism: par, Secrets: &memSink{}}); err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				b.StopTimer()
				requests += len(srv.Requests())
				ts.Close()
			}
			ideal := time.Duration((n+par-1)/par) * latency
			b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "wall-ms/op")
			b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms/op")
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
		})
	}
}

// faulted reports whether a request was failed or dropped by a fault.
func faulted(rs []emulator.Request) bool {
	for _, r := range rs {
		if r.Dropped || r.Status >= 429 {
			return true
		}
	}
	return false
}
