package plan

import (
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/remote"
)

// AdminsAfter returns the emails (lowercase, sorted, each once) of the
// admins, active or pending, that the live team has once changes are
// applied: every live member, less those the changes remove, with the role
// of a create or of an update that sets one. It is policy.min_admins' one
// count: plan checks it when computing a plan, and apply checks it again on
// the team read right before applying (a plan file may be old or edited),
// so the two can never disagree on what the rail means.
//
// A member a plan does not touch (ignored by ignore.team, or already as
// declared) keeps its live role; the account owner is never in the API's
// team list, so it is never counted; neither is a member whose live status
// is unknown (see UnknownAdminsAfter).
func AdminsAfter(team []remote.TeamMember, changes []Change) []string {
	return adminsAfter(team, changes, false)
}

// UnknownAdminsAfter returns the emails (as AdminsAfter) of the admins the
// team has once changes are applied whose live status is unknown
// (remote.StatusUnknown): AdminsAfter leaves them out, since a member
// whose status mlabctl cannot read may be suspended, and min_admins must
// not rest on it; a plan that would meet min_admins only with them is
// refused with their names.
func UnknownAdminsAfter(team []remote.TeamMember, changes []Change) []string {
	return adminsAfter(team, changes, true)
}

// adminsAfter counts the admins after changes among the members whose
// live status is known (unknown false) or unknown (unknown true); a
// member the changes create is known.
func adminsAfter(team []remote.TeamMember, changes []Change, unknown bool) []string {
	role := make(map[string]string, len(team))
	unknownStatus := make(map[string]bool)
	for _, m := range team {
		email := strings.ToLower(m.Email)
		role[email] = m.Role
		if m.Status == remote.StatusUnknown {
			unknownStatus[email] = true
		}
	}
	for _, c := range changes {
		if c.Address.Kind != KindTeamMember {
			continue
		}
		email := strings.ToLower(c.Address.Name)
		switch c.Action {
		case Delete:
			delete(role, email)
		case Create, Update:
			if r, ok := c.After["role"].(string); ok {
				role[email] = r
			} else if c.Action == Create {
				role[email] = defaultRole // as the API invites without a role
			}
		}
	}
	var admins []string
	for email, r := range role {
		if r == roleAdmin && unknownStatus[email] == unknown {
			admins = append(admins, email)
		}
	}
	sort.Strings(admins)
	return admins
}
