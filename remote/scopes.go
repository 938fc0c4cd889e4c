package remote

// Scopes a token may carry (API.md "Scopes"), as the client asks for them
// at login and switch-account. They are named once here, beside the
// endpoints that require them, so that the least-privilege logins of the
// commands and the explanations of a 403 agree. "*" is every scope.
const (
	ScopeProfileRead  = "profile:read"
	ScopeProfileWrite = "profile:write"
	ScopeTokensRead   = "tokens:read"
	ScopeTokensWrite  = "tokens:write"
	ScopeAPIKeysRead  = "api-keys:read"
	ScopeAPIKeysWrite = "api-keys:write"
	ScopeTeamsRead    = "teams:read"
	ScopeTeamsWrite   = "teams:write"
	ScopeAll          = "*"
)

// NamedScopes returns the scopes above other than ScopeAll, in API.md's
// order: what a token may be limited to (shell completion offers them).
func NamedScopes() []string {
	return []string{
		ScopeProfileRead, ScopeProfileWrite,
		ScopeTokensRead, ScopeTokensWrite,
		ScopeAPIKeysRead, ScopeAPIKeysWrite,
		ScopeTeamsRead, ScopeTeamsWrite,
	}
}
