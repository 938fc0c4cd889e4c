package emulator

import (
	"fmt"
	"slices"
)

// scopeInfo is one entry of GET /auth/scopes.
type scopeInfo struct {
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

// allScopes are the scopes of API.md, in its order.
var allScopes = []scopeInfo{
	{"profile:read", "Read the profile, socials and preferences"},
	{"profile:write", "Change the profile, socials, preferences and password"},
	{"tokens:read", "List access tokens"},
	{"tokens:write", "Revoke access tokens and switch accounts"},
	{"api-keys:read", "List API keys"},
	{"api-keys:write", "Create, change and delete API keys"},
	{"teams:read", "List team members and invites"},
	{"teams:write", "Invite, change and remove team members"},
	{"usage:read", "Read usage"},
	{"models:read", "List models"},
	{"files:write", "Upload files"},
	{"billing:read", "Read billing"},
	{"billing:write", "Change billing"},
	{"wallet:read", "Read the wallet"},
	{"wallet:write", "Top up the wallet"},
	{"subscriptions:read", "Read subscriptions"},
	{"subscriptions:write", "Change subscriptions"},
}

// knownScope reports whether s is a scope of API.md or "*".
func knownScope(s string) bool {
	if s == "*" {
		return true
	}
	for _, i := range allScopes {
		if i.Scope == s {
			return true
		}
	}
	return false
}

// hasScope reports whether scopes grant want.
func hasScope(scopes []string, want string) bool {
	return slices.Contains(scopes, "*") || slices.Contains(scopes, want)
}

// checkScopes adds a validation message for every unknown scope.
func checkScopes(fe fieldErrors, field string, scopes []string) {
	for _, s := range scopes {
		if !knownScope(s) {
			fe.add(field, fmt.Sprintf("has an unknown scope %q (GET /auth/scopes lists them)", s))
		}
	}
}

// intersectScopes returns the scopes of want that have grants (every one
// of want if want is empty means "all of have").
func intersectScopes(have, want []string) []string {
	if len(want) == 0 {
		return slices.Clone(have)
	}
	if slices.Contains(want, "*") {
		return slices.Clone(have)
	}
	out := []string{}
	for _, w := range want {
		if hasScope(have, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
