package emulatortest

import (
	"net/http"
	"net/http/httptest"
)

// RewriteAnswers returns a handler that serves h, and passes the answer to
// every request match accepts through edit (status and body as h wrote
// them; edit returns the body to send): a server answering in a shape the
// emulator has no knob for. Requests match refuses reach h directly, so
// that what h does to a connection (a dropped answer) stays as it is;
// Content-Length is left for net/http to count, as edit may change the
// body's length.
func RewriteAnswers(h http.Handler, match func(r *http.Request) bool, edit func(r *http.Request, status int, body []byte) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !match(r) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := edit(r, rec.Code, rec.Body.Bytes())
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}
