package remote

import (
	"context"
	"net/http"
)

// Me returns the profile of the account the token acts for (GET /me),
// normalised whichever variant the server sent.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	var out Profile
	if err := c.call(ctx, http.MethodGet, "/me", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateProfile changes the fields of u that are not nil (PATCH /me).
func (c *Client) UpdateProfile(ctx context.Context, u ProfileUpdate) (*Profile, error) {
	var out Profile
	if err := c.call(ctx, http.MethodPatch, "/me", u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePassword changes the password (PATCH /me/password).
func (c *Client) UpdatePassword(ctx context.Context, current, next Secret) error {
	body := map[string]any{
		"current_password":      current.Reveal(),
		"password":              next.Reveal(),
		"password_confirmation": next.Reveal(),
	}
	_, err := c.callMessage(ctx, http.MethodPatch, "/me/password", body, current, next)
	return err
}

// UpdateSocials changes the social links of u that are not nil (PATCH
// /me/socials); an empty string clears one.
func (c *Client) UpdateSocials(ctx context.Context, u SocialsUpdate) (*Profile, error) {
	var out Profile
	if err := c.call(ctx, http.MethodPatch, "/me/socials", u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePreferences changes the preferences of u that are not nil (PATCH
// /me/preferences).
func (c *Client) UpdatePreferences(ctx context.Context, u PreferencesUpdate) (*Profile, error) {
	var out Profile
	if err := c.call(ctx, http.MethodPatch, "/me/preferences", u, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
