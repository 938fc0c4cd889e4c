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

// UpdateProfile changes the fields of u that are not nil (PATCH /me). The
// update methods return the object as the server has it after the change:
// from the answer, or, when the answer does not hold it (data null or a
// bare {message}), read again.
func (c *Client) UpdateProfile(ctx context.Context, u ProfileUpdate) (*Profile, error) {
	var out Profile
	if err := c.callUpdate(ctx, http.MethodPatch, "/me", u, &out, profileKeys, c.rereadProfile(&out)); err != nil {
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
	if err := c.callUpdate(ctx, http.MethodPatch, "/me/socials", u, &out, profileKeys, c.rereadProfile(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePreferences changes the preferences of u that are not nil (PATCH
// /me/preferences).
func (c *Client) UpdatePreferences(ctx context.Context, u PreferencesUpdate) (*Profile, error) {
	var out Profile
	if err := c.callUpdate(ctx, http.MethodPatch, "/me/preferences", u, &out, profileKeys, c.rereadProfile(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// profileKeys are the members that tell a profile from a bare {message}.
var profileKeys = []string{"id", "username", "email"}

// rereadProfile reads the profile into out after an update that did not
// return it.
func (c *Client) rereadProfile(out *Profile) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		p, err := c.Me(ctx)
		if err == nil {
			*out = *p
		}
		return err
	}
}
