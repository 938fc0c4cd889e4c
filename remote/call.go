package remote

import (
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
