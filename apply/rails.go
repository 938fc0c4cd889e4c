package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Rails are the safety checks of CONTRACT.md that apply runs again before
// any change, whatever made the plan (a plan file may be old, or edited).
type Rails struct {
	// AllowMassDelete approves every mass deletion (--allow-mass-delete).
	AllowMassDelete bool
	// AllowDelete approves deletions address by address (--allow-delete,
	// repeatable): those of a mass deletion, and those of keys used within
	// policy.protect_used_within. Each must name a delete or replace of the
	// plan by its unique address (plan.UniqueAddresses: NAME#ID when two
	// changes share a name).
	AllowDelete []plan.Address
	// Protected are the names of keys declared `protect: true`; nil when the
	// spec is not at hand (a plan file applied without its modelslab.yaml).
	Protected []string
	// ProtectedIDs are the live keys protect covers, by id, each with the
	// name of the entry protecting it: plan.ProtectedKeyIDs of the spec and
	// the live keys read right before applying. A delete or replace of one
	// is refused whatever address the plan gives it.
	ProtectedIDs map[remote.ID]string
	// MinAdmins is policy.min_admins; 0 means no rail.
	MinAdmins int
	// ProtectUsedWithin is policy.protect_used_within (0: no rail), and
	// ProtectUsedWithinText as written ("24h"): a key delete or replace
	// whose live key (in Live) was used within it before Now is refused
	// unless AllowDelete approves its address.
	ProtectUsedWithin     time.Duration
	ProtectUsedWithinText string
	// Now is the clock of the protect_used_within rail.
	Now time.Time
	// Live is the live state the plan is applied to; nil skips the checks
	// that need it (min_admins, the owner, protect_used_within).
	Live *remote.State
}

// RefusedError is a plan refused by a rail: nothing was changed. Exit 3.
type RefusedError struct {
	Reasons []string
}

// Error lists every reason, each saying what to do.
func (e *RefusedError) Error() string {
	if len(e.Reasons) == 1 {
		return "refused, nothing was changed: " + e.Reasons[0]
	}
	return "refused, nothing was changed:\n  - " + strings.Join(e.Reasons, "\n  - ")
}

// ExitCode is 3 (CONTRACT.md: refused by a safety rail).
func (e *RefusedError) ExitCode() int { return 3 }

// AllowDeleteError is an --allow-delete that names an address the plan
// does not delete: a misuse of the flag (a typo, or a stale address), found
// before any change. Other errors of CheckRails come from the API.
type AllowDeleteError struct {
	Problems []string
}

// Error lists every misused address.
func (e *AllowDeleteError) Error() string {
	return strings.Join(e.Problems, "; ") + "; nothing was changed"
}

// TokenLister lists the access tokens (to find the one in use).
type TokenLister interface {
	ListTokens(ctx context.Context) ([]remote.AccessToken, error)
}

// CheckRails returns a *RefusedError naming every rail the plan breaks
// (protect by name and by live id, mass deletion, min_admins, the owner,
// protect_used_within, the token in use), a plain error when the rails
// themselves are misused (an --allow-delete of an address the plan does not
// delete, or of an address two of its deletes share) or the token list
// cannot be read, and nil when the plan may run. Changes are named by their
// unique addresses (plan.UniqueAddresses). It makes no change; it lists the
// tokens only when the plan revokes one.
func CheckRails(ctx context.Context, p *plan.Plan, tokens TokenLister, r Rails) error {
	refs := p.UniqueAddresses()
	deletes := map[string]bool{} // unique addresses of deletes and replaces
	plainDeletes := map[string][]string{}
	for i, c := range p.Changes {
		if c.Action == plan.Delete || c.Action == plan.Replace {
			deletes[refs[i]] = true
			plainDeletes[c.Address.String()] = append(plainDeletes[c.Address.String()], refs[i])
		}
	}
	var misuse []string
	for _, a := range r.AllowDelete {
		if deletes[a.String()] {
			continue
		}
		if both := plainDeletes[a.String()]; len(both) > 1 {
			misuse = append(misuse, fmt.Sprintf("--allow-delete %s: the plan deletes %d keys or members of that address; approve each by its own: %s", a, len(both), strings.Join(both, ", ")))
			continue
		}
		misuse = append(misuse, fmt.Sprintf("--allow-delete %s: the plan does not delete %s", a, a))
	}
	if len(misuse) > 0 {
		return &AllowDeleteError{Problems: sanitized(misuse)}
	}
	allowed := map[string]bool{}
	for _, a := range r.AllowDelete {
		allowed[a.String()] = true
	}

	var reasons []string
	// protect, by name and by live id
	protected := map[string]bool{}
	for _, n := range r.Protected {
		protected[n] = true
	}
	for i, c := range p.Changes {
		if c.Address.Kind != plan.KindAPIKey || (c.Action != plan.Delete && c.Action != plan.Replace) {
			continue
		}
		by, byID := r.ProtectedIDs[remote.ID(c.LiveID)]
		switch {
		case protected[c.Address.Name]:
			reasons = append(reasons, fmt.Sprintf("API key %q is protected and the plan would %s it; remove `protect: true` in modelslab.yaml to allow it", c.Address.Name, c.Action))
		case byID:
			reasons = append(reasons, fmt.Sprintf("%s would %s the live API key id %s, which %q protects (protect: true); remove `protect: true` in modelslab.yaml to allow it", refs[i], c.Action, c.LiveID, by))
		}
	}
	// mass deletion
	if !r.AllowMassDelete {
		for _, md := range p.MassDeletions {
			var unapproved []string
			for _, a := range p.MassDeletionAddresses(md) {
				if !allowed[a] {
					unapproved = append(unapproved, a)
				}
			}
			if len(unapproved) > 0 {
				reasons = append(reasons, fmt.Sprintf("the plan deletes %d of %d live %s (more than max_delete_percent %d%%); pass --allow-mass-delete, or approve each with --allow-delete: %s",
					max(md.Total, len(md.Addresses)), md.Live, sectionNoun(md.Section), md.Percent, strings.Join(unapproved, ", ")))
			}
		}
	}
	if r.Live != nil {
		reasons = append(reasons, ownerReasons(p, r.Live)...)
		if r.MinAdmins > 0 && r.Live.Team != nil {
			// The count plan made the plan with, on the team read now.
			if n := len(plan.AdminsAfter(r.Live.Team, p.Changes)); n < r.MinAdmins {
				reasons = append(reasons, fmt.Sprintf("the plan leaves %d active or pending admins, fewer than policy.min_admins %d", n, r.MinAdmins))
			}
		}
		// protect_used_within, on the keys read now: the plan's own record
		// of recent use may be old, or edited.
		for _, u := range plan.RecentlyUsed(p, r.Live.APIKeys, r.ProtectUsedWithin, r.ProtectUsedWithinText, r.Now) {
			if !allowed[u.Address] {
				reasons = append(reasons, fmt.Sprintf("%s (id %s) was last used at %s, within policy.protect_used_within %s; approve it with --allow-delete %s once nothing uses it",
					u.Address, u.LiveID, u.LastUsedAt.UTC().Format(time.RFC3339), u.Within, u.Address))
			}
		}
	}
	// the token in use
	revoked := map[string]string{}
	for i, c := range p.Changes {
		if c.Address.Kind == plan.KindAccessToken {
			revoked[liveID(c).String()] = refs[i]
		}
	}
	if len(revoked) > 0 {
		live, err := tokens.ListTokens(ctx)
		if err != nil {
			return fmt.Errorf("listing access tokens to make sure the plan does not revoke the one in use: %w", err)
		}
		reasons = append(reasons, tokenInUseReasons(live, revoked)...)
	}
	if len(reasons) > 0 {
		sort.Strings(reasons)
		return &RefusedError{Reasons: sanitized(reasons)}
	}
	return nil
}

// sanitized cleans each line with plan.SanitizeLine: reasons name live
// addresses (a deleted key, a member, a token), which may hold escape
// sequences that would rewrite the terminal or the CI log they are printed
// on.
func sanitized(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = plan.SanitizeLine(l)
	}
	return out
}

func sectionNoun(section string) string {
	switch section {
	case "api_keys":
		return "API keys"
	case "team":
		return "team members"
	case "access_tokens":
		return "access tokens"
	}
	return section
}

// ownerReasons refuses any change to the account owner's membership: the
// API never lists the owner, so such a change comes from a stale or edited
// plan.
func ownerReasons(p *plan.Plan, live *remote.State) []string {
	owner := strings.ToLower(live.Profile.Email)
	if owner == "" {
		return nil
	}
	var out []string
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindTeamMember && c.Action != plan.Create && strings.ToLower(c.Address.Name) == owner {
			out = append(out, fmt.Sprintf("%s is the account owner; mlabctl never changes or removes the owner", c.Address))
		}
	}
	return out
}

// tokenInUseReasons refuses the revocations (revoked: unique address by
// live id) that could take away the token this apply runs with: the one
// the list marks current, and every one when the list marks none (a
// server that does not say, and a token whose id the client cannot
// prove): any of them may be it, and mlabctl never revokes blind.
func tokenInUseReasons(live []remote.AccessToken, revoked map[string]string) []string {
	var out []string
	if !remote.CurrentTokenKnown(live) {
		addrs := make([]string, 0, len(revoked))
		for _, a := range revoked {
			addrs = append(addrs, a)
		}
		sort.Strings(addrs)
		return []string{fmt.Sprintf("the API's token list does not say which token this apply runs with (no token is marked current), so mlabctl revokes none: any of %s may be it; run with a token whose id mlabctl can read (a Sanctum token \"<id>|<secret>\"), or revoke them by id with `mlabctl auth tokens revoke`",
			strings.Join(addrs, ", "))}
	}
	for _, t := range live {
		if a, ok := revoked[t.ID.String()]; ok && t.Current {
			out = append(out, fmt.Sprintf("%s is the token this apply runs with; mlabctl never revokes it (keep it in access_tokens.keep, or run with another token)", a))
		}
	}
	return out
}
