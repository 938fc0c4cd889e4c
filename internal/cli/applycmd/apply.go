// Package applycmd is `mlabctl apply`: it plans like `mlabctl plan` (or
// loads a PLANFILE and checks it against the live account), shows the plan,
// asks for confirmation on a terminal, and has package apply make the
// changes; new secrets go to --secrets-out or, on a terminal, are shown once.
package applycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// Flags of `mlabctl apply`.
const (
	flagAutoApprove     = "auto-approve"
	flagApplySecretsOut = "secrets-out"
	flagAllowMassDelete = "allow-mass-delete"
	flagAllowDelete     = "allow-delete"
	flagParallelism     = "parallelism"
)

// confirmPrompt is what apply asks on a terminal (Terraform's wording).
const confirmPrompt = "Do you want to apply these changes? Only 'yes' will be accepted: "

// Options are the resolved flags of one `mlabctl apply`.
type Options struct {
	// PlanFile is the positional PLANFILE; empty means plan from the spec.
	PlanFile string
	// BindFile is -f FILE given with PLANFILE: the plan file applies only
	// if it was made from exactly FILE (LoadSpec loads it) and with the
	// options of this command line (PlanOptions).
	BindFile bool
	// PlanOptions are the plan options of the command line (--replace,
	// --target): those of the plan computed from -f FILE, and those a
	// bound PLANFILE must have been made with.
	PlanOptions     plan.Options
	AutoApprove     bool
	SecretsOut      string
	AllowMassDelete bool
	AllowDelete     []plan.Address
	Parallelism     int
	Emulator        bool
	Color           bool
	// StateDir is --state-dir or MLABCTL_STATE_DIR ("" for the default,
	// apply.StateRoot); LockTimeout is --lock-timeout.
	StateDir    string
	LockTimeout time.Duration
	// IO are the streams. When stdin is a terminal, apply can read the
	// answer to its confirmation prompt there (as Terraform does), whatever
	// stdout is (`mlabctl apply | tee apply.log` still asks). Only when
	// stdout is a terminal does apply draw a progress line or print a new
	// secret once: a piped stdout goes to a log or another program, where a
	// secret must never go.
	IO     *iostreams.IOStreams
	GitHub ghactions.Runner
	// Now is the clock of the plan (rotation, resends).
	Now func() time.Time
	// Version is mlabctl's version, named when a plan file made by
	// another one differs from the plan computed now.
	Version string

	// API opens the session; LoadSpec loads modelslab.yaml (-f), and is
	// called for a PLANFILE only to bind it (BindFile).
	API      cmdutil.API
	LoadSpec func() (*spec.Spec, error)

	// settleMade collects the keys settling the journal made (run sets
	// it; settleJournal appends): see settleChanged.
	settleMade *[]remote.ID
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:      "apply",
		Usage:     "Apply modelslab.yaml (or a saved PLANFILE) to the live account",
		ArgsUsage: "[PLANFILE]",
		Description: `Plans like 'mlabctl plan' (or loads PLANFILE, refusing it if the live account
changed since), shows the plan, asks for 'yes' on a terminal unless --auto-approve, then
makes the changes in ordered, idempotent API calls. The question needs stdin to be a
terminal; it follows the plan on stdout, piped too (apply | tee apply.log), and is asked
on stderr only when stdout is redirected to a file. Safety rails
refuse protected keys, too few admins, mass deletions and deleting a key used within
policy.protect_used_within (exit 3, nothing changed): --allow-delete ADDRESS approves
one deletion of a mass deletion or of a recently used key. --replace and --target shape
the plan as they do for 'mlabctl plan'. New
API key secrets go only to --secrets-out FILE (0600, merged), or are shown once when
stdout is a terminal; with stdout piped, a plan creating keys needs --secrets-out. Flags may come
before or after PLANFILE.

A PLANFILE (plan --out) carries the modelslab.yaml it was made from: apply re-derives the
plan from that file, the same options and the live account, refuses (exit 3, nothing
changed) unless it equals the saved plan exactly, naming what differs, and runs every rail
again. A file edited after plan wrote it (its digest) is refused whole (exit 1). With
-f FILE PLANFILE, FILE must also be the very file the plan was made from, byte for byte:
what a CI apply job runs. With PLANFILE and no -f, MODELSLAB_FILE is ignored: the plan
file holds its own modelslab.yaml.

One apply per account at a time: right after connecting, apply locks the account in its
state directory (--state-dir, MLABCTL_STATE_DIR, else .mlabctl-state beside --secrets-out,
else ~/.local/state/mlabctl), which also holds its journal. Another apply of the account on
this machine makes it wait, saying for whom, up to --lock-timeout (0: not at all), then exit
1 having changed nothing. The first Ctrl-C stops after the calls in flight; a second one (or
SIGTERM after SIGINT) waits at most 2s more for the answers arriving, records their secrets,
names the actions whose outcome is unknown and exits 130: the next apply settles them.

Exit codes: 0 applied (or nothing to do), 1 error before any change, 3 refused,
4 changed some things and then failed or was interrupted (re-run to converge),
130 stopped by a second interrupt.`,
		Flags: cmdutil.WithGlobals(append([]cli.Flag{
			&cli.BoolFlag{Name: flagAutoApprove, Usage: "apply without asking (required when stdin is not a terminal)"},
			&cli.StringFlag{Name: flagApplySecretsOut, TakesFile: true, Usage: "write new API key secrets to `FILE`, a JSON object name → key (mode 0600, merged into an existing file)"},
			&cli.BoolFlag{Name: flagAllowMassDelete, Usage: "allow deleting more than policy.max_delete_percent of a section"},
			&cli.StringSliceFlag{Name: flagAllowDelete, Usage: "approve one deletion by `ADDRESS`, of a mass deletion or of a key used within policy.protect_used_within (repeatable), e.g. api_key.old"},
			&cli.IntFlag{Name: flagParallelism, Value: apply.DefaultParallelism, Usage: fmt.Sprintf("at most `N` API calls at once within a phase (1 to %d)", apply.MaxParallelism)},
			cmdutil.MaxWaitFlag("apply starts no new call and stops cleanly (exit 4 with the summary; 1 if nothing changed)"),
			&cli.StringFlag{Name: flagStateDir, TakesFile: true, Usage: "keep apply's journal and account lock under `DIR` (env " + cmdutil.EnvStateDir + "); default .mlabctl-state beside --secrets-out, else $XDG_STATE_HOME/mlabctl or ~/.local/state/mlabctl"},
			&cli.DurationFlag{Name: flagLockTimeout, Value: DefaultLockTimeout, Usage: "wait at most `DURATION` for another apply of the same account on this machine to finish (0: do not wait); past it, exit 1 having changed nothing",
				Action: func(_ *cli.Context, d time.Duration) error {
					if d < 0 {
						return cmdutil.UsageErrorf("--%s %v must not be negative (0 does not wait)", flagLockTimeout, d)
					}
					return nil
				}},
			cmdutil.EmulatorFlag(),
		}, cmdutil.PlanOptionFlags()...)...),
		Action: func(c *cli.Context) error {
			planFile, err := planFileArg(c)
			if errors.Is(err, cmdutil.ErrHelpShown) {
				return nil
			}
			if err != nil {
				return err
			}
			var allow []plan.Address
			for _, s := range c.StringSlice(flagAllowDelete) {
				a, err := plan.ParseAddress(s)
				if err != nil {
					return cmdutil.UsageErrorf("--%s: %w", flagAllowDelete, err)
				}
				allow = append(allow, a)
			}
			planOpts := cmdutil.PlanOptionsOf(c)
			if planFile != "" && !cmdutil.FileGiven(c) && cmdutil.PlanOptionsGiven(planOpts) {
				return cmdutil.UsageErrorf("--%s and --%s shape a new plan, and %s holds one already made with its own options, which apply uses; drop them, or give -f FILE as well to require that %s was made from FILE with exactly these options",
					cmdutil.FlagReplace, cmdutil.FlagTarget, planFile, planFile)
			}
			o := Options{
				PlanFile:        planFile,
				PlanOptions:     planOpts,
				BindFile:        planFile != "" && cmdutil.FileGiven(c),
				AutoApprove:     c.Bool(flagAutoApprove),
				SecretsOut:      c.String(flagApplySecretsOut),
				AllowMassDelete: c.Bool(flagAllowMassDelete),
				AllowDelete:     allow,
				Parallelism:     c.Int(flagParallelism),
				Emulator:        c.Bool(cmdutil.FlagEmulator),
				StateDir:        stateDirOf(c, f),
				LockTimeout:     c.Duration(flagLockTimeout),
				Color:           f.ColorEnabled(c),
				IO:              f.IO,
				GitHub:          f.GitHub(), // ::add-mask:: holds a secret: stderr, never a redirected log
				Now:             f.NowFunc(),
				Version:         f.Build.Version,
				API:             f.API(c),
				LoadSpec:        func() (*spec.Spec, error) { return f.LoadSpec(c) },
			}
			return run(c.Context, o)
		},
	}
}

// stateDirOf is --state-dir, else MLABCTL_STATE_DIR (an empty one counts
// as unset), else "" (apply.StateRoot's default).
func stateDirOf(c *cli.Context, f *cmdutil.Factory) string {
	if c.IsSet(flagStateDir) {
		return c.String(flagStateDir)
	}
	return strings.TrimSpace(f.Getenv(cmdutil.EnvStateDir))
}

// planFileArg returns the PLANFILE of `mlabctl apply` ("" for none) after
// applying the flags that follow it (cmdutil.ArgsAndFlags): CONTRACT.md's
// synopsis puts the flags after PLANFILE, and users type them there.
func planFileArg(c *cli.Context) (string, error) {
	positional, err := cmdutil.ArgsAndFlags(c)
	if err != nil {
		return "", err
	}
	switch len(positional) {
	case 0:
		return "", nil
	case 1:
		return positional[0], nil
	}
	return "", cmdutil.UsageErrorf("apply takes at most one PLANFILE, got %d arguments: %s", len(positional), strings.Join(cmdutil.QuoteAll(positional), " "))
}

// run is `mlabctl apply`.
func run(ctx context.Context, o Options) (err error) {
	var made []remote.ID
	o.settleMade = &made
	defer func() { err = settleChanged(o, made, err) }()
	if o.Parallelism < 1 || o.Parallelism > apply.MaxParallelism {
		return cmdutil.UsageErrorf("--%s %d is out of range: use 1 to %d", flagParallelism, o.Parallelism, apply.MaxParallelism)
	}
	// What stands at --secrets-out is checked before anything (a login
	// included): a device, FIFO, directory or dangling link can never
	// receive a secret. Whether a file can be created there is checked once
	// the plan is known to create keys (SecretsFile.Check below).
	if o.SecretsOut != "" {
		if _, err := atomicfile.Resolve(o.SecretsOut); err != nil {
			return fmt.Errorf("--%s: %w; nothing was changed", flagApplySecretsOut, err)
		}
	}
	sess, s, p, live, journal, err := applyPlan(ctx, o)
	if err != nil {
		return err
	}
	defer sess.Close()
	defer journal.Close()

	if err := plan.RenderText(o.IO.Out, p, plan.RenderOptions{Color: o.Color}); err != nil {
		return err
	}
	if p.Empty() {
		writeApplyStepSummary(o, p, nil)
		return nil
	}
	if err := checkApplyRails(ctx, o, sess, s, p, live); err != nil {
		return err
	}
	if !o.AutoApprove && !o.IO.IsStdinTTY() {
		return cmdutil.Refused("stdin is not a terminal, so apply cannot ask for confirmation: review the plan above and pass --%s to apply it; nothing was changed", flagAutoApprove)
	}
	createsKeys := apply.CreatesKeys(p)
	if createsKeys && o.SecretsOut == "" && !o.IO.IsStdoutTTY() {
		return cmdutil.Refused("the plan creates API keys, and their secrets are shown only once: pass --%s FILE to keep them (stdout is not a terminal, so apply will not print them); nothing was changed", flagApplySecretsOut)
	}
	if err := confirm(ctx, o); err != nil {
		return err
	}
	// The secrets file is checked (read, rewritten 0600) only once the
	// user said yes, and before any change: a key whose secret could not be
	// kept must not be created.
	var sink apply.SecretSink
	if createsKeys && o.SecretsOut != "" {
		f := apply.NewSecretsFile(o.SecretsOut)
		if err := f.Check(); err != nil {
			return fmt.Errorf("--%s: %w; nothing was changed", flagApplySecretsOut, err)
		}
		sink = f
	}

	fmt.Fprintf(o.IO.Out, "\nApplying %s, %s:\n\n", changesPhrase(len(p.Changes)), parallelPhrase(o.Parallelism))
	runOpts := apply.Options{
		Parallelism: o.Parallelism,
		Out:         o.IO.Out,
		Live:        o.IO.IsStdoutTTY(),
		Color:       o.Color,
		Secrets:     sink,
		ShowSecrets: sink == nil && o.IO.IsStdoutTTY(),
		// The clock of the retirement records a rotation with
		// rotate_overlap writes into the old key's notes.
		Now: o.Now,
		// A 403 or 401 says what to do on the step's line and in the
		// summary, as it does when plan or a read fails.
		ExplainError: cmdutil.ExplainAPIError,
		// The client's pauses for the rate limit: a line on stderr, drawn
		// clear of the progress line, which shows the wait too.
		RateLimitWaits: func(show func(string, time.Duration)) func() {
			return sess.RateLimits.Redirect(func(w remote.RateLimitWait) { show(cmdutil.RateLimitLine(w), w.Wait) })
		},
		Notices: o.IO.ErrOut,
		// Every create is journaled before it is sent: a run that dies
		// leaves what the next one settles (settle.go).
		Journal: journal,
	}
	if o.GitHub.Enabled() {
		runOpts.Mask = o.GitHub.Mask
	}
	// While apply changes the account, a second Ctrl-C is apply's to
	// handle (interruptNotice), not an immediate exit.
	forced, release := cmdutil.InterruptsOf(ctx).Hold()
	defer release()
	runOpts.InterruptNotice = interruptNotice(forced != nil)
	runOpts.Forced = forced
	runOpts.ForceGrace = cmdutil.ForceGrace
	runOpts.ForceNotice = fmt.Sprintf("Interrupted again: waiting at most %v for the answers already arriving, then stopping.", cmdutil.ForceGrace)
	res, runErr := apply.Run(ctx, p, sess.Client, runOpts)
	release()
	if res == nil {
		return runErr
	}
	// A second interrupt ends in 130 whether or not every call in flight
	// answered within the grace: the user (or CI) stopped the run. One
	// that came only after Run had finished everything changes nothing.
	forcedStop := res.Forced || (res.Interrupted && isClosed(forced))
	res.WriteSummary(o.IO.Out)
	if waited := sess.Client.RateLimitWaited(); waited >= time.Second {
		fmt.Fprintf(o.IO.Out, "Waited %v in all for the API's rate limit.\n", waited.Round(time.Second))
	}
	writeApplyStepSummary(o, p, res)
	if sink != nil && res.KeysCreated() > 0 {
		fmt.Fprintf(o.IO.Out, "New API key secrets were written to %s (mode 0600).\n", o.SecretsOut)
	}
	if o.Emulator && res.OK() {
		if err := replanDemo(ctx, o, sess, s); err != nil {
			return err
		}
	}
	if forcedStop {
		return cmdutil.WithCode(cmdutil.ExitForced, forcedError(res, journal))
	}
	return runErr
}

// settleChanged corrects the end of an apply whose journal settling made
// keys (apply.Settlement.Made: an interrupted create sent again, which a
// server that ignores idempotency keys answered with a new key) before
// the plan was shown: whatever stopped it afterwards (a declined prompt, a
// rail, a stale plan file) did not leave the account unchanged, so it
// exits 4, not 1 or 3, and says so, naming the keys and where their
// secrets are. The next apply deletes the key nobody holds.
func settleChanged(o Options, made []remote.ID, err error) error {
	if len(made) == 0 || err == nil {
		return err
	}
	switch cmdutil.ExitCode(err) {
	case cmdutil.ExitError, cmdutil.ExitRefused:
	default:
		return err
	}
	ids := make([]string, len(made))
	for i, id := range made {
		ids[i] = id.String()
	}
	fmt.Fprintf(o.IO.ErrOut, "Note: the account did change before the plan: settling the journal of an interrupted apply sent its create again, and the server (which ignores idempotency keys) made key id %s, whose secret is in %s; run apply again to delete the key nobody holds.\n",
		strings.Join(ids, ", "), o.SecretsOut)
	return cmdutil.WithCode(cmdutil.ExitPartial, err)
}

// isClosed reports whether ch (nil: never) is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// forcedError is the end of an apply stopped by a second interrupt (exit
// 130): which actions were still running when it stopped waiting, so
// their outcome is unknown, and that the next apply settles them (its
// journal recorded each create before it was sent).
func forcedError(res *apply.Result, journal *apply.Journal) error {
	unknown := res.Unknown()
	where := ""
	if journal != nil {
		where = " (" + journal.Path() + ")"
	}
	if len(unknown) == 0 {
		return fmt.Errorf("apply was stopped by a second interrupt; every call in flight answered within the wait and was recorded (see the summary above); run apply again to finish the plan")
	}
	names := make([]string, len(unknown))
	for i, u := range unknown {
		names[i] = fmt.Sprintf("%s (%s)", plan.SanitizeLine(u.Address.String()), u.Step)
	}
	return fmt.Errorf("apply was stopped by a second interrupt; the outcome of %d action(s) still running is unknown: %s; the next apply settles them from its journal%s before it plans",
		len(unknown), strings.Join(names, ", "), where)
}

// interruptNotice is what apply says the moment the first Ctrl-C (or
// SIGTERM) arrives while it changes the account, on stderr: it finishes the
// calls in flight, whose answers (secrets) must be recorded, and a second
// one (when this process handles it: forced) stops the wait.
func interruptNotice(forced bool) string {
	if !forced {
		return "Interrupted: stopping after the calls in flight."
	}
	return "Interrupted: stopping after the calls in flight; press Ctrl-C again to stop waiting."
}

// writeApplyStepSummary appends the result to the GitHub Actions job page
// ($GITHUB_STEP_SUMMARY; a no-op elsewhere): counts, and each failed or
// skipped address with its error. A nil result is an empty plan. A summary
// that cannot be written is a warning: the account is as the log says.
func writeApplyStepSummary(o Options, p *plan.Plan, res *apply.Result) {
	if !o.GitHub.Enabled() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### mlabctl apply: %s\n\n", plan.MarkdownCode(p.Account))
	if res == nil {
		b.WriteString(plan.MarkdownText(plan.NoChangesLine(p)) + "\n")
	} else {
		res.WriteMarkdown(&b)
	}
	if err := o.GitHub.AppendSummary(b.String()); err != nil {
		fmt.Fprintf(o.IO.ErrOut, "warning: could not write the GitHub step summary: %v\n", err)
	}
}

// applyPlan returns the session, the spec, the plan and the live state it
// applies to: computed from modelslab.yaml, or re-derived from the
// modelslab.yaml of PLANFILE and checked to equal its saved plan.
func applyPlan(ctx context.Context, o Options) (*cmdutil.Session, *spec.Spec, *plan.Plan, *remote.State, *apply.Journal, error) {
	if o.PlanFile == "" {
		s, err := o.LoadSpec()
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "apply", Scopes: cmdutil.RequiredScopes(s, true), Account: s.Account})
		if err != nil {
			return nil, nil, nil, nil, nil, err
		}
		stateDir, err := lockAccount(ctx, o, sess)
		if err != nil {
			sess.Close()
			return nil, nil, nil, nil, nil, err
		}
		live, err := sess.Client.Fetch(ctx, plan.FetchOptionsFor(s))
		if err != nil {
			sess.Close()
			return nil, nil, nil, nil, nil, fmt.Errorf("reading the live account: %w", cmdutil.ExplainAPIError(err))
		}
		journal, live, settled, err := settleJournal(ctx, o, sess, s, live, stateDir)
		if err != nil {
			sess.Close()
			return nil, nil, nil, nil, nil, err
		}
		opts := o.PlanOptions
		opts.Settled = settled
		p, err := plan.ComputeWith(s, live, o.Now(), opts)
		if err != nil {
			journal.Close()
			sess.Close()
			return nil, nil, nil, nil, nil, cmdutil.ReportPlanProblems(o.IO.ErrOut, o.GitHub, err)
		}
		return sess, s, p, live, journal, nil
	}

	return applyPlanFile(ctx, o)
}

// settleJournal opens the journal of the session's account in its state
// directory dir (lockAccount made and locked it) and settles what earlier applies left
// open (apply.Settle), before the plan is computed: its facts go to the
// plan (plan.Options.Settled) and its report lines to stdout, above the
// plan they explain. When settling recovered a secret (a create sent again)
// the live state is read again. The journal stays open for Run. With no
// dir (the --emulator demo, a throwaway account) there is no journal.
func settleJournal(ctx context.Context, o Options, sess *cmdutil.Session, s *spec.Spec, live *remote.State, dir string) (*apply.Journal, *remote.State, []plan.SettledKey, error) {
	if dir == "" {
		return nil, live, nil, nil
	}
	baseURL := live.BaseURL
	if baseURL == "" {
		baseURL = sess.BaseURL
	}
	account := live.Profile.Username
	journal, err := apply.OpenJournal(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w; nothing was changed", err)
	}
	opts := apply.SettleOptions{BaseURL: baseURL, Account: account, Now: o.Now}
	if o.SecretsOut != "" {
		opts.Secrets = apply.NewSecretsFile(o.SecretsOut)
	}
	if o.GitHub.Enabled() {
		opts.Mask = o.GitHub.Mask
	}
	st, err := apply.Settle(ctx, journal, sess.Client, opts)
	if st != nil && o.settleMade != nil {
		*o.settleMade = append(*o.settleMade, st.Made...)
	}
	if err != nil {
		journal.Close()
		return nil, nil, nil, fmt.Errorf("%w; the journal is kept for the next apply", cmdutil.ExplainAPIError(err))
	}
	for _, line := range st.Report {
		fmt.Fprintln(o.IO.Out, line)
	}
	if len(st.Report) > 0 {
		fmt.Fprintln(o.IO.Out)
	}
	if st.Recovered > 0 || len(st.Made) > 0 {
		again, err := sess.Client.Fetch(ctx, plan.FetchOptionsFor(s))
		if err != nil {
			journal.Close()
			return nil, nil, nil, fmt.Errorf("reading the live account again after settling the journal: %w", cmdutil.ExplainAPIError(err))
		}
		if again.BaseURL == "" {
			again.BaseURL = live.BaseURL
		}
		live = again
	}
	return journal, live, st.Keys, nil
}

// checkApplyRails runs the rails again right before any change.
func checkApplyRails(ctx context.Context, o Options, sess *cmdutil.Session, s *spec.Spec, p *plan.Plan, live *remote.State) error {
	err := apply.CheckRails(ctx, p, sess.Client, railsFor(o, s, live))
	var ref *apply.RefusedError
	if errors.As(err, &ref) {
		return err
	}
	var misuse *apply.AllowDeleteError
	if errors.As(err, &misuse) {
		return cmdutil.UsageError(err)
	}
	// Reading the tokens failed (a missing tokens:read, a network error):
	// exit 1, saying what to do about an API error.
	return cmdutil.ExplainAPIError(err)
}

// railsFor are the rails of spec s on the live state read right before
// applying: protect by name and by live id, min_admins,
// protect_used_within, and the approvals of the command line.
func railsFor(o Options, s *spec.Spec, live *remote.State) apply.Rails {
	r := apply.Rails{
		AllowMassDelete:       o.AllowMassDelete,
		AllowDelete:           o.AllowDelete,
		Live:                  live,
		ProtectedIDs:          plan.ProtectedKeyIDs(s, live.APIKeys),
		MinAdmins:             s.Policy.MinAdmins,
		ProtectUsedWithin:     s.Policy.ProtectUsedWithin,
		ProtectUsedWithinText: s.Policy.ProtectUsedWithinText,
		Now:                   o.Now(),
	}
	for _, k := range s.APIKeys {
		if k.Protect {
			r.Protected = append(r.Protected, k.Name)
		}
	}
	return r
}

// confirm asks for an explicit "yes" read from stdin, a terminal, unless
// --auto-approve (with stdin not a terminal run has already required
// --auto-approve). The question is asked after the plan, on the stream the
// plan went to (flushed first), so that it comes after the plan whatever
// stdout is: on a terminal, and through a pipe too (`apply | tee
// apply.log`, where tee shows both in order; on stderr the question would
// reach the screen before tee had shown the plan, and scroll away above
// it). Only when stdout is redirected to a file, which nobody watches, is
// it asked on stderr.
func confirm(ctx context.Context, o Options) error {
	if o.AutoApprove {
		return nil
	}
	prompt := o.IO.Out
	if o.IO.IsStdoutFile() {
		prompt = o.IO.ErrOut
	}
	flush(o.IO.Out)
	fmt.Fprintf(prompt, "\n%s", confirmPrompt)
	flush(prompt)
	answer, err := o.IO.ReadLine(ctx)
	if cerr := ctx.Err(); cerr != nil && errors.Is(err, cerr) {
		fmt.Fprintln(prompt)
		return cmdutil.Refused("cancelled; nothing was changed")
	}
	if strings.TrimSpace(answer) != "yes" {
		return cmdutil.Refused("apply cancelled (the answer was not 'yes'); nothing was changed")
	}
	return nil
}

// flush writes out what w holds, when it buffers (a bufio.Writer, the
// GitHub Actions guard). An *os.File writes through and has nothing to
// flush.
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}

// replanDemo plans again against the demo emulator after an apply, to show
// that the account now matches the file.
func replanDemo(ctx context.Context, o Options, sess *cmdutil.Session, s *spec.Spec) error {
	fmt.Fprintf(o.IO.Out, "\nPlanning again against the same emulator, to check that the account now matches %s:\n\n", s.Path)
	live, err := sess.Client.Fetch(ctx, plan.FetchOptionsFor(s))
	if err != nil {
		return fmt.Errorf("reading the live account again: %w", cmdutil.ExplainAPIError(err))
	}
	p, err := plan.Compute(s, live, o.Now())
	if err != nil {
		return err
	}
	return plan.RenderText(o.IO.Out, p, plan.RenderOptions{Color: o.Color})
}

func changesPhrase(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

func parallelPhrase(n int) string {
	if n == 1 {
		return "one call at a time"
	}
	return fmt.Sprintf("up to %d calls at a time", n)
}
