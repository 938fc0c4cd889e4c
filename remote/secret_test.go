package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSecretRedacts(t *testing.T) {
	const clear = "ml-sk-0123456789abcdef"
	s := Secret(clear)
	key := APIKey{ID: "1", Name: "prod", Key: s}
	auth := &AuthResult{AccessToken: s, APIKey: s}
	tests := []struct {
		name string
		got  string
	}{
		{name: "%v", got: fmt.Sprintf("%v", s)},
		{name: "%+v", got: fmt.Sprintf("%+v", s)},
		{name: "%#v", got: fmt.Sprintf("%#v", s)},
		{name: "%s", got: fmt.Sprintf("%s", s)},
		{name: "%q", got: fmt.Sprintf("%q", s)},
		{name: "%x", got: fmt.Sprintf("%x", s)},
		{name: "%10.3s", got: fmt.Sprintf("%10.3s", s)},
		{name: "String", got: s.String()},
		{name: "GoString", got: s.GoString()},
		{name: "Println", got: fmt.Sprintln(s)},
		{name: "struct %v", got: fmt.Sprintf("%v", key)},
		{name: "struct %+v", got: fmt.Sprintf("%+v", key)},
		{name: "struct %#v", got: fmt.Sprintf("%#v", key)},
		{name: "pointer struct %+v", got: fmt.Sprintf("%+v", auth)},
		{name: "slice %v", got: fmt.Sprintf("%v", []Secret{s, s})},
		{name: "map %v", got: fmt.Sprintf("%v", map[string]Secret{"k": s})},
		{name: "error wrapping", got: fmt.Errorf("create %q: %w", "prod", fmt.Errorf("key %v rejected", s)).Error()},
		{name: "errors.Join", got: errors.Join(fmt.Errorf("a %s", s), fmt.Errorf("b %+v", key)).Error()},
		{name: "json", got: mustJSON(t, key)},
		{name: "json of auth result", got: mustJSON(t, auth)},
		{name: "json of a map", got: mustJSON(t, map[string]any{"token": s})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.got, clear) || strings.Contains(tt.got, "0123456789") {
				t.Errorf("output leaks the secret: %s", tt.got)
			}
			if !strings.Contains(tt.got, redacted) {
				t.Errorf("output %q does not say %s", tt.got, redacted)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSecretBasics(t *testing.T) {
	var zero Secret
	if !zero.IsZero() || zero.String() != "" || fmt.Sprint(zero) != "" {
		t.Errorf("the empty secret prints %q; want empty (nothing to hide)", fmt.Sprint(zero))
	}
	s := Secret("ml-abcdefgh9f2c")
	if s.Reveal() != "ml-abcdefgh9f2c" {
		t.Errorf("Reveal = %q", s.Reveal())
	}
	var back Secret
	if err := json.Unmarshal([]byte(`"in-clear"`), &back); err != nil || back.Reveal() != "in-clear" {
		t.Errorf("UnmarshalJSON = %q, %v; want the clear value", back.Reveal(), err)
	}
}

// TestServerEchoesAreScrubbed serves error answers that echo the token
// and the password back; the client's errors must not carry them.
func TestServerEchoesAreScrubbed(t *testing.T) {
	const tok = "tok-test-secret-123456"
	const pw = "p/a\"ss-word-42"
	escaped := strings.Trim(mustJSON(t, pw), `"`)
	tests := []struct {
		name string
		ans  answer
	}{
		{name: "token in the message", ans: answer{status: 401, body: `{"error":{"code":"unauthenticated","message":"token ` + tok + ` is unknown"}}`}},
		{name: "password in details", ans: answer{status: 422, body: `{"error":{"code":"validation_error","message":"bad","details":{"password":["` + escaped + ` is too weak"]}}}`}},
		{name: "password escaped PHP-style", ans: answer{status: 422, body: `{"error":"` + strings.ReplaceAll(escaped, "/", `\/`) + ` is too weak"}`}},
		{name: "token in an HTML page", ans: answer{status: 500, body: "<html>Bearer " + tok + "</html>"}},
		{name: "token in a 200 that is not JSON", ans: answer{status: 200, body: "<html>Bearer " + tok + "</html>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := serveCanned(t, tt.ans)
			var log strings.Builder
			c := fastClient(t, ts.URL, func(o *Options) { o.Token = tok; o.Debug = &log; o.MaxAttempts = 1 })
			_, err := c.Login(context.Background(), LoginRequest{Email: "a@b.c", Password: pw, DeviceName: "d"})
			if err == nil {
				t.Fatal("Login succeeded")
			}
			all := err.Error() + fmt.Sprintf("%+v %#v", err, err) + log.String()
			for _, s := range []string{tok, pw, escaped, "ss-word-42"} {
				if strings.Contains(all, s) {
					t.Errorf("error or log leaks %q: %s", s, all)
				}
			}
			if !strings.Contains(err.Error(), redacted) {
				t.Errorf("error %q does not show where the secret was", err)
			}
		})
	}
}

func TestDebugLog(t *testing.T) {
	e := startEmu(t)
	var log strings.Builder
	c := e.client(t, e.demo.Token, func(o *Options) { o.Debug = &log })
	e.srv.Latency = 0
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAPIKey(context.Background(), "424242"); !IsNotFound(err) {
		t.Fatalf("GetAPIKey: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log has %d lines, want 2:\n%s", len(lines), log.String())
	}
	// Durations vary; compare the rest.
	var got []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 8 {
			t.Fatalf("line %q has %d fields, want 8", l, len(f))
		}
		if _, err := time.ParseDuration(f[5]); err != nil {
			t.Errorf("line %q: duration %q: %v", l, f[5], err)
		}
		f[5] = "D"
		got = append(got, strings.Join(f, " "))
	}
	want := []string{
		"mlabctl: http GET /api/agents/v1/me 200 D request_id=req_000001 attempt=1",
		"mlabctl: http GET /api/agents/v1/api-keys/424242 404 D request_id=req_000002 attempt=1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("debug log (-want +got):\n%s", diff)
	}
}

// TestDebugLogKeepsTheServersRequestIDOnItsLine: a request id from the
// body is the server's text; it cannot break the log line.
func TestDebugLogKeepsTheServersRequestIDOnItsLine(t *testing.T) {
	var log strings.Builder
	d := &debugLog{w: &log}
	d.attempt("GET", "/me", 500, "", time.Millisecond, "req\n::error::forged"+strings.Repeat("x", 500), 1)
	got := log.String()
	if strings.Count(got, "\n") != 1 || !strings.Contains(got, `request_id=req\n::error::forged`) || len(got) > 300 {
		t.Errorf("debug line %q", got)
	}
}

// TestMasked pins how much of a secret its hint shows: 7 characters, and
// only of a secret of at least 16, so that the hint never gives away most
// of a short secret.
func TestMasked(t *testing.T) {
	tests := []struct {
		name   string
		secret Secret
		want   string
	}{
		{name: "empty", secret: "", want: ""},
		{name: "one character", secret: "x", want: "…"},
		{name: "nine characters", secret: "abcdefghi", want: "…"},
		{name: "fifteen characters", secret: "ml-abcdefgh9f2c", want: "…"},
		{name: "sixteen characters", secret: "ml-abcdefghi9f2c", want: "ml-…9f2c"},
		{name: "a long token", secret: "42|QxL0s8YkR2mVfH7tPzN4aWc1", want: "42|…aWc1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.secret.Masked()); diff != "" {
				t.Errorf("Secret(%d characters).Masked() (-want +got):\n%s", len(tt.secret), diff)
			}
		})
	}
}
