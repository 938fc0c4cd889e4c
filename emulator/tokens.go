package emulator

import (
	"fmt"
	"strconv"
	"time"
)

// Handlers of /auth/tokens.

func (c *call) listTokens() reply {
	toks := c.s.st.userTokens(c.user.ID, c.now)
	return paginate(c, len(toks), func(i int) wireToken { return tokenOf(toks[i], toks[i] == c.tok) })
}

func (c *call) revokeToken() reply {
	id, e := c.idParam("id", "access token")
	if e != nil {
		return fail(e)
	}
	n := c.s.st.revoke(func(t *token) bool { return t.ID == id && t.UserID == c.user.ID })
	if n == 0 {
		return fail(errNotFound("access token " + strconv.FormatInt(id, 10)))
	}
	c.dirty = true
	return message(fmt.Sprintf("access token %d revoked", id))
}

func (c *call) revokeOthers() reply {
	n := c.s.st.revoke(func(t *token) bool { return t.UserID == c.user.ID && t != c.tok })
	c.dirty = true
	return ok(map[string]int{"revoked": n})
}

// issueToken creates an access token of user acting in acct; ttl 0 means
// it never expires.
func (st *state) issueToken(user, acct *account, name string, scopes []string, created time.Time, ttl time.Duration) *token {
	t := &token{
		ID: st.NextTokenID, Secret: newSecret("mlt_", 24), UserID: user.ID, AccountID: acct.ID,
		Name: name, Scopes: append([]string{}, scopes...), CreatedAt: created,
	}
	if st.sanctum {
		t.Secret = newSecret(strconv.FormatInt(t.ID, 10)+"|", 20)
	}
	st.NextTokenID++
	if ttl > 0 {
		exp := created.Add(ttl)
		t.ExpiresAt = &exp
	}
	st.Tokens = append(st.Tokens, t)
	st.bySecret[t.Secret] = t
	return t
}
