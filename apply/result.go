package apply

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/plan"
)

// Outcome is how one step ended.
type Outcome int

// The outcomes of a step.
const (
	// Done: the call succeeded (or the live state showed it had).
	Done Outcome = iota + 1
	// Failed: the call failed; StepResult.Err says why.
	Failed
	// Skipped: the call was never made (its replacement was not created, or
	// apply was interrupted); StepResult.Err says why.
	Skipped
	// Unknown: the call was still running when a forced stop
	// (Options.Forced) gave up waiting; it may have happened. It counts as
	// a change, and the next apply settles it from the journal.
	Unknown
)

// String names the outcome as the summary prints it.
func (o Outcome) String() string {
	switch o {
	case Done:
		return "done"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Unknown:
		return "unknown"
	}
	return "invalid"
}

// StepResult is what happened to one step. It never holds a secret.
type StepResult struct {
	Address plan.Address
	Action  plan.Action
	Step    Step
	Phase   plan.Phase
	Outcome Outcome
	// Changed reports whether the account changed (a done step, or a create
	// that happened although its response was lost).
	Changed bool
	// Err is why a step failed or was skipped; nil when done.
	Err error
	// Note is shown after the outcome: "id 123", "already gone", ...
	Note string
	// Duration is how long the call took, retries and reads included.
	Duration time.Duration
	// IdempotencyKey is the key the call carried (empty for skipped steps
	// that never ran).
	IdempotencyKey string
}

// Result is what an apply did, step by step in printed order (phase, then
// address), whichever finished first.
type Result struct {
	Steps []StepResult
	// Interrupted reports that the context was cancelled (Ctrl-C) before
	// every step had started.
	Interrupted bool
	// WaitBudgetSpent reports that a call was refused because waiting for
	// the API's rate limit would have taken the run past its wait budget
	// (--max-wait), and that apply then started nothing new.
	WaitBudgetSpent bool
	// Forced reports a forced stop (Options.Forced): the steps still
	// running after ForceGrace are Unknown. Interrupted is set too.
	Forced bool
	// Overlaps are the live keys of names this run created that it did not
	// make and the plan did not know (another run, or a person, made them
	// meanwhile), each a sentence saying what to do; the run is then not
	// OK (exit 4).
	Overlaps []string
}

// Unknown returns the steps a forced stop left running.
func (r *Result) Unknown() []StepResult {
	var out []StepResult
	for _, s := range r.Steps {
		if s.Outcome == Unknown {
			out = append(out, s)
		}
	}
	return out
}

// Changed reports whether any step changed the account.
func (r *Result) Changed() bool {
	for _, s := range r.Steps {
		if s.Changed {
			return true
		}
	}
	return false
}

// KeysCreated counts the API keys created (new and replacement keys): the
// secrets handed to the SecretSink.
func (r *Result) KeysCreated() int {
	n := 0
	for _, s := range r.Steps {
		if s.Address.Kind == plan.KindAPIKey && (s.Step == StepCreate || s.Step == StepReplaceCreate) && s.Outcome == Done {
			n++
		}
	}
	return n
}

// Count returns how many steps ended with the outcome.
func (r *Result) Count(o Outcome) int {
	n := 0
	for _, s := range r.Steps {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether every step is done.
func (r *Result) OK() bool {
	return r.Count(Done) == len(r.Steps) && !r.Interrupted && !r.WaitBudgetSpent && len(r.Overlaps) == 0
}

// WriteSummary writes the closing summary: on success one line of counts by
// action; otherwise what was done, what failed (with each error) and what
// was skipped (with why), and that a re-run converges.
func (r *Result) WriteSummary(w io.Writer) {
	head, counts := r.headline()
	fmt.Fprintf(w, "\n%s: %s.\n", head, counts)
	if r.OK() {
		return
	}
	for _, l := range r.outcomeLists([]Outcome{Done, Failed, Skipped, Unknown}, func(step string) string { return "    " + step }, plan.SanitizeLine) {
		fmt.Fprintf(w, "  %s:\n%s\n", l.title, strings.Join(l.items, "\n"))
	}
	if len(r.Overlaps) > 0 {
		fmt.Fprintf(w, "  Keys this run did not make:\n")
		for _, o := range r.Overlaps {
			fmt.Fprintf(w, "    %s\n", plan.SanitizeLine(o))
		}
	}
	if n := r.Count(Unknown); n > 0 {
		fmt.Fprintf(w, "Apply was forced to stop with %d action(s) still running, whose outcome is unknown (listed above); the next apply settles them from its journal before it plans.\n", n)
	}
	fmt.Fprintln(w, r.nextStep("command"))
}

// headline is the first line of a summary: its head and its counts. A run
// that is OK counts its changes by action ("Apply complete", "2 created,
// 1 deleted"); another counts its steps by outcome ("Apply failed", "3
// done, 1 failed, 0 skipped").
func (r *Result) headline() (head, counts string) {
	switch {
	case r.OK():
		return "Apply complete", actionCounts(r)
	case r.Forced:
		head = "Apply forced to stop"
	case r.Interrupted:
		head = "Apply interrupted"
	case len(r.Overlaps) > 0 && r.Count(Done) == len(r.Steps):
		head = "Apply found keys it did not make"
	case r.WaitBudgetSpent:
		head = "Apply stopped: the API's rate limit outlasted the wait budget (--max-wait)"
	default:
		head = "Apply failed"
	}
	counts = fmt.Sprintf("%d done, %d failed, %d skipped", r.Count(Done), r.Count(Failed), r.Count(Skipped))
	if n := r.Count(Unknown); n > 0 {
		counts += fmt.Sprintf(", %d unknown", n)
	}
	return head, counts
}

// outcomeList is the steps of one outcome, as the items of a summary.
type outcomeList struct {
	title string // "Failed"
	items []string
}

// outcomeLists lists the steps by outcome, in the order of outcomes,
// leaving out those no step has. An item is the step's mark and
// description through step, then its error, if any, through errMsg: the
// text and markdown summaries differ only in those.
func (r *Result) outcomeLists(outcomes []Outcome, step, errMsg func(string) string) []outcomeList {
	var out []outcomeList
	for _, o := range outcomes {
		l := outcomeList{title: strings.ToUpper(o.String()[:1]) + o.String()[1:]}
		for _, s := range r.Steps {
			if s.Outcome != o {
				continue
			}
			item := step(s.Action.Mark() + " " + describe(s))
			if s.Err != nil {
				item += ": " + errMsg(s.Err.Error())
			}
			l.items = append(l.items, item)
		}
		if len(l.items) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// nextStep closes the summary of a run that is not OK: run the same apply
// (as the rerun says it) again when something changed, which converges.
func (r *Result) nextStep(rerun string) string {
	if r.Changed() {
		return "Run the same " + rerun + " again to finish: it plans from the live account and converges."
	}
	return "Nothing was changed."
}

// describe names a step for a line of output: the address, cleaned by
// plan.SanitizeLine (a live name may hold escape sequences), and the half of
// a replace when it is one.
func describe(s StepResult) string {
	a := plan.SanitizeLine(s.Address.String())
	switch s.Step {
	case StepReplaceCreate:
		return a + " (create the new key)"
	case StepReplaceDelete:
		return a + " (delete the old key)"
	}
	return a
}

// actionCounts renders "2 created, 3 updated, 1 deleted, 1 replaced" (and
// ", 1 resent" when invites were resent) for the changes whose steps are all
// done, counted like plan.Summary so that the numbers match the plan's
// closing line.
func actionCounts(r *Result) string {
	type key struct {
		addr   string
		action plan.Action
	}
	complete := map[key]bool{}
	var order []key
	for _, s := range r.Steps {
		k := key{s.Address.String(), s.Action}
		if _, seen := complete[k]; !seen {
			order = append(order, k)
			complete[k] = true
		}
		if s.Outcome != Done {
			complete[k] = false
		}
	}
	counts := map[plan.Action]int{}
	for _, k := range order {
		if complete[k] {
			counts[k.action]++
		}
	}
	parts := []string{}
	for _, a := range []struct {
		action plan.Action
		verb   string
	}{{plan.Create, "created"}, {plan.Update, "updated"}, {plan.Delete, "deleted"}, {plan.Replace, "replaced"}, {plan.Resend, "resent"}} {
		if a.action == plan.Resend && counts[a.action] == 0 {
			continue // as the plan's closing line leaves it out
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[a.action], a.verb))
	}
	return strings.Join(parts, ", ")
}

// FailedError is returned by Run when a step failed or apply was
// interrupted. Its exit code is 4 when the account changed (CONTRACT.md:
// changed some things, then failed) and 1 when nothing changed.
type FailedError struct {
	Result *Result
}

// Error is a one-line pointer to the summary, which holds the details.
func (e *FailedError) Error() string {
	what := "failed"
	switch {
	case e.Result.Forced:
		what = "was forced to stop"
	case e.Result.Interrupted:
		what = "was interrupted"
	case e.Result.WaitBudgetSpent:
		what = "stopped for the rate limit (--max-wait)"
	}
	if e.Result.Changed() {
		return fmt.Sprintf("apply %s after changing the account (%d done, %d failed, %d skipped); see the summary above", what, e.Result.Count(Done), e.Result.Count(Failed), e.Result.Count(Skipped))
	}
	return fmt.Sprintf("apply %s before changing anything (%d failed, %d skipped); see the summary above", what, e.Result.Count(Failed), e.Result.Count(Skipped))
}

// ExitCode is 4 when something changed, 1 otherwise.
func (e *FailedError) ExitCode() int {
	if e.Result.Changed() {
		return 4
	}
	return 1
}
