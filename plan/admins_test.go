package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlabctl/mlabctl/remote"
)

func TestAdminsAfter(t *testing.T) {
	team := []remote.TeamMember{
		{ID: "1", Email: "Alice@example.com", Role: "admin", Status: remote.StatusActive},
		{ID: "2", Email: "bob@example.com", Role: "member", Status: remote.StatusActive},
		{ID: "3", Email: "carol@example.com", Role: "admin", Status: remote.StatusPending},
	}
	member := func(email string, a Action, after map[string]any) Change {
		return Change{Address: Address{Kind: KindTeamMember, Name: email}, Action: a, After: after}
	}
	tests := []struct {
		name    string
		team    []remote.TeamMember
		changes []Change
		want    []string
	}{
		{name: "no team", want: nil},
		{name: "no changes: active and pending admins", team: team, want: []string{"alice@example.com", "carol@example.com"}},
		{name: "a removed admin", team: team, changes: []Change{member("carol@example.com", Delete, nil)}, want: []string{"alice@example.com"}},
		{name: "emails compare case-insensitively", team: team, changes: []Change{member("alice@example.com", Delete, nil)}, want: []string{"carol@example.com"}},
		{name: "a demoted admin", team: team, changes: []Change{member("alice@example.com", Update, map[string]any{"role": "viewer"})}, want: []string{"carol@example.com"}},
		{name: "a promoted member", team: team, changes: []Change{member("bob@example.com", Update, map[string]any{"role": "admin"})}, want: []string{"alice@example.com", "bob@example.com", "carol@example.com"}},
		{name: "an update of permissions keeps the role", team: team, changes: []Change{member("alice@example.com", Update, map[string]any{"permissions": []any{"billing"}})}, want: []string{"alice@example.com", "carol@example.com"}},
		{name: "a resend keeps the role", team: team, changes: []Change{member("carol@example.com", Resend, nil)}, want: []string{"alice@example.com", "carol@example.com"}},
		{name: "an admin invited", team: team, changes: []Change{member("dave@example.com", Create, map[string]any{"email": "dave@example.com", "role": "admin"})}, want: []string{"alice@example.com", "carol@example.com", "dave@example.com"}},
		{name: "an invite without a role is a member", changes: []Change{member("dave@example.com", Create, map[string]any{"email": "dave@example.com"})}, want: nil},
		{name: "every admin removed, one invited", team: team, changes: []Change{
			member("alice@example.com", Delete, nil), member("carol@example.com", Delete, nil),
			member("new@example.com", Create, map[string]any{"role": "admin"}),
		}, want: []string{"new@example.com"}},
		{name: "other kinds are not members", team: team, changes: []Change{
			{Address: Address{Kind: KindAPIKey, Name: "alice@example.com"}, Action: Delete},
		}, want: []string{"alice@example.com", "carol@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AdminsAfter(tt.team, tt.changes)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestAdminsAfterUnknownStatus: an admin whose status is unknown is never
// counted by AdminsAfter (it may be suspended), and UnknownAdminsAfter
// names it, so that a plan resting on it is refused by name.
func TestAdminsAfterUnknownStatus(t *testing.T) {
	team := []remote.TeamMember{
		{ID: "1", Email: "alice@example.com", Role: "admin", Status: remote.StatusActive},
		{ID: "2", Email: "odd@example.com", Role: "admin", Status: remote.StatusUnknown, RawStatus: `"suspended"`},
		{ID: "3", Email: "odd-member@example.com", Role: "member", Status: remote.StatusUnknown},
	}
	promote := Change{Address: Address{Kind: KindTeamMember, Name: "odd-member@example.com"}, Action: Update, After: map[string]any{"role": "admin"}}
	tests := []struct {
		name              string
		changes           []Change
		wantKnown, wantUn []string
	}{
		{name: "as live", wantKnown: []string{"alice@example.com"}, wantUn: []string{"odd@example.com"}},
		{name: "an unknown member promoted is still unknown", changes: []Change{promote}, wantKnown: []string{"alice@example.com"}, wantUn: []string{"odd-member@example.com", "odd@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.wantKnown, AdminsAfter(team, tt.changes)); diff != "" {
				t.Errorf("AdminsAfter (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUn, UnknownAdminsAfter(team, tt.changes)); diff != "" {
				t.Errorf("UnknownAdminsAfter (-want +got)\n%s", diff)
			}
		})
	}
}
