package remote

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

// FuzzDecodeEnvelope feeds the envelope decoder arbitrary bodies under
// arbitrary statuses. It must never panic, must classify every answer as
// exactly one of success or error, must keep an error's status, and the
// decoded data of a success must be valid JSON that the typed decoders
// (profile, lists, auth and switch results, scopes) either accept or
// reject with an error; a member's status is always one of the three, and
// pagination the list reader accepts has no negative count.
func FuzzDecodeEnvelope(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"data":{"id":1,"name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about_me":"x","verified":true,"wallet_balance":12.5,"socials":{"github":"acme"},"preferences":{"nsfw_content":false,"wallet_notification_enabled":true,"wallet_notification_threshold":10}},"error":null,"meta":{"request_id":"req_1"}}`},
		{200, `{"data":{"id":"1","about":"x","github":"acme","nsfw_enabled":true,"notifications_enabled":"1","wallet_balance":"12.50"}}`},
		{200, `{"data":[{"id":101,"name":"production","notes":"Used by prod","key":"ml-…9f2c","created_at":"2026-01-02T03:04:05Z","last_used_at":null}],"error":null,"meta":{"request_id":"r","pagination":{"page":1,"per_page":100,"total":250,"last_page":3}}}`},
		{200, `[{"id":"k-1","name":"a"},{"id":2,"name":"b"}]`},
		{200, `[]`},
		{200, `{"data":{"access_token":"tok","token_type":"Bearer","expires_at":null,"scopes":["*"],"api_key":{"id":1,"key":"ml-whole"}}}`},
		{201, `{"data":{"id":7,"email":"a@example.com","role":"admin","permissions":["api-keys"],"status":"pending","invite_id":"u-1","invited_at":"2026-01-02T03:04:05Z"}}`},
		{204, ``},
		{401, `{"data":null,"error":"Unauthenticated.","meta":{"request_id":"r"}}`},
		{403, `{"data":null,"error":{"code":"insufficient_scope","message":"m","details":{"required_scope":"api-keys:write"}},"meta":{"request_id":"r"}}`},
		{404, `{"data":null,"error":{"code":"not_found","message":"No such key"},"meta":{}}`},
		{409, `{"data":null,"error":{"code":"idempotency_conflict","message":"m"}}`},
		{422, `{"data":null,"error":{"code":"validation_error","message":"m","details":{"name":["taken"]}}}`},
		{422, `{"message":"The name field is required.","errors":{"name":["required"]}}`},
		{429, `{"data":null,"error":{"code":"rate_limited","message":"slow"}}`},
		{502, "<html><body>502 Bad Gateway</body></html>"},
		{200, `{"data":`},
		{200, `"just a string"`},
		{500, `{"error":{"details":[1,2,{"a":null}]}}`},
		{200, `{"data":{"id":1e400}}`},
		// The readings API.md's last section leaves open.
		{200, `{"data":[{"id":1,"name":"a","created_at":"2026-01-02 03:04:05"}],"links":{"first":"x?page=1","last":"x?page=3","prev":null,"next":"http://h/api/agents/v1/x?page=2"},"meta":{"current_page":1,"from":1,"last_page":3,"links":[],"path":"x","per_page":1,"to":1,"total":3}}`},
		{200, `{"data":{"items":[{"id":1,"name":"a"}],"pagination":{"page":1,"per_page":1,"total":2,"last_page":2}},"meta":{"request_id":"r"}}`},
		{200, `{"data":[{"id":1}],"links":{"next":"?page=2&cursor=x"}}`},
		{200, `{"current_page":1,"data":[{"id":1}],"last_page":1,"per_page":15,"total":1,"next_page_url":null}`},
		{200, `{"data":[{"id":1}],"meta":{"pagination":{"page":1,"per_page":-1,"total":-5,"last_page":10000}}}`},
		{200, `{"data":[{"id":1}],"meta":{"has_more":true,"next_cursor":"abc"}}`},
		{200, `{"data":[{"id":7,"email":"a@example.com","role":{"name":"owner"},"permissions":{"api-keys":true,"billing":false},"invite_status":"accepted","invited_at":"2026-01-02 03:04:05"},{"id":8,"status":"suspended","permissions":"a, b"}]}`},
		{200, `{"data":[{"id":5,"device_name":"ci","abilities":["*"],"is_current":"1","expires_at":1767225600}]}`},
		{200, `{"data":null,"idempotency_replay":true}`},
		{422, `{"message":"The given data was invalid.","errors":{"name":["required"]},"idempotency_replay":"yes"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body), "3")
	}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		h := http.Header{"Retry-After": {retryAfter}, "Www-Authenticate": {`Bearer error="insufficient_scope", scope="x"`}}
		env, err := decodeEnvelope(status, h, body, now)
		if (env == nil) == (err == nil) {
			t.Fatalf("decodeEnvelope(%d, %q) = %v, %v; want exactly one of them", status, body, env, err)
		}
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) {
				if ae.Status != status {
					t.Fatalf("APIError.Status = %d, want %d", ae.Status, status)
				}
				if ae.RetryAfter < 0 {
					t.Fatalf("negative RetryAfter %v", ae.RetryAfter)
				}
				_ = ae.Error()
				_ = ae.FieldErrors()
			} else if status < 200 || status >= 300 {
				t.Fatalf("a %d answer gave a plain error %v, want an *APIError", status, err)
			}
			return
		}
		if status < 200 || status >= 300 {
			t.Fatalf("a %d answer decoded as a success", status)
		}
		if env.Data != nil && !json.Valid(env.Data) {
			t.Fatalf("data %q is not valid JSON", env.Data)
		}
		if env.Data == nil {
			return
		}
		// The typed decoders, and the text of their errors, must not panic
		// on whatever data holds.
		var p Profile
		var keys []APIKey
		var members []TeamMember
		var tokens []AccessToken
		var ar AuthResult
		var sw SwitchResult
		var scopes []ScopeInfo
		for _, v := range []any{&p, &keys, &tokens, &ar, &sw, &scopes} {
			if err := json.Unmarshal(env.Data, v); err != nil {
				_ = explainDecodeError(err).Error()
			}
		}
		if err := json.Unmarshal(env.Data, &members); err != nil {
			_ = explainDecodeError(err).Error()
			members = nil
		}
		for _, m := range members {
			switch m.Status {
			case StatusActive, StatusPending, StatusUnknown:
			default:
				t.Fatalf("member status %q is none of active, pending, unknown", m.Status)
			}
		}
		// The list reader, and the text of its errors, must not panic
		// either, whatever the pagination members hold; what it accepts
		// has no negative count.
		if _, info, err := listPageData(env, "/x"); err != nil {
			_ = err.Error()
		} else if info != nil {
			if info.page < -1 || info.perPage < -1 || info.total < -1 || info.lastPage < -1 || info.nextPage < 0 {
				t.Fatalf("a negative count was accepted: %+v", info)
			}
			l := &lister[APIKey, *APIKey]{path: "/x", seen: map[ID]int{}}
			if err := l.checkFirst(info, 1); err != nil {
				_ = err.Error()
			}
			_ = l.complete(info, 1)
		}
	})
}
