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

// Compute returns the plan that makes live equal to s at time now. It is
// pure: it reads no clock and does no I/O, so the same inputs always give
// the same plan.
//
// Only the sections s declares are compared; an absent section produces no
// change. Before and After of every change hold JSON-native values only
// (string, bool, float64, []any of strings), so that a plan read back from a
// plan file is equal to the one computed.
//
// When the plan breaks a safety rail (a protected key replaced, too few
// admins left) or cannot be made safely (two live keys answer one declared
// name, a pinned id that does not exist), Compute returns a *RailError with
// every problem found and no plan.
func Compute(s *spec.Spec, live *remote.State, now time.Time) (*Plan, error) {
	if s == nil {
		return nil, errors.New("plan: no spec to compute a plan from")
	}
	if live == nil {
		return nil, errors.New("plan: no live state to compute a plan from")
	}
	b := &builder{
		spec: s,
		live: live,
		now:  now,
		plan: &Plan{
			FormatVersion: FormatVersion,
			Account:       live.Profile.Username,
			SwitchTo:      s.Account,
			BaseURL:       live.BaseURL,
			Changes:       []Change{},
		},
	}
	b.account()
	if err := b.apiKeys(); err != nil {
		return nil, err
	}
	if err := b.team(); err != nil {
		return nil, err
	}
	if err := b.accessTokens(); err != nil {
		return nil, err
	}
	b.minAdmins()
	if len(b.problems) > 0 {
		return nil, newRailError(b.problems)
	}
	b.massDeletions()
	sortChanges(b.plan.Changes)
	slices.SortFunc(b.plan.Unmanaged, Address.Compare)
	return b.plan, nil
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
