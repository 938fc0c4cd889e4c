package remote

import (
	"context"
	"net/http"
)

// This file holds the account lifecycle endpoints under /auth that create,
// verify and recover an account and its tokens. Bodies that carry a secret
// are built as maps with an explicit Reveal, since Secret marshals redacted.

// Signup creates an account (POST /auth/signup) and has a verification code
// sent to its email.
func (c *Client) Signup(ctx context.Context, r SignupRequest) (*SignupResult, error) {
	body := map[string]any{"email": r.Email, "password": r.Password.Reveal(), "name": r.Name}
	var out SignupResult
	if err := c.call(ctx, http.MethodPost, "/auth/signup", body, &out, r.Password); err != nil {
		return nil, err
	}
	return &out, nil
}

// VerifyEmail verifies an account with the emailed code (POST
// /auth/verify-email) and returns its first access token and API key.
func (c *Client) VerifyEmail(ctx context.Context, code string) (*AuthResult, error) {
	var out AuthResult
	body := map[string]any{"verification_code": code}
	if err := c.call(ctx, http.MethodPost, "/auth/verify-email", body, &out, Secret(code)); err != nil {
		return nil, err
	}
	return &out, nil
}

// ResendVerification sends a new verification code (POST
// /auth/resend-verification) and returns the server's message.
func (c *Client) ResendVerification(ctx context.Context, email string) (string, error) {
	return c.callMessage(ctx, http.MethodPost, "/auth/resend-verification", map[string]any{"email": email})
}

// Login creates an access token (POST /auth/login). An empty TokenExpiry
// lets the server choose (1_month); nil Scopes asks for every scope.
func (c *Client) Login(ctx context.Context, r LoginRequest) (*AuthResult, error) {
	body := map[string]any{
		"email":       r.Email,
		"password":    r.Password.Reveal(),
		"device_name": r.DeviceName,
	}
	if r.TokenExpiry != "" {
		body["token_expiry"] = r.TokenExpiry
	}
	if r.Scopes != nil {
		body["scopes"] = r.Scopes
	}
	var out AuthResult
	if err := c.call(ctx, http.MethodPost, "/auth/login", body, &out, r.Password); err != nil {
		return nil, err
	}
	return &out, nil
}

// Refresh replaces the client's token with a new one (POST /auth/refresh);
// the old token is revoked by the server.
func (c *Client) Refresh(ctx context.Context, r RefreshRequest) (*AuthResult, error) {
	var out AuthResult
	if err := c.call(ctx, http.MethodPost, "/auth/refresh", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Logout revokes the client's token (POST /auth/logout).
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.callMessage(ctx, http.MethodPost, "/auth/logout", nil)
	return err
}

// LogoutAll revokes every token of the user (POST /auth/logout-all).
func (c *Client) LogoutAll(ctx context.Context) error {
	_, err := c.callMessage(ctx, http.MethodPost, "/auth/logout-all", nil)
	return err
}

// ForgotPassword has a password reset token sent to email (POST
// /auth/forgot-password). The server answers 200 whether or not the
// account exists.
func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	_, err := c.callMessage(ctx, http.MethodPost, "/auth/forgot-password", map[string]any{"email": email})
	return err
}

// ResetPassword sets a new password with the emailed token (POST
// /auth/reset-password).
func (c *Client) ResetPassword(ctx context.Context, r ResetPasswordRequest) error {
	body := map[string]any{
		"email":                 r.Email,
		"token":                 r.Token.Reveal(),
		"password":              r.Password.Reveal(),
		"password_confirmation": r.Password.Reveal(),
	}
	_, err := c.callMessage(ctx, http.MethodPost, "/auth/reset-password", body, r.Token, r.Password)
	return err
}
