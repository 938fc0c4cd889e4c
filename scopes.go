package main

import (
	"slices"

	"github.com/mlabctl/mlabctl/spec"
)

// Scopes mlabctl asks for (API.md "Scopes"). They are named once here so that
// the least-privilege logins of connect and the auth subcommands agree.
const (
	scopeProfileRead  = "profile:read"
	scopeProfileWrite = "profile:write"
	scopeTokensRead   = "tokens:read"
	scopeTokensWrite  = "tokens:write"
	scopeKeysRead     = "api-keys:read"
	scopeKeysWrite    = "api-keys:write"
	scopeTeamsRead    = "teams:read"
	scopeTeamsWrite   = "teams:write"
)

// requiredScopes returns the least scopes a command needs inside the
// account it manages: the `:read` scopes of the managed sections to plan or
// export, plus the matching `:write` scopes to apply. GET /me is always read
// (the plan's header names the account), so profile:read is always there.
//
// Switching into a team account (`account:`) needs tokens:write on the
// token that calls switch-account, but not inside the team account; connect
// adds it to the login, never to the switched token (see loginScopes). The
// result is sorted and free of duplicates, so it can be compared and shown.
func requiredScopes(s *spec.Spec, write bool) []string {
	scopes := []string{scopeProfileRead}
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
		scopes = append(scopes, scopeProfileWrite)
	}
	add(scopeKeysRead, scopeKeysWrite, s.APIKeysSet)
	add(scopeTeamsRead, scopeTeamsWrite, s.TeamSet)
	// access_tokens: the plan lists tokens (and must see which one is
	// current, so as never to revoke it); apply revokes.
	add(scopeTokensRead, scopeTokensWrite, s.AccessTokens != nil)
	return normalizeScopes(scopes)
}

// loginScopes are the scopes an ephemeral login asks for: the scopes used
// inside the account, plus tokens:write when the session must first switch
// into a team account (POST /auth/switch-account requires it). nil stays
// nil: every scope the user has (only `auth switch-account` without
// --scopes asks for that).
func loginScopes(inAccount []string, account string) []string {
	if inAccount == nil {
		return nil
	}
	if account == "" {
		return normalizeScopes(inAccount)
	}
	return normalizeScopes(append(slices.Clone(inAccount), scopeTokensWrite))
}

// normalizeScopes sorts scopes and removes duplicates and empty entries,
// without changing its argument; nil stays nil.
func normalizeScopes(scopes []string) []string {
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
