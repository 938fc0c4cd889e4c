package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/mlabctl/mlabctl/remote"
)

// settleInviteRole makes an invite's role and permissions what the plan
// asked for when the server's answer shows it ignored them (the public
// docs' invite takes only an email; API.md, last section): it follows the
// invite with an update of the new member, in the same apply, instead of
// leaving it to the next plan. answer is the invite's answer (nil when the
// create was confirmed by reading), id the new member's id. It returns a
// note for the step's line; an update that fails is a *halfDoneError: the
// invite was sent.
func (r *runner) settleInviteRole(ctx context.Context, s *step, req remote.InviteRequest, answer *remote.TeamMember, id remote.ID) (string, error) {
	if answer == nil || id == "" || inviteShows(req, answer) {
		return "", nil
	}
	u := remote.MemberUpdate{}
	if req.Role != "" && answer.Role != req.Role {
		role := req.Role
		u.Role = &role
	}
	if !samePermissions(req.Permissions, answer.Permissions) {
		perms := slices.Clone(req.Permissions)
		if perms == nil {
			perms = []string{}
		}
		u.Permissions = &perms
	}
	note, err := r.checked(ctx, followUpKey(s.key), func(ctx context.Context) error {
		_, err := r.client.UpdateMember(ctx, id, u)
		return err
	}, r.memberShows(id, u))
	if err != nil {
		return "", &halfDoneError{fmt.Errorf("invited, but the server ignored the role and permissions of the invite, and the update setting them failed: %w (the next apply sets them)", err)}
	}
	return joinNotes("role and permissions set by an update (the server ignored them in the invite)", note), nil
}

// inviteShows reports whether an invite's answer has the role and
// permissions asked for (a role asked for as "" is the server's default).
func inviteShows(req remote.InviteRequest, m *remote.TeamMember) bool {
	return (req.Role == "" || m.Role == req.Role) && samePermissions(req.Permissions, m.Permissions)
}

// samePermissions compares two permission lists as sets (nil is empty).
func samePermissions(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// followUpKey is the Idempotency-Key of the update that follows the
// invite of key: derived from it (the same apply sends the same key) and
// never equal to it.
func followUpKey(key string) string {
	sum := sha256.Sum256([]byte(key + "\x00invite-role\x00"))
	return hex.EncodeToString(sum[:])
}
