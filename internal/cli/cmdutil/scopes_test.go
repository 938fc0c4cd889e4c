package cmdutil

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/spec"
)

func TestRequiredScopes(t *testing.T) {
	t.Parallel()
	name := "x"
	for _, tc := range []struct {
		name       string
		spec       spec.Spec
		read, both []string // plan/export, apply
	}{
		{name: "version only", spec: spec.Spec{Version: 1},
			read: []string{"profile:read"}, both: []string{"profile:read"}},
		{name: "profile", spec: spec.Spec{Profile: &spec.Profile{Name: &name}},
			read: []string{"profile:read"}, both: []string{"profile:read", "profile:write"}},
		{name: "socials and preferences share profile:write", spec: spec.Spec{Socials: &spec.Socials{}, Preferences: &spec.Preferences{}},
			read: []string{"profile:read"}, both: []string{"profile:read", "profile:write"}},
		{name: "empty api_keys is managed", spec: spec.Spec{APIKeysSet: true},
			read: []string{"api-keys:read", "profile:read"}, both: []string{"api-keys:read", "api-keys:write", "profile:read"}},
		{name: "team", spec: spec.Spec{TeamSet: true},
			read: []string{"profile:read", "teams:read"}, both: []string{"profile:read", "teams:read", "teams:write"}},
		{name: "access tokens", spec: spec.Spec{AccessTokens: &spec.AccessTokens{Keep: []string{"ci*"}}},
			read: []string{"profile:read", "tokens:read"}, both: []string{"profile:read", "tokens:read", "tokens:write"}},
		{name: "account alone adds nothing inside the account", spec: spec.Spec{Account: "acme-team", APIKeysSet: true},
			read: []string{"api-keys:read", "profile:read"}, both: []string{"api-keys:read", "api-keys:write", "profile:read"}},
		{name: "everything", spec: spec.Spec{Profile: &spec.Profile{}, APIKeysSet: true, TeamSet: true, AccessTokens: &spec.AccessTokens{}},
			read: []string{"api-keys:read", "profile:read", "teams:read", "tokens:read"},
			both: []string{"api-keys:read", "api-keys:write", "profile:read", "profile:write", "teams:read", "teams:write", "tokens:read", "tokens:write"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.read, RequiredScopes(&tc.spec, false)); diff != "" {
				t.Errorf("read scopes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.both, RequiredScopes(&tc.spec, true)); diff != "" {
				t.Errorf("write scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoginScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		inAccount []string
		account   string
		want      []string
	}{
		{name: "own account", inAccount: []string{"teams:read", "profile:read"}, want: []string{"profile:read", "teams:read"}},
		{name: "team account adds tokens:write", inAccount: []string{"profile:read"}, account: "acme-team",
			want: []string{"profile:read", "tokens:write"}},
		{name: "tokens:write already there", inAccount: []string{"tokens:write", "profile:read"}, account: "acme-team",
			want: []string{"profile:read", "tokens:write"}},
		{name: "nil means every scope", inAccount: nil, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := slices.Clone(tc.inAccount)
			if diff := cmp.Diff(tc.want, LoginScopes(tc.inAccount, tc.account)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !slices.Equal(in, tc.inAccount) {
				t.Errorf("loginScopes changed its argument to %q", tc.inAccount)
			}
		})
	}
}
