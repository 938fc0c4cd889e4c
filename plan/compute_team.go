package plan

import (
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// defaultRole is the role of a declared member without `role:`.
const defaultRole = "member"

// roleAdmin is the role min_admins counts.
const roleAdmin = "admin"

// team plans `team:` when present: the list is the whole truth. Emails
// compare case-insensitively. A pending invite counts as declared (it is not
// invited again) and its role and permissions are reconciled like a
// member's; an invite pending longer than policy.resend_invites_after is
// resent. Undeclared live members are removed (invites cancelled) unless
// `ignore.team` matches their email. The account owner is never removed.
func (b *builder) team() error {
	if !b.spec.TeamSet {
		return nil
	}
	ignore, err := compileGlobs("ignore.team", b.spec.Ignore.Team, true)
	if err != nil {
		return err
	}
	owner := strings.ToLower(b.live.Profile.Email)
	members := b.live.Team
	byEmail := make(map[string][]int, len(members))
	for i, m := range members {
		e := strings.ToLower(m.Email)
		byEmail[e] = append(byEmail[e], i)
	}
	claimed := make([]bool, len(members))
	managed := 0

	for _, want := range b.spec.Team {
		email := strings.ToLower(want.Email)
		if owner != "" && email == owner {
			b.warn("team_member.%s is the account owner, who is not a team member; the entry is left alone", email)
			for _, j := range byEmail[email] {
				claimed[j] = true
			}
			continue
		}
		role := want.Role
		if role == "" {
			role = defaultRole
		}
		idx := byEmail[email]
		switch len(idx) {
		case 0:
			b.invite(want, role)
		case 1:
			claimed[idx[0]] = true
			managed++
			b.warnOdd(members[idx[0]])
			b.reconcileMember(want, role, members[idx[0]])
		default:
			ids := claimAll(claimed, idx, func(j int) remote.ID { return members[j].ID })
			b.problem(want.Pos, "team member %q matches %d live entries (ids %s); remove the extra ones in the dashboard, then plan again",
				want.Email, len(idx), strings.Join(ids, ", "))
		}
	}

	for j, m := range members {
		if claimed[j] {
			continue
		}
		email := strings.ToLower(m.Email)
		if owner != "" && email == owner {
			continue // never removed; the API does not list the owner anyway
		}
		addr := Address{Kind: KindTeamMember, Name: email}
		if b.unmanaged(ignore, addr) {
			continue
		}
		managed++
		b.warnOdd(m)
		if m.Status == remote.StatusUnknown {
			// Whether it is a member, an invite or neither is exactly
			// what mlabctl cannot tell: it does not remove it.
			b.problem(b.spec.TeamPos, "team_member.%s is not in modelslab.yaml, but the API reports its status as %s, which mlabctl does not know, so it will not remove it (id %s, role %s); declare it in team:, match it with ignore.team, or remove it in the dashboard",
				email, m.RawStatus, m.ID, m.Role)
			continue
		}
		note := fmt.Sprintf("remove, role %s, not in modelslab.yaml", m.Role)
		if m.Status == remote.StatusPending {
			note = fmt.Sprintf("cancel invite, role %s, pending since %s, not in modelslab.yaml", m.Role, day(m.InvitedAt))
		}
		b.add(Change{
			Address: addr,
			Action:  Delete,
			Before:  memberFields(m.Email, m.Role, m.Permissions),
			LiveID:  m.ID.String(),
			Reason:  "not in modelslab.yaml",
			Note:    note,
		})
	}
	b.countManaged(sectionTeam, managed)
	return nil
}

// warnOdd warns about a live member the plan manages whose status or role
// mlabctl does not know: shown as unknown, it is never counted toward
// min_admins nor removed; an unknown role is kept as the API sent it.
func (b *builder) warnOdd(m remote.TeamMember) {
	email := strings.ToLower(m.Email)
	if m.Status == remote.StatusUnknown {
		b.warn("team_member.%s has a status mlabctl does not know (the API reports %s): it is shown as unknown, not counted toward policy.min_admins, never removed, and no invite is resent",
			email, m.RawStatus)
	}
	if m.Role != "" && !remote.KnownRole(m.Role) {
		b.warn("team_member.%s has the role %q, which is not admin, member or viewer (the public docs list no roles): it is accepted as the API sent it, and only admin counts toward policy.min_admins",
			email, m.Role)
	}
}

// invite plans an invitation of a declared member who is not in the team.
func (b *builder) invite(want spec.Member, role string) {
	note := "invite, role " + role
	if len(want.Permissions) > 0 {
		note += ", permissions " + strings.Join(want.Permissions, ", ")
	}
	b.add(Change{
		Address: Address{Kind: KindTeamMember, Name: strings.ToLower(want.Email)},
		Action:  Create,
		After:   memberFields(want.Email, role, want.Permissions),
		Note:    note,
	})
}

// reconcileMember plans an update of role and permissions, a resend of an
// old pending invite, both (an update with Resend set), or nothing.
func (b *builder) reconcileMember(want spec.Member, role string, have remote.TeamMember) {
	pending := have.Status == remote.StatusPending
	after := b.spec.Policy.ResendInvitesAfter
	resend := pending && after > 0 && !have.InvitedAt.IsZero() && b.now.Sub(have.InvitedAt) > after
	if !resend && have.Role == role && sameSet(have.Permissions, want.Permissions) {
		return // the common case, decided without building field sets
	}
	diffs := changedFields(
		fieldSet{"role": have.Role, "permissions": stringList(have.Permissions)},
		fieldSet{"role": role, "permissions": stringList(want.Permissions)},
	)
	if len(diffs) == 0 && !resend {
		return
	}
	c := Change{
		Address: Address{Kind: KindTeamMember, Name: strings.ToLower(want.Email)},
		LiveID:  have.ID.String(),
		Note:    "id " + have.ID.String(),
	}
	if have.Status == remote.StatusUnknown {
		c.Note += ", status unknown (" + have.RawStatus + ")"
	}
	resendReason := fmt.Sprintf("invite pending since %s, older than resend_invites_after %s",
		day(have.InvitedAt), durationText(b.spec.Policy.ResendInvitesAfterText, after))
	switch {
	case len(diffs) == 0:
		c.Action = Resend
		c.Reason = resendReason
	default:
		c.Action = Update
		c.Before, c.After = sides(diffs)
		c.Reason = differ(diffs, "")
		if pending {
			c.Reason = differ(diffs, " of the pending invite")
		}
		if resend {
			c.Resend = true
			c.Reason += "; " + resendReason + ": resent after the update"
		}
	}
	b.add(c)
}

// sameSet reports whether two lists hold the same strings, ignoring order
// and repetitions.
func sameSet(a, b []string) bool {
	if len(a) == len(b) {
		equal := true
		for i := range a {
			if a[i] != b[i] {
				equal = false
				break
			}
		}
		if equal {
			return true
		}
	}
	return sameValue(stringList(a), stringList(b))
}

// memberFields are the managed fields of a member or invite, for a create
// or a delete; no permissions are left out, as the API's invite body does.
func memberFields(email, role string, permissions []string) map[string]any {
	m := map[string]any{"email": email, "role": role}
	if len(permissions) > 0 {
		m["permissions"] = stringList(permissions)
	}
	return m
}

// minAdmins checks policy.min_admins against the admins the team has once
// changes are applied to the live team (AdminsAfter, the count apply checks
// again): in effect the declared admins plus unmanaged (ignored) ones,
// active or pending. A spec without `team:` manages no member, so the rail
// does not apply. what names the changes when they are not the whole plan.
func (b *builder) minAdmins(changes []Change, what string) {
	minAdmins := b.spec.Policy.MinAdmins
	if minAdmins <= 0 || !b.spec.TeamSet {
		return
	}
	admins := AdminsAfter(b.live.Team, changes)
	n := len(admins)
	if n >= minAdmins {
		return
	}
	who := "none"
	if n > 0 {
		who = strings.Join(admins, ", ")
	}
	pos := b.spec.Policy.MinAdminsPos
	if pos.Line == 0 {
		pos = b.spec.TeamPos
	}
	if what == "" {
		what = "this plan"
	}
	if unsure := UnknownAdminsAfter(b.live.Team, changes); n+len(unsure) >= minAdmins {
		b.problem(pos, "policy.min_admins is %d: after %s the team has %d admin%s whose status mlabctl knows (%s), and %s, whose status the API reports in a way mlabctl does not know, so it cannot tell whether enough admins are left; check their status in the dashboard, declare more members with \"role: admin\", or lower min_admins",
			minAdmins, what, n, plural(n), who, strings.Join(unsure, ", "))
		return
	}
	b.problem(pos, "policy.min_admins is %d, but after %s the team has %d admin%s (%s); declare more members with \"role: admin\" or lower min_admins",
		minAdmins, what, n, plural(n), who)
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
