package remote

import (
	"slices"
	"strings"
)

// WithInUseTokens returns a copy of the client that reports the access
// tokens ids as Current in ListTokens (and so in Fetch), besides the token
// making the request.
//
// They are the tokens this run stands on. A session in a team account calls
// the API with a token made by switch-account, yet GET /auth/tokens lists the
// user's tokens, where only that switched token is current: the token the
// caller gave (or logged in with) would look like any other and could be
// revoked under the caller's feet. Marking it in use keeps every reader of
// Current (a plan that never revokes the token in use, the fingerprints of a
// saved plan, apply's last check) right without each of them knowing about
// accounts. Copies made later by WithToken keep the marks.
func (c *Client) WithInUseTokens(ids ...ID) *Client {
	cp := *c
	cp.inUse = append(slices.Clone(c.inUse), ids...)
	return &cp
}

// markInUse sets Current on the tokens of ts that WithInUseTokens named
// and on the one the client's own Sanctum token names (SanctumTokenID).
// Once one token is proven current, every other token is known not to be
// the requesting one, so CurrentKnown is set on all of them: a server that
// sends no current flag is then as good as one that does.
func (c *Client) markInUse(ts []AccessToken) {
	ids := c.inUse
	if own, ok := SanctumTokenID(c.opts.Token); ok {
		ids = append(slices.Clone(ids), own)
	}
	if len(ids) == 0 {
		return
	}
	proven := false
	for i := range ts {
		if slices.Contains(ids, ts[i].ID) {
			ts[i].Current, ts[i].CurrentKnown = true, true
			proven = true
		}
	}
	if !proven {
		return
	}
	for i := range ts {
		ts[i].CurrentKnown = true
	}
}

// SanctumTokenID returns the id a Laravel Sanctum token names: such a
// token is "<id>|<secret>", its id the number before the bar (the id GET
// /auth/tokens lists it under). ok is false for a token of any other form.
func SanctumTokenID(tok Secret) (id ID, ok bool) {
	v := strings.TrimSpace(tok.Reveal())
	n, secret, found := strings.Cut(v, "|")
	if !found || n == "" || secret == "" || len(n) > 19 {
		return "", false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return ID(n), true
}

// TokenID returns the id of the client's own token when its form names it
// (see SanctumTokenID).
func (c *Client) TokenID() (ID, bool) { return SanctumTokenID(c.opts.Token) }
