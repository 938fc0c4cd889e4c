package remote

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // normalised root; empty when an error is expected
		wantErr string // substring of the error
	}{
		{name: "default when empty", in: "", want: "https://modelslab.com"},
		{name: "https root", in: "https://modelslab.com", want: "https://modelslab.com"},
		{name: "trailing slash", in: "https://modelslab.com/", want: "https://modelslab.com"},
		{name: "surrounding space", in: "  https://modelslab.com/ \n", want: "https://modelslab.com"},
		{name: "api root pasted", in: "https://modelslab.com/api/agents/v1/", want: "https://modelslab.com"},
		{name: "upper-case scheme and host", in: "HTTPS://ModelsLab.com", want: "https://modelslab.com"},
		{name: "port kept", in: "https://example.com:8443", want: "https://example.com:8443"},
		{name: "http loopback v4", in: "http://127.0.0.1:8765", want: "http://127.0.0.1:8765"},
		{name: "http loopback 127/8", in: "http://127.3.4.5", want: "http://127.3.4.5"},
		{name: "http loopback v6", in: "http://[::1]:8765", want: "http://[::1]:8765"},
		{name: "http localhost", in: "http://localhost:8765/", want: "http://localhost:8765"},
		{name: "http remote refused", in: "http://modelslab.com", wantErr: "is not https: use https://modelslab.com, or plain http only with a loopback host"},
		{name: "http lookalike refused", in: "http://localhost.evil.example", wantErr: "is not https"},
		{name: "http private address refused", in: "http://10.0.0.1", wantErr: "is not https"},
		{name: "other path refused", in: "https://modelslab.com/api", wantErr: `has the path "/api"; give the site root without a path`},
		{name: "query refused", in: "https://modelslab.com/?x=1", wantErr: "has a query or fragment"},
		{name: "no scheme", in: "modelslab.com", wantErr: "has no scheme or host"},
		{name: "ftp refused", in: "ftp://modelslab.com", wantErr: `has the scheme "ftp"`},
		{name: "user info refused without echo", in: "https://bob:hunter2pass@modelslab.com", wantErr: "contains user info"},
		{name: "unparsable", in: "https://[::1", wantErr: "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Options{BaseURL: tt.in})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("New(%q) = %q, want an error containing %q", tt.in, c.BaseURL(), tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2pass") {
					t.Fatalf("error leaks the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, c.BaseURL()); diff != "" {
				t.Errorf("BaseURL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "negative timeout", opts: Options{RequestTimeout: -1}, wantErr: "RequestTimeout"},
		{name: "negative attempts", opts: Options{MaxAttempts: -1}, wantErr: "MaxAttempts"},
		{name: "negative retry wait", opts: Options{MaxRetryWait: -1}, wantErr: "MaxRetryWait"},
		{name: "negative concurrency", opts: Options{PageConcurrency: -2}, wantErr: "PageConcurrency"},
		{name: "token with a line break inside", opts: Options{Token: "abc\ndef-secret"}, wantErr: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "def-secret") {
				t.Fatalf("error leaks the token: %q", err)
			}
		})
	}
}

func TestNewTrimsToken(t *testing.T) {
	c, err := New(Options{Token: "  tok-abc\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.opts.Token.Reveal(); got != "tok-abc" {
		t.Errorf("token = %q, want %q", got, "tok-abc")
	}
	if got := c.WithToken("other\n").opts.Token.Reveal(); got != "other" {
		t.Errorf("WithToken token = %q, want %q", got, "other")
	}
	if got := c.opts.Token.Reveal(); got != "tok-abc" {
		t.Errorf("WithToken changed the original client's token to %q", got)
	}
}
