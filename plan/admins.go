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
// team list, so it is never counted.
func AdminsAfter(team []remote.TeamMember, changes []Change) []string {
	role := make(map[string]string, len(team))
	for _, m := range team {
		role[strings.ToLower(m.Email)] = m.Role
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
		if r == roleAdmin {
			admins = append(admins, email)
		}
	}
	sort.Strings(admins)
	return admins
}
