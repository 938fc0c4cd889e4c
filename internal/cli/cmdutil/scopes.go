package cmdutil

import (
	"slices"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// RequiredScopes returns the least scopes a command needs inside the
// account it manages: the `:read` scopes of the managed sections to plan or
// export, plus the matching `:write` scopes to apply. GET /me is always read
// (the plan's header names the account), so profile:read is always there.
//
// Switching into a team account (`account:`) needs tokens:write on the
// token that calls switch-account, but not inside the team account; Connect
// adds it to the login, never to the switched token (see LoginScopes). The
// result is sorted and free of duplicates, so it can be compared and shown.
func RequiredScopes(s *spec.Spec, write bool) []string {
	scopes := []string{remote.ScopeProfileRead}
	add := func(read, wr string, managed bool) {
		if !managed {
			return
		}
		scopes = append(scopes, read)
		if write {
			scopes = append(scopes, wr)
		}
	}
	if write && (s.Profile != nil || s.Socials != nil || s.Preferences != nil) {
		scopes = append(scopes, remote.ScopeProfileWrite)
	}
	add(remote.ScopeAPIKeysRead, remote.ScopeAPIKeysWrite, s.APIKeysSet)
	add(remote.ScopeTeamsRead, remote.ScopeTeamsWrite, s.TeamSet)
	// access_tokens: the plan lists tokens (and must see which one is
	// current, so as never to revoke it); apply revokes.
	add(remote.ScopeTokensRead, remote.ScopeTokensWrite, s.AccessTokens != nil)
	return NormalizeScopes(scopes)
}

// LoginScopes are the scopes an ephemeral login asks for: the scopes used
// inside the account, plus tokens:write when the session must first switch
// into a team account (POST /auth/switch-account requires it). nil stays
// nil: every scope the user has (only `auth switch-account` without
// --scopes asks for that).
func LoginScopes(inAccount []string, account string) []string {
	if inAccount == nil {
		return nil
	}
	if account == "" {
		return NormalizeScopes(inAccount)
	}
	return NormalizeScopes(append(slices.Clone(inAccount), remote.ScopeTokensWrite))
}

// NormalizeScopes sorts scopes and removes duplicates and empty entries,
// without changing its argument; nil stays nil.
func NormalizeScopes(scopes []string) []string {
	if scopes == nil {
		return nil
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
