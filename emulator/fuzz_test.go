package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serveDirect runs one request through the handler without a network.
func serveDirect(s *Server, method, target, tok, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	return serveRequest(s, req, tok)
}

// serveRequest runs req through the handler with the bearer token tok.
func serveRequest(s *Server, req *http.Request, tok string) *httptest.ResponseRecorder {
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

// checkEnvelope fails unless the answer is the envelope with a non-5xx
// status and an error exactly when the status is an error.
func checkEnvelope(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var env struct {
		Data  json.RawMessage `json:"data"`
		Error *apiError       `json:"error"`
		Meta  meta            `json:"meta"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("status %d: not the envelope: %v\n%s", w.Code, err, w.Body)
	}
	if w.Code >= 500 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if (env.Error != nil) != (w.Code >= 400) || env.Meta.RequestID == "" {
		t.Fatalf("status %d with error %v and meta %+v", w.Code, env.Error, env.Meta)
	}
}

func FuzzRequestBody(f *testing.F) {
	seeds := []struct{ route, body string }{
		{"POST /api-keys", `{"name":"a","notes":"b"}`},
		{"PUT /api-keys/101", `{"notes":null}`},
		{"PATCH /me", `{"name":"x","username":"abc","about_me":""}`},
		{"PATCH /me/socials", `{"github":"a"}`},
		{"PATCH /me/preferences", `{"wallet_notification_threshold":1e308}`},
		{"POST /teams", `{"email":"a@b.c","role":"admin","permissions":["x"]}`},
		{"PUT /teams/1", `{"permissions":[]}`},
		{"POST /auth/login", `{"email":"demo@mlabctl.example","password":"x","device_name":"d","scopes":["*"]}`},
		{"POST /auth/signup", `{"email":"n@example.com","password":"12345678","name":"n"}`},
		{"POST /auth/switch-account", `{"account_username":"x","scopes":[]}`},
		{"POST /auth/refresh", `{"token_expiry":"never"}`},
		{"POST /api-keys", `[`},
		{"POST /api-keys", "\x00"},
	}
	for _, s := range seeds {
		f.Add(s.route, s.body)
	}
	f.Fuzz(func(t *testing.T, route, body string) {
		method, path, ok := strings.Cut(route, " ")
		if !ok || !isMutation(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#%\x00\r\n") {
			return
		}
		req, err := http.NewRequest(method, "http://emulator"+Prefix+path, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		s := New()
		demo := s.SeedDemo()
		checkEnvelope(t, serveRequest(s, req, demo.Token))
		// The account is still readable, and the listing still complete.
		if w := serveDirect(s, "GET", Prefix+"/api-keys?per_page=100", demo.Token, ""); w.Code != http.StatusOK && w.Code != http.StatusUnauthorized {
			t.Fatalf("listing after %s %s: status %d", method, path, w.Code)
		}
	})
}

func FuzzPathAndQuery(f *testing.F) {
	for _, target := range []string{
		"/api-keys?page=2&per_page=3", "/api-keys/%31%30%31", "/teams/invitations/x/accept",
		"/auth/tokens?per_page=100", "/me", "/teams?page=99999999999999999999", "/api-keys/-1",
	} {
		f.Add("GET", target)
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n/") || !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " #\x00\r\n\t") {
			return
		}
		req, err := http.NewRequest(method, "http://emulator"+Prefix+target, nil)
		if err != nil {
			return
		}
		s := New()
		demo := s.SeedDemo()
		checkEnvelope(t, serveRequest(s, req, demo.Token))
	})
}
