package remote

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// retryable reports whether a failed attempt may be tried again. Every call
// the client makes is safe to repeat: reads by nature, mutations because
// each carries an Idempotency-Key that the server replays. So the question
// is only whether the failure is transient: a network error or timeout of
// the attempt, a 429, or a 5xx other than 501 (Not Implemented, which
// will not change). Other 4xx (403 included) are answers, not accidents.
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
