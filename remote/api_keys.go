package remote

import (
	"context"
	"net/http"
)

// ListAPIKeys returns every API key of the account (GET /api-keys, all
// pages), with masked key values.
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return listAll[APIKey](ctx, c, "/api-keys")
}

// CreateAPIKey creates a key (POST /api-keys). The answer is the only one
// that carries the key's whole secret; the caller decides where it goes.
// Pass a stable key with WithIdempotencyKey so that a repeated create
// replays instead of creating a second key. An answer without the whole
// secret is a *SecretNotReturnedError: the key exists, its secret never.
func (c *Client) CreateAPIKey(ctx context.Context, r APIKeyCreate) (*APIKey, error) {
	var out APIKey
	if err := c.call(ctx, http.MethodPost, "/api-keys", r, &out); err != nil {
		return nil, err
	}
	if why := CheckWholeSecret(out.Key); why != "" {
		return nil, &SecretNotReturnedError{ID: out.ID, Why: why}
	}
	return &out, nil
}

// GetAPIKey returns one key (GET /api-keys/{id}), masked.
func (c *Client) GetAPIKey(ctx context.Context, id ID) (*APIKey, error) {
	path, err := apiPath("/api-keys", string(id))
	if err != nil {
		return nil, err
	}
	var out APIKey
	if err := c.call(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAPIKey changes the name and notes of u that are not nil (PUT
// /api-keys/{id}) and returns the key, read again when the answer does not
// hold it.
func (c *Client) UpdateAPIKey(ctx context.Context, id ID, u APIKeyUpdate) (*APIKey, error) {
	path, err := apiPath("/api-keys", string(id))
	if err != nil {
		return nil, err
	}
	var out APIKey
	reread := func(ctx context.Context) error {
		k, err := c.GetAPIKey(ctx, id)
		if err == nil {
			out = *k
		}
		return err
	}
	if err := c.callUpdate(ctx, http.MethodPut, path, u, &out, []string{"id"}, reread); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAPIKey deletes a key (DELETE /api-keys/{id}).
func (c *Client) DeleteAPIKey(ctx context.Context, id ID) error {
	path, err := apiPath("/api-keys", string(id))
	if err != nil {
		return err
	}
	_, err = c.callMessage(ctx, http.MethodDelete, path, nil)
	return err
}
