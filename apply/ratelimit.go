package apply

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mlabctl/mlabctl/remote"
)

// Rate limits: the client paces every call by the API's rate limit
// (remote's limiter) and reports its pauses; apply shows them, and stops
// cleanly when the client's wait budget (--max-wait) is spent.

// showWait prints the line of a pause on w (stderr) with the progress
// line erased, and shows the wait on the progress line until it is over.
func (p *printer) showWait(w io.Writer, line string, wait time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	if w != nil {
		fmt.Fprintln(w, line)
	}
	if end := p.now().Add(wait); end.After(p.waitEnds) {
		p.waitEnds = end
	}
	p.redraw()
}

// errWaitBudgetSpent is why steps are skipped once a call was refused for
// the wait budget: every later call would wait for the same window.
var errWaitBudgetSpent = errors.New("not started: the rate-limit wait budget (--max-wait) is spent")

// stopForWaitBudget stops the run when res failed for the wait budget, and
// reports whether it did.
func (r *runner) stopForWaitBudget(res StepResult) bool {
	if res.Outcome != Failed || !remote.IsWaitBudget(res.Err) {
		return false
	}
	r.mu.Lock()
	r.budgetSpent = true
	r.mu.Unlock()
	return true
}

// stopped returns why no step may start any more (the wait budget is
// spent), or nil.
func (r *runner) stopped() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.budgetSpent {
		return errWaitBudgetSpent
	}
	return nil
}
