package plan

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// ExitRefused is the exit code of a plan refused by a safety rail
// (CONTRACT.md "Exit codes").
const ExitRefused = 3

// Problem is one reason a plan is refused, at the place in modelslab.yaml a
// user edits to resolve it.
type Problem struct {
	// Pos is the position of the entry or value to change; zero when unknown.
	Pos spec.Pos `json:"pos"`
	// Message says what is wrong and what to do.
	Message string `json:"message"`
	// FileError marks a mistake in modelslab.yaml itself that only the live
	// account reveals (an `id:` naming no live key), rather than a plan a
	// safety rail refuses: it exits 1, like an invalid file.
	FileError bool `json:"file_error,omitempty"`
}

// String renders the problem as FILE:LINE:COL: message (or just the message
// when the position is unknown).
func (p Problem) String() string {
	if p.Pos.Line == 0 {
		return p.Message
	}
	return p.Pos.String() + ": " + p.Message
}

// RailError refuses a plan: a protected key would be replaced, too few
// admins would be left, or live keys cannot be matched to the file safely
// (an `id:` pin naming no live key is an error in the file). It carries
// every problem found, sorted by position, and exits 3 (1 with an error in
// the file).
type RailError struct {
	Problems []Problem
}

// newRailError sorts problems by position (file, line, column); the order
// of the file is the order a user fixes them in.
func newRailError(problems []Problem) *RailError {
	ps := slices.Clone(problems)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			strings.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
		)
	})
	return &RailError{Problems: ps}
}

// Error lists the problems, one a line.
func (e *RailError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ExitCode is 3, refused by a safety rail (nothing changed), or 1 when a
// problem is an error in the file: the file is fixed first.
func (e *RailError) ExitCode() int {
	if e.FileErrors() > 0 {
		return 1
	}
	return ExitRefused
}

// FileErrors counts the problems that are errors in modelslab.yaml.
func (e *RailError) FileErrors() int {
	n := 0
	for _, p := range e.Problems {
		if p.FileError {
			n++
		}
	}
	return n
}

// massDeleteMinimum is the fewest deletions that count as a mass deletion,
// whatever the percentage (CONTRACT.md: "and at least 4 of them").
const massDeleteMinimum = 4

// massDeletions records every section whose planned deletions exceed
// policy.max_delete_percent of its live managed items. The renderers warn
// about each from Plan.MassDeletions (not from Plan.Warnings, which would say
// it a second time); plan only reports, apply refuses unless allowed.
func (b *builder) massDeletions() {
	percent := b.spec.Policy.MaxDeletePercent
	for _, sec := range []struct {
		name string
		kind Kind
	}{
		{sectionAPIKeys, KindAPIKey},
		{sectionTeam, KindTeamMember},
		{sectionAccessTokens, KindAccessToken},
	} {
		live, ok := b.managedLive[sec.name]
		if !ok || live == 0 {
			continue
		}
		var addrs []Address
		for _, c := range b.plan.Changes {
			if c.Address.Kind == sec.kind && c.Action == Delete && !b.settledDelete(c) {
				addrs = append(addrs, c.Address)
			}
		}
		n := len(addrs)
		if n < massDeleteMinimum || n*100 <= percent*live {
			continue
		}
		slices.SortFunc(addrs, Address.Compare)
		b.plan.MassDeletions = append(b.plan.MassDeletions, MassDeletion{
			Section:   sec.name,
			Addresses: addrs,
			Live:      live,
			Percent:   percent,
		})
	}
}

// settledDelete reports whether c deletes an API key the journal settled
// for deletion (Options.Settled, FateDelete): the predecessor of a
// replace an interrupted apply began, or a key it made whose secret
// nobody holds. Such a delete finishes work the user already approved (a
// replace, which the rail does not count, or a create) rather than
// following the file, so it does not count toward max_delete_percent:
// otherwise the run after an interrupted rotation of many keys refuses
// (exit 3, --allow-mass-delete) instead of converging.
func (b *builder) settledDelete(c Change) bool {
	return c.Address.Kind == KindAPIKey && b.settled[c.LiveID].Fate == FateDelete
}

// RecentlyUsed returns the API key deletes and replaces of p whose live key
// (found by id in keys, the live list) was used within window before now:
// those policy.protect_used_within holds back unless --allow-delete approves
// them. It is the rail's one count: Compute records it in the plan, and
// apply checks it again on the keys read right before applying, so that a
// plan file cannot hide a key in use. within is the window as written
// ("24h"). A replace that keeps the old key for rotate_overlap deletes
// nothing now and is not counted (its later retirement is a delete that
// is). A last_used_at after now (a clock ahead of ours) counts as recent.
func RecentlyUsed(p *Plan, keys []remote.APIKey, window time.Duration, within string, now time.Time) []RecentUse {
	if window <= 0 || p == nil {
		return nil
	}
	used := make(map[remote.ID]time.Time, len(keys))
	for _, k := range keys {
		if k.LastUsedAt != nil {
			used[k.ID] = *k.LastUsedAt
		}
	}
	if within == "" {
		within = spec.FormatDuration(window)
	}
	refs := p.UniqueAddresses()
	var out []RecentUse
	for i, c := range p.Changes {
		if c.Address.Kind != KindAPIKey || !(c.Action == Delete || (c.Action == Replace && c.RotateOverlap == "")) {
			continue
		}
		at, ok := used[remote.ID(c.LiveID)]
		if !ok || now.Sub(at) > window {
			continue
		}
		out = append(out, RecentUse{Address: refs[i], LiveID: c.LiveID, LastUsedAt: at.UTC(), Within: within})
	}
	return out
}
