package remote

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/internal/golden"
)

// TestErrorTextsGolden keeps the text of every kind of error the client
// returns in one reviewed file, testdata/error_texts.golden: what a user
// reads when something goes wrong. Rewrite it with
//
//	go test ./remote -run TestErrorTextsGolden -update
func TestErrorTextsGolden(t *testing.T) {
	cases := []struct {
		name string
		ans  answer
	}{
		{"401 string error", answer{status: 401, body: `{"data":null,"error":"Unauthenticated.","meta":{"request_id":"req_1"}}`}},
		{"403 insufficient scope", answer{status: 403, body: `{"data":null,"error":{"code":"insufficient_scope","message":"This token lacks a scope.","details":{"required_scope":"api-keys:write"}},"meta":{"request_id":"req_2"}}`,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="modelslab", error="insufficient_scope", scope="api-keys:write"`}}},
		{"404 not found", answer{status: 404, body: `{"data":null,"error":{"code":"not_found","message":"API key 7 not found"},"meta":{"request_id":"req_3"}}`}},
		{"409 conflict", answer{status: 409, body: `{"data":null,"error":{"code":"conflict","message":"alice@example.com is already an active member"},"meta":{"request_id":"req_4"}}`}},
		{"409 idempotency conflict", answer{status: 409, body: `{"data":null,"error":{"code":"idempotency_conflict","message":"the Idempotency-Key was used with another body"},"meta":{"request_id":"req_5"}}`}},
		{"422 validation", answer{status: 422, body: `{"data":null,"error":{"code":"validation_error","message":"The given data was invalid.","details":{"name":["has already been taken"],"notes":["is longer than 500 characters"]}},"meta":{"request_id":"req_6"}}`}},
		{"429 rate limited", answer{status: 429, body: `{"data":null,"error":{"code":"rate_limited","message":"Too many requests"},"meta":{"request_id":"req_7"}}`, header: map[string]string{"Retry-After": "90"}}},
		{"500 without a body", answer{status: 500}},
		{"502 HTML page", answer{status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", header: map[string]string{"Content-Type": "text/html"}}},
		{"200 not JSON", answer{status: 200, body: "Welcome to the hotel Wi-Fi", header: map[string]string{"Content-Type": "text/plain"}}},
		{"200 truncated JSON", answer{status: 200, body: `{"data":{"id":1,"name":"Acme`, header: map[string]string{"Content-Type": "application/json"}}},
		{"200 wrong shape", answer{status: 200, body: `{"data":{"id":1,"verified":"perhaps"}}`}},
		{"200 socials not an object", answer{status: 200, body: `{"data":{"id":1,"socials":"none"}}`}},
		{"200 id of the wrong type", answer{status: 200, body: `{"data":{"id":{"n":1}}}`}},
		{"301 redirect", answer{status: 301, header: map[string]string{"Location": "https://www.modelslab.com/api/agents/v1/me"}}},
	}
	var b strings.Builder
	for _, tc := range cases {
		_, ts := serveCanned(t, tc.ans)
		c := fastClient(t, ts.URL, func(o *Options) { o.MaxAttempts = 2; o.MaxRetryWait = 0 })
		_, err := c.Me(context.Background())
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		text := strings.ReplaceAll(err.Error(), ts.URL, "http://127.0.0.1:PORT")
		fmt.Fprintf(&b, "%s\n\t%s\n", tc.name, text)
	}
	// No server at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = fastClient(t, "http://"+addr, func(o *Options) { o.MaxAttempts = 2 }).Me(context.Background())
	fmt.Fprintf(&b, "connection refused\n\t%s\n", strings.ReplaceAll(fmt.Sprint(err), addr, "127.0.0.1:PORT"))

	// Errors the client makes itself, before any request.
	for _, in := range []string{"http://modelslab.com", "https://modelslab.com/api", "https://user:pw@modelslab.com", "modelslab.com"} {
		_, err := New(Options{BaseURL: in})
		fmt.Fprintf(&b, "base URL %s\n\t%v\n", in, err)
	}
	golden.Check(t, filepath.Join("testdata", "error_texts.golden"), []byte(b.String()))
}
