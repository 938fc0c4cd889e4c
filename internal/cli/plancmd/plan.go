// Package plancmd is `mlabctl plan`: it reads the live account (only the
// sections modelslab.yaml manages, with read scopes), computes the plan,
// prints it as text, markdown or JSON, and saves it with --out for a later
// `mlabctl apply PLANFILE`. Nothing is changed.
package plancmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/internal/atomicfile"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/internal/cli/ghactions"
	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
	"github.com/urfave/cli/v2"
)

// Flags of `mlabctl plan` (besides -o/--output, shared with auth).
const (
	flagPlanOut          = "out"
	flagDetailedExitCode = "detailed-exitcode"
)

// Options are the resolved flags of one `mlabctl plan`.
type Options struct {
	// Out is the plan file to write (--out); empty means none.
	Out string
	// SpecPath is the -f file; --out must not name it.
	SpecPath string
	// Emulator is --emulator: a plan of a throwaway emulator cannot be
	// saved, since no later run can apply it.
	Emulator bool
	// DetailedExitCode makes pending changes exit 2.
	DetailedExitCode bool
	// Format is text, markdown or json (-o).
	Format string
	// Color enables ANSI colour in the text output.
	Color bool

	IO     *iostreams.IOStreams
	GitHub ghactions.Runner
	// Now is the clock of the plan (rotation, resends) and of the plan file.
	Now func() time.Time
	// StateDir is MLABCTL_STATE_DIR: where plan looks for the journal an
	// interrupted apply left (read only; see journalFacts).
	StateDir string
	// Version is mlabctl's version, recorded in plan files.
	Version string
	// PlanOptions are the plan options of the command line (--replace,
	// --target), recorded in the plan file so that apply re-derives the
	// plan with the same ones.
	PlanOptions plan.Options

	// LoadSpec loads modelslab.yaml (-f); API opens the session.
	LoadSpec func() (*spec.Spec, error)
	API      cmdutil.API
}

// New returns the command.
func New(f *cmdutil.Factory) *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "Show what apply would change to make the live account equal to modelslab.yaml",
		Description: `Reads the live account (only the sections modelslab.yaml manages, with read scopes)
and prints the changes apply would make, in the order it would make them. Nothing is
changed. Safety rails are checked now: a protected key that would be replaced, or a team
left with fewer than policy.min_admins admins, refuses the plan (exit 3).

--replace api_key.NAME replaces that declared key now (a leaked one: its old key is
deleted in the same apply, whatever rotate_overlap says); a protected key is refused
(exit 3). --target ADDRESS|SECTION limits the plan to those changes (api_key.ci,
team_member.a@b.c, api_keys, team, profile, …); the plan says it is partial, and the
rails still reason about the whole account. Both are repeatable; a value that names
nothing is an error (exit 1). A plan file records them.

--out PLANFILE saves the plan with the modelslab.yaml it was made from and a fingerprint
of the live state (mode 0600, no secrets), sealed by a digest; 'mlabctl apply PLANFILE'
applies exactly that plan, or refuses if the account changed since, and 'mlabctl show
PLANFILE' prints it again. PLANFILE may replace an earlier plan file, never
modelslab.yaml or any other file; --out does not go with --emulator, whose plans
cannot be applied later. Under GitHub Actions the markdown plan is appended to the
step summary and the outputs has_changes, create, update, delete and replace are set.

Exit codes: 0 success (with --detailed-exitcode: and no changes), 1 error,
2 with --detailed-exitcode: changes are pending, 3 refused by a safety rail.`,
		Flags: cmdutil.WithGlobals(append([]cli.Flag{
			&cli.StringFlag{Name: flagPlanOut, TakesFile: true, Usage: "save the plan to `PLANFILE` for 'mlabctl apply PLANFILE' (mode 0600)"},
			&cli.BoolFlag{Name: flagDetailedExitCode, Usage: "exit 2 when changes are pending, 0 when there are none"},
			cmdutil.OutputFlag("print the plan as `FORMAT`: text, markdown (a PR comment) or json", cmdutil.PlanFormats()...),
			cmdutil.MaxWaitFlag("plan fails (exit 1)"),
			cmdutil.EmulatorFlag(),
		}, cmdutil.PlanOptionFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.UsageErrorf("plan takes no arguments, got %q (the file is -f FILE)", c.Args().First())
			}
			o := Options{
				Out:              c.String(flagPlanOut),
				SpecPath:         f.Globals(c).File,
				Emulator:         c.Bool(cmdutil.FlagEmulator),
				DetailedExitCode: c.Bool(flagDetailedExitCode),
				Format:           c.String(cmdutil.FlagOutput),
				Color:            f.ColorEnabled(c),
				IO:               f.IO,
				GitHub:           f.GitHub(),
				Now:              f.NowFunc(),
				StateDir:         f.Getenv(cmdutil.EnvStateDir),
				PlanOptions:      cmdutil.PlanOptionsOf(c),
				Version:          f.Build.Version,
				LoadSpec:         func() (*spec.Spec, error) { return f.LoadSpec(c) },
				API:              f.API(c),
			}
			return run(c.Context, o)
		},
	}
}

// run is `mlabctl plan`: load, read live state, compute, print, save.
func run(ctx context.Context, o Options) error {
	if err := cmdutil.CheckOutput(o.Format, cmdutil.PlanFormats()...); err != nil {
		return err
	}
	if err := checkPlanOut(o); err != nil {
		return err
	}
	s, err := o.LoadSpec()
	if err != nil {
		return err
	}
	p, live, err := computePlan(ctx, o, s)
	if err != nil {
		return err
	}

	var out bytes.Buffer
	switch o.Format {
	case cmdutil.OutputText:
		err = plan.RenderText(&out, p, plan.RenderOptions{Color: o.Color})
	case cmdutil.OutputMarkdown:
		err = plan.RenderMarkdown(&out, p, plan.RenderOptions{})
	case cmdutil.OutputJSON:
		err = plan.RenderJSON(&out, p)
		if err == nil {
			// The JSON object has no place for warnings; stderr keeps
			// stdout one JSON object and the reviewer still sees them.
			err = plan.RenderWarnings(o.IO.ErrOut, p)
		}
	}
	if err != nil {
		return fmt.Errorf("rendering the plan: %w", err)
	}
	if _, err := o.IO.Out.Write(out.Bytes()); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}

	if o.Out != "" {
		f := planfile.New(p, planfile.Made{Spec: s, Live: live, Options: o.PlanOptions, Version: o.Version, Now: o.Now()})
		if err := planfile.Write(o.Out, f); err != nil {
			return err
		}
		if o.Format == cmdutil.OutputText {
			fmt.Fprintf(o.IO.Out, "\nSaved the plan to %s. To apply exactly this plan, run:\n  mlabctl apply %s\n", o.Out, o.Out)
		}
	}

	reportToGitHub(o, p)
	if o.DetailedExitCode && !p.Empty() {
		return cmdutil.Reported(cmdutil.ExitChanges)
	}
	return nil
}

// checkPlanOut refuses, before anything is read or written, an --out that
// could never be applied (--emulator), can never be written (a device,
// FIFO, directory or dangling link: atomicfile.Check) or would destroy a
// file that is not a plan: modelslab.yaml itself (by any path:
// os.SameFile) or anything else already there. An earlier plan file may be
// replaced, as terraform does; through a symlink, its target is.
func checkPlanOut(o Options) error {
	if o.Out == "" {
		return nil
	}
	if o.Emulator {
		return cmdutil.UsageErrorf("--%s cannot be used with --%s: each --%s run starts a new throwaway emulator, so no later 'mlabctl apply' could apply the saved plan; leave out --%s",
			flagPlanOut, cmdutil.FlagEmulator, cmdutil.FlagEmulator, flagPlanOut)
	}
	if err := atomicfile.Check(o.Out); err != nil {
		return fmt.Errorf("--%s: %w", flagPlanOut, err)
	}
	fi, err := os.Stat(o.Out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--%s %q: %w", flagPlanOut, o.Out, err)
	}
	if si, err := os.Stat(o.SpecPath); err == nil && os.SameFile(fi, si) {
		return fmt.Errorf("--%s %q is the file the plan is made from (-f %q): the plan would replace it; name another file, such as %q",
			flagPlanOut, o.Out, o.SpecPath, "modelslab.plan")
	}
	ok, err := planfile.Is(o.Out)
	if err != nil {
		return fmt.Errorf("--%s %q: %w", flagPlanOut, o.Out, err)
	}
	if !ok {
		return fmt.Errorf("--%s %q exists and is not an mlabctl plan file; refusing to overwrite it: remove it or name another file", flagPlanOut, o.Out)
	}
	return nil
}

// computePlan connects with the read scopes of the managed sections, reads
// the live account and computes the plan. A refusal by a rail is printed
// here, one problem a line (and as annotations under GitHub Actions), and
// exits 3.
func computePlan(ctx context.Context, o Options, s *spec.Spec) (*plan.Plan, *remote.State, error) {
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "plan", Scopes: cmdutil.RequiredScopes(s, false), Account: s.Account})
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	live, err := sess.Client.Fetch(ctx, plan.FetchOptionsFor(s))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the live account: %w", cmdutil.ExplainAPIError(err))
	}
	if live.BaseURL == "" {
		live.BaseURL = sess.BaseURL
	}
	opts := o.PlanOptions
	opts.Settled = journalFacts(ctx, o, sess, live)
	p, err := plan.ComputeWith(s, live, o.Now(), opts)
	if err != nil {
		return nil, nil, cmdutil.ReportPlanProblems(o.IO.ErrOut, o.GitHub, err)
	}
	return p, live, nil
}

// journalFacts reads, read-only, the journal an interrupted apply of this
// account left on this machine (in MLABCTL_STATE_DIR, else the default
// state directory; plan has no --secrets-out to look beside) and returns
// what the next apply would settle, so that the plan shows it (a rotation
// cut off halfway is finished, a key whose secret never arrived is
// replaced) instead of refusing two keys of one name. Each open entry is a
// note on stderr; nothing is sent and the journal is left as it is, for
// apply to settle. A journal that cannot be read is a note too.
func journalFacts(ctx context.Context, o Options, sess *cmdutil.Session, live *remote.State) []plan.SettledKey {
	root, err := apply.StateRoot("", o.StateDir)
	if err != nil {
		return nil
	}
	j, err := apply.ReadJournal(apply.AccountStateDir(root, live.BaseURL, live.Profile.Username))
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "note: the apply journal could not be read: %v\n", err)
		return nil
	}
	if j == nil {
		return nil
	}
	st, err := apply.Settle(ctx, j, sess.Client, apply.SettleOptions{BaseURL: live.BaseURL, Account: live.Profile.Username, ReadOnly: true, Now: o.Now})
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "note: the apply journal could not be settled (the next apply does): %v\n", cmdutil.ExplainAPIError(err))
		return nil
	}
	for _, line := range st.Report {
		fmt.Fprintf(o.IO.ErrOut, "note: %s (the next apply settles it)\n", line)
	}
	return st.Keys
}

// reportToGitHub appends the markdown plan to the step summary and sets the
// step outputs; both are no-ops outside GitHub Actions. A file that cannot
// be written is a warning on stderr, not an error: the plan was made and
// printed, and its exit code (2 with --detailed-exitcode) is what a
// workflow acts on.
func reportToGitHub(o Options, p *plan.Plan) {
	if !o.GitHub.Enabled() {
		return
	}
	var md bytes.Buffer
	if err := plan.RenderMarkdown(&md, p, plan.RenderOptions{}); err != nil {
		fmt.Fprintf(o.IO.ErrOut, "Warning: rendering the plan for the GitHub step summary: %v\n", err)
	} else if err := o.GitHub.AppendSummary(md.String()); err != nil {
		fmt.Fprintf(o.IO.ErrOut, "Warning: writing the GitHub step summary ($GITHUB_STEP_SUMMARY): %v\n", err)
	}
	sum := p.Summary()
	err := o.GitHub.SetOutputs([][2]string{
		{"has_changes", strconv.FormatBool(!p.Empty())},
		{"create", strconv.Itoa(sum.Create)},
		{"update", strconv.Itoa(sum.Update)},
		{"delete", strconv.Itoa(sum.Delete)},
		{"replace", strconv.Itoa(sum.Replace)},
		{"resend", strconv.Itoa(sum.Resend)}, // resends are not updates
	})
	if err != nil {
		fmt.Fprintf(o.IO.ErrOut, "Warning: writing the GitHub step outputs ($GITHUB_OUTPUT): %v\n", err)
	}
}
