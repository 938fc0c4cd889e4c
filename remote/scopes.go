package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

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

// Scopes lists the scopes a token can carry (GET /auth/scopes, which needs
// no token). It reads a list of {scope, description} (or {name, ...}), a
// list of names, or an object mapping each name to its description.
func (c *Client) Scopes(ctx context.Context) ([]ScopeInfo, error) {
	rq := request{method: http.MethodGet, path: "/auth/scopes"}
	env, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	out := []ScopeInfo{}
	if isNull(env.Data) {
		return out, nil
	}
	raw, _, err := listPageData(env, rq.path)
	if err != nil {
		// Not a list: an object of name → description.
		var m map[string]json.RawMessage
		if jerr := json.Unmarshal(env.Data, &m); jerr != nil {
			return nil, fmt.Errorf("GET %s: %w", rq.path, err)
		}
		for name, d := range m {
			var desc string
			_ = json.Unmarshal(d, &desc)
			out = append(out, ScopeInfo{Scope: name, Description: desc})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Scope < out[j].Scope })
		return out, nil
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("GET %s: decoding the answer: %w", rq.path, explainDecodeError(err))
	}
	return out, nil
}

// UnknownScopesError is CheckScopes' refusal: requested scopes the server
// does not list.
type UnknownScopesError struct {
	// Unknown are the requested scopes GET /auth/scopes does not list.
	Unknown []string
	// Known are the scopes it lists.
	Known []string
}

func (e *UnknownScopesError) Error() string {
	quoted := make([]string, len(e.Unknown))
	for i, s := range e.Unknown {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	noun := "scope"
	if len(e.Unknown) > 1 {
		noun = "scopes"
	}
	return fmt.Sprintf("the API does not know the %s %s (GET /auth/scopes lists %s)", noun, strings.Join(quoted, ", "), strings.Join(e.Known, ", "))
}

// CheckScopes checks requested scopes against GET /auth/scopes before a
// login asks for them (the public docs confirm only models:read and
// usage:read; a login with an unknown scope fails with a 422 that names
// less). "*" is always accepted. offered is false, with a nil error, when
// the server does not offer the endpoint (404, 405, 501) or lists no
// scope: then nothing could be checked. Otherwise err is an
// *UnknownScopesError naming every unknown scope, or the call's error.
func (c *Client) CheckScopes(ctx context.Context, requested []string) (offered bool, err error) {
	list, err := c.Scopes(ctx)
	if e, ok := asAPIError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotImplemented) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	known := make([]string, 0, len(list))
	for _, s := range list {
		if s.Scope != "" {
			known = append(known, s.Scope)
		}
	}
	if len(known) == 0 {
		return false, nil
	}
	var unknown []string
	for _, s := range requested {
		if s != "*" && !slices.Contains(known, s) && !slices.Contains(unknown, s) {
			unknown = append(unknown, s)
		}
	}
	if len(unknown) > 0 {
		return true, &UnknownScopesError{Unknown: unknown, Known: known}
	}
	return true, nil
}
