package main

import (
	"github.com/mlabctl/mlabctl/spec"
)

// requiredScopes returns the least scopes a command needs for a spec: the
// `:read` scopes of the managed sections to plan or export, plus the
// matching `:write` scopes to apply. Switching into a team account
// (`account:`) needs tokens:write as well.
func requiredScopes(s *spec.Spec, write bool) []string {
	scopes := []string{"profile:read"}
	add := func(section string, managed bool) {
		if !managed {
			return
		}
		scopes = append(scopes, section+":read")
		if write {
			scopes = append(scopes, section+":write")
		}
	}
	if write && (s.Profile != nil || s.Socials != nil || s.Preferences != nil) {
		scopes = append(scopes, "profile:write")
	}
	add("api-keys", s.APIKeysSet)
	add("teams", s.TeamSet)
	add("tokens", s.AccessTokens != nil)
	if s.Account != "" && !(write && s.AccessTokens != nil) {
		scopes = append(scopes, "tokens:write")
	}
	return scopes
}
