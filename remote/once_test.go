package remote

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
)

// TestOnceOnly lists which calls are never repeated after an attempt that
// may have reached the server: the POSTs that are not idempotent by nature.
func TestOnceOnly(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{http.MethodPost, "/api-keys", true},
		{http.MethodPost, "/teams", true},
		{http.MethodPost, "/teams/7/resend-invite", true},
		{http.MethodPost, "/auth/login", true},
		{http.MethodPost, "/auth/refresh", true},
		{http.MethodPost, "/auth/switch-account", true},
		{http.MethodPost, "/auth/signup", true},
		{http.MethodPost, "/auth/verify-email", true},
		{http.MethodGet, "/api-keys", false},
		{http.MethodPut, "/api-keys/7", false},
		{http.MethodDelete, "/api-keys/7", false},
		{http.MethodPatch, "/me", false},
		{http.MethodPost, "/auth/logout", false},
		{http.MethodPost, "/teams/invitations/x/accept", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if got := onceOnly(&request{method: tt.method, path: tt.path}); got != tt.want {
				t.Errorf("onceOnly = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNotSent tells a failed dial (nothing written: safe to repeat) from a
// failure after the request may have left.
func TestNotSent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"dial refused", fmt.Errorf("POST /api-keys: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{"dns", &net.DNSError{Err: "no such host", Name: "x.invalid"}, true},
		{"read reset", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, false},
		{"eof", errors.New("EOF"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notSent(tt.err); got != tt.want {
				t.Errorf("notSent = %v, want %v", got, tt.want)
			}
		})
	}
}
