package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/urfave/cli/v2"
)

// FlagMaxWait is --max-wait DURATION of plan, apply and export: the budget
// of all the waits for the API's rate limit in one run
// (remote.Options.MaxWait).
const FlagMaxWait = "max-wait"

// DefaultMaxWait is --max-wait's default: generous enough for an apply of a
// few hundred changes at the documented 120 requests a minute, short
// enough that a CI job whose API stays closed ends.
const DefaultMaxWait = 15 * time.Minute

// MaxWaitFlag is the --max-wait flag; stops says what happens when the
// budget runs out ("apply stops cleanly, …").
func MaxWaitFlag(stops string) cli.Flag {
	return &cli.DurationFlag{
		Name:  FlagMaxWait,
		Value: DefaultMaxWait,
		Usage: "wait at most `DURATION` in all for the API's rate limit (e.g. 30m, 1h); past it, " + stops,
		// Refused when parsed, before modelslab.yaml is read or anything
		// is sent.
		Action: func(_ *cli.Context, d time.Duration) error { return checkMaxWait(d) },
	}
}

// checkMaxWait refuses a --max-wait that is not positive.
func checkMaxWait(d time.Duration) error {
	if d <= 0 {
		return UsageErrorf("--%s %v must be positive (it bounds the waits for the API's rate limit; e.g. 30m)", FlagMaxWait, d)
	}
	return nil
}

// maxWaitOf returns --max-wait when the command (or a parent) defines and
// sets it, else its default. A command without the flag gets the default
// too: auth calls are few.
func maxWaitOf(c *cli.Context) (time.Duration, error) {
	if c == nil {
		return DefaultMaxWait, nil
	}
	ctx := SetOn(c, FlagMaxWait)
	if ctx == nil {
		return DefaultMaxWait, nil
	}
	d := ctx.Duration(FlagMaxWait)
	return d, checkMaxWait(d)
}

// RateLimitNotices say when the API's rate limit holds a run's calls back:
// every client the factory makes reports its pauses here
// (remote.Options.OnRateLimitWait). By default each pause is one line on
// stderr ("rate limited by the API: waiting 41s for the window to reset");
// while apply draws its progress line it takes them over (Redirect) to
// print them above that line and show the wait on it.
//
// The zero value and a nil *RateLimitNotices print nowhere.
type RateLimitNotices struct {
	errOut io.Writer

	mu sync.Mutex
	to func(remote.RateLimitWait)
}

// NewRateLimitNotices returns notices printed on errOut.
func NewRateLimitNotices(errOut io.Writer) *RateLimitNotices {
	return &RateLimitNotices{errOut: errOut}
}

// Notify reports one pause: to the redirection if there is one, else as a
// line on stderr. It does not block (remote calls it from a waiting call).
func (n *RateLimitNotices) Notify(w remote.RateLimitWait) {
	if n == nil {
		return
	}
	n.mu.Lock()
	to := n.to
	n.mu.Unlock()
	if to != nil {
		to(w)
		return
	}
	if n.errOut != nil {
		fmt.Fprintln(n.errOut, RateLimitLine(w))
	}
}

// Redirect sends every pause to fn until restore is called. A nil
// receiver redirects nothing.
func (n *RateLimitNotices) Redirect(fn func(remote.RateLimitWait)) (restore func()) {
	if n == nil {
		return func() {}
	}
	n.mu.Lock()
	prev := n.to
	n.to = fn
	n.mu.Unlock()
	return func() {
		n.mu.Lock()
		n.to = prev
		n.mu.Unlock()
	}
}

// RateLimitLine is the stderr line of a pause: remote's wording, and how
// much of --max-wait is left once it is over, when that is getting short.
func RateLimitLine(w remote.RateLimitWait) string {
	line := "mlabctl: " + w.String()
	if left := w.Budget - w.Waited; w.Budget > 0 && left < w.Budget/2 {
		line += fmt.Sprintf(" (%v of --%s %v left after it)", left.Round(time.Second), FlagMaxWait, w.Budget)
	}
	return line
}

// explainWaitBudget says what to do about a call refused because the
// rate-limit waits would exceed --max-wait, or returns nil when err is not
// one.
func explainWaitBudget(err error) error {
	var wb *remote.WaitBudgetError
	if !errors.As(err, &wb) {
		return nil
	}
	what := "not sent"
	if wb.Err != nil {
		what = "answered 429 and not retried"
	}
	return &explainedError{err: err, msg: fmt.Sprintf(
		"%s %s: %s: the API's rate limit asks to wait %v, more than is left of --%s %v (%v waited already); run again later, or give a longer --%s",
		wb.Method, wb.Path, what, wb.Wait.Round(time.Second), FlagMaxWait, wb.Budget, wb.Waited.Round(time.Second), FlagMaxWait)}
}
