package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

func TestCheckRails(t *testing.T) {
	live := &remote.State{
		Profile: remote.Profile{Email: "owner@example.com"},
		Team: []remote.TeamMember{
			{ID: "1", Email: "alice@example.com", Role: "admin", Status: "active"},
			{ID: "2", Email: "bob@example.com", Role: "viewer", Status: "active"},
		},
	}
	massPlan := func(t testing.TB) *plan.Plan {
		p := &plan.Plan{}
		var addrs []plan.Address
		for _, n := range []string{"a", "b", "c", "d"} {
			a := addr(t, "api_key."+n)
			addrs = append(addrs, a)
			p.Changes = append(p.Changes, plan.Change{Address: a, Action: plan.Delete, LiveID: n})
		}
		p.MassDeletions = []plan.MassDeletion{{Section: "api_keys", Addresses: addrs, Live: 5, Percent: 25}}
		return p
	}
	tests := []struct {
		name    string
		plan    func(testing.TB) *plan.Plan
		rails   Rails
		tokens  []remote.AccessToken
		refused []string // substrings of the reasons; nil = allowed
		misuse  string   // substring of a non-refusal error
	}{
		{name: "mass deletion refused", plan: massPlan, refused: []string{"deletes 4 of 5 live API keys", "--allow-delete: api_key.a, api_key.b, api_key.c, api_key.d"}},
		{name: "mass deletion with --allow-mass-delete", plan: massPlan, rails: Rails{AllowMassDelete: true}},
		{name: "mass deletion approved address by address", plan: massPlan, rails: Rails{AllowDelete: []plan.Address{{Kind: plan.KindAPIKey, Name: "a"}, {Kind: plan.KindAPIKey, Name: "b"}, {Kind: plan.KindAPIKey, Name: "c"}, {Kind: plan.KindAPIKey, Name: "d"}}}},
		{name: "mass deletion partly approved", plan: massPlan, rails: Rails{AllowDelete: []plan.Address{{Kind: plan.KindAPIKey, Name: "a"}}}, refused: []string{"--allow-delete: api_key.b, api_key.c, api_key.d"}},
		{name: "--allow-delete of an address the plan does not delete", plan: massPlan, rails: Rails{AllowDelete: []plan.Address{{Kind: plan.KindAPIKey, Name: "zzz"}}}, misuse: "the plan does not delete api_key.zzz"},
		{
			name: "protected key",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.prod"), Action: plan.Replace, LiveID: "1"}}}
			},
			rails:   Rails{Protected: []string{"prod"}},
			refused: []string{`API key "prod" is protected`},
		},
		{
			name: "min_admins",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "team_member.alice@example.com"), Action: plan.Update, LiveID: "1", After: map[string]any{"role": "member"}}}}
			},
			rails:   Rails{MinAdmins: 1, Live: live},
			refused: []string{"leaves 0 active or pending admins, fewer than policy.min_admins 1"},
		},
		{
			name: "min_admins met by an invite",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{
					{Address: addr(t, "team_member.alice@example.com"), Action: plan.Delete, LiveID: "1"},
					{Address: addr(t, "team_member.new@example.com"), Action: plan.Create, After: map[string]any{"email": "new@example.com", "role": "admin"}},
				}}
			},
			rails: Rails{MinAdmins: 1, Live: live},
		},
		{
			name: "the owner",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "team_member.OWNER@example.com"), Action: plan.Delete, LiveID: "9"}}}
			},
			rails:   Rails{Live: live},
			refused: []string{"account owner"},
		},
		{
			name: "the token in use",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{
					{Address: addr(t, "access_token.ci#5"), Action: plan.Delete, LiveID: "5"},
					{Address: addr(t, "access_token.old#6"), Action: plan.Delete, LiveID: "6"},
				}}
			},
			tokens:  []remote.AccessToken{{ID: "5", Name: "ci", Current: true}, {ID: "6", Name: "old"}},
			refused: []string{"access_token.ci#5 is the token this apply runs with"},
		},
		{
			name: "another token",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "access_token.old#6"), Action: plan.Delete, LiveID: "6"}}}
			},
			tokens: []remote.AccessToken{{ID: "5", Name: "ci", Current: true}, {ID: "6", Name: "old"}},
		},
		{
			name: "no token known current: nothing is revoked",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{
					{Address: addr(t, "access_token.old#6"), Action: plan.Delete, LiveID: "6"},
					{Address: addr(t, "access_token.ci#5"), Action: plan.Delete, LiveID: "5"},
				}}
			},
			tokens:  []remote.AccessToken{{ID: "5", Name: "ci"}, {ID: "6", Name: "old"}},
			refused: []string{"does not say which token this apply runs with", "any of access_token.ci#5, access_token.old#6 may be it", "mlabctl auth tokens revoke"},
		},
		{
			name: "a hostile token name is escaped",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "access_token.evil\x1b[2K\rFAKE: ok#5"), Action: plan.Delete, LiveID: "5"}}}
			},
			tokens:  []remote.AccessToken{{ID: "5", Name: "evil\x1b[2K\rFAKE: ok", Current: true}},
			refused: []string{`access_token.evil\u001b[2K\rFAKE: ok#5 is the token`},
		},
		{
			name:   "a hostile --allow-delete is escaped",
			plan:   massPlan,
			rails:  Rails{AllowDelete: []plan.Address{{Kind: plan.KindAPIKey, Name: "x\x1b]0;title\a"}}},
			misuse: `the plan does not delete api_key.x\u001b]0;title\u0007`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRails(context.Background(), tt.plan(t), &fakeClient{tokens: tt.tokens}, tt.rails)
			if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
				t.Errorf("the error holds a raw control character: %q", err.Error())
			}
			checkRailsOutcome(t, err, tt.refused, tt.misuse)
		})
	}
}

// checkRailsOutcome checks what CheckRails returned: an *AllowDeleteError
// containing misuse when misuse is set, nil when refused is nil, else a
// *RefusedError (exit 3) containing each of refused.
func checkRailsOutcome(t *testing.T, err error, refused []string, misuse string) {
	t.Helper()
	var r *RefusedError
	var m *AllowDeleteError
	switch {
	case misuse != "":
		if !errors.As(err, &m) || !strings.Contains(err.Error(), misuse) {
			t.Fatalf("err = %v, want an *AllowDeleteError containing %q", err, misuse)
		}
	case refused == nil:
		if err != nil {
			t.Fatalf("err = %v, want the plan allowed", err)
		}
	default:
		if !errors.As(err, &r) {
			t.Fatalf("err = %v, want a RefusedError", err)
		}
		if r.ExitCode() != 3 {
			t.Errorf("exit %d, want 3", r.ExitCode())
		}
		for _, want := range refused {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err.Error(), want)
			}
		}
	}
}
