package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// idemTTL is how long a stored response is replayed.
const idemTTL = 24 * time.Hour

// idemRecord is the first response to a mutation with an Idempotency-Key.
type idemRecord struct {
	Fingerprint string      `json:"fingerprint"`
	Status      int         `json:"status"`
	Header      http.Header `json:"header,omitempty"`
	Body        []byte      `json:"body"`
	StoredAt    time.Time   `json:"stored_at"`
}

// idemScope is who a key belongs to: the calling token, or "anonymous" for
// the endpoints that need none.
func (c *call) idemScope() string {
	if c.tok != nil {
		return "token:" + strconv.FormatInt(c.tok.ID, 10) + ":" + c.idemKey
	}
	return "anonymous:" + c.idemKey
}

// fingerprint identifies what a request asks for: method, path and the
// body (compacted, so that whitespace does not matter).
func (c *call) fingerprint() string {
	var buf bytes.Buffer
	body := c.body
	if json.Compact(&buf, bytes.TrimSpace(c.body)) == nil {
		body = buf.Bytes()
	}
	sum := sha256.Sum256(append([]byte(c.r.Method+" "+c.rel+"\n"), body...))
	return hex.EncodeToString(sum[:])
}

// replay answers a repeated Idempotency-Key: the stored response (same
// request), a 409 (different request), or nil (first time). s.mu is held.
func (s *Server) replay(c *call) *response {
	rec := s.st.Idempotency[c.idemScope()]
	if rec == nil {
		return nil
	}
	if c.now.Sub(rec.StoredAt) >= idemTTL {
		delete(s.st.Idempotency, c.idemScope())
		return nil
	}
	if rec.Fingerprint != c.fingerprint() {
		return errorResponse(c.id, &apiError{
			status: http.StatusConflict, Code: "idempotency_conflict",
			Message: fmt.Sprintf("Idempotency-Key %q was already used with a different request; use a new key for a new request", c.idemKey),
		})
	}
	h := rec.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Idempotent-Replayed", "true")
	return &response{status: rec.Status, header: h, body: rec.Body, replayed: true}
}

// remember stores the first response to a key, and forgets expired ones
// now and then. s.mu is held.
func (s *Server) remember(c *call, resp *response) {
	if len(s.st.Idempotency)%256 == 255 {
		for k, r := range s.st.Idempotency {
			if c.now.Sub(r.StoredAt) >= idemTTL {
				delete(s.st.Idempotency, k)
			}
		}
	}
	s.st.Idempotency[c.idemScope()] = &idemRecord{
		Fingerprint: c.fingerprint(), Status: resp.status, Header: resp.header.Clone(),
		Body: resp.body, StoredAt: c.now,
	}
	c.dirty = true
}
