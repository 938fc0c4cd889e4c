package remote

import "slices"

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

// markInUse sets Current on the tokens of ts that WithInUseTokens named.
func (c *Client) markInUse(ts []AccessToken) {
	if len(c.inUse) == 0 {
		return
	}
	for i := range ts {
		if slices.Contains(c.inUse, ts[i].ID) {
			ts[i].Current = true
		}
	}
}
