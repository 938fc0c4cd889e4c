package emulatortest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestRewriteAnswers: an answer to a matched request reaches the client
// as edit made it, with the status and headers h set and a length that
// fits the new body; any other answer is h's own.
func TestRewriteAnswers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-From", "h")
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "hello")
	})
	isEdit := func(r *http.Request) bool { return r.URL.Path == "/edit" }
	ts := httptest.NewServer(RewriteAnswers(h, isEdit, func(r *http.Request, status int, body []byte) []byte {
		return []byte(r.URL.Path + " " + strconv.Itoa(status) + " " + string(body))
	}))
	t.Cleanup(ts.Close)
	tests := []struct {
		path, wantBody string
	}{
		{path: "/edit", wantBody: "/edit 418 hello"},
		{path: "/other", wantBody: "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tt.wantBody || resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-From") != "h" {
				t.Errorf("got %d %q (X-From %q), want 418 %q (X-From h)", resp.StatusCode, body, resp.Header.Get("X-From"), tt.wantBody)
			}
			if resp.ContentLength != int64(len(tt.wantBody)) {
				t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(tt.wantBody))
			}
		})
	}
}
