package emulator

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/limits"
)

// Handlers of /teams: members, invites, resend and accept.

// roles are the team roles of API.md.
var roles = []string{"admin", "member", "viewer"}

// permissionPattern is what a permission name may look like (the API does
// not publish a closed list).
var permissionPattern = regexp.MustCompile(limits.PermissionPattern)

func (c *call) listTeam() reply {
	ms := c.acct.Members
	return paginate(c, len(ms), func(i int) wireMember { return memberOf(ms[i]) })
}

// memberParam returns the member or invite the {id} of the route names.
func (c *call) memberParam() (*member, *apiError) {
	return byIDParam(c, "team member", c.acct.memberByID)
}

func (c *call) getMember() reply {
	m, e := c.memberParam()
	if e != nil {
		return fail(e)
	}
	return ok(memberOf(m))
}

// checkRole validates a role.
func checkRole(fe fieldErrors, role string) {
	for _, r := range roles {
		if r == role {
			return
		}
	}
	fe.add("role", fmt.Sprintf("must be one of %s, not %q", strings.Join(roles, ", "), role))
}

// checkPermissions validates permission names and returns them sorted and
// without duplicates.
func checkPermissions(fe fieldErrors, perms []string) []string {
	out := []string{}
	for _, p := range perms {
		if !permissionPattern.MatchString(p) || utf8.RuneCountInString(p) > limits.PermissionMax {
			fe.add("permissions", fmt.Sprintf("has an invalid permission %q (at most %d lower-case letters, digits, ':', '_' or '-')", p, limits.PermissionMax))
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (c *call) invite() reply {
	var in struct {
		Email       *string  `json:"email"`
		Role        *string  `json:"role"`
		Permissions []string `json:"permissions"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	email := ""
	if in.Email == nil {
		fe.add("email", "is required")
	} else if email = strings.TrimSpace(*in.Email); !validEmail(email) {
		fe.add("email", fmt.Sprintf("%q is not a valid email address", *in.Email))
	} else if strings.EqualFold(email, c.acct.Email) {
		fe.add("email", "is the account owner's, who is always a member")
	}
	role := "member"
	if in.Role != nil {
		role = *in.Role
		checkRole(fe, role)
	}
	perms := checkPermissions(fe, in.Permissions)
	if c.s.InviteIgnoresRole {
		// The MCP invite takes only an email: role and permissions are
		// dropped, set them with an update.
		role, perms = "member", []string{}
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	if m := c.acct.memberByEmail(email); m != nil {
		return fail(errConflict(fmt.Sprintf("%s is already %s of this team (id %d)", m.Email, map[bool]string{true: "a member", false: "invited to"}[m.Status == "active"], m.ID)))
	}
	m := &member{Email: email, Role: role, Permissions: perms, Status: "pending", InvitedAt: c.now}
	c.s.st.addMember(c.acct, m)
	c.s.st.mail(m.Email, "invite", m.InviteID)
	c.dirty = true
	return created(memberOf(m))
}

func (c *call) updateMember() reply {
	m, e := c.memberParam()
	if e != nil {
		return fail(e)
	}
	var in struct {
		Role        *string   `json:"role"`
		Permissions *[]string `json:"permissions"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	if in.Role != nil {
		checkRole(fe, *in.Role)
	}
	var perms []string
	if in.Permissions != nil {
		perms = checkPermissions(fe, *in.Permissions)
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	if in.Role != nil {
		m.Role = *in.Role
	}
	if in.Permissions != nil {
		m.Permissions = perms
	}
	c.dirty = true
	return ok(memberOf(m))
}

func (c *call) deleteMember() reply {
	m, e := c.memberParam()
	if e != nil {
		return fail(e)
	}
	c.s.st.deleteMember(c.acct, m.ID)
	c.dirty = true
	if m.Status == "pending" {
		return message("invitation to " + m.Email + " cancelled")
	}
	return message(m.Email + " removed from the team")
}

func (c *call) resendInvite() reply {
	m, e := c.memberParam()
	if e != nil {
		return fail(e)
	}
	if m.Status != "pending" {
		return fail(errConflict(fmt.Sprintf("%s is already an active member; there is no invitation to resend", m.Email)))
	}
	m.InvitedAt = c.now
	c.s.st.mail(m.Email, "invite", m.InviteID)
	c.dirty = true
	return ok(memberOf(m))
}

func (c *call) acceptInvite() reply {
	inviteID := c.params["inviteId"]
	a := c.s.st.invites[inviteID]
	var m *member
	if a != nil {
		for _, x := range a.Members {
			if x.InviteID == inviteID {
				m = x
			}
		}
	}
	if m == nil {
		return fail(&apiError{status: 404, Code: "not_found", Message: fmt.Sprintf("invitation %q not found (cancelled, accepted or never sent)", inviteID)})
	}
	if !strings.EqualFold(c.user.Email, m.Email) {
		return fail(errForbidden("this invitation was sent to another email address; accept it with a token of the invited user"))
	}
	delete(c.s.st.invites, m.InviteID)
	m.InviteID = ""
	m.Status = "active"
	m.Name = c.user.Name
	c.dirty = true
	return ok(memberOf(m))
}

// addMember stores m in the account's team, filling ID, and InviteID for a
// pending member, when zero.
func (st *state) addMember(a *account, m *member) {
	assignID(&m.ID, &st.NextMemberID)
	if m.Status == "" {
		m.Status = "active"
	}
	if m.Status == "pending" && m.InviteID == "" {
		m.InviteID = newUUID()
	}
	if m.Permissions == nil {
		m.Permissions = []string{}
	}
	a.Members = insertByID(a.Members, m)
	a.memberByID[m.ID] = m
	if m.InviteID != "" {
		st.invites[m.InviteID] = a
	}
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
