package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Rails are the safety checks of CONTRACT.md that apply runs again before
// any change, whatever made the plan (a plan file may be old, or edited).
type Rails struct {
	// AllowMassDelete approves every mass deletion (--allow-mass-delete).
	AllowMassDelete bool
	// AllowDelete approves mass deletions address by address
	// (--allow-delete, repeatable). Each must be a delete in the plan.
	AllowDelete []plan.Address
	// Protected are the names of keys declared `protect: true`; nil when the
	// spec is not at hand (a plan file applied without its modelslab.yaml).
	Protected []string
	// MinAdmins is policy.min_admins; 0 means no rail.
	MinAdmins int
	// Live is the live state the plan is applied to; nil skips the checks
	// that need it (min_admins, the owner).
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

// CheckRails returns a *RefusedError naming every rail the plan breaks, a
// plain error when the rails themselves are misused (an --allow-delete of an
// address the plan does not delete) or the token list cannot be read, and
// nil when the plan may run. It makes no change; it lists the tokens only
// when the plan revokes one.
func CheckRails(ctx context.Context, p *plan.Plan, tokens TokenLister, r Rails) error {
	deletes := map[string]plan.Change{}
	for _, c := range p.Changes {
		if c.Action == plan.Delete || c.Action == plan.Replace {
			deletes[c.Address.String()] = c
		}
	}
	var misuse []string
	for _, a := range r.AllowDelete {
		if _, ok := deletes[a.String()]; !ok {
			misuse = append(misuse, fmt.Sprintf("--allow-delete %s: the plan does not delete %s", a, a))
		}
	}
	if len(misuse) > 0 {
		return &AllowDeleteError{Problems: sanitized(misuse)}
	}

	var reasons []string
	// protect
	protected := map[string]bool{}
	for _, n := range r.Protected {
		protected[n] = true
	}
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindAPIKey && (c.Action == plan.Delete || c.Action == plan.Replace) && protected[c.Address.Name] {
			reasons = append(reasons, fmt.Sprintf("API key %q is protected and the plan would %s it; remove `protect: true` in modelslab.yaml to allow it", c.Address.Name, c.Action))
		}
	}
	// mass deletion
	if !r.AllowMassDelete {
		allowed := map[string]bool{}
		for _, a := range r.AllowDelete {
			allowed[a.String()] = true
		}
		for _, md := range p.MassDeletions {
			var unapproved []string
			for _, a := range md.Addresses {
				if !allowed[a.String()] {
					unapproved = append(unapproved, a.String())
				}
			}
			if len(unapproved) > 0 {
				reasons = append(reasons, fmt.Sprintf("the plan deletes %d of %d live %s (more than max_delete_percent %d%%); pass --allow-mass-delete, or approve each with --allow-delete: %s",
					len(md.Addresses), md.Live, sectionNoun(md.Section), md.Percent, strings.Join(unapproved, ", ")))
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
	}
	// the token in use
	revoked := map[string]plan.Address{}
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindAccessToken {
			revoked[liveID(c).String()] = c.Address
		}
	}
	if len(revoked) > 0 {
		live, err := tokens.ListTokens(ctx)
		if err != nil {
			return fmt.Errorf("listing access tokens to make sure the plan does not revoke the one in use: %w", err)
		}
		for _, t := range live {
			if a, ok := revoked[t.ID.String()]; ok && t.Current {
				reasons = append(reasons, fmt.Sprintf("%s is the token this apply runs with; mlabctl never revokes it (keep it in access_tokens.keep, or run with another token)", a))
			}
		}
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
