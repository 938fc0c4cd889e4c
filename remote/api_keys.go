package remote

import (
	"context"
	"encoding/json"
	"net/http"
)

// ListAPIKeys returns every API key of the account (GET /api-keys, all
// pages), with masked key values.
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return listAll[APIKey](ctx, c, "/api-keys")
}

// CreateAPIKey creates a key (POST /api-keys). The answer is the only one
// that carries the key's whole secret; the caller decides where it goes.
// Pass a stable key with WithIdempotencyKey so that a server that replays
// answers a repeated create with the first answer (API.md's last section:
// it may not; never rely on it).
//
// A success whose answer holds no whole secret (no key member, an empty
// one, a masked one, or anything else that cannot be a whole key: see
// CheckWholeSecret) is an error, a *SecretNotReturnedError naming the key
// the answer names: the key was created, and nobody has its secret.
func (c *Client) CreateAPIKey(ctx context.Context, r APIKeyCreate) (*APIKey, error) {
	rq := request{method: http.MethodPost, path: "/api-keys", body: r}
	env, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	if isNull(env.Data) {
		// A success without data (null, a 204): created, secret unknown.
		return nil, &SecretNotReturnedError{Why: "the answer has no data"}
	}
	var out createdKey
	if err := decodeData(&rq, env, &out); err != nil {
		return nil, err
	}
	why := "the answer has no key member"
	if out.keyPresent {
		why = CheckWholeSecret(out.Key)
	}
	if why != "" {
		return nil, &SecretNotReturnedError{ID: out.ID, Name: out.Name, Why: why}
	}
	return &out.APIKey, nil
}

// createdKey is the answer to POST /api-keys: the key, and whether its
// key member was there at all (missing and empty are told apart in
// SecretNotReturnedError.Why).
type createdKey struct {
	APIKey
	keyPresent bool
}

// UnmarshalJSON decodes the key and notes whether it has a non-null key
// member.
func (k *createdKey) UnmarshalJSON(b []byte) error {
	if err := k.APIKey.UnmarshalJSON(b); err != nil {
		return err
	}
	var probe struct {
		Key json.RawMessage `json:"key"`
	}
	if json.Unmarshal(b, &probe) == nil {
		k.keyPresent = probe.Key != nil && !isNull(probe.Key)
	}
	return nil
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
