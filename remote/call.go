package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// call sends one request and decodes its data into out (nil = ignore the
// data). A success without data is an error when out is not nil.
func (c *Client) call(ctx context.Context, method, path string, body, out any, secrets ...Secret) error {
	rq := request{method: method, path: path, body: body, secrets: secrets}
	env, err := c.send(ctx, rq)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return decodeData(&rq, env, out)
}

// decodeData decodes env.Data into out, naming the call on failure.
func decodeData(rq *request, env *envelope, out any) error {
	if isNull(env.Data) {
		return fmt.Errorf("%s %s: the answer has no data", rq.method, rq.display())
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", rq.method, rq.display(), explainDecodeError(err))
	}
	return nil
}

// callUpdate sends a mutation whose answer is the object it changed. An
// answer that does not hold it (data null, {message}, 204: API.md's last
// section leaves update answers open) is still a success: the object is
// then read again with reread, which fills out. An object is recognised
// by any of the member names idKeys.
func (c *Client) callUpdate(ctx context.Context, method, path string, body, out any, idKeys []string, reread func(ctx context.Context) error) error {
	rq := request{method: method, path: path, body: body}
	env, err := c.send(ctx, rq)
	if err != nil {
		return err
	}
	if !holdsObject(env.Data, idKeys) {
		// The read is not the call: it must not overwrite what the
		// caller's ResponseInfo says of the mutation (a replay, say).
		if err := reread(WithResponseInfo(ctx, nil)); err != nil {
			return fmt.Errorf("%s %s succeeded without returning the object, and reading it again failed: %w", rq.method, rq.display(), err)
		}
		return nil
	}
	return decodeData(&rq, env, out)
}

// holdsObject reports whether data is meant to be the object: anything
// but null or an object without any of the members keys (a bare
// {message}). Other shapes count as the object, for decodeData to refuse.
func holdsObject(data json.RawMessage, keys []string) bool {
	t := bytes.TrimSpace(data)
	if isNull(t) {
		return false
	}
	if t[0] != '{' {
		return true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(t, &obj) != nil {
		// Not an object after all: decodeData reports it.
		return true
	}
	for _, k := range keys {
		if v, ok := obj[k]; ok && !isNull(v) {
			return true
		}
	}
	return false
}

// message is the data of the endpoints that answer {message}.
type message struct {
	Message string `json:"message"`
}

// callMessage sends a request whose answer is {message} and returns the
// message; an answer without data (some servers send 204) is accepted.
func (c *Client) callMessage(ctx context.Context, method, path string, body any, secrets ...Secret) (string, error) {
	rq := request{method: method, path: path, body: body, secrets: secrets}
	env, err := c.send(ctx, rq)
	if err != nil {
		return "", err
	}
	if isNull(env.Data) {
		return "", nil
	}
	var m message
	if err := json.Unmarshal(env.Data, &m); err != nil {
		// A message that is not an object is still a success.
		return "", nil
	}
	return m.Message, nil
}

// apiPath joins path segments under the API root, escaping every segment
// that is an id. Ids are opaque: an empty id, "." or ".." is refused rather
// than sent, since it would address another resource (DELETE /api-keys/
// is not DELETE of a key).
func apiPath(base string, ids ...string) (string, error) {
	var b strings.Builder
	b.WriteString(base)
	for _, id := range ids {
		switch id {
		case "":
			return "", fmt.Errorf("%s: empty id", base)
		case ".", "..":
			return "", fmt.Errorf("%s: invalid id %q", base, id)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(id))
	}
	return b.String(), nil
}
