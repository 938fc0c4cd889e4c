package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pacing: how long calls wait for the API's rate limit.
//
// The API counts requests per user in fixed windows (120 a minute in
// general, 20 a minute for the auth endpoints) and says where a caller
// stands in every answer: X-RateLimit-Remaining and X-RateLimit-Reset
// (unix seconds), maybe X-RateLimit-Limit, and Retry-After on a 429
// (API.md, last section: only Remaining and Reset are documented). The
// client keeps one limiter for all its calls (copies made by WithToken
// share it, as the server counts per user) and paces by it:
//
//   - while the window has requests left, calls go, never more at once
//     than the window has left (answers still on their way count as
//     spent);
//   - when Remaining reaches 0, calls wait for Reset instead of drawing
//     429s;
//   - a 429 blocks every call until its Retry-After, else until Reset,
//     else for a window's length (Options.RateLimitWindow);
//   - waiting is not a failed attempt: a 429 that was waited out does not
//     count toward MaxAttempts (a call gives up after
//     maxRateLimitedAnswers of them in a row, which only a server that
//     does not say when to come back can cause);
//   - all waits together are bounded by Options.MaxWait: a wait past it
//     fails at once with a *WaitBudgetError (errors.Is ErrWaitBudget), so
//     that a long apply stops cleanly instead of hanging;
//   - each pause of at least Options.RateLimitReportAfter is reported once
//     to Options.OnRateLimitWait.
//
// Time comes from Options.Clock, so that tests and benchmarks can run a
// minute's window in no time.

// Clock is the time the limiter waits in. The zero Options use the real
// one; tests inject a simulated clock (and the emulator's Now with it).
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d, or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, d) }

// Defaults of the pacing options.
const (
	defaultMaxWait          = 15 * time.Minute
	defaultRateLimitWindow  = time.Minute
	defaultRateReportAfter  = time.Second
	maxRateLimitedAnswers   = 20
	clockSkewTolerance      = 2 * time.Second
	resetIsRelativeBelowSec = 1_000_000_000 // a Reset below this is seconds from now, not a unix time
)

// ErrWaitBudget matches a *WaitBudgetError with errors.Is.
var ErrWaitBudget = errors.New("remote: the rate-limit wait budget is spent")

// WaitBudgetError is a call refused because waiting for the rate limit
// would take the client past Options.MaxWait. Nothing was sent for it (the
// 429 it may wrap was the answer to an earlier attempt). The CLI turns it
// into a clean stop: apply reports what was done and exits 4.
type WaitBudgetError struct {
	// Method and Path name the call (the path relative to the API root).
	Method, Path string
	// Wait is the wait the call would need; Waited is what the client has
	// waited so far; Budget is Options.MaxWait.
	Wait, Waited, Budget time.Duration
	// Err is the 429 that asked for the wait, if any (an *APIError).
	Err error
	// EarlierMayHaveCommitted reports that an earlier attempt of the same
	// call got no answer or a 5xx: the mutation may have been made before
	// the rate limit refused the next try (see MayHaveCommitted).
	EarlierMayHaveCommitted bool
}

func (e *WaitBudgetError) Error() string {
	var b strings.Builder
	if e.Err != nil {
		b.WriteString(e.Err.Error())
		b.WriteString(" (not retried: ")
	} else {
		fmt.Fprintf(&b, "%s %s: not sent: ", e.Method, e.Path)
	}
	fmt.Fprintf(&b, "the rate limit asks for a wait of %v, more than the %v left of MaxWait, the budget of %v for all such waits",
		e.Wait.Round(time.Second), max(0, e.Budget-e.Waited).Round(time.Millisecond), e.Budget)
	if e.Err != nil {
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the 429, so that IsRateLimited and errors.As(*APIError)
// see it.
func (e *WaitBudgetError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrWaitBudget) true.
func (e *WaitBudgetError) Is(target error) bool { return target == ErrWaitBudget }

// IsWaitBudget reports whether err is a call refused for the wait budget.
func IsWaitBudget(err error) bool { return errors.Is(err, ErrWaitBudget) }

// RateLimitWait describes one pause of the client's calls for the rate
// limit, as Options.OnRateLimitWait receives it.
type RateLimitWait struct {
	// Wait is how long the calls will wait from now; Until is when they
	// go again.
	Wait  time.Duration
	Until time.Time
	// Reason says why, for the message: "for the window to reset",
	// "as the server asked (Retry-After)", "after a 429 that said
	// nothing".
	Reason string
	// Waited is the client's total wait so far, this pause included, of
	// a budget of Budget (Options.MaxWait).
	Waited, Budget time.Duration
}

// String is the line the CLI prints on stderr:
//
//	rate limited by the API: waiting 41s for the window to reset
func (w RateLimitWait) String() string {
	return fmt.Sprintf("rate limited by the API: waiting %v %s", w.Wait.Round(time.Second), w.Reason)
}

// Reasons of a pause.
const (
	reasonReset      = "for the window to reset"
	reasonRetryAfter = "as the server asked (Retry-After)"
	reasonBlind      = "after a 429 that said nothing about when to retry"
)

// limiter is the client-wide pacer: one bucket per rate-limit group of
// endpoints, one wait budget for all.
type limiter struct {
	clock       Clock
	budget      time.Duration
	window      time.Duration
	reportAfter time.Duration
	onWait      func(RateLimitWait)

	mu      sync.Mutex
	buckets map[string]*bucket
	// waited is the union of every pause so far; pausedUntil is where the
	// last counted pause ends (a pause overlapping it counts once).
	waited      time.Duration
	pausedUntil time.Time
	// reportedUntil is where the last reported pause ends.
	reportedUntil time.Time
}

// bucket is what the client knows of one rate-limit window. Guarded by
// limiter.mu.
type bucket struct {
	// known reports that remaining is the server's word for the current
	// window (or the limit, after the window rolled over).
	known     bool
	remaining int
	// limit is X-RateLimit-Limit, 0 when not sent.
	limit int
	// reset is when the current window ends; zero when not known.
	reset time.Time
	// rolled is the end of the last window that passed: answers naming it
	// (or an earlier one) are stale.
	rolled time.Time
	// inflight counts calls admitted whose answer has not arrived.
	inflight int
	// blockedUntil holds every call back after a 429.
	blockedUntil time.Time
	blockReason  string
	// changed is closed (and replaced) whenever an answer arrives, to wake
	// calls waiting for in-flight answers.
	changed chan struct{}
}

func newLimiter(o *Options) *limiter {
	clk := o.Clock
	if clk == nil {
		clk = realClock{}
	}
	return &limiter{
		clock: clk, budget: o.MaxWait, window: o.RateLimitWindow,
		reportAfter: o.RateLimitReportAfter, onWait: o.OnRateLimitWait,
		buckets: map[string]*bucket{},
	}
}

// bucketFor names the rate-limit group of a path: the auth endpoints
// (login, signup, refresh, switch-account, … but not the token list,
// which is an account resource) count apart from the rest.
func bucketFor(path string) string {
	if strings.HasPrefix(path, "/auth/") && !strings.HasPrefix(path, "/auth/tokens") {
		return "auth"
	}
	return "general"
}

// bucketLocked returns the bucket of key; l.mu is held.
func (l *limiter) bucketLocked(key string) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{changed: make(chan struct{})}
		l.buckets[key] = b
	}
	return b
}

// acquire waits until a call of path may be sent, and counts it in
// flight; every acquire must be followed by one observe. cause is the 429
// that made the call wait again (nil for a first try), wrapped by a
// *WaitBudgetError when the budget refuses the wait.
func (l *limiter) acquire(ctx context.Context, method, path string, cause error) error {
	key := bucketFor(path)
	for {
		l.mu.Lock()
		b := l.bucketLocked(key)
		now := l.clock.Now()
		b.rollLocked(now)
		var until time.Time
		reason := ""
		switch {
		case now.Before(b.blockedUntil):
			until, reason = b.blockedUntil, b.blockReason
		case b.known && b.remaining <= 0 && !b.reset.IsZero():
			until, reason = b.reset, reasonReset
		case b.known && b.remaining-b.inflight <= 0 && b.inflight > 0:
			// The window's last requests are on their way: wait for
			// their answers, which say where the window stands.
			ch := b.changed
			l.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if until.IsZero() {
			b.inflight++
			l.mu.Unlock()
			return nil
		}
		wait := until.Sub(now)
		report, err := l.chargeLocked(now, until, reason)
		l.mu.Unlock()
		if err != nil {
			return &WaitBudgetError{Method: method, Path: path, Wait: wait, Waited: l.Waited(), Budget: l.budget, Err: cause}
		}
		if report != nil && l.onWait != nil {
			l.onWait(*report)
		}
		if err := l.sleepUntil(ctx, until, wait); err != nil {
			return err
		}
	}
}

// UntilSleeper is a Clock that can also sleep until an instant. The
// limiter uses SleepUntil when the clock has it: a simulated clock can
// then jump exactly to the end of a pause however late a waiting call
// gets to sleep, where Sleep(d) would count d from its own now.
type UntilSleeper interface {
	SleepUntil(ctx context.Context, t time.Time) error
}

// sleepUntil waits until until, which was wait from the limiter's now.
func (l *limiter) sleepUntil(ctx context.Context, until time.Time, wait time.Duration) error {
	if us, ok := l.clock.(UntilSleeper); ok {
		return us.SleepUntil(ctx, until)
	}
	return l.clock.Sleep(ctx, wait)
}

// chargeLocked counts a pause until until against the budget and returns
// the report to make, if any; l.mu is held.
func (l *limiter) chargeLocked(now, until time.Time, reason string) (*RateLimitWait, error) {
	start := now
	if l.pausedUntil.After(start) {
		start = l.pausedUntil
	}
	if until.After(start) {
		extra := until.Sub(start)
		if l.waited+extra > l.budget {
			return nil, ErrWaitBudget
		}
		l.waited += extra
		l.pausedUntil = until
	}
	wait := until.Sub(now)
	if wait < l.reportAfter || until.Sub(l.reportedUntil) < l.reportAfter {
		return nil, nil
	}
	l.reportedUntil = until
	return &RateLimitWait{Wait: wait, Until: until, Reason: reason, Waited: l.waited, Budget: l.budget}, nil
}

// Waited returns how long the client's calls have waited for the rate
// limit so far (each pause counted once, however many calls it held).
func (l *limiter) Waited() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waited
}

// rollLocked starts a new window once the known one has ended: the
// remaining count is the limit again when the server said it, else
// unknown until the next answer.
func (b *bucket) rollLocked(now time.Time) {
	if b.reset.IsZero() || now.Before(b.reset) {
		return
	}
	b.rolled, b.reset = b.reset, time.Time{}
	b.known = b.limit > 0
	b.remaining = b.limit
}

// observe records the answer to an acquired call: status 0 and a nil
// header for a call that got no answer. A 429 blocks the bucket; every
// answer's X-RateLimit-* headers update it. retryAfter is the 429's
// Retry-After, as decoded.
func (l *limiter) observe(path string, status int, h http.Header, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(bucketFor(path))
	if b.inflight > 0 {
		b.inflight--
	}
	defer func() {
		close(b.changed)
		b.changed = make(chan struct{})
	}()
	if h == nil {
		return
	}
	now := l.clock.Now()
	b.rollLocked(now)
	if n, ok := headerInt(h, "X-RateLimit-Limit"); ok && n > 0 {
		b.limit = n
	}
	reset, hasReset := resetTime(h, now)
	remaining, hasRemaining := headerInt(h, "X-RateLimit-Remaining")
	switch {
	case hasReset && !reset.After(now), hasReset && !b.rolled.IsZero() && !reset.After(b.rolled):
		// The answer of a window that has passed: stale.
	case hasReset && !b.reset.IsZero() && absDuration(reset.Sub(b.reset)) < time.Second:
		// The same window: the lowest count is the latest.
		if hasRemaining && (!b.known || remaining < b.remaining) {
			b.remaining, b.known = remaining, true
		}
	case hasReset:
		// A new window.
		b.reset = reset
		if hasRemaining {
			b.remaining, b.known = remaining, true
		} else {
			b.known = false
		}
	case hasRemaining:
		// A count without a reset (some servers send Reset only on a
		// 429): the lowest one until a window is known.
		if !b.known || remaining < b.remaining {
			b.remaining, b.known = remaining, true
		}
	}
	if status != http.StatusTooManyRequests {
		return
	}
	// A 429: nothing goes until the server says, else until the window
	// resets, else for a window's length.
	until, reason := now.Add(retryAfter), reasonRetryAfter
	switch {
	case retryAfter > 0:
	case !b.reset.IsZero() && b.reset.After(now):
		until, reason = b.reset, reasonReset
	default:
		until, reason = now.Add(l.window), reasonBlind
	}
	if until.After(b.blockedUntil) {
		b.blockedUntil, b.blockReason = until, reason
	}
	// The window is spent; after the block the count is unknown (the
	// server's Retry-After is its word on when to try again).
	b.remaining, b.known = 0, false
}

// headerInt reads a header as a non-negative integer.
func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || n != n || n > 1<<31 {
		return 0, false
	}
	return int(n), true
}

// resetTime reads X-RateLimit-Reset on the client's clock: a unix time (as
// API.md says), or seconds from now when it is too small to be one (as
// some servers send it). A server clock that is off from the client's
// by more than clockSkewTolerance (its Date header says) is corrected for.
func resetTime(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return time.Time{}, false
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs < 0 || secs != secs || secs > 1e11 {
		return time.Time{}, false
	}
	if secs < resetIsRelativeBelowSec {
		return now.Add(time.Duration(secs * float64(time.Second))), true
	}
	whole := int64(secs)
	reset := time.Unix(whole, int64((secs-float64(whole))*1e9))
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		if skew := date.Sub(now); absDuration(skew) > clockSkewTolerance {
			reset = reset.Add(-skew)
		}
	}
	return reset, true
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
