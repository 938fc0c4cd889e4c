package remote

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// ListTeam returns every team member and pending invite of the account
// (GET /teams, all pages). The account owner is never listed.
func (c *Client) ListTeam(ctx context.Context) ([]TeamMember, error) {
	return listAll[TeamMember](ctx, c, "/teams")
}

// InviteMember invites an email into the team (POST /teams); the answer is
// the pending member. An answer without it ({message}) is read again from
// the team list, by email.
func (c *Client) InviteMember(ctx context.Context, r InviteRequest) (*TeamMember, error) {
	var out TeamMember
	reread := func(ctx context.Context) error {
		team, err := c.ListTeam(ctx)
		if err != nil {
			return err
		}
		for _, m := range team {
			if strings.EqualFold(m.Email, r.Email) {
				out = m
				return nil
			}
		}
		return fmt.Errorf("the team list does not show %s", r.Email)
	}
	if err := c.callUpdate(ctx, http.MethodPost, "/teams", r, &out, memberKeys, reread); err != nil {
		return nil, err
	}
	return &out, nil
}

// memberKeys are the members that tell a team member from a bare
// {message}.
var memberKeys = []string{"id", "email"}

// GetMember returns one member or invite (GET /teams/{id}).
func (c *Client) GetMember(ctx context.Context, id ID) (*TeamMember, error) {
	return c.memberCall(ctx, http.MethodGet, id, "", nil)
}

// UpdateMember changes the role and permissions of u that are not nil (PUT
// /teams/{id}).
func (c *Client) UpdateMember(ctx context.Context, id ID, u MemberUpdate) (*TeamMember, error) {
	return c.memberCall(ctx, http.MethodPut, id, "", u)
}

// RemoveMember removes a member or cancels an invite (DELETE /teams/{id}).
func (c *Client) RemoveMember(ctx context.Context, id ID) error {
	path, err := apiPath("/teams", string(id))
	if err != nil {
		return err
	}
	_, err = c.callMessage(ctx, http.MethodDelete, path, nil)
	return err
}

// ResendInvite sends a pending invite again (POST /teams/{id}/resend-invite);
// a 409 conflict means the member is already active.
func (c *Client) ResendInvite(ctx context.Context, id ID) (*TeamMember, error) {
	return c.memberCall(ctx, http.MethodPost, id, "/resend-invite", nil)
}

// AcceptInvite accepts an invite with the invitee's own token (POST
// /teams/invitations/{inviteId}/accept).
func (c *Client) AcceptInvite(ctx context.Context, inviteID string) (*TeamMember, error) {
	path, err := apiPath("/teams/invitations", inviteID)
	if err != nil {
		return nil, err
	}
	rq := request{method: http.MethodPost, path: path + "/accept"}
	env, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	if !holdsObject(env.Data, memberKeys) {
		// Accepted without the member in the answer: the invitee's token
		// cannot read the team it joined, so say what is known.
		return &TeamMember{InviteID: inviteID, Status: StatusActive}, nil
	}
	var out TeamMember
	if err := decodeData(&rq, env, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// memberCall is a call on /teams/{id}[suffix] answering a team member. A
// mutation whose answer does not hold the member is followed by a read.
func (c *Client) memberCall(ctx context.Context, method string, id ID, suffix string, body any) (*TeamMember, error) {
	path, err := apiPath("/teams", string(id))
	if err != nil {
		return nil, err
	}
	var out TeamMember
	if method == http.MethodGet {
		err = c.call(ctx, method, path+suffix, body, &out)
	} else {
		reread := func(ctx context.Context) error {
			m, err := c.GetMember(ctx, id)
			if err == nil {
				out = *m
			}
			return err
		}
		err = c.callUpdate(ctx, method, path+suffix, body, &out, memberKeys, reread)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}
