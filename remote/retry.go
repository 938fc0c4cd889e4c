package remote

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// retryable reports whether a failed attempt may be tried again, as far as
// the failure goes: a network error or timeout of the attempt, a 429, or a
// 5xx other than 501 (Not Implemented, which will not change). Other 4xx
// (403 included) are answers, not accidents. Whether the call itself may be
// repeated is asked apart (onceOnly): the API leaves Idempotency-Key
// unhonoured outside billing (API.md), so only reads, and mutations whose
// repetition is harmless by nature, are retried after an attempt that may
// have reached the server.
func retryable(status int, transportErr bool) bool {
	if transportErr {
		return true
	}
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status == http.StatusNotImplemented, status == http.StatusHTTPVersionNotSupported:
		return false
	case status >= 500 && status <= 599:
		return true
	}
	return false
}

// onceOnly reports whether rq is a POST that is not idempotent by nature:
// repeated, it may make a second object or a second token (a key create, an
// invite, a resend, a login, a refresh, a switch of account, a sign-up, an
// e-mail verification). Such a call is never retried after an attempt that
// may have reached the server (a timeout, a cut connection, a 5xx): the
// ambiguous error goes up (MayHaveCommitted reports true), and the caller
// settles it by reading the live state (package apply does). An attempt
// that surely never arrived (the connection was refused before anything
// was written) and a 429 (refused, nothing done) are still retried.
func onceOnly(rq *request) bool {
	if rq.method != http.MethodPost {
		return false
	}
	switch rq.path {
	case "/api-keys", "/teams", "/auth/login", "/auth/refresh", "/auth/switch-account", "/auth/signup", "/auth/verify-email":
		return true
	}
	return strings.HasPrefix(rq.path, "/teams/") && strings.HasSuffix(rq.path, "/resend-invite")
}

// notSent reports whether a transport error happened before the request
// could reach the server: the dial itself failed (connection refused, no
// route, DNS), so nothing was written.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff returns how long to wait before attempt n+1 after attempt n
// failed: the server's Retry-After when it gave one (plus up to 10% jitter,
// so that concurrent callers spread out), else a uniformly random duration
// in [0, min(cap, base·2^(n-1))].
func (c *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter + jitter(retryAfter/10)
	}
	d := c.retryBase
	for i := 1; i < n && d < c.retryCap; i++ {
		d *= 2
	}
	if d > c.retryCap {
		d = c.retryCap
	}
	return jitter(d)
}

// jitter returns a uniformly random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
