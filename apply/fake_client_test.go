package apply

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/remote"
)

// fakeClient is a Client for tests of Run's own logic (order, bounds,
// failures, interrupts) that need exact control over timing and errors. The
// wire is tested against the emulator in emulator_test.go.
type fakeClient struct {
	mu sync.Mutex
	// calls are "Method arg" in the order the calls started.
	calls []string
	// fail maps "Method arg" to the error that call returns.
	fail map[string]error
	// panics maps "Method arg" to the value that call panics with (a bug
	// below apply, in the client).
	panics map[string]any
	// delay is how long each call takes.
	delay time.Duration
	// gate, when non-nil, holds every call until it is closed.
	gate chan struct{}
	// started receives "Method arg" as each call starts, when non-nil.
	started chan string
	// inflight and maxInflight measure concurrency.
	inflight, maxInflight int
	// cancelledInside counts calls whose context was cancelled when they
	// returned (an interrupt must not reach a started call).
	cancelledInside int
	// keys and team are what the list calls return.
	keys []remote.APIKey
	team []remote.TeamMember
	// tokens is what ListTokens returns.
	tokens []remote.AccessToken
	// replayed counts, per call, how many of its next answers are
	// idempotent replays of a success (Idempotent-Replayed: true, as the
	// real client reports it through remote.WithResponseInfo); fail
	// applies to the answers after those.
	replayed map[string]int
	// gone leaves created keys out of keys, as if deleted right after: a
	// replayed create then names an object that no longer exists.
	gone   bool
	nextID int
}

func (f *fakeClient) do(ctx context.Context, call string) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.inflight++
	if f.inflight > f.maxInflight {
		f.maxInflight = f.inflight
	}
	gate, started, delay, err := f.gate, f.started, f.delay, f.fail[call]
	p, panics := f.panics[call]
	if info := remote.ResponseInfoFrom(ctx); info != nil {
		*info = remote.ResponseInfo{Replayed: f.replayed[call] > 0}
	}
	if f.replayed[call] > 0 {
		f.replayed[call]--
		err = nil
	}
	f.mu.Unlock()
	if started != nil {
		started <- call
	}
	if gate != nil {
		<-gate
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	f.mu.Lock()
	f.inflight--
	if ctx.Err() != nil {
		f.cancelledInside++
	}
	f.mu.Unlock()
	if panics {
		panic(p)
	}
	return err
}

func (f *fakeClient) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Mutations returns the calls so far that may change the account (every
// one but the List and Get reads), in order; nil when there were none.
func (f *fakeClient) Mutations() []string {
	var m []string
	for _, c := range f.Calls() {
		if !strings.HasPrefix(c, "List") && !strings.HasPrefix(c, "Get") {
			m = append(m, c)
		}
	}
	return m
}

// read records a read call and holds the lock until the returned function
// is called. Reads are never gated, delayed or replayed.
func (f *fakeClient) read(call string) (unlock func()) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	return f.mu.Unlock
}

// byID returns a copy of the item of items with id, or the API's 404 for
// "no such <what>".
func byID[T any](items []T, id remote.ID, idOf func(T) remote.ID, what string) (*T, error) {
	for _, v := range items {
		if idOf(v) == id {
			return &v, nil
		}
	}
	return nil, &remote.APIError{Status: 404, Code: "not_found", Message: "no such " + what}
}

func (f *fakeClient) Me(ctx context.Context) (*remote.Profile, error) {
	defer f.read("Me")()
	return &remote.Profile{}, nil
}
func (f *fakeClient) GetAPIKey(ctx context.Context, id remote.ID) (*remote.APIKey, error) {
	call := "GetAPIKey " + id.String()
	defer f.read(call)()
	if err := f.fail[call]; err != nil {
		return nil, err
	}
	return byID(f.keys, id, func(k remote.APIKey) remote.ID { return k.ID }, "key")
}
func (f *fakeClient) GetMember(ctx context.Context, id remote.ID) (*remote.TeamMember, error) {
	defer f.read("GetMember " + id.String())()
	return byID(f.team, id, func(m remote.TeamMember) remote.ID { return m.ID }, "member")
}
func (f *fakeClient) UpdateProfile(ctx context.Context, u remote.ProfileUpdate) (*remote.Profile, error) {
	return &remote.Profile{}, f.do(ctx, "UpdateProfile "+fields(u))
}
func (f *fakeClient) UpdateSocials(ctx context.Context, u remote.SocialsUpdate) (*remote.Profile, error) {
	return &remote.Profile{}, f.do(ctx, "UpdateSocials "+fields(u))
}
func (f *fakeClient) UpdatePreferences(ctx context.Context, u remote.PreferencesUpdate) (*remote.Profile, error) {
	return &remote.Profile{}, f.do(ctx, "UpdatePreferences "+fields(u))
}
func (f *fakeClient) ListAPIKeys(ctx context.Context) ([]remote.APIKey, error) {
	defer f.read("ListAPIKeys")()
	return append([]remote.APIKey(nil), f.keys...), nil
}
func (f *fakeClient) CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error) {
	err := f.do(ctx, "CreateAPIKey "+r.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil && !strings.Contains(err.Error(), "after commit") {
		return nil, err
	}
	f.nextID++
	k := remote.APIKey{ID: remote.ID(fmt.Sprint(9000 + f.nextID)), Name: r.Name, Key: remote.Secret(fmt.Sprintf("sk-fake-%s-%d-secret", r.Name, f.nextID))}
	if !f.gone {
		f.keys = append(f.keys, remote.APIKey{ID: k.ID, Name: k.Name, Key: remote.Secret(k.Key.Masked())})
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}
func (f *fakeClient) UpdateAPIKey(ctx context.Context, id remote.ID, u remote.APIKeyUpdate) (*remote.APIKey, error) {
	return &remote.APIKey{ID: id}, f.do(ctx, "UpdateAPIKey "+id.String()+" "+fields(u))
}
func (f *fakeClient) DeleteAPIKey(ctx context.Context, id remote.ID) error {
	return f.do(ctx, "DeleteAPIKey "+id.String())
}
func (f *fakeClient) ListTeam(ctx context.Context) ([]remote.TeamMember, error) {
	defer f.read("ListTeam")()
	return append([]remote.TeamMember(nil), f.team...), nil
}
func (f *fakeClient) InviteMember(ctx context.Context, r remote.InviteRequest) (*remote.TeamMember, error) {
	err := f.do(ctx, "InviteMember "+r.Email+" "+r.Role)
	if err != nil && strings.Contains(err.Error(), "after commit") {
		f.mu.Lock()
		f.team = append(f.team, remote.TeamMember{Email: r.Email, Role: r.Role, Status: remote.StatusPending})
		f.mu.Unlock()
	}
	return &remote.TeamMember{Email: r.Email}, err
}
func (f *fakeClient) UpdateMember(ctx context.Context, id remote.ID, u remote.MemberUpdate) (*remote.TeamMember, error) {
	return &remote.TeamMember{ID: id}, f.do(ctx, "UpdateMember "+id.String()+" "+fields(u))
}
func (f *fakeClient) RemoveMember(ctx context.Context, id remote.ID) error {
	return f.do(ctx, "RemoveMember "+id.String())
}
func (f *fakeClient) ResendInvite(ctx context.Context, id remote.ID) (*remote.TeamMember, error) {
	return &remote.TeamMember{ID: id}, f.do(ctx, "ResendInvite "+id.String())
}
func (f *fakeClient) ListTokens(ctx context.Context) ([]remote.AccessToken, error) {
	defer f.read("ListTokens")()
	if err := f.fail["ListTokens"]; err != nil {
		return nil, err
	}
	return append([]remote.AccessToken(nil), f.tokens...), nil
}
func (f *fakeClient) RevokeToken(ctx context.Context, id remote.ID) error {
	return f.do(ctx, "RevokeToken "+id.String())
}

// fields renders a request body compactly for call logs.
func fields(v any) string {
	b, err := jsonMarshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
