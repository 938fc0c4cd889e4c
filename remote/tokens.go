package remote

import (
	"context"
	"net/http"
)

// ListTokens returns every access token of the user (GET /auth/tokens, all
// pages). The token making the request has Current set, and so have the
// tokens named by WithInUseTokens.
func (c *Client) ListTokens(ctx context.Context) ([]AccessToken, error) {
	ts, err := listAll[AccessToken](ctx, c, "/auth/tokens")
	if err != nil {
		return nil, err
	}
	c.markInUse(ts)
	return ts, nil
}

// RevokeToken revokes one access token (DELETE /auth/tokens/{id}).
func (c *Client) RevokeToken(ctx context.Context, id ID) error {
	path, err := apiPath("/auth/tokens", string(id))
	if err != nil {
		return err
	}
	_, err = c.callMessage(ctx, http.MethodDelete, path, nil)
	return err
}

// RevokeOtherTokens revokes every token but the one making the request
// (POST /auth/tokens/revoke-others) and returns how many it revoked.
func (c *Client) RevokeOtherTokens(ctx context.Context) (int, error) {
	var out struct {
		Revoked flexInt `json:"revoked"`
	}
	if err := c.call(ctx, http.MethodPost, "/auth/tokens/revoke-others", nil, &out); err != nil {
		return 0, err
	}
	return int(out.Revoked), nil
}

// SwitchAccount returns a token for the team account username (POST
// /auth/switch-account). Its scopes are the intersection of scopes (nil =
// all) with the caller's. It sends no device name or expiry: see
// SwitchAccountWith.
func (c *Client) SwitchAccount(ctx context.Context, username string, scopes []string) (*SwitchResult, error) {
	return c.SwitchAccountWith(ctx, SwitchAccountRequest{AccountUsername: username, Scopes: scopes})
}

// SwitchAccountWith is SwitchAccount with the device_name and token_expiry
// the public docs list for switch-account: without them the new token gets
// the server's default life, so a caller that logs the token out at the
// end should still ask for ShortestTokenExpiry, in case it cannot.
func (c *Client) SwitchAccountWith(ctx context.Context, r SwitchAccountRequest) (*SwitchResult, error) {
	body := map[string]any{"account_username": r.AccountUsername}
	if r.Scopes != nil {
		body["scopes"] = r.Scopes
	}
	if r.DeviceName != "" {
		body["device_name"] = r.DeviceName
	}
	if r.TokenExpiry != "" {
		body["token_expiry"] = r.TokenExpiry
	}
	var out SwitchResult
	if err := c.call(ctx, http.MethodPost, "/auth/switch-account", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
