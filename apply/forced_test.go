package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// TestRunForcedStop: a forced stop while calls hang waits ForceGrace, then
// returns the calls still running as Unknown (counted as changes: exit 4),
// the rest skipped, and a summary naming the unknown actions and saying
// that the next apply settles them.
func TestRunForcedStop(t *testing.T) {
	f := &fakeClient{gate: make(chan struct{}), started: make(chan string, 100)}
	defer close(f.gate) // the hung calls end after the test
	p := &plan.Plan{Changes: []plan.Change{
		{Address: addr(t, "api_key.a"), Action: plan.Create, After: map[string]any{"name": "a"}},
		{Address: addr(t, "api_key.b"), Action: plan.Create, After: map[string]any{"name": "b"}},
		{Address: addr(t, "api_key.c"), Action: plan.Create, After: map[string]any{"name": "c"}},
	}}
	ctx, interrupt := context.WithCancel(context.Background())
	forced := make(chan struct{})
	var out strings.Builder
	done := make(chan struct{})
	var res *Result
	var err error
	go func() {
		defer close(done)
		res, err = Run(ctx, p, f, Options{Secrets: &memSink{}, Out: &out, Parallelism: 2, Forced: forced, ForceGrace: 10 * time.Millisecond})
	}()
	<-f.started
	<-f.started // a and b are in flight, c waits for a slot
	interrupt()
	close(forced)
	<-done
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want a FailedError with exit 4", err)
	}
	if !res.Forced || !res.Interrupted {
		t.Errorf("Forced %v, Interrupted %v; want both", res.Forced, res.Interrupted)
	}
	var unknown []string
	for _, s := range res.Unknown() {
		unknown = append(unknown, s.Address.String())
		if !s.Changed {
			t.Errorf("%s: unknown but not counted as a change", s.Address)
		}
	}
	if strings.Join(unknown, " ") != "api_key.a api_key.b" {
		t.Errorf("unknown steps %v, want api_key.a and api_key.b", unknown)
	}
	if n := res.Count(Skipped); n != 1 {
		t.Errorf("%d skipped, want 1 (api_key.c)", n)
	}
	res.WriteSummary(&out)
	for _, want := range []string{"Apply forced to stop: 0 done, 0 failed, 1 skipped, 2 unknown.", "api_key.a: UNKNOWN", "the next apply settles them from its journal"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// overlapClient is a fakeClient on which another run creates a key of the
// same name while this one creates its own.
type overlapClient struct{ *fakeClient }

func (o overlapClient) CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error) {
	k, err := o.fakeClient.CreateAPIKey(ctx, r)
	o.mu.Lock()
	o.keys = append(o.keys, remote.APIKey{ID: "7777", Name: r.Name})
	o.mu.Unlock()
	return k, err
}

// TestRunReportsOverlap: a key of a name apply created that it did not make
// and the plan did not know is reported after the creates: exit 4, saying
// what to do; nothing of it is deleted, and no second key is made.
func TestRunReportsOverlap(t *testing.T) {
	f := overlapClient{&fakeClient{}}
	p := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.ci"), Action: plan.Create, After: map[string]any{"name": "ci"}}}}
	var out strings.Builder
	res, err := Run(context.Background(), p, f, Options{Secrets: &memSink{}, Out: &out})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want exit 4", err)
	}
	if len(res.Overlaps) != 1 || !strings.Contains(res.Overlaps[0], "id 7777") || !strings.Contains(res.Overlaps[0], "concurrency group") {
		t.Errorf("overlaps %q, want one naming key 7777 and what to do", res.Overlaps)
	}
	res.WriteSummary(&out)
	if !strings.Contains(out.String(), "Keys this run did not make:") {
		t.Errorf("the summary does not report the overlap:\n%s", out.String())
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "DeleteAPIKey") {
			t.Errorf("%s: apply deleted a key it did not make", c)
		}
	}
}
