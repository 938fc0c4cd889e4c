package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// authMode says whether a route needs a token.
type authMode int

const (
	authNone  authMode = iota // signup, login, ... need no token
	authToken                 // a live token; rt.scope, when set, is required
)

// route is one endpoint of API.md.
type route struct {
	method  string
	pattern []string // segments; "{name}" captures one (unescaped) segment
	auth    authMode
	scope   string
	h       func(*call) reply
}

// routes lists every endpoint. Literal segments are listed before captures
// where both could match (revoke-others before {id}).
var routes = []route{
	{"POST", seg("/auth/signup"), authNone, "", (*call).signup},
	{"POST", seg("/auth/verify-email"), authNone, "", (*call).verifyEmail},
	{"POST", seg("/auth/resend-verification"), authNone, "", (*call).resendVerification},
	{"POST", seg("/auth/login"), authNone, "", (*call).login},
	{"POST", seg("/auth/refresh"), authToken, "", (*call).refresh},
	{"POST", seg("/auth/logout"), authToken, "", (*call).logout},
	{"POST", seg("/auth/logout-all"), authToken, "tokens:write", (*call).logoutAll},
	{"POST", seg("/auth/forgot-password"), authNone, "", (*call).forgotPassword},
	{"POST", seg("/auth/reset-password"), authNone, "", (*call).resetPassword},
	{"GET", seg("/auth/scopes"), authNone, "", (*call).listScopes},
	{"GET", seg("/auth/tokens"), authToken, "tokens:read", (*call).listTokens},
	{"POST", seg("/auth/tokens/revoke-others"), authToken, "tokens:write", (*call).revokeOthers},
	{"DELETE", seg("/auth/tokens/{id}"), authToken, "tokens:write", (*call).revokeToken},
	{"POST", seg("/auth/switch-account"), authToken, "tokens:write", (*call).switchAccount},
	{"GET", seg("/me"), authToken, "profile:read", (*call).getMe},
	{"PATCH", seg("/me"), authToken, "profile:write", (*call).patchMe},
	{"PATCH", seg("/me/password"), authToken, "profile:write", (*call).patchPassword},
	{"PATCH", seg("/me/socials"), authToken, "profile:write", (*call).patchSocials},
	{"PATCH", seg("/me/preferences"), authToken, "profile:write", (*call).patchPreferences},
	{"GET", seg("/api-keys"), authToken, "api-keys:read", (*call).listKeys},
	{"POST", seg("/api-keys"), authToken, "api-keys:write", (*call).createKey},
	{"GET", seg("/api-keys/{id}"), authToken, "api-keys:read", (*call).getKey},
	{"PUT", seg("/api-keys/{id}"), authToken, "api-keys:write", (*call).updateKey},
	{"DELETE", seg("/api-keys/{id}"), authToken, "api-keys:write", (*call).deleteKey},
	{"GET", seg("/teams"), authToken, "teams:read", (*call).listTeam},
	{"POST", seg("/teams"), authToken, "teams:write", (*call).invite},
	{"POST", seg("/teams/invitations/{inviteId}/accept"), authToken, "teams:write", (*call).acceptInvite},
	{"GET", seg("/teams/{id}"), authToken, "teams:read", (*call).getMember},
	{"PUT", seg("/teams/{id}"), authToken, "teams:write", (*call).updateMember},
	{"DELETE", seg("/teams/{id}"), authToken, "teams:write", (*call).deleteMember},
	{"POST", seg("/teams/{id}/resend-invite"), authToken, "teams:write", (*call).resendInvite},
}

func seg(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// matchRoute finds the route of method and the escaped path rel (relative
// to Prefix). Captured segments are unescaped, so ids may be path-escaped.
func matchRoute(method, rel string) (*route, map[string]string) {
	parts := strings.Split(strings.Trim(rel, "/"), "/")
	for i := range parts {
		u, err := url.PathUnescape(parts[i])
		if err != nil {
			return nil, nil
		}
		parts[i] = u
	}
next:
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || len(rt.pattern) != len(parts) {
			continue
		}
		var params map[string]string
		for j, p := range rt.pattern {
			if strings.HasPrefix(p, "{") {
				if params == nil {
					params = map[string]string{}
				}
				params[strings.Trim(p, "{}")] = parts[j]
				continue
			}
			if p != parts[j] {
				continue next
			}
		}
		return rt, params
	}
	return nil, nil
}

// call is one request being handled; s.mu is held for its whole life.
type call struct {
	s       *Server
	r       *http.Request
	rel     string
	body    []byte
	now     time.Time
	id      string
	idemKey string
	params  map[string]string

	tok   *token   // the calling token (authenticated routes)
	user  *account // the token's owner
	acct  *account // the account the token acts in
	dirty bool     // the handler changed state (save it)
}

// authenticate resolves the bearer token of the request.
func (s *Server) authenticate(c *call) *apiError {
	h := c.r.Header.Get("Authorization")
	if h == "" {
		return errUnauthenticated("missing Authorization header: send \"Authorization: Bearer <access token>\"")
	}
	scheme, secret, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return errUnauthenticated("malformed Authorization header: want \"Bearer <access token>\"")
	}
	t := s.st.bySecret[strings.TrimSpace(secret)]
	if t == nil {
		return errUnauthenticated("unknown or revoked access token")
	}
	if !t.live(c.now) {
		return errUnauthenticated("the access token expired at " + t.ExpiresAt.Format(time.RFC3339))
	}
	c.tok, c.user, c.acct = t, s.st.byID[t.UserID], s.st.byID[t.AccountID]
	if c.user == nil || c.acct == nil {
		return errUnauthenticated("the access token's account no longer exists")
	}
	now := c.now
	t.LastUsedAt = &now
	return nil
}

// idParam parses the numeric id captured as name; a non-number is a 404
// (no object has that id).
func (c *call) idParam(name, what string) (int64, *apiError) {
	raw := c.params[name]
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errNotFound(what + " " + strconv.Quote(raw))
	}
	return id, nil
}

// byIDParam returns the object of kind what ("API key", "team member")
// that the {id} of the route names in byID, or a not_found error.
func byIDParam[T any](c *call, what string, byID map[int64]*T) (*T, *apiError) {
	id, e := c.idParam("id", what)
	if e != nil {
		return nil, e
	}
	v := byID[id]
	if v == nil {
		return nil, errNotFound(what + " " + strconv.FormatInt(id, 10))
	}
	return v, nil
}
