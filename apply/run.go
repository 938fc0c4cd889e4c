package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Client is the part of *remote.Client that apply calls. It is an interface
// so that tests can wrap the real client (to count, delay or fail calls).
type Client interface {
	Me(ctx context.Context) (*remote.Profile, error)
	UpdateProfile(ctx context.Context, u remote.ProfileUpdate) (*remote.Profile, error)
	UpdateSocials(ctx context.Context, u remote.SocialsUpdate) (*remote.Profile, error)
	UpdatePreferences(ctx context.Context, u remote.PreferencesUpdate) (*remote.Profile, error)
	ListAPIKeys(ctx context.Context) ([]remote.APIKey, error)
	CreateAPIKey(ctx context.Context, r remote.APIKeyCreate) (*remote.APIKey, error)
	GetAPIKey(ctx context.Context, id remote.ID) (*remote.APIKey, error)
	UpdateAPIKey(ctx context.Context, id remote.ID, u remote.APIKeyUpdate) (*remote.APIKey, error)
	DeleteAPIKey(ctx context.Context, id remote.ID) error
	ListTeam(ctx context.Context) ([]remote.TeamMember, error)
	InviteMember(ctx context.Context, r remote.InviteRequest) (*remote.TeamMember, error)
	GetMember(ctx context.Context, id remote.ID) (*remote.TeamMember, error)
	UpdateMember(ctx context.Context, id remote.ID, u remote.MemberUpdate) (*remote.TeamMember, error)
	RemoveMember(ctx context.Context, id remote.ID) error
	ResendInvite(ctx context.Context, id remote.ID) (*remote.TeamMember, error)
	ListTokens(ctx context.Context) ([]remote.AccessToken, error)
	RevokeToken(ctx context.Context, id remote.ID) error
}

// DefaultParallelism is how many calls of one phase run at once unless
// Options.Parallelism says otherwise (CONTRACT.md: --parallelism, default 4).
const DefaultParallelism = 4

// MaxParallelism bounds Options.Parallelism.
const MaxParallelism = 64

// DefaultForceGrace is how long a forced stop waits for the answers already
// arriving (Options.ForceGrace).
const DefaultForceGrace = 2 * time.Second

// DefaultCallTimeout bounds one step (its retries and reads included) once
// it has started; an interrupt does not cut a started call short.
const DefaultCallTimeout = 2 * time.Minute

// Options tune Run. The zero value prints nothing and refuses to create API
// keys (their secrets would have nowhere to go).
type Options struct {
	// Parallelism is the most calls of one phase in flight; 0 means
	// DefaultParallelism. Values above MaxParallelism are an error.
	Parallelism int
	// Out receives one line per step (nil: discard), in phase then address
	// order, whichever call finished first.
	Out io.Writer
	// Live shows a progress line on Out, which must be a terminal.
	Live bool
	// Color paints the marks and failures with ANSI colours (the caller
	// decides: a terminal, and neither --no-color nor NO_COLOR).
	Color bool
	// Secrets receives each new API key secret as soon as it exists.
	Secrets SecretSink
	// ShowSecrets prints each new secret once on Out, clearly marked, after
	// its step's line (for a terminal without --secrets-out).
	ShowSecrets bool
	// Mask is called with each new secret before anything else happens
	// with it (GitHub Actions' ::add-mask::), with the output held.
	Mask func(secret string)
	// CallTimeout bounds one started step; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// Now is the clock for durations; nil means time.Now.
	Now func() time.Time
	// RateLimitWaits, when non-nil, hands apply the client's pauses for
	// the API's rate limit while Run runs: Run calls it once with show
	// and calls the returned restore when it ends. show prints line (the
	// pause, said in words) on Notices with the progress line erased, and
	// the progress line says that calls wait, for wait.
	RateLimitWaits func(show func(line string, wait time.Duration)) (restore func())
	// Notices receives the lines of the pauses (stderr); nil means Out.
	Notices io.Writer
	// InterruptNotice, when not empty, is printed on Notices (the
	// progress line erased) the moment ctx is cancelled while Run runs
	// ("stopping after the calls in flight; …"); the progress line then
	// says that apply stops after the calls in flight.
	InterruptNotice string
	// ForceNotice, when not empty, is printed on Notices the same way the
	// moment Forced closes ("waiting at most 2s for the answers …").
	ForceNotice string
	// Journal, when not nil, records every create before it is sent and
	// its answer once it is safe (journal.go), so that the next run's
	// Settle finds what a run that died left open. nil: no journal
	// (library tests).
	Journal *Journal
	// Forced, when it closes (a second Ctrl-C, a SIGTERM after a SIGINT),
	// stops Run harder than ctx: nothing new starts, and Run waits at most
	// ForceGrace for the calls in flight (still recording their answers
	// and keeping their secrets), then returns with the steps still
	// running as Unknown and Result.Forced set.
	Forced <-chan struct{}
	// ForceGrace is that wait; 0 means DefaultForceGrace.
	ForceGrace time.Duration
	// ExplainError rewrites the error of a failed step before it is shown
	// on the step's line, in the summary and in the Result (the command
	// says what to do about a 403 or a 401 there); nil, or a nil answer,
	// keeps the error as it is.
	ExplainError func(error) error
}

// Run executes the plan's changes with client: the phases of plan.Phases in
// order, within a phase up to Parallelism calls at once, each mutation
// carrying its IdempotencyKey. A failed step does not stop the others; the
// delete half of a replace whose create did not happen is skipped. When ctx
// is cancelled, started calls finish (under CallTimeout, not ctx), nothing
// new starts, and the rest is skipped.
//
// Run returns an error without a Result when the plan cannot be executed
// (nothing was changed), and a *FailedError with the Result when a step
// failed or the run was interrupted. It does not print the summary: the
// caller writes Result.WriteSummary where it wants it.
func Run(ctx context.Context, p *plan.Plan, client Client, opts Options) (*Result, error) {
	if opts.Parallelism == 0 {
		opts.Parallelism = DefaultParallelism
	}
	if opts.Parallelism < 1 || opts.Parallelism > MaxParallelism {
		return nil, fmt.Errorf("parallelism %d is out of range: use 1 to %d", opts.Parallelism, MaxParallelism)
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.ForceGrace <= 0 {
		opts.ForceGrace = DefaultForceGrace
	}
	phases, err := prepare(p)
	if err != nil {
		return nil, err
	}
	if CreatesKeys(p) && opts.Secrets == nil && !opts.ShowSecrets {
		return nil, errors.New("the plan creates API keys but their secrets have nowhere to go: pass --secrets-out FILE")
	}
	total := 0
	for _, ph := range phases {
		total += len(ph)
	}
	r := &runner{opts: opts, client: client, out: newPrinter(opts.Out, opts.Live, total, opts.Now), byChange: map[int]*StepResult{},
		knownKeys: knownKeys(p), created: map[remote.ID]bool{}, baseURL: p.BaseURL, account: p.Account, knownByName: knownByName(p)}
	// A forced stop is an interrupt too: nothing new starts after it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// finished is made before the goroutine below reads it.
	r.finished = make(chan struct{})
	notices := opts.Notices
	if notices == nil {
		notices = opts.Out
	}
	var forced <-chan struct{}
	var watched chan struct{} // closed when the goroutine below is done
	if opts.Forced != nil {
		grace := make(chan struct{})
		forced = grace
		watched = make(chan struct{})
		crash.Go(func() {
			defer close(watched)
			select {
			case <-opts.Forced:
				r.out.showStopping(notices, opts.ForceNotice)
				cancel()
				t := time.NewTimer(opts.ForceGrace)
				defer t.Stop()
				select {
				case <-t.C:
					close(grace)
				case <-r.finished:
				}
			case <-r.finished:
			}
		})
	}
	r.forced = forced
	if opts.RateLimitWaits != nil {
		notices := opts.Notices
		if notices == nil {
			notices = opts.Out
		}
		restore := opts.RateLimitWaits(func(line string, wait time.Duration) { r.out.showWait(notices, line, wait) })
		defer restore()
	}
	noticed := make(chan struct{})
	stopNotice := context.AfterFunc(ctx, crash.Guarded(func() {
		defer close(noticed)
		r.out.showStopping(notices, opts.InterruptNotice)
	}))
	res := &Result{}
	for _, steps := range phases {
		results := r.phase(ctx, steps)
		res.Steps = append(res.Steps, results...)
		if len(steps) > 0 && steps[0].phase == plan.PhaseKeyCreate && !r.isForced() {
			res.Overlaps = r.overlaps(ctx, p, results)
		}
	}
	if !stopNotice() {
		<-noticed // the notice comes before the summary, never after
	}
	close(r.finished)
	if watched != nil {
		// A second interrupt that came as Run ended may still be printing
		// its notice: it must not write after Run has returned (into the
		// summary, or racing the caller's own output).
		<-watched
	}
	r.out.close()
	res.Forced = r.isForced()
	res.Interrupted = r.interrupted || res.Forced
	res.WaitBudgetSpent = r.budgetSpent
	if !res.OK() {
		return res, &FailedError{Result: res}
	}
	return res, nil
}

// CreatesKeys reports whether the plan creates or replaces an API key, that
// is, whether applying it yields secrets.
func CreatesKeys(p *plan.Plan) bool {
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindAPIKey && (c.Action == plan.Create || c.Action == plan.Replace) {
			return true
		}
	}
	return false
}

// runner is the state of one Run.
type runner struct {
	opts   Options
	client Client
	out    *printer
	// knownKeys are the live API keys the plan acts on: never the key a
	// create whose answer was lost made (see orphan.go).
	knownKeys   map[remote.ID]bool
	mu          sync.Mutex
	byChange    map[int]*StepResult // the replace-create step of each change, once finished
	interrupted bool
	// budgetSpent: a call was refused for the rate-limit wait budget;
	// nothing new starts (ratelimit.go).
	budgetSpent bool
	// created are the keys this run made (overlap.go), knownByName the
	// live keys of each name the plan knew.
	created     map[remote.ID]bool
	knownByName map[string][]string
	// baseURL and account are the plan's, for the journal.
	baseURL, account string
	// forced closes ForceGrace after Options.Forced; finished when Run
	// ends; wasForced once a phase gave up waiting.
	forced    <-chan struct{}
	finished  chan struct{}
	wasForced bool
	// lost are the key names whose create lost an answer (journal_run.go).
	lost map[string]bool
	// shown are the journal entries of keys whose secret only their
	// line shows (no SecretSink), until it has (journal_run.go).
	shown map[*step]shownEntry
}

// isForced reports whether a phase stopped waiting for its steps.
func (r *runner) isForced() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wasForced
}

// phase runs one phase's steps, up to Parallelism at once, and prints their
// lines in order: line i as soon as steps 0..i have all finished.
func (r *runner) phase(ctx context.Context, steps []*step) []StepResult {
	results := make([]StepResult, len(steps))
	secrets := make([]remote.Secret, len(steps))
	finished := make([]bool, len(steps))
	next := 0
	var mu sync.Mutex
	abandoned := false // a forced stop gave up on the steps still running
	finish := func(i int, res StepResult, secret remote.Secret) {
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			return // Unknown already; the journal holds what it did
		}
		results[i], secrets[i], finished[i] = res, secret, true
		for next < len(steps) && finished[next] {
			r.out.print(line(results[next], secrets[next], r.opts.ShowSecrets, r.opts.Color))
			if r.opts.ShowSecrets && !secrets[next].IsZero() {
				r.shownNow(steps[next])
			}
			secrets[next] = ""
			next++
		}
	}

	sem := make(chan struct{}, r.opts.Parallelism)
	var wg sync.WaitGroup
	for i, s := range steps {
		if ctx.Err() == nil {
			if reason := r.blocked(s); reason != nil {
				finish(i, skipped(s, reason), "")
				continue
			}
		}
		acquired := false
		if ctx.Err() == nil {
			select {
			case sem <- struct{}{}:
				acquired = true
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			// select picks at random among ready cases: check again so that
			// nothing starts after an interrupt.
			if acquired {
				<-sem
			}
			r.mu.Lock()
			r.interrupted = true
			r.mu.Unlock()
			finish(i, skipped(s, errInterrupted), "")
			continue
		}
		if why := r.stopped(); why != nil {
			<-sem
			finish(i, skipped(s, why), "")
			continue
		}
		wg.Add(1)
		crash.Go(func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The progress line shows live names too: cleaned like the lines.
			name := plan.SanitizeLine(s.c.Address.String())
			r.out.start(name)
			res, secret := r.exec(ctx, s)
			r.stopForWaitBudget(res)
			r.out.finish(name)
			if s.step == StepReplaceCreate {
				r.mu.Lock()
				r.byChange[s.change] = &res
				r.mu.Unlock()
			}
			finish(i, res, secret)
		})
	}
	done := make(chan struct{})
	crash.Go(func() { wg.Wait(); close(done) })
	select {
	case <-done:
		return results
	case <-r.forced:
	}
	select {
	case <-done: // everything arrived just in time
		return results
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	abandoned = true
	r.mu.Lock()
	r.wasForced = true
	r.mu.Unlock()
	out := slices.Clone(results)
	for i, s := range steps {
		if !finished[i] {
			out[i] = StepResult{Address: s.c.Address, Action: s.c.Action, Step: s.step, Phase: s.phase, Outcome: Unknown, Changed: true, IdempotencyKey: s.key, Err: errUnknown}
		}
	}
	// The lines not printed yet, in order, so that the log says what
	// became of each step.
	for ; next < len(steps); next++ {
		r.out.print(line(out[next], "", false, r.opts.Color))
	}
	return out
}

// errUnknown is the error of a step a forced stop left running.
var errUnknown = errors.New("unknown: the call was still running when apply was forced to stop; the next apply settles it from its journal")

// errInterrupted is why steps are skipped after Ctrl-C.
var errInterrupted = errors.New("not started: apply was interrupted")

// blocked returns why a step must not run: the delete half of a replace runs
// only once its new key exists.
func (r *runner) blocked(s *step) error {
	if s.step != StepReplaceDelete {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	created := r.byChange[s.change]
	if created == nil || created.Outcome != Done {
		return errors.New("not started: the new key was not created, so the old one is kept")
	}
	return nil
}

func skipped(s *step, why error) StepResult {
	return StepResult{Address: s.c.Address, Action: s.c.Action, Step: s.step, Phase: s.phase, Outcome: Skipped, Err: why}
}

// line renders one step's line: mark, address, outcome, duration; and, when
// asked, a new key's secret on a clearly marked line of its own.
func line(res StepResult, secret remote.Secret, show, color bool) string {
	var b strings.Builder
	paint := func(style plan.Style, s string) string { return plan.Paint(style, s, color) }
	mark := paint(plan.MarkStyle(res.Action), res.Action.Mark())
	// Names and server messages are live data: they are printed through
	// plan.SanitizeLine, so that a key named "x\x1b[2K\rFAKE" cannot erase or
	// forge a line of the terminal or the CI log.
	switch res.Outcome {
	case Done:
		fmt.Fprintf(&b, "%s %s: %s", mark, plan.SanitizeLine(res.Address.String()), doneVerb(res))
		if res.Note != "" {
			fmt.Fprintf(&b, ", %s", plan.SanitizeLine(res.Note))
		}
		fmt.Fprintf(&b, " (%s)\n", roundDuration(res.Duration))
	case Failed:
		fmt.Fprintf(&b, "%s %s: %s (%s): %s\n", mark, describe(res), paint(plan.StyleFailure, "FAILED"), roundDuration(res.Duration), errText(res.Err))
	case Skipped:
		fmt.Fprintf(&b, "%s %s: %s: %s\n", mark, describe(res), paint(plan.StyleCaution, "skipped"), errText(res.Err))
	case Unknown:
		fmt.Fprintf(&b, "%s %s: %s: %s\n", mark, describe(res), paint(plan.StyleFailure, "UNKNOWN"), errText(res.Err))
	}
	if show && !secret.IsZero() {
		fmt.Fprintf(&b, "\n    ┌ %s for API key %q, shown only this once; store it now:\n    │ %s\n    └ (pass --secrets-out FILE to have it written to a 0600 file instead)\n\n",
			paint(plan.StyleBold, "NEW SECRET"), res.Address.Name, secret.Reveal())
	}
	return b.String()
}

// errText renders a step's error for one line of output: its message,
// which may quote the server or a live name, cleaned by plan.SanitizeLine.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return plan.SanitizeLine(err.Error())
}

func doneVerb(res StepResult) string {
	switch res.Step {
	case StepCreate:
		if res.Address.Kind == plan.KindTeamMember {
			return "invited"
		}
		return "created"
	case StepUpdate:
		return "updated"
	case StepDelete:
		switch res.Address.Kind {
		case plan.KindTeamMember:
			return "removed"
		case plan.KindAccessToken:
			return "revoked"
		}
		return "deleted"
	case StepResend:
		return "invite resent"
	case StepReplaceCreate:
		return "new key created"
	case StepReplaceDelete:
		return "old key deleted"
	}
	return "done"
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
