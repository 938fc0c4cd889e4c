package applycmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlabctl/mlabctl/apply"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
	"gopkg.in/yaml.v3"
)

// applyPlanFile is applyPlan for a PLANFILE. The file is untrusted input
// (an artifact anyone who can open a pull request may have crafted, with a
// digest they computed themselves), so nothing in it decides what happens
// but its modelslab.yaml, and with -f not even that:
//
//  1. planfile.Read refuses a file that is not exactly what plan wrote
//     (digest, canonical JSON, parts that disagree);
//  2. with -f FILE, FILE must be the embedded file byte for byte, and the
//     options of the command line those the plan was made with;
//  3. the embedded modelslab.yaml is parsed and checked like any file;
//  4. the live account is read with this command line's base URL and
//     token (never the file's), and must be the file's API and account;
//     a changed live state is reported as a stale plan, by address;
//  5. the plan is computed again from the spec, the live state and the
//     recorded options; any difference from the saved plan refuses it,
//     naming each (and the rails the saved plan would have broken);
//  6. the recomputed plan is what is returned, shown and applied, and
//     run() checks every rail on it as for `apply -f`.
func applyPlanFile(ctx context.Context, o Options) (*cmdutil.Session, *spec.Spec, *plan.Plan, *remote.State, *apply.Journal, error) {
	f, err := planfile.Read(o.PlanFile)
	if err != nil {
		if looksLikeSpec(o.PlanFile) {
			return nil, nil, nil, nil, nil, cmdutil.UsageErrorf("%s is a modelslab.yaml, not a plan file: to plan and apply it, run `mlabctl apply -f %s`; a PLANFILE is what `mlabctl plan --out FILE` saved",
				o.PlanFile, cmdutil.ShellQuote(o.PlanFile))
		}
		return nil, nil, nil, nil, nil, err
	}
	s, err := planFileSpec(o, f)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	sess, err := o.API.Connect(cmdutil.ConnectOptions{Command: "apply", Scopes: planFileScopes(s, f.Plan), Account: s.Account})
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	var journal *apply.Journal
	fail := func(err error) (*cmdutil.Session, *spec.Spec, *plan.Plan, *remote.State, *apply.Journal, error) {
		journal.Close()
		sess.Close()
		return nil, nil, nil, nil, nil, err
	}
	stateDir, err := lockAccount(ctx, o, sess)
	if err != nil {
		return fail(err)
	}
	live, err := sess.Client.Fetch(ctx, plan.FetchOptionsFor(s))
	if err != nil {
		return fail(fmt.Errorf("reading the live account: %w", cmdutil.ExplainAPIError(err)))
	}
	if live.BaseURL == "" {
		live.BaseURL = sess.BaseURL
	}
	// Both URLs normalised, so that spelling (a trailing slash) does not
	// matter.
	if !remote.SameBaseURL(f.BaseURL, live.BaseURL) {
		return fail(cmdutil.Refused("plan file %s was made against %s, not %s; make a new plan against this API; nothing was changed",
			o.PlanFile, plan.SanitizeLine(f.BaseURL), live.BaseURL))
	}
	if live.Profile.Username != f.Account {
		return fail(cmdutil.Refused("plan file %s is for account %q, but the token acts on %q; nothing was changed",
			o.PlanFile, plan.SanitizeLine(f.Account), plan.SanitizeLine(live.Profile.Username)))
	}
	// The journal is settled before the plan is computed again, as for
	// apply -f: the recomputed plan sees the same settled facts, and a plan
	// file made before an interrupted apply then differs, and is refused.
	journal, live, settled, err := settleJournal(ctx, o, sess, s, live, stateDir)
	if err != nil {
		return fail(err)
	}
	if stale := plan.StaleAddresses(f.Fingerprints, plan.Fingerprints(live)); len(stale) > 0 {
		return fail(cmdutil.Refused("plan file %s is stale: the live state of %s changed since it was made; %s; nothing was changed",
			o.PlanFile, plan.SanitizeLine(strings.Join(stale, ", ")), replanAdvice(o.PlanFile, f.SpecHash)))
	}
	opts := f.Options.Plan()
	opts.Settled = settled
	now, err := plan.ComputeWith(s, live, o.Now(), opts)
	var rail *plan.RailError
	if errors.As(err, &rail) {
		return fail(fmt.Errorf("the plan computed again from the modelslab.yaml of plan file %s is refused by a safety rail; nothing was changed:\n%w", o.PlanFile, err))
	}
	if err != nil {
		return fail(err)
	}
	if diffs := plan.Differences(f.Plan, now); len(diffs) > 0 {
		return fail(notThePlan(ctx, o, sess, f, s, live, diffs, journalAdvice(settled, stateDir, o.PlanFile)))
	}
	return sess, s, now, live, journal, nil
}

// planFileSpec returns the spec of the modelslab.yaml embedded in f. With
// -f (BindFile) it is the given file, which must be the embedded one byte
// for byte (so positions name the user's file), and the command line's
// plan options must be the recorded ones: a CI apply job running
// `apply -f modelslab.yaml PLANFILE` then applies the plan of main's
// modelslab.yaml with its own options, whatever artifact it was handed.
// An invalid embedded file has its diagnostics printed, as -f FILE would.
func planFileSpec(o Options, f *planfile.File) (*spec.Spec, error) {
	if o.BindFile {
		given, err := o.LoadSpec()
		if err != nil {
			return nil, err
		}
		if given.Hash != f.SpecHash {
			return nil, cmdutil.Refused("plan file %s was not made from %s: %s; the plan reviewed is not the plan of this file, so nothing was changed; make a new plan from %s with `mlabctl plan -f %s --out %s`, review it, and apply that",
				o.PlanFile, given.Path, sourceDifference(f.Source.Content, string(given.Source)),
				given.Path, cmdutil.ShellQuote(given.Path), cmdutil.ShellQuote(o.PlanFile))
		}
		if want := planfile.OptionsOf(o.PlanOptions); !sameOptions(f.Options, want) {
			return nil, cmdutil.Refused("plan file %s was made with options %s, and this command line gives %s: with -f, apply takes a plan file only as the plan of that file and of its own options; give the same options, or make a new plan without them; nothing was changed",
				o.PlanFile, optionsPhrase(f.Options), optionsPhrase(want))
		}
		return given, nil
	}
	name := o.PlanFile + " (embedded modelslab.yaml)"
	s, err := f.Spec(name)
	var diags spec.Diagnostics
	if errors.As(err, &diags) {
		for _, d := range diags {
			fmt.Fprintln(o.IO.ErrOut, plan.SanitizeLine(d.String()))
		}
		fmt.Fprintf(o.IO.ErrOut, "Error: the modelslab.yaml embedded in plan file %s is not valid for this mlabctl; make a new plan; nothing was changed\n", o.PlanFile)
		return nil, cmdutil.Reported(cmdutil.ExitError)
	}
	if err == nil {
		cmdutil.PrintSpecWarnings(s, o.IO.ErrOut, o.GitHub)
	}
	return s, err
}

func sameOptions(a, b planfile.Options) bool {
	return slices.Equal(a.Replace, b.Replace) && slices.Equal(a.Targets, b.Targets)
}

// optionsPhrase names recorded options for a message.
func optionsPhrase(o planfile.Options) string {
	if o.Empty() {
		return "none"
	}
	return plan.SanitizeLine(o.Flags())
}

// sourceDifference says where two versions of a modelslab.yaml first
// differ: "line 12 differs" or which one is longer.
func sourceDifference(embedded, given string) string {
	a, b := strings.SplitAfter(embedded, "\n"), strings.SplitAfter(given, "\n")
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("the file it embeds differs from it at line %d", i+1)
		}
	}
	if bytes.Equal([]byte(embedded), []byte(given)) {
		return "the files are equal" // unreachable: the hashes differ
	}
	return fmt.Sprintf("the file it embeds has %d lines, the given one %d", len(a), len(b))
}

// notThePlan is the refusal of a plan file whose saved plan differs from
// the plan computed again: each difference, and the rails the saved plan
// itself would break (a reviewer should know why it matters).
func notThePlan(ctx context.Context, o Options, sess *cmdutil.Session, f *planfile.File, s *spec.Spec, live *remote.State, diffs []string, advice string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan file %s is not the plan of its modelslab.yaml and the live account: computed again, the plan differs from the saved one", o.PlanFile)
	if f.MlabctlVersion != "" && f.MlabctlVersion != o.Version {
		fmt.Fprintf(&b, " (it was made by mlabctl %s, this is %s)", plan.SanitizeLine(f.MlabctlVersion), o.Version)
	}
	b.WriteString(":")
	for _, d := range diffs {
		b.WriteString("\n  - " + plan.SanitizeLine(d))
	}
	var refused *apply.RefusedError
	if err := apply.CheckRails(ctx, f.Plan, sess.Client, railsFor(o, s, live)); errors.As(err, &refused) {
		b.WriteString("\nThe saved plan would also break these rails:")
		for _, r := range refused.Reasons {
			b.WriteString("\n  - " + r)
		}
	}
	b.WriteString("\nNothing was changed. If the account changed since, make a new plan and review it; a plan file edited by hand is never applied.")
	b.WriteString(advice)
	return cmdutil.Refused("%s", b.String())
}

// journalAdvice is what a refused plan file's error adds when the journal
// of an interrupted apply (in the account's state directory dir) shaped
// the plan computed now: `mlabctl plan` finds that journal only through
// MLABCTL_STATE_DIR or the default state root (it has no --secrets-out to
// look beside), so a new plan made as before would lack the same facts
// and be refused again.
func journalAdvice(settled []plan.SettledKey, dir, planFile string) string {
	if len(settled) == 0 || dir == "" {
		return ""
	}
	root := filepath.Dir(dir)
	return fmt.Sprintf("\nThe journal of an interrupted apply (%s) changes the plan, and plan reads it only where it is told: make the new plan with `%s=%s mlabctl plan -f <your modelslab.yaml> --out %s` (or run `mlabctl apply -f <your modelslab.yaml>`, which settles and plans in one go).",
		dir, cmdutil.EnvStateDir, cmdutil.ShellQuote(root), cmdutil.ShellQuote(planFile))
}

// replanAdvice says how to replace a stale plan file. The plan file's
// record of which modelslab.yaml it was made from (plan -f may have named
// any) is not trusted to name a file, so the command names the file by its
// role, and the spec's hash lets the user check which file it was
// (sha256sum).
func replanAdvice(planFile, specHash string) string {
	advice := fmt.Sprintf("make a new plan from the same modelslab.yaml with `mlabctl plan -f <your modelslab.yaml> --out %s`, review it, and apply that", planFile)
	if len(specHash) >= 12 {
		advice += fmt.Sprintf(" (the stale plan was made from a file whose SHA-256 starts %s)", specHash[:12])
	}
	return advice
}

// planFileScopes are the scopes applying a plan file needs: read the
// sections its modelslab.yaml manages, write what the saved plan changes
// (the recomputed plan must change exactly that, or nothing is applied).
func planFileScopes(s *spec.Spec, p *plan.Plan) []string {
	scopes := cmdutil.RequiredScopes(s, false)
	write := map[plan.Kind]bool{}
	for _, c := range p.Changes {
		write[c.Address.Kind] = true
	}
	if write[plan.KindProfile] || write[plan.KindSocials] || write[plan.KindPreferences] {
		scopes = append(scopes, remote.ScopeProfileWrite)
	}
	for kind, scope := range map[plan.Kind]string{
		plan.KindAPIKey:      remote.ScopeAPIKeysWrite,
		plan.KindTeamMember:  remote.ScopeTeamsWrite,
		plan.KindAccessToken: remote.ScopeTokensWrite,
	} {
		if write[kind] {
			scopes = append(scopes, scope)
		}
	}
	return cmdutil.NormalizeScopes(scopes)
}

// looksLikeSpec reports whether path, given as PLANFILE, is rather a
// modelslab.yaml: named .yaml or .yml, or a YAML mapping with a version.
// It is asked only once the file proved not to be a plan file.
func looksLikeSpec(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return true
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) > spec.MaxFileSize {
		return false
	}
	var doc map[string]any
	if yaml.Unmarshal(data, &doc) != nil {
		return false
	}
	_, ok := doc["version"]
	return ok
}
