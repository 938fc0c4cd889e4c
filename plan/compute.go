package plan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// Compute returns the plan that makes live equal to s at time now: the
// whole plan, as ComputeWith with no Options.
func Compute(s *spec.Spec, live *remote.State, now time.Time) (*Plan, error) {
	return ComputeWith(s, live, now, Options{})
}

// Options are what a command line adds to a plan besides the file and the
// live account. The zero value plans everything the file asks for.
type Options struct {
	// Replace are the addresses of API keys to replace now (--replace,
	// e.g. a leaked key): "api_key.NAME", or "api_key.NAME#ID" when two
	// live keys share the name. Each must name a declared key that is live
	// and not protected. The old key is deleted in the same apply, after
	// its successor exists, whatever rotate_overlap says: a leaked key must
	// stop working now.
	Replace []string
	// Targets limit the plan to some addresses or sections (--target):
	// "api_key.ci", "team_member.a@b.c", "profile", "api_keys", "team",
	// "access_tokens", .... The rails still reason about the whole
	// account: min_admins holds for the whole plan and for the partial one,
	// and a deletion that is part of a mass deletion of the whole plan
	// needs approval even when it is planned alone.
	Targets []string
	// Settled are the facts apply.Settle learned from the journal of an
	// interrupted apply (see KeyFate): not a command-line option, so plan
	// files do not record them; a plan file made before the interrupted
	// apply then differs from the plan computed with them, and is refused.
	Settled []SettledKey
}

// ComputeWith returns the plan that makes live equal to s at time now,
// with the options of the command line. It is pure: it reads no clock and
// does no I/O, so the same inputs always give the same plan.
//
// Only the sections s declares are compared; an absent section produces no
// change. Before and After of every change hold JSON-native values only
// (string, bool, float64, []any of strings), so that a plan read back from a
// plan file is equal to the one computed.
//
// When the plan breaks a safety rail (a protected key replaced or deleted,
// too few admins left) or cannot be made safely (two live keys answer one
// declared name, a pinned id that does not exist), ComputeWith returns a
// *RailError with every problem found and no plan. An option that names
// nothing it can act on is an *OptionError.
func ComputeWith(s *spec.Spec, live *remote.State, now time.Time, o Options) (*Plan, error) {
	if s == nil {
		return nil, errors.New("plan: no spec to compute a plan from")
	}
	if live == nil {
		return nil, errors.New("plan: no live state to compute a plan from")
	}
	b := &builder{
		spec:    s,
		live:    live,
		now:     now,
		settled: settledByID(o.Settled),
		plan: &Plan{
			FormatVersion: FormatVersion,
			ComputedAt:    now.UTC(),
			Account:       live.Profile.Username,
			SwitchTo:      s.Account,
			BaseURL:       live.BaseURL,
			Changes:       []Change{},
			Replace:       slices.Clone(o.Replace),
		},
	}
	if err := duplicateLiveIDs(live); err != nil {
		return nil, err
	}
	if err := b.parseReplace(o.Replace); err != nil {
		return nil, err
	}
	b.account()
	if err := b.apiKeys(); err != nil {
		return nil, err
	}
	if err := b.unusedReplace(); err != nil {
		return nil, err
	}
	if err := b.team(); err != nil {
		return nil, err
	}
	if err := b.accessTokens(); err != nil {
		return nil, err
	}
	b.minAdmins(b.plan.Changes, "")
	if len(b.problems) > 0 {
		return nil, newRailError(b.problems)
	}
	sortChanges(b.plan.Changes)
	b.massDeletions()
	slices.SortFunc(b.plan.Unmanaged, Address.Compare)
	if err := b.target(o.Targets); err != nil {
		return nil, err
	}
	if len(b.problems) > 0 {
		return nil, newRailError(b.problems)
	}
	b.plan.RecentlyUsed = RecentlyUsed(b.plan, live.APIKeys, s.Policy.ProtectUsedWithin, s.Policy.ProtectUsedWithinText, now)
	return b.plan, nil
}

// duplicateLiveIDs refuses a live list that holds one id twice (within a
// page or across pages): a plan matching by id could act on the wrong
// object (a delete of "junk" with the id of a protected key), so no plan is
// made from it. It is an error of the answer, not a rail: exit 1.
func duplicateLiveIDs(live *remote.State) error {
	var problems []string
	check := func(what string, n int, id func(i int) remote.ID, name func(i int) string) {
		seen := make(map[remote.ID]int, n)
		for i := range n {
			if j, dup := seen[id(i)]; dup {
				problems = append(problems, fmt.Sprintf("%s id %s twice (%q and %q)", what, id(i), name(j), name(i)))
				continue
			}
			seen[id(i)] = i
		}
	}
	check("API key", len(live.APIKeys), func(i int) remote.ID { return live.APIKeys[i].ID }, func(i int) string { return live.APIKeys[i].Name })
	check("team member", len(live.Team), func(i int) remote.ID { return live.Team[i].ID }, func(i int) string { return live.Team[i].Email })
	check("access token", len(live.Tokens), func(i int) remote.ID { return live.Tokens[i].ID }, func(i int) string { return live.Tokens[i].Name })
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("the API listed %s; no plan is made from a list that names one object twice (run plan again; if it persists, report it to ModelsLab)",
		SanitizeLine(strings.Join(problems, ", ")))
}

// FetchOptionsFor returns the list sections of the live account a plan of s
// needs: exactly the sections s manages. Plan, apply and export fetch with
// it, so that a plan never reads (or needs scopes for) more than it manages.
func FetchOptionsFor(s *spec.Spec) remote.FetchOptions {
	return remote.FetchOptions{
		APIKeys: s.APIKeysSet,
		Team:    s.TeamSet,
		Tokens:  s.AccessTokens != nil,
	}
}

// builder accumulates one plan. Each section method appends its changes,
// unmanaged addresses and problems; Compute sorts at the end.
type builder struct {
	spec *spec.Spec
	live *remote.State
	now  time.Time
	plan *Plan

	problems []Problem
	// managedLive counts, per mass-deletion section, the live items the
	// plan manages (declared or deleted; not ignored).
	managedLive map[string]int
	// replace are the --replace requests, each marked once it has matched.
	replace []*replaceRequest
	// settled are the journal's facts (Options.Settled), by live key id.
	settled map[string]SettledKey
}

// add appends a change.
func (b *builder) add(c Change) { b.plan.Changes = append(b.plan.Changes, c) }

// problem records a refusal at pos; a pos without a file gets the spec's path.
func (b *builder) problem(pos spec.Pos, format string, args ...any) {
	if pos.File == "" && pos.Line > 0 {
		pos.File = b.spec.Path
	}
	b.problems = append(b.problems, Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// fileProblem records an error in the file that the live account reveals
// (see Problem.FileError).
func (b *builder) fileProblem(pos spec.Pos, format string, args ...any) {
	b.problem(pos, format, args...)
	b.problems[len(b.problems)-1].FileError = true
}

// warn records a warning for the reviewer.
func (b *builder) warn(format string, args ...any) {
	b.plan.Warnings = append(b.plan.Warnings, Warning{Message: fmt.Sprintf(format, args...)})
}

// warnServer records a warning about an answer of the API that its
// documentation does not describe.
func (b *builder) warnServer(format string, args ...any) {
	b.plan.Warnings = append(b.plan.Warnings, Warning{Kind: WarningServer, Message: fmt.Sprintf(format, args...)})
}

// sortChanges orders changes by their first phase, then address, then live
// id (two deletions of live keys sharing a name have the same address).
func sortChanges(cs []Change) {
	type keyed struct {
		phase Phase
		addr  string
		c     Change
	}
	ks := make([]keyed, len(cs))
	for i, c := range cs {
		var ph Phase
		if p := Phases(c); len(p) > 0 {
			ph = p[0]
		}
		ks[i] = keyed{phase: ph, addr: c.Address.String(), c: c}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		return cmp.Or(
			cmp.Compare(a.phase, b.phase),
			strings.Compare(a.addr, b.addr),
			strings.Compare(a.c.LiveID, b.c.LiveID),
		)
	})
	for i := range ks {
		cs[i] = ks[i].c
	}
}

// sides returns the old and the new values of the diffs' fields: the
// Before and After of an update, which hold only what changes.
func sides(diffs []FieldDiff) (before, after map[string]any) {
	before, after = make(map[string]any, len(diffs)), make(map[string]any, len(diffs))
	for _, d := range diffs {
		before[d.Field], after[d.Field] = d.Old, d.New
	}
	return before, after
}

// unmanaged reports whether ignore matches the name of addr, a live item
// no entry of the file claims; if so the item is listed as unmanaged
// instead of being deleted.
func (b *builder) unmanaged(ignore globs, addr Address) bool {
	if _, ok := ignore.match(addr.Name); !ok {
		return false
	}
	b.plan.Unmanaged = append(b.plan.Unmanaged, addr)
	return true
}

// claimAll claims the live items idx that one entry of the file matches
// ambiguously, so that none of them is also planned for deletion (the plan
// fails anyway), and returns their ids for the problem that lists them.
func claimAll(claimed []bool, idx []int, id func(j int) remote.ID) []string {
	ids := make([]string, len(idx))
	for n, j := range idx {
		ids[n] = id(j).String()
		claimed[j] = true
	}
	return ids
}

// fieldNames lists the fields of diffs ("notes", "role and permissions").
func fieldNames(diffs []FieldDiff) string {
	names := make([]string, len(diffs))
	for i, d := range diffs {
		names[i] = d.Field
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// differ says which fields differ: "notes differs from modelslab.yaml",
// "role and permissions of the pending invite differ from modelslab.yaml".
func differ(diffs []FieldDiff, of string) string {
	verb := " differ"
	if len(diffs) == 1 && !strings.HasSuffix(diffs[0].Field, "s") {
		verb = " differs" // "name differs", but "notes differ"
	}
	return fieldNames(diffs) + of + verb + " from modelslab.yaml"
}

// stringList converts a list of strings into the JSON-native, sorted and
// de-duplicated []any form of Before/After (permissions are sets).
func stringList(ss []string) []any {
	sorted := slices.Clone(ss)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	out := make([]any, len(sorted))
	for i, s := range sorted {
		out[i] = s
	}
	return out
}

// day formats a time as the date a reviewer reads (UTC).
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// when formats a time to the minute, as a reviewer reads it (UTC).
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// durationText renders a duration as written in the file when known, else
// in days or hours.
func durationText(text string, d time.Duration) string {
	if text != "" {
		return text
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
