package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// t0 is where the simulated clocks of these tests start: a whole minute,
// so that windows are easy to read.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// windowServer is a fixed-window rate limiter on the simulated clock:
// limit requests per window, then 429 until the window ends. It answers
// /me and logs the simulated time and status of every request.
type windowServer struct {
	clock  *simClock
	limit  int
	window time.Duration
	// headers selects what it sends: "all" (Limit, Remaining, Reset and
	// Retry-After), "documented" (Remaining and Reset only), "none".
	headers string
	// resetStyle "relative" sends Reset as seconds from now.
	resetStyle string
	// skew is how far the server's clock (its Date and Reset) is ahead.
	skew time.Duration

	mu    sync.Mutex
	start time.Time
	used  int
	log   []string // "+1.5s 200"
	n429  int
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.start.IsZero() || !now.Before(s.start.Add(s.window)) {
		s.start = now.Truncate(s.window)
		s.used = 0
	}
	end := s.start.Add(s.window)
	status := 200
	if s.used >= s.limit {
		status = 429
		s.n429++
	} else {
		s.used++
	}
	s.log = append(s.log, fmt.Sprintf("+%v %d", now.Sub(t0), status))
	h := w.Header()
	if s.headers != "none" {
		if s.headers == "all" {
			h.Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
		}
		h.Set("X-RateLimit-Remaining", strconv.Itoa(s.limit-s.used))
		switch s.resetStyle {
		case "relative":
			h.Set("X-RateLimit-Reset", strconv.Itoa(int(end.Sub(now).Seconds()+0.999)))
		default:
			h.Set("X-RateLimit-Reset", strconv.FormatInt(end.Add(s.skew).Unix(), 10))
		}
		h.Set("Date", now.Add(s.skew).Format(http.TimeFormat))
	}
	if status == 429 {
		if s.headers == "all" {
			h.Set("Retry-After", strconv.Itoa(int(end.Sub(now).Seconds()+0.999)))
		}
		w.WriteHeader(429)
		_, _ = w.Write([]byte(`{"message":"Too Many Attempts."}`))
		return
	}
	_, _ = w.Write([]byte(okProfile))
}

func (s *windowServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// pacedClient is a client of ts on clk, reporting its waits to waits.
func pacedClient(t testing.TB, ts *httptest.Server, clk *simClock, mod func(*Options)) (*Client, *[]RateLimitWait) {
	t.Helper()
	var mu sync.Mutex
	waits := &[]RateLimitWait{}
	c := fastClient(t, ts.URL, func(o *Options) {
		o.Clock = clk
		o.MaxWait = 15 * time.Minute
		o.RateLimitWindow = time.Minute
		o.MaxAttempts = 1 // waiting out a 429 is not an attempt
		o.OnRateLimitWait = func(w RateLimitWait) {
			mu.Lock()
			defer mu.Unlock()
			*waits = append(*waits, w)
		}
		if mod != nil {
			mod(o)
		}
	})
	return c, waits
}

// meCalls makes n calls of Me from the test's goroutine on the clock.
func meCalls(t *testing.T, c *Client, clk *simClock, n int) {
	t.Helper()
	clk.Enter()
	defer clk.Exit()
	for i := range n {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
}

// TestPacingWaitsForTheReset: at Remaining 0 the next call waits for the
// window to reset instead of drawing a 429, and the wait is reported once,
// in the words the CLI prints.
func TestPacingWaitsForTheReset(t *testing.T) {
	for _, headers := range []string{"all", "documented"} {
		t.Run(headers, func(t *testing.T) {
			clk := newSimClock(t0)
			srv := &windowServer{clock: clk, limit: 3, window: time.Minute, headers: headers}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c, waits := pacedClient(t, ts, clk, nil)
			meCalls(t, c, clk, 7)
			want := []string{"+0s 200", "+0s 200", "+0s 200", "+1m0s 200", "+1m0s 200", "+1m0s 200", "+2m0s 200"}
			if diff := cmp.Diff(want, srv.requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			var lines []string
			for _, w := range *waits {
				lines = append(lines, w.String())
			}
			wantLines := []string{"rate limited by the API: waiting 1m0s for the window to reset", "rate limited by the API: waiting 1m0s for the window to reset"}
			if diff := cmp.Diff(wantLines, lines); diff != "" {
				t.Errorf("reported waits (-want +got):\n%s", diff)
			}
			if got := c.RateLimitWaited(); got != 2*time.Minute {
				t.Errorf("RateLimitWaited = %v, want 2m", got)
			}
		})
	}
}

// TestPacing429 covers a 429 in each shape: the call waits as long as the
// server says (Retry-After, else the Reset, else a window's length),
// waiting is not a failed attempt (MaxAttempts is 1), and the call then
// succeeds.
func TestPacing429(t *testing.T) {
	tests := []struct {
		name     string
		header   map[string]string
		wantWait time.Duration
		reason   string
	}{
		{"Retry-After", map[string]string{"Retry-After": "7", "X-RateLimit-Reset": strconv.FormatInt(t0.Add(30*time.Second).Unix(), 10)}, 7 * time.Second, reasonRetryAfter},
		{"Reset without Retry-After", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(t0.Add(41*time.Second).Unix(), 10)}, 41 * time.Second, reasonReset},
		{"Reset as seconds from now", map[string]string{"X-RateLimit-Reset": "12"}, 12 * time.Second, reasonReset},
		{"no header at all", nil, time.Minute, reasonBlind},
		{"a Retry-After date", map[string]string{"Retry-After": t0.Add(20 * time.Second).Format(http.TimeFormat)}, 20 * time.Second, reasonRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newSimClock(t0)
			var mu sync.Mutex
			var at []time.Duration
			n := 0
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				n++
				at = append(at, clk.Now().Sub(t0))
				// The server's clock is the simulated one (net/http
				// would send the wall clock's Date).
				w.Header().Set("Date", clk.Now().Format(http.TimeFormat))
				if n == 1 {
					for k, v := range tt.header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(429)
					_, _ = w.Write([]byte(`{"message":"Too Many Attempts."}`))
					return
				}
				_, _ = w.Write([]byte(okProfile))
			}))
			defer ts.Close()
			c, waits := pacedClient(t, ts, clk, nil)
			meCalls(t, c, clk, 1)
			if diff := cmp.Diff([]time.Duration{0, tt.wantWait}, at); diff != "" {
				t.Errorf("request times (-want +got):\n%s", diff)
			}
			if len(*waits) != 1 || (*waits)[0].Reason != tt.reason || (*waits)[0].Wait != tt.wantWait {
				t.Errorf("reported waits %+v, want one of %v %s", *waits, tt.wantWait, tt.reason)
			}
		})
	}
}

// TestPacingBudget: a wait past MaxWait fails at once with a typed error
// that still says it is a rate limit, and sends nothing more.
func TestPacingBudget(t *testing.T) {
	clk := newSimClock(t0)
	srv := &windowServer{clock: clk, limit: 2, window: time.Minute, headers: "documented"}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, _ := pacedClient(t, ts, clk, func(o *Options) { o.MaxWait = 90 * time.Second })
	clk.Enter()
	defer clk.Exit()
	var errs []error
	for range 7 {
		_, err := c.Me(context.Background())
		errs = append(errs, err)
	}
	// Two calls in the first window, two after one wait (60s of the 90s
	// budget), then the next wait of 60s is refused, for every call.
	for i, err := range errs {
		if i < 4 {
			if err != nil {
				t.Errorf("call %d: %v", i+1, err)
			}
			continue
		}
		var wb *WaitBudgetError
		if !errors.As(err, &wb) || !IsWaitBudget(err) {
			t.Fatalf("call %d: error %v, want a *WaitBudgetError", i+1, err)
		}
		if wb.Wait != time.Minute || wb.Waited != time.Minute || wb.Budget != 90*time.Second {
			t.Errorf("call %d: %+v", i+1, wb)
		}
		want := "GET /me: not sent: the rate limit asks for a wait of 1m0s, more than the 30s left of MaxWait, the budget of 1m30s for all such waits"
		if err.Error() != want {
			t.Errorf("call %d: error %q, want %q", i+1, err, want)
		}
	}
	if n := len(srv.requests()); n != 4 {
		t.Errorf("requests = %d, want 4 (nothing sent past the budget)", n)
	}
	if srv.n429 != 0 {
		t.Errorf("%d answers of 429, want none", srv.n429)
	}
}

// TestPacingConcurrent: calls made at once never overrun the window (the
// answers still on their way count as spent), and one pause is counted and
// reported once, however many calls wait in it.
func TestPacingConcurrent(t *testing.T) {
	for _, headers := range []string{"all", "documented"} {
		t.Run(headers, func(t *testing.T) {
			clk := newSimClock(t0)
			srv := &windowServer{clock: clk, limit: 10, window: time.Second, headers: headers}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c, waits := pacedClient(t, ts, clk, func(o *Options) { o.RateLimitReportAfter = time.Millisecond })
			var wg sync.WaitGroup
			var failed sync.Map
			for w := range 4 {
				clk.Go(&wg, func() {
					for i := range 10 {
						if _, err := c.Me(context.Background()); err != nil {
							failed.Store(fmt.Sprint(w, i), err)
						}
					}
				})
			}
			wg.Wait()
			failed.Range(func(k, v any) bool { t.Errorf("call %v: %v", k, v); return true })
			// 40 calls at 10 a second: the first 10 at once, the last 10
			// at +3s.
			if got := clk.Now().Sub(t0); got != 3*time.Second {
				t.Errorf("40 calls took %v, want 3s", got)
			}
			// The first answers of a window can come after calls were
			// let through on an unknown count: at most the concurrency.
			if max429 := map[string]int{"all": 0, "documented": 4}[headers]; srv.n429 > max429 {
				t.Errorf("%d answers of 429, want at most %d", srv.n429, max429)
			}
			if got := c.RateLimitWaited(); got != 3*time.Second {
				t.Errorf("RateLimitWaited = %v, want 3s (each pause once)", got)
			}
			if len(*waits) != 3 {
				t.Errorf("reported %d waits, want 3: %v", len(*waits), *waits)
			}
		})
	}
}

// TestPacingReadsTheServersClock: a Reset in the server's time, whose Date
// says its clock is ahead, is waited for on the client's clock; stale
// answers of a window that passed do not hold calls back.
func TestPacingReadsTheServersClock(t *testing.T) {
	clk := newSimClock(t0)
	srv := &windowServer{clock: clk, limit: 2, window: time.Minute, headers: "documented", skew: 5 * time.Minute}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, _ := pacedClient(t, ts, clk, nil)
	meCalls(t, c, clk, 3)
	want := []string{"+0s 200", "+0s 200", "+1m0s 200"}
	if diff := cmp.Diff(want, srv.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestPacingRelativeReset: a Reset sent as seconds from now (some servers
// do) is not read as 1970.
func TestPacingRelativeReset(t *testing.T) {
	clk := newSimClock(t0)
	srv := &windowServer{clock: clk, limit: 2, window: 10 * time.Second, headers: "documented", resetStyle: "relative"}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, _ := pacedClient(t, ts, clk, nil)
	meCalls(t, c, clk, 5)
	want := []string{"+0s 200", "+0s 200", "+10s 200", "+10s 200", "+20s 200"}
	if diff := cmp.Diff(want, srv.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestPacingAuthApart: the auth endpoints count in their own window (20 a
// minute against 120 for the rest): an exhausted login window does not
// hold other calls back.
func TestPacingAuthApart(t *testing.T) {
	clk := newSimClock(t0)
	reset := strconv.FormatInt(t0.Add(time.Minute).Unix(), 10)
	var mu sync.Mutex
	var log []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, fmt.Sprintf("+%v %s", clk.Now().Sub(t0), strings.TrimPrefix(r.URL.Path, APIPrefix)))
		w.Header().Set("Date", clk.Now().Format(http.TimeFormat))
		w.Header().Set("X-RateLimit-Reset", reset)
		if strings.HasPrefix(r.URL.Path, APIPrefix+"/auth/") {
			w.Header().Set("X-RateLimit-Remaining", "0")
			_, _ = w.Write([]byte(`{"data":[]}`))
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "100")
		_, _ = w.Write([]byte(okProfile))
	}))
	defer ts.Close()
	c, _ := pacedClient(t, ts, clk, nil)
	clk.Enter()
	defer clk.Exit()
	ctx := context.Background()
	if _, err := c.Scopes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Scopes(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"+0s /auth/scopes", "+0s /me", "+1m0s /auth/scopes"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestPacingGivesUpOnEndless429s: a server that answers 429 to every try,
// however long the client waits as told, makes the call fail after
// maxRateLimitedAnswers, not loop until the budget is spent.
func TestPacingGivesUpOnEndless429s(t *testing.T) {
	clk := newSimClock(t0)
	h, ts := serveCanned(t, answer{status: 429, body: `{"message":"Too Many Attempts."}`, header: map[string]string{"Retry-After": "1"}})
	c, _ := pacedClient(t, ts, clk, nil)
	clk.Enter()
	defer clk.Exit()
	_, err := c.Me(context.Background())
	if !IsRateLimited(err) || !strings.Contains(err.Error(), "gave up after 20 rate-limited answers in a row") {
		t.Fatalf("error %v, want a rate limit given up after 20 answers", err)
	}
	if n := h.n.Load(); n != maxRateLimitedAnswers {
		t.Errorf("requests = %d, want %d", n, maxRateLimitedAnswers)
	}
}

// TestPacingCancel: a call waiting for the window returns when its
// context is cancelled, with the cancellation.
func TestPacingCancel(t *testing.T) {
	clk := newSimClock(t0)
	srv := &windowServer{clock: clk, limit: 1, window: 10 * time.Minute, headers: "documented"}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c, _ := pacedClient(t, ts, clk, nil)
	meCalls(t, c, clk, 1)
	ctx, cancel := context.WithCancel(context.Background())
	clk.Enter()
	defer clk.Exit()
	var wg sync.WaitGroup
	var err error
	clk.Go(&wg, func() { _, err = c.Me(ctx) })
	// The call sleeps (the clock would jump to the reset only when the
	// test's goroutine slept too); cancel it.
	for {
		clk.mu.Lock()
		n := len(clk.waiters)
		clk.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
