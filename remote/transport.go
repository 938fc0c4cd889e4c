package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxBodyBytes caps how much of a response the client reads. A larger body
// is an error naming the cap: no answer of this API is that large (a list
// page of 100 items is a few tens of KiB), so it can only be a fault.
const MaxBodyBytes = 8 << 20

// errBodyTooLarge marks a response over MaxBodyBytes.
var errBodyTooLarge = fmt.Errorf("the response body is larger than the %d MiB cap", MaxBodyBytes>>20)

// request is one call of the API, before its attempts.
type request struct {
	method string
	// path is relative to the API root and already escaped (see apiPath).
	path string
	// query is a raw query built by the client from integers only.
	query string
	// body is encoded as JSON; nil sends no body.
	body any
	// secrets are the revealed secrets the body carries; they are removed
	// from any error text the server echoes back.
	secrets []Secret
}

// display is the call as logs and errors name it: method and path relative
// to the API root, with the client-built query.
func (rq *request) display() string {
	if rq.query == "" {
		return rq.path
	}
	return rq.path + "?" + rq.query
}

// outcome is the result of one attempt.
type outcome struct {
	env *envelope
	err error
	// status is the HTTP status, 0 when no response was read.
	status int
	// transport marks a failure to get a whole response (retryable).
	transport bool
	// retryAfter is the server's Retry-After, if any.
	retryAfter time.Duration
	// header is the response's header, nil when no response was read
	// (see recordResponse).
	header http.Header
}

// send runs a call: it encodes the body once, picks the idempotency key of
// a mutation once, and makes up to MaxAttempts attempts, waiting between
// them (see backoff) no longer than MaxRetryWait in total. Every request
// first waits for the rate limit (see ratelimit.go); a 429 is waited out
// there, without counting as an attempt.
func (c *Client) send(ctx context.Context, rq request) (*envelope, error) {
	if err := checkToken(c.opts.Token); err != nil {
		return nil, err
	}
	var body []byte
	if rq.body != nil {
		var err error
		if body, err = json.Marshal(rq.body); err != nil {
			return nil, fmt.Errorf("%s %s: encoding the request: %w", rq.method, rq.display(), err)
		}
	}
	key := ""
	if rq.method != http.MethodGet && rq.method != http.MethodHead {
		key = idempotencyKey(ctx)
	}
	sc := newScrubber(append([]Secret{c.opts.Token}, rq.secrets...))

	var waited time.Duration
	// limited is the last 429, which made the call wait again, and
	// limitedRun how many came in a row. try numbers every request sent,
	// n the attempts (a 429 waited out is not a failed attempt).
	var limited error
	limitedRun := 0
	// ambiguous reports that an attempt got no answer or a 5xx: the call
	// may have been carried out (see MayHaveCommitted).
	ambiguous := false
	// prev is the error of the last attempt that failed on its own, for an
	// attempt cut short by the cancel: the user learns what the server last
	// said, not only that they stopped waiting.
	var prev error
	for n, try := 1, 1; ; try++ {
		if err := c.limits.acquire(ctx, rq.method, rq.display(), limited); err != nil {
			var wb *WaitBudgetError
			switch {
			case errors.As(err, &wb):
				wb.EarlierMayHaveCommitted = ambiguous
				return nil, err
			case limited != nil:
				return nil, fmt.Errorf("%w (gave up: %w)", limited, err)
			}
			return nil, fmt.Errorf("%s %s: %w", rq.method, rq.display(), err)
		}
		o := c.attempt(ctx, &rq, body, key, try, sc)
		c.limits.observe(rq.path, o.status, o.header, o.retryAfter)
		ambiguous = ambiguous || o.transport || o.status >= http.StatusInternalServerError
		recordResponse(ctx, o)
		if o.err == nil {
			return o.env, nil
		}
		err := c.callError(&rq, o.err, n)
		if o.status == http.StatusTooManyRequests && ctx.Err() == nil {
			if limitedRun++; limitedRun >= maxRateLimitedAnswers {
				return nil, fmt.Errorf("%w (gave up after %d rate-limited answers in a row, each waited out as the server asked)", err, limitedRun)
			}
			// The limiter holds the next try back as long as the
			// server says.
			limited = err
			continue
		}
		limited, limitedRun = nil, 0
		if ctx.Err() != nil {
			// ctx.Err, not context.Cause: the cause of an errgroup's
			// cancel is a sibling call's error, which is not this call's
			// and is reported by the group itself.
			if o.transport {
				// The attempt failed because of the cancel itself.
				if prev != nil {
					return nil, fmt.Errorf("%w (gave up: %w)", prev, ctx.Err())
				}
				return nil, fmt.Errorf("%s %s: %w", rq.method, rq.display(), ctx.Err())
			}
			return nil, fmt.Errorf("%w (gave up: %w)", err, ctx.Err())
		}
		if !retryable(o.status, o.transport) || n >= c.opts.MaxAttempts {
			return nil, err
		}
		if onceOnly(&rq) && (o.status >= http.StatusInternalServerError || (o.transport && !notSent(o.err))) {
			// It may have been carried out: repeating it could make a
			// second object; the caller reads before deciding.
			return nil, fmt.Errorf("%w (not retried: %s %s may have been carried out, and repeating it could do it twice)", err, rq.method, rq.display())
		}
		left := c.opts.MaxRetryWait - waited
		if o.retryAfter > left {
			return nil, fmt.Errorf("%w (not retried: the server asks for a wait of %v, more than the %v left of MaxRetryWait)", err, o.retryAfter, left.Round(time.Millisecond))
		}
		prev = err
		wait := min(c.backoff(n, o.retryAfter), left)
		if serr := sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w (gave up: %w)", err, serr)
		}
		waited += wait
		n++
	}
}

// callError names the call in an attempt's error and says how many attempts
// were made. An *APIError names the call itself (see attempt).
func (c *Client) callError(rq *request, err error, attempts int) error {
	suffix := ""
	if attempts > 1 {
		suffix = fmt.Sprintf(" (after %d attempts)", attempts)
	}
	if e, ok := err.(*APIError); ok {
		// attempt named the call in it already.
		if suffix == "" {
			return e
		}
		return fmt.Errorf("%w%s", e, suffix)
	}
	return fmt.Errorf("%s %s: %w%s", rq.method, rq.display(), err, suffix)
}

// attempt makes one HTTP request and decodes its answer.
func (c *Client) attempt(ctx context.Context, rq *request, body []byte, key string, n int, sc *scrubber) outcome {
	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()

	target := c.api + rq.path
	if rq.query != "" {
		target += "?" + rq.query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, target, rd)
	if err != nil {
		return outcome{err: fmt.Errorf("building the request: %w", err)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if !c.opts.Token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token.Reveal())
	}
	switch {
	case key != "" && onceOnly(rq):
		// Not under its canonical name: net/http takes a request with an
		// "Idempotency-Key" header for one it may send again by itself on
		// a connection that broke before any answer (Transport's replay
		// of idempotent requests), which is the blind repeat onceOnly
		// forbids. Header names are case-insensitive on the wire.
		req.Header["idempotency-key"] = []string{key}
	case key != "":
		req.Header.Set("Idempotency-Key", key)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		err = c.transportError(ctx, actx, err)
		c.debug.attempt(rq.method, APIPrefix+rq.display(), 0, errorClass(err), time.Since(start), "", n)
		return outcome{err: err, transport: true}
	}
	defer resp.Body.Close()
	data, err := readCapped(resp.Body, MaxBodyBytes)
	if err != nil {
		tooLarge := errors.Is(err, errBodyTooLarge)
		if !tooLarge {
			err = c.transportError(ctx, actx, fmt.Errorf("reading the response: %w", err))
		}
		c.debug.attempt(rq.method, APIPrefix+rq.display(), resp.StatusCode, "", time.Since(start), resp.Header.Get("X-Request-Id"), n)
		return outcome{err: fmt.Errorf("%d %s: %w", resp.StatusCode, http.StatusText(resp.StatusCode), err), status: resp.StatusCode, transport: !tooLarge, header: resp.Header}
	}

	o := outcome{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		o.err = redirectError(resp)
	} else {
		now := c.now()
		env, derr := decodeEnvelope(resp.StatusCode, resp.Header, data, now)
		if derr != nil {
			// Decode again from a scrubbed copy so that no secret the
			// server echoed reaches the error text. Only failures pay this.
			env, derr = decodeEnvelope(resp.StatusCode, resp.Header, sc.scrub(data), now)
		}
		o.env, o.err = env, derr
		if e, ok := derr.(*APIError); ok {
			// A fresh error of this attempt: name the call in it, and
			// scrub its decoded strings too (a secret may have been
			// JSON-escaped in a form the byte-level scrub missed).
			sc.scrubAPIError(e)
			e.Method, e.Path = rq.method, rq.display()
			o.retryAfter = e.RetryAfter
		}
	}
	c.debug.attempt(rq.method, APIPrefix+rq.display(), resp.StatusCode, "", time.Since(start), requestIDOf(o, resp.Header), n)
	return o
}

// transportError explains a failure without a response: it drops the
// url.Error wrapper (whose text repeats the whole URL) and turns the
// attempt's own deadline into a sentence.
func (c *Client) transportError(ctx, actx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no complete answer within %v (RequestTimeout): %w", c.opts.RequestTimeout, err)
	}
	return err
}

// redirectError reports a redirect, naming where it points without any
// path or query (which the client did not choose and does not show).
func redirectError(resp *http.Response) error {
	loc := resp.Header.Get("Location")
	where := "elsewhere"
	if u, err := url.Parse(loc); err == nil && u.Host != "" {
		where = u.Scheme + "://" + u.Host
	}
	return fmt.Errorf("%d %s: the server redirects to %s; set the base URL (--base-url or MODELSLAB_BASE_URL) to the site it redirects to", resp.StatusCode, http.StatusText(resp.StatusCode), where)
}

func requestIDOf(o outcome, h http.Header) string {
	switch {
	case o.env != nil && o.env.RequestID != "":
		return o.env.RequestID
	}
	if e, ok := o.err.(*APIError); ok && e.RequestID != "" {
		return e.RequestID
	}
	return h.Get("X-Request-Id")
}

// readCapped reads r whole, or fails with errBodyTooLarge past limit bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errBodyTooLarge
	}
	return data, nil
}

// scrubber replaces known secrets in text the server sent back.
type scrubber struct{ olds []string }

// minScrubLen keeps the scrubber from replacing every "a" of a message
// because a test password was "a"; shorter secrets are not looked for.
// That leaves nothing real unprotected: tokens and API keys are far longer,
// and a password of 1 to 3 characters, which the API refuses anyway, is
// too short to tell apart from ordinary words in a message, so replacing
// it would garble the error without hiding anything.
const minScrubLen = 4

func newScrubber(secrets []Secret) *scrubber {
	sc := &scrubber{}
	for _, s := range secrets {
		v := s.Reveal()
		if len(v) < minScrubLen {
			continue
		}
		// The clear form, and the forms it takes inside a JSON string:
		// escaped with and without HTML escapes, and with "/" escaped as
		// PHP's json_encode does.
		forms := []string{v}
		for _, html := range []bool{false, true} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			if enc.Encode(v) == nil {
				e := strings.TrimSuffix(buf.String(), "\n")
				e = e[1 : len(e)-1]
				forms = append(forms, e, strings.ReplaceAll(e, "/", `\/`))
			}
		}
		for _, f := range forms {
			if !slices.Contains(sc.olds, f) {
				sc.olds = append(sc.olds, f)
			}
		}
	}
	return sc
}

// scrubAPIError scrubs the message and every string in the details.
func (sc *scrubber) scrubAPIError(e *APIError) {
	e.Message = string(sc.scrub([]byte(e.Message)))
	for k, v := range e.Details {
		e.Details[k] = sc.scrubValue(v)
	}
}

func (sc *scrubber) scrubValue(v any) any {
	switch v := v.(type) {
	case string:
		return string(sc.scrub([]byte(v)))
	case []any:
		for i := range v {
			v[i] = sc.scrubValue(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = sc.scrubValue(v[k])
		}
	}
	return v
}

func (sc *scrubber) scrub(b []byte) []byte {
	for _, old := range sc.olds {
		if bytes.Contains(b, []byte(old)) {
			b = bytes.ReplaceAll(b, []byte(old), []byte(redacted))
		}
	}
	return b
}
