package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Crashes, in process.
//
// A dying run is a Run whose client and secret sink "die" at their k-th
// event (a call, or a Save): the files an apply writes (the journal and the
// secrets file) are copied at that moment, as a kill -9 would leave them,
// and from then on every call fails without reaching the server and every
// Save fails. After the run, the copies are put back, and applies like the
// command's (open the journal, Settle, plan with the settled facts, Run)
// follow until the plan is empty. The invariants: at most two further
// applies, every declared key exists exactly once, the secrets file holds
// the live secret of every key apply created, the plan is empty, and no
// e-mail is invited twice. The binary-level kill -9 and SIGINT matrix is
// the crashtests branch's (e2e/).

// errDied is every call's and Save's error after the death.
var errDied = errors.New("the process died")

// dier counts the events of a run and kills it at event dieAt.
type dier struct {
	mu sync.Mutex
	n  int
	// dieAt is the event that dies (1-based); afterSend makes that event
	// happen (the call reaches the server, the Save writes) before the
	// death, which loses its answer.
	dieAt     int
	afterSend bool
	dead      bool
	onDeath   func()
}

// event is what one call or Save does: go on, fail (dead), or die before
// or after doing it.
type event int

const (
	evAlive event = iota
	evDead
	evDieBefore
	evDieAfter
)

func (d *dier) enter() event {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead {
		return evDead
	}
	d.n++
	if d.n != d.dieAt {
		return evAlive
	}
	d.dead = true
	if d.afterSend {
		return evDieAfter
	}
	d.onDeath()
	return evDieBefore
}

// do runs f as one event.
func do[T any](d *dier, f func() (T, error)) (T, error) {
	var zero T
	switch d.enter() {
	case evAlive:
		return f()
	case evDieAfter:
		_, _ = f()
		d.onDeath()
	}
	return zero, errDied
}

func do0(d *dier, f func() error) error {
	_, err := do(d, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// dyingClient is a Client that dies with its dier.
type dyingClient struct {
	c Client
	d *dier
}

func (x *dyingClient) Me(ctx context.Context) (*remote.Profile, error) {
	return do(x.d, func() (*remote.Profile, error) { return x.c.Me(ctx) })
}
func (x *dyingClient) UpdateProfile(ctx context.Context, u remote.ProfileUpdate) (*remote.Profile, error) {
	return do(x.d, func() (*remote.Profile, error) { return x.c.UpdateProfile(ctx, u) })
}
func (x *dyingClient) UpdateSocials(ctx context.Context, u remote.SocialsUpdate) (*remote.Profile, error) {
	return do(x.d, func() (*remote.Profile, error) { return x.c.UpdateSocials(ctx, u) })
}
func (x *dyingClient) UpdatePreferences(ctx context.Context, u remote.PreferencesUpdate) (*remote.Profile, error) {
	return do(x.d, func() (*remote.Profile, error) { return x.c.UpdatePreferences(ctx, u) })
}
func (x *dyingClient) ListAPIKeys(ctx context.Context) ([]remote.APIKey, error) {
	return do(x.d, func() ([]remote.APIKey, error) { return x.c.ListAPIKeys(ctx) })
}
func (x *dyingClient) CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error) {
	return do(x.d, func() (*remote.APIKey, error) { return x.c.CreateAPIKey(ctx, r) })
}
func (x *dyingClient) GetAPIKey(ctx context.Context, id remote.ID) (*remote.APIKey, error) {
	return do(x.d, func() (*remote.APIKey, error) { return x.c.GetAPIKey(ctx, id) })
}
func (x *dyingClient) UpdateAPIKey(ctx context.Context, id remote.ID, u remote.APIKeyUpdate) (*remote.APIKey, error) {
	return do(x.d, func() (*remote.APIKey, error) { return x.c.UpdateAPIKey(ctx, id, u) })
}
func (x *dyingClient) DeleteAPIKey(ctx context.Context, id remote.ID) error {
	return do0(x.d, func() error { return x.c.DeleteAPIKey(ctx, id) })
}
func (x *dyingClient) ListTeam(ctx context.Context) ([]remote.TeamMember, error) {
	return do(x.d, func() ([]remote.TeamMember, error) { return x.c.ListTeam(ctx) })
}
func (x *dyingClient) InviteMember(ctx context.Context, r remote.InviteRequest) (*remote.TeamMember, error) {
	return do(x.d, func() (*remote.TeamMember, error) { return x.c.InviteMember(ctx, r) })
}
func (x *dyingClient) GetMember(ctx context.Context, id remote.ID) (*remote.TeamMember, error) {
	return do(x.d, func() (*remote.TeamMember, error) { return x.c.GetMember(ctx, id) })
}
func (x *dyingClient) UpdateMember(ctx context.Context, id remote.ID, u remote.MemberUpdate) (*remote.TeamMember, error) {
	return do(x.d, func() (*remote.TeamMember, error) { return x.c.UpdateMember(ctx, id, u) })
}
func (x *dyingClient) RemoveMember(ctx context.Context, id remote.ID) error {
	return do0(x.d, func() error { return x.c.RemoveMember(ctx, id) })
}
func (x *dyingClient) ResendInvite(ctx context.Context, id remote.ID) (*remote.TeamMember, error) {
	return do(x.d, func() (*remote.TeamMember, error) { return x.c.ResendInvite(ctx, id) })
}
func (x *dyingClient) ListTokens(ctx context.Context) ([]remote.AccessToken, error) {
	return do(x.d, func() ([]remote.AccessToken, error) { return x.c.ListTokens(ctx) })
}
func (x *dyingClient) RevokeToken(ctx context.Context, id remote.ID) error {
	return do0(x.d, func() error { return x.c.RevokeToken(ctx, id) })
}

// dyingSink is a SecretSink that dies with its dier.
type dyingSink struct {
	s SecretSink
	d *dier
}

func (x *dyingSink) Save(name string, key remote.Secret) error {
	return do0(x.d, func() error { return x.s.Save(name, key) })
}

// snapshot copies the files of dir (and the secrets file) as they are;
// restore puts them back, removing files that appeared since.
type snapshot map[string][]byte

func takeSnapshot(t testing.TB, paths ...string) snapshot {
	s := snapshot{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			s[p] = nil
		case err != nil:
			t.Errorf("snapshot: %v", err)
		default:
			s[p] = b
		}
	}
	return s
}

func (s snapshot) restore(t testing.TB) {
	for p, b := range s {
		if b == nil {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Errorf("restore: %v", err)
		}
	}
}

// crashWorld is a world with a state directory and a secrets file.
type crashWorld struct {
	*world
	dir, secrets string
	// created are the names of keys apply created (not the demo's).
	demoIDs map[string]bool
}

func newCrashWorld(t *testing.T, ignore bool) *crashWorld {
	w := newWorld(t, nil)
	w.srv.IgnoreIdempotency = ignore
	tmp := t.TempDir()
	cw := &crashWorld{world: w, dir: filepath.Join(tmp, "state"), secrets: filepath.Join(tmp, "secrets.json"), demoIDs: map[string]bool{}}
	if err := os.Mkdir(cw.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	acct, _ := w.srv.Snapshot(w.demo.Username)
	for _, k := range acct.APIKeys {
		cw.demoIDs[fmt.Sprint(k.ID)] = true
	}
	return cw
}

// applyOnce is one apply as the command makes it: the journal opened and
// settled, the plan computed with the settled facts, and Run with the
// journal. It returns the plan (nil when refused, with the error).
func (cw *crashWorld) applyOnce(t *testing.T, client Client, sink SecretSink, parallelism int) (*plan.Plan, *Result, error) {
	t.Helper()
	ctx := context.Background()
	j, err := OpenJournal(cw.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	live, err := cw.client.Fetch(ctx, plan.FetchOptionsFor(cw.spec))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	st, err := Settle(ctx, j, cw.client, SettleOptions{BaseURL: live.BaseURL, Account: live.Profile.Username, Secrets: NewSecretsFile(cw.secrets)})
	if err != nil {
		return nil, nil, fmt.Errorf("Settle: %w", err)
	}
	if st.Recovered > 0 {
		if live, err = cw.client.Fetch(ctx, plan.FetchOptionsFor(cw.spec)); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
	}
	p, err := plan.ComputeWith(cw.spec, live, time.Now(), plan.Options{Settled: st.Keys})
	if err != nil {
		return nil, nil, fmt.Errorf("plan (report %q): %w", st.Report, err)
	}
	if p.Empty() {
		return p, nil, nil
	}
	res, err := Run(ctx, p, client, Options{Secrets: sink, Journal: j, Parallelism: parallelism})
	return p, res, err
}

// converge applies until the plan is empty, at most twice, then checks the
// invariants.
func (cw *crashWorld) converge(t *testing.T, what string) {
	t.Helper()
	var last *plan.Plan
	for i := 0; i < 3; i++ {
		p, _, err := cw.applyOnce(t, cw.client, NewSecretsFile(cw.secrets), 4)
		if p == nil {
			t.Errorf("%s: apply %d after the crash refused: %v", what, i+1, err)
			return
		}
		last = p
		if p.Empty() {
			if i > 2 {
				t.Errorf("%s: converged only after %d applies", what, i)
			}
			break
		}
	}
	if !last.Empty() {
		t.Errorf("%s: the plan after two applies still has %d changes: %+v", what, len(last.Changes), last.Changes)
	}
	cw.checkInvariants(t, what)
}

func (cw *crashWorld) checkInvariants(t *testing.T, what string) {
	t.Helper()
	acct, _ := cw.srv.Snapshot(cw.demo.Username)
	b, err := os.ReadFile(cw.secrets)
	if err != nil {
		t.Errorf("%s: the secrets file: %v", what, err)
		return
	}
	var saved map[string]string
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Errorf("%s: the secrets file is not JSON: %v", what, err)
	}
	names := map[string]int{}
	for _, k := range acct.APIKeys {
		names[k.Name]++
	}
	for _, want := range cw.spec.APIKeys {
		if names[want.Name] != 1 {
			t.Errorf("%s: %d live keys named %q, want 1", what, names[want.Name], want.Name)
		}
	}
	for _, k := range acct.APIKeys {
		if cw.demoIDs[fmt.Sprint(k.ID)] {
			continue
		}
		if saved[k.Name] != k.Key {
			t.Errorf("%s: the secrets file does not hold the live secret of key %q (id %v), which apply created", what, k.Name, k.ID)
		}
	}
	emails := map[string]int{}
	for _, m := range acct.Team {
		emails[strings.ToLower(m.Email)]++
	}
	for e, n := range emails {
		if n > 1 {
			t.Errorf("%s: %d team entries for %s", what, n, e)
		}
	}
}

// TestCrashAtEveryBoundaryConverges kills an apply of the example file at
// every event (each call and each Save), before and after it happens, on a
// server that replays idempotency keys and on one that ignores them, and
// checks that the applies that follow converge.
func TestCrashAtEveryBoundaryConverges(t *testing.T) {
	// The events of a whole run, counted once.
	count := newCrashWorld(t, false)
	d := &dier{dieAt: -1}
	if _, _, err := count.applyOnce(t, &dyingClient{c: count.client, d: d}, &dyingSink{s: NewSecretsFile(count.secrets), d: d}, 1); err != nil {
		t.Fatalf("the counting run: %v", err)
	}
	events := d.n
	if events < 10 {
		t.Fatalf("the example apply made %d events; the test would prove little", events)
	}
	trials, failures := 0, 0
	for _, ignore := range []bool{false, true} {
		for k := 1; k <= events; k++ {
			for _, after := range []bool{false, true} {
				name := fmt.Sprintf("ignore-idempotency=%v/event-%d/after=%v", ignore, k, after)
				trials++
				ok := t.Run(name, func(t *testing.T) {
					cw := newCrashWorld(t, ignore)
					var snap snapshot
					d := &dier{dieAt: k, afterSend: after}
					d.onDeath = func() { snap = takeSnapshot(t, filepath.Join(cw.dir, JournalFile), cw.secrets) }
					_, _, _ = cw.applyOnce(t, &dyingClient{c: cw.client, d: d}, &dyingSink{s: NewSecretsFile(cw.secrets), d: d}, 1)
					if snap == nil {
						t.Fatalf("the run never reached event %d", k)
					}
					snap.restore(t)
					cw.converge(t, name)
				})
				if !ok {
					failures++
				}
			}
		}
	}
	t.Logf("%d trials (%d events × before/after × 2 server readings), %d failed", trials, events, failures)
}

// TestCrashRandomParallelConverges kills parallel applies at random events
// (seeded, printed), on both server readings.
func TestCrashRandomParallelConverges(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MLABCTL_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	trials := 40
	if testing.Short() {
		trials = 10
	}
	t.Logf("seed %d (MLABCTL_CRASH_SEED=%d to repeat), %d trials", seed, seed, trials)
	failures := 0
	for i := range trials {
		ignore := rng.IntN(2) == 1
		k := 1 + rng.IntN(40)
		after := rng.IntN(2) == 1
		name := fmt.Sprintf("trial-%d/ignore-idempotency=%v/event-%d/after=%v", i, ignore, k, after)
		ok := t.Run(name, func(t *testing.T) {
			cw := newCrashWorld(t, ignore)
			var snap snapshot
			var once sync.Once
			d := &dier{dieAt: k, afterSend: after}
			d.onDeath = func() {
				once.Do(func() { snap = takeSnapshot(t, filepath.Join(cw.dir, JournalFile), cw.secrets) })
			}
			_, _, _ = cw.applyOnce(t, &dyingClient{c: cw.client, d: d}, &dyingSink{s: NewSecretsFile(cw.secrets), d: d}, 4)
			if snap != nil {
				snap.restore(t)
			}
			cw.converge(t, name)
		})
		if !ok {
			failures++
		}
	}
	t.Logf("seed %d: %d trials, %d failed", seed, trials, failures)
}
