package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// keyUpdates is a plan of n key updates, applied in address order.
func keyUpdates(t testing.TB, n int) *plan.Plan {
	p := &plan.Plan{Account: "acme-bot"}
	for i := range n {
		id := fmt.Sprint(101 + i)
		p.Changes = append(p.Changes, plan.Change{
			Address: addr(t, fmt.Sprintf("api_key.k%d", i)), Action: plan.Update, LiveID: id,
			Before: map[string]any{"name": fmt.Sprintf("k%d", i), "notes": "old"},
			After:  map[string]any{"name": fmt.Sprintf("k%d", i), "notes": "new"},
		})
	}
	return p
}

// TestRunStopsWhenTheWaitBudgetIsSpent: a call refused for the rate-limit
// wait budget (--max-wait) stops the run cleanly: nothing new starts, the
// summary says why, and the exit is 4 when something changed, 1 when not.
func TestRunStopsWhenTheWaitBudgetIsSpent(t *testing.T) {
	budget := &remote.WaitBudgetError{Method: "PATCH", Path: "/api-keys/x", Wait: 41 * time.Second, Waited: 14*time.Minute + 50*time.Second, Budget: 15 * time.Minute}
	for _, tc := range []struct {
		name      string
		refused   string // the call refused for the budget
		wantCode  int
		wantDone  int
		wantCalls int
	}{
		{name: "after a change", refused: `UpdateAPIKey 102 {"notes":"new"}`, wantCode: 4, wantDone: 1, wantCalls: 2},
		{name: "before any change", refused: `UpdateAPIKey 101 {"notes":"new"}`, wantCode: 1, wantDone: 0, wantCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{fail: map[string]error{tc.refused: budget}}
			var out strings.Builder
			res, err := Run(context.Background(), keyUpdates(t, 5), f, Options{Parallelism: 1, Out: &out})
			var fe *FailedError
			if !errors.As(err, &fe) || fe.ExitCode() != tc.wantCode {
				t.Fatalf("error %v, want a *FailedError exiting %d", err, tc.wantCode)
			}
			if !res.WaitBudgetSpent || res.Count(Done) != tc.wantDone || res.Count(Failed) != 1 || res.Count(Skipped) != 4-tc.wantDone {
				t.Errorf("result: spent %v, %d done, %d failed, %d skipped", res.WaitBudgetSpent, res.Count(Done), res.Count(Failed), res.Count(Skipped))
			}
			if n := len(f.Calls()); n != tc.wantCalls {
				t.Errorf("%d calls %v, want %d: nothing starts after the budget is spent", n, f.Calls(), tc.wantCalls)
			}
			res.WriteSummary(&out)
			for _, want := range []string{
				"Apply stopped: the API's rate limit outlasted the wait budget (--max-wait)",
				"not started: the rate-limit wait budget (--max-wait) is spent",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if !strings.Contains(err.Error(), "stopped for the rate limit (--max-wait)") {
				t.Errorf("error %q does not say why apply stopped", err)
			}
		})
	}
}

// TestRunShowsRateLimitWaits: a pause the client reports while apply runs
// is printed on Notices with the progress line erased first, and the
// progress line says that calls wait.
func TestRunShowsRateLimitWaits(t *testing.T) {
	f := &fakeClient{gate: make(chan struct{}), started: make(chan string, 1)}
	var out, notices lockedBuilder
	var show func(string, time.Duration)
	restored := false
	registered := make(chan struct{})
	opts := Options{Parallelism: 1, Out: &out, Live: true, Notices: &notices,
		RateLimitWaits: func(s func(string, time.Duration)) func() {
			show = s
			close(registered)
			return func() { restored = true }
		}}
	done := make(chan error, 1)
	go func() { _, err := Run(context.Background(), keyUpdates(t, 1), f, opts); done <- err }()
	<-registered
	<-f.started
	show("mlabctl: rate limited by the API: waiting 41s for the window to reset", 41*time.Second)
	if got := notices.String(); got != "mlabctl: rate limited by the API: waiting 41s for the window to reset\n" {
		t.Errorf("notices %q", got)
	}
	if got := out.String(); !strings.Contains(got, "waiting 41s for the API's rate limit: api_key.k0") {
		t.Errorf("the progress line does not show the wait: %q", got)
	}
	close(f.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !restored {
		t.Error("Run did not give the notices back")
	}
}

// lockedBuilder is a strings.Builder safe for the printer's goroutine and
// the test's.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
