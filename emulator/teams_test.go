package emulator

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/schema"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestInviteAcceptFlow(t *testing.T) {
	e := newEnv(t, nil)
	owner := e.demo.Token

	var inv wireMember
	e.must(201, "POST", "/teams", owner, map[string]any{"email": "Dave@Example.com", "role": "viewer"}).data(t, &inv)
	if inv.Status != "pending" || inv.InviteID == nil || !uuidPattern.MatchString(*inv.InviteID) {
		t.Fatalf("invite %+v: want pending with a uuid invite_id", inv)
	}
	if inv.Role != "viewer" || len(inv.Permissions) != 0 || inv.InvitedAt != ts(fixedNow) {
		t.Errorf("invite %+v", inv)
	}
	if diff := cmp.Diff([]Mail{{To: "Dave@Example.com", Kind: "invite", Code: *inv.InviteID}}, e.srv.Outbox()); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}

	// Dave signs up with the invited address (in another case) and accepts.
	dave := e.srv.AddUser(UserSeed{Email: "dave@example.com", Name: "Dave", Verified: true})
	daveTok := e.srv.IssueToken(dave, "dave", []string{"teams:write"}, 0)
	mallory := e.srv.AddUser(UserSeed{Email: "mallory@evil.example", Verified: true})
	malloryTok := e.srv.IssueToken(mallory, "m", []string{"*"}, 0)

	accept := "/teams/invitations/" + *inv.InviteID + "/accept"
	if r := e.must(403, "POST", accept, malloryTok, nil); r.code() != "forbidden" {
		t.Errorf("accept by another user: code %q, want forbidden", r.code())
	}
	e.must(404, "POST", "/teams/invitations/not-an-invite/accept", daveTok, nil)

	var got wireMember
	e.must(200, "POST", accept, daveTok, nil).data(t, &got)
	want := wireMember{ID: inv.ID, Email: "Dave@Example.com", Name: "Dave", Role: "viewer", Permissions: []string{},
		Status: "active", InvitedAt: ts(fixedNow)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accepted member (-want +got):\n%s", diff)
	}
	// The invitation is spent.
	e.must(404, "POST", accept, daveTok, nil)
	if r := e.must(409, "POST", fmt.Sprintf("/teams/%d/resend-invite", inv.ID), owner, nil); r.code() != "conflict" {
		t.Errorf("resend to an active member: code %q, want conflict", r.code())
	}
}

func TestInviteValidationAndConflicts(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"no email", map[string]any{"role": "admin"}, 422, "email"},
		{"invalid email", map[string]any{"email": "not-an-email"}, 422, "email"},
		{"display name", map[string]any{"email": "Dave <dave@example.com>"}, 422, "email"},
		{"unknown role", map[string]any{"email": "dave@example.com", "role": "owner"}, 422, "role"},
		{"bad permission", map[string]any{"email": "dave@example.com", "permissions": []string{"API Keys"}}, 422, "permissions"},
		{"the owner", map[string]any{"email": "DEMO@mlabctl.example"}, 422, "email"},
		{"an active member", map[string]any{"email": "ALICE@example.com"}, 409, ""},
		{"a pending invite", map[string]any{"email": "carol@example.com"}, 409, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			r := e.must(tc.status, "POST", "/teams", e.demo.Token, tc.body)
			if tc.field != "" {
				if _, ok := r.Env.Error.Details[tc.field]; !ok {
					t.Errorf("details %v lack %q", r.Env.Error.Details, tc.field)
				}
			} else if r.code() != "conflict" {
				t.Errorf("code %q, want conflict", r.code())
			}
			if diff := cmp.Diff(before, e.snapshot()); diff != "" {
				t.Errorf("a rejected invite changed the account (-before +after):\n%s", diff)
			}
		})
	}
}

func TestTeamMemberUpdateResendDelete(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.demo.Token
	team := e.snapshot().Team
	ids := map[string]int64{}
	carolInvite := ""
	for _, m := range team {
		ids[m.Email] = m.ID
		if m.Email == "carol@example.com" {
			carolInvite = m.InviteID
		}
	}
	bob := fmt.Sprintf("/teams/%d", ids["bob@example.com"])

	var got wireMember
	e.must(200, "PUT", bob, tok, map[string]any{"role": "member"}).data(t, &got)
	if got.Role != "member" || len(got.Permissions) != 0 {
		t.Errorf("after role update: %+v", got)
	}
	e.must(200, "PUT", bob, tok, map[string]any{"permissions": []string{"billing", "api-keys", "billing"}}).data(t, &got)
	if diff := cmp.Diff([]string{"api-keys", "billing"}, got.Permissions); diff != "" || got.Role != "member" {
		t.Errorf("after permissions update, role %q, permissions (-want +got):\n%s", got.Role, diff)
	}
	e.must(200, "PUT", bob, tok, map[string]any{"permissions": []string{}}).data(t, &got)
	if got.Permissions == nil || len(got.Permissions) != 0 {
		t.Errorf("an empty list must clear the permissions, got %v", got.Permissions)
	}
	e.must(422, "PUT", bob, tok, map[string]any{"role": "god"})
	e.must(404, "PUT", "/teams/9999", tok, map[string]any{"role": "admin"})

	// Resend to carol, invited 30 days ago: invited_at moves to now.
	e.clock.advance(time.Hour)
	carol := fmt.Sprintf("/teams/%d", ids["carol@example.com"])
	e.must(200, "POST", carol+"/resend-invite", tok, nil).data(t, &got)
	if got.InvitedAt != ts(fixedNow.Add(time.Hour)) || got.Status != "pending" {
		t.Errorf("after resend: %+v", got)
	}
	if out := e.srv.Outbox(); len(out) != 1 || out[0].To != "carol@example.com" || out[0].Kind != "invite" || out[0].Code != *got.InviteID {
		t.Errorf("outbox after resend: %+v", out)
	}

	// Deleting cancels an invite and removes a member.
	e.must(200, "DELETE", carol, tok, nil)
	e.must(200, "DELETE", fmt.Sprintf("/teams/%d", ids["mallory@example.com"]), tok, nil)
	e.must(404, "DELETE", carol, tok, nil)
	e.must(404, "POST", carol+"/resend-invite", tok, nil)
	var emails []string
	for _, m := range e.snapshot().Team {
		emails = append(emails, m.Email)
	}
	if diff := cmp.Diff([]string{"alice@example.com", "bob@example.com"}, emails); diff != "" {
		t.Errorf("team after deletes (-want +got):\n%s", diff)
	}
	// The cancelled invitation cannot be accepted any more.
	u := e.srv.AddUser(UserSeed{Email: "carol@example.com", Verified: true})
	e.must(404, "POST", "/teams/invitations/"+carolInvite+"/accept", e.srv.IssueToken(u, "c", []string{"*"}, 0), nil)
}

func TestTheOwnerIsNeverListed(t *testing.T) {
	e := newEnv(t, nil)
	var team []wireMember
	e.must(200, "GET", "/teams", e.demo.Token, nil).data(t, &team)
	var emails []string
	for _, m := range team {
		emails = append(emails, m.Email)
	}
	want := []string{"alice@example.com", "bob@example.com", "carol@example.com", "mallory@example.com"}
	if diff := cmp.Diff(want, emails); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSwitchAccount(t *testing.T) {
	e := newEnv(t, nil)
	team := e.srv.AddUser(UserSeed{Username: "acme-team", Email: "team@acme.example", Name: "Acme Team", Team: true})
	e.srv.AddAPIKey(team, Key{Name: "team-key"})
	e.srv.AddMember(team, Member{Email: "demo@mlabctl.example", Role: "admin", Status: "active"})
	other := e.srv.AddUser(UserSeed{Username: "other-team", Team: true})
	e.srv.AddMember(other, Member{Email: "demo@mlabctl.example", Role: "admin", Status: "pending"})
	plain := e.srv.AddUser(UserSeed{Username: "plain-user", Verified: true})
	e.srv.AddMember(plain, Member{Email: "demo@mlabctl.example", Status: "active"})

	caller := e.srv.IssueToken(e.demo.Username, "ci", []string{"tokens:write", "api-keys:read", "profile:read"}, 0)
	var sw struct {
		AccessToken string      `json:"access_token"`
		Scopes      []string    `json:"scopes"`
		Account     wireProfile `json:"account"`
	}
	e.must(200, "POST", "/auth/switch-account", caller,
		map[string]any{"account_username": "acme-team", "scopes": []string{"api-keys:read", "teams:read", "profile:read"}}).data(t, &sw)
	if sw.Account.Username != "acme-team" {
		t.Errorf("switched into %q", sw.Account.Username)
	}
	if diff := cmp.Diff([]string{"api-keys:read", "profile:read"}, sw.Scopes); diff != "" {
		t.Errorf("scopes are not the intersection (-want +got):\n%s", diff)
	}
	// The new token acts in the team account.
	var me wireProfile
	e.must(200, "GET", "/me", sw.AccessToken, nil).data(t, &me)
	var keys []wireKey
	e.must(200, "GET", "/api-keys", sw.AccessToken, nil).data(t, &keys)
	if me.Username != "acme-team" || len(keys) != 1 || keys[0].Name != "team-key" {
		t.Errorf("switched token sees %q with keys %+v", me.Username, keys)
	}
	e.must(403, "GET", "/teams", sw.AccessToken, nil)

	t.Run("all of the caller's scopes by default", func(t *testing.T) {
		var sw2 struct {
			Scopes []string `json:"scopes"`
		}
		e.must(200, "POST", "/auth/switch-account", caller, map[string]any{"account_username": "acme-team"}).data(t, &sw2)
		if diff := cmp.Diff([]string{"tokens:write", "api-keys:read", "profile:read"}, sw2.Scopes); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name   string
		body   any
		status int
	}{
		{"pending member", map[string]any{"account_username": "other-team"}, 404},
		{"not a team account", map[string]any{"account_username": "plain-user"}, 404},
		{"no such account", map[string]any{"account_username": "ghost"}, 404},
		{"no username", map[string]any{}, 422},
		{"unknown scope", map[string]any{"account_username": "acme-team", "scopes": []string{"root"}}, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.must(tc.status, "POST", "/auth/switch-account", caller, tc.body)
		})
	}
}

// TestRolesMatchSchema holds the emulator's roles to the roles a
// modelslab.yaml may declare, so that a file that validates never asks the
// emulator for a role it refuses, and the emulator accepts no role the file
// cannot hold.
func TestRolesMatchSchema(t *testing.T) {
	var doc struct {
		Defs struct {
			Member struct {
				Properties struct {
					Role struct {
						Enum []string `json:"enum"`
					} `json:"role"`
				} `json:"properties"`
			} `json:"member"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal([]byte(schema.JSON()), &doc); err != nil {
		t.Fatalf("the embedded schema is not JSON: %v", err)
	}
	if diff := cmp.Diff(doc.Defs.Member.Properties.Role.Enum, roles); diff != "" {
		t.Errorf("emulator roles differ from the schema's $defs/member role enum (-schema +emulator):\n%s", diff)
	}
}
