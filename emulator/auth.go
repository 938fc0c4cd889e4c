package emulator

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/limits"
)

// Handlers of /auth: signup and verification, login, refresh, logout,
// passwords, scopes and switching accounts.

// tokenExpiries maps login's token_expiry to a lifetime (0 = never).
var tokenExpiries = map[string]time.Duration{
	"1_week":   7 * 24 * time.Hour,
	"1_month":  30 * 24 * time.Hour,
	"3_months": 90 * 24 * time.Hour,
	"6_months": 180 * 24 * time.Hour,
	"1_year":   365 * 24 * time.Hour,
	"never":    0,
}

// defaultExpiry is token_expiry when a login gives none.
const defaultExpiry = "1_month"

// checkExpiry validates token_expiry ("" means the default); with
// Variants.TokenExpiries "documented", 6_months and 1_year are refused.
func (c *call) checkExpiry(fe fieldErrors, v string) (string, time.Duration) {
	if v == "" {
		v = defaultExpiry
	}
	ttl, ok := tokenExpiries[v]
	switch {
	case ok && c.s.TokenExpiries == "documented" && (v == "6_months" || v == "1_year"):
		fe.add("token_expiry", fmt.Sprintf("must be one of 1_week, 1_month, 3_months, never; not %q", v))
	case !ok:
		fe.add("token_expiry", fmt.Sprintf("must be one of 1_week, 1_month, 3_months, 6_months, 1_year, never; not %q", v))
	}
	return v, ttl
}

// checkEmail validates a required email field.
func checkEmail(fe fieldErrors, field, v string) {
	switch {
	case strings.TrimSpace(v) == "":
		fe.add(field, "is required")
	case !validEmail(v):
		fe.add(field, fmt.Sprintf("%q is not a valid email address", v))
	}
}

// authResult is the data of login, verify-email and refresh.
type authResult struct {
	AccessToken string       `json:"access_token"`
	TokenType   string       `json:"token_type"`
	TokenExpiry string       `json:"token_expiry,omitempty"`
	ExpiresAt   *string      `json:"expires_at"`
	Scopes      []string     `json:"scopes"`
	User        *wireProfile `json:"user,omitempty"`
	APIKey      *string      `json:"api_key,omitempty"`
}

func newAuthResult(t *token, expiry string, user *account, key *apiKey) authResult {
	r := authResult{AccessToken: t.Secret, TokenType: "Bearer", TokenExpiry: expiry, ExpiresAt: tsPtr(t.ExpiresAt), Scopes: t.Scopes}
	if user != nil {
		p := profileOf(user)
		r.User = &p
	}
	if key != nil {
		// The whole generation key: login and verify-email are where a
		// headless client gets its key, as with the real API.
		v := key.Secret
		r.APIKey = &v
	}
	return r
}

func (c *call) signup() reply {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Name     string `json:"name"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	checkEmail(fe, "email", in.Email)
	if c.s.st.byEmail[strings.ToLower(in.Email)] != nil {
		fe.add("email", "is already registered; log in or reset the password")
	}
	checkNewPassword(fe, in.Password, in.Password)
	checkText(fe, "name", in.Name, 1, limits.NameMax)
	if e := fe.err(); e != nil {
		return fail(e)
	}
	a := c.s.st.addAccount(UserSeed{Email: in.Email, Password: in.Password, Name: in.Name}, c.now)
	a.VerifyCode = newCode()
	c.s.st.mail(a.Email, "verification", a.VerifyCode)
	c.dirty = true
	p := profileOf(a)
	return created(map[string]any{"user": p, "message": "account created; check " + a.Email + " for the verification code"})
}

func (c *call) verifyEmail() reply {
	var in struct {
		Code string `json:"verification_code"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	if strings.TrimSpace(in.Code) == "" {
		return fail(validation("verification_code", "is required"))
	}
	var a *account
	for _, x := range c.s.st.Accounts {
		if x.VerifyCode != "" && x.VerifyCode == in.Code {
			a = x
		}
	}
	if a == nil {
		return fail(validation("verification_code", "is invalid or was already used"))
	}
	a.Verified = true
	a.VerifyCode = ""
	ttl := tokenExpiries[defaultExpiry]
	t := c.s.st.issueToken(a, a, "verify-email", []string{"*"}, c.now, ttl)
	k := &apiKey{Name: "default", Notes: "Created at sign-up", CreatedAt: c.now}
	c.s.st.addKey(a, k)
	c.dirty = true
	return ok(newAuthResult(t, defaultExpiry, a, k))
}

func (c *call) resendVerification() reply {
	var in struct {
		Email string `json:"email"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	checkEmail(fe, "email", in.Email)
	if e := fe.err(); e != nil {
		return fail(e)
	}
	// Like forgot-password, the answer does not say whether the account
	// exists.
	if a := c.s.st.byEmail[strings.ToLower(in.Email)]; a != nil && !a.Verified {
		a.VerifyCode = newCode()
		c.s.st.mail(a.Email, "verification", a.VerifyCode)
		c.dirty = true
	}
	return message("if " + in.Email + " has an unverified account, a new verification code was sent")
}

func (c *call) login() reply {
	var in struct {
		Email       string   `json:"email"`
		Password    string   `json:"password"`
		DeviceName  string   `json:"device_name"`
		TokenExpiry string   `json:"token_expiry"`
		Scopes      []string `json:"scopes"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	checkEmail(fe, "email", in.Email)
	if in.Password == "" {
		fe.add("password", "is required")
	}
	checkText(fe, "device_name", in.DeviceName, 1, limits.DeviceNameMax)
	expiry, ttl := c.checkExpiry(fe, in.TokenExpiry)
	checkScopes(fe, "scopes", in.Scopes)
	if e := fe.err(); e != nil {
		return fail(e)
	}
	a := c.s.st.byEmail[strings.ToLower(in.Email)]
	if a == nil || a.Team || a.PasswordHash != hashPassword(in.Password) {
		return fail(errUnauthenticated("invalid email or password"))
	}
	if !a.Verified {
		return fail(errForbidden("the email address is not verified yet: verify it with the code that was sent (resend-verification sends a new one)"))
	}
	scopes := in.Scopes
	if len(scopes) == 0 {
		scopes = []string{"*"}
	}
	t := c.s.st.issueToken(a, a, in.DeviceName, scopes, c.now, ttl)
	var key *apiKey
	if len(a.Keys) > 0 {
		key = a.Keys[0]
	}
	c.dirty = true
	return ok(newAuthResult(t, expiry, a, key))
}

func (c *call) refresh() reply {
	var in struct {
		TokenExpiry string `json:"token_expiry"`
		DeviceName  string `json:"device_name"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	expiry, ttl := c.checkExpiry(fe, in.TokenExpiry)
	name := c.tok.Name
	if in.DeviceName != "" {
		checkText(fe, "device_name", in.DeviceName, 1, limits.DeviceNameMax)
		name = in.DeviceName
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	old := c.tok
	t := c.s.st.issueToken(c.user, c.acct, name, old.Scopes, c.now, ttl)
	c.s.st.revoke(func(x *token) bool { return x == old })
	c.dirty = true
	return ok(newAuthResult(t, expiry, nil, nil))
}

func (c *call) logout() reply {
	cur := c.tok
	c.s.st.revoke(func(t *token) bool { return t == cur })
	c.dirty = true
	return message("logged out; the token is revoked")
}

func (c *call) logoutAll() reply {
	n := c.s.st.revoke(func(t *token) bool { return t.UserID == c.user.ID })
	c.dirty = true
	return message(fmt.Sprintf("logged out everywhere; %d tokens revoked", n))
}

func (c *call) forgotPassword() reply {
	var in struct {
		Email string `json:"email"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	// Always the same answer, so that the endpoint does not tell which
	// emails have accounts.
	if a := c.s.st.byEmail[strings.ToLower(strings.TrimSpace(in.Email))]; a != nil && !a.Team {
		a.ResetCode = newCode()
		c.s.st.mail(a.Email, "password_reset", a.ResetCode)
		c.dirty = true
	}
	return message("if an account exists for that email, a password reset code was sent")
}

func (c *call) resetPassword() reply {
	var in struct {
		Email        string `json:"email"`
		Token        string `json:"token"`
		Password     string `json:"password"`
		Confirmation string `json:"password_confirmation"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	checkEmail(fe, "email", in.Email)
	a := c.s.st.byEmail[strings.ToLower(in.Email)]
	if in.Token == "" {
		fe.add("token", "is required")
	} else if a == nil || a.ResetCode == "" || a.ResetCode != in.Token {
		fe.add("token", "is invalid or expired; ask for a new one with forgot-password")
	}
	checkNewPassword(fe, in.Password, in.Confirmation)
	if e := fe.err(); e != nil {
		return fail(e)
	}
	a.PasswordHash = hashPassword(in.Password)
	a.ResetCode = ""
	// A reset password means the old one may be known to someone else:
	// every session ends.
	c.s.st.revoke(func(t *token) bool { return t.UserID == a.ID })
	c.dirty = true
	return message("password reset; log in with the new password")
}

func (c *call) listScopes() reply { return ok(allScopes) }

func (c *call) switchAccount() reply {
	var in struct {
		Username    string   `json:"account_username"`
		Scopes      []string `json:"scopes"`
		DeviceName  string   `json:"device_name"`
		TokenExpiry string   `json:"token_expiry"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	if strings.TrimSpace(in.Username) == "" {
		fe.add("account_username", "is required")
	}
	checkScopes(fe, "scopes", in.Scopes)
	if in.DeviceName != "" {
		checkText(fe, "device_name", in.DeviceName, 1, limits.DeviceNameMax)
	}
	var ttl time.Duration
	if in.TokenExpiry != "" {
		_, ttl = c.checkExpiry(fe, in.TokenExpiry)
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	target := c.s.st.byUsername[strings.ToLower(in.Username)]
	var m *member
	if target != nil && target.Team {
		m = target.memberByEmail(c.user.Email)
	}
	if m == nil || m.Status != "active" {
		return fail(&apiError{status: 404, Code: "not_found",
			Message: fmt.Sprintf("no team account %q that you are an active member of", in.Username)})
	}
	scopes := intersectScopes(c.tok.Scopes, in.Scopes)
	// The switched token lives as long as token_expiry says, and never
	// longer than the caller's (without token_expiry, as long as it).
	if c.tok.ExpiresAt != nil {
		left := c.tok.ExpiresAt.Sub(c.now)
		if in.TokenExpiry == "" || ttl == 0 || left < ttl {
			ttl = left
		}
	}
	name := c.tok.Name + " → " + target.Username
	if in.DeviceName != "" {
		name = in.DeviceName
	}
	t := c.s.st.issueToken(c.user, target, name, scopes, c.now, ttl)
	c.dirty = true
	return ok(map[string]any{"access_token": t.Secret, "scopes": t.Scopes, "expires_at": tsPtr(t.ExpiresAt), "account": profileOf(target)})
}

// newCode returns a six-digit code (verification, password reset).
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}
