package remote

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIPrefix is where the Agent Control Plane API lives under the site root.
const APIPrefix = "/api/agents/v1"

// DefaultBaseURL is the site root used when Options.BaseURL is empty.
const DefaultBaseURL = "https://modelslab.com"

// Defaults of the zero Options fields.
const (
	defaultUserAgent       = "mlabctl/dev"
	defaultRequestTimeout  = 30 * time.Second
	defaultMaxAttempts     = 5
	defaultMaxRetryWait    = 60 * time.Second
	defaultPageConcurrency = 8
	// defaultRetryBase and defaultRetryCap shape the exponential backoff
	// between attempts: attempt n waits a uniformly random duration in
	// [0, min(cap, base·2^(n-1))] ("full jitter"), so that concurrent page
	// fetches that failed together do not retry together.
	defaultRetryBase = 250 * time.Millisecond
	defaultRetryCap  = retryCapFactor * defaultRetryBase
	// retryCapFactor is the longest backoff as a multiple of the first
	// (Options.RetryBackoff): 250ms grows to 8s.
	retryCapFactor = 32
)

// Options configure a Client. The zero value of every field but BaseURL
// means its documented default.
type Options struct {
	// BaseURL is the site root (e.g. https://modelslab.com); the client adds
	// /api/agents/v1. Empty means DefaultBaseURL. A trailing slash is
	// accepted, and so is the API root itself (…/api/agents/v1, as pasted
	// from the documentation); any other path, a query, a fragment or user
	// info is refused, because the client would otherwise talk to a URL the
	// user did not mean. Non-https is refused unless the host is loopback
	// (127.0.0.0/8, ::1, localhost), which is where a local emulator runs.
	BaseURL string
	// Token is the bearer token; empty for the endpoints that need none.
	// Surrounding white space (a newline read from a file) is trimmed.
	Token Secret
	// UserAgent defaults to "mlabctl/dev".
	UserAgent string
	// HTTPClient nil means a client with sane transport defaults that does
	// not follow redirects (a redirect is reported as an error naming the
	// new location, since following it could turn a POST into a GET).
	HTTPClient *http.Client
	// RequestTimeout bounds one HTTP attempt; 0 means 30s.
	RequestTimeout time.Duration
	// MaxAttempts bounds attempts of one call (first try included); 0 means 5.
	MaxAttempts int
	// MaxRetryWait bounds the total time spent waiting between attempts; 0 means 60s.
	MaxRetryWait time.Duration
	// PageConcurrency bounds concurrent page fetches of one list; 0 means 8.
	PageConcurrency int
	// RetryBackoff bounds the wait before the first retry of a call when
	// the server gave no Retry-After; each later wait may be twice the one
	// before, up to 32 times RetryBackoff (full jitter: a random duration up
	// to that bound). 0 means 250ms. Tests shorten it so that none waits
	// through the real backoff.
	RetryBackoff time.Duration
	// Debug, when non-nil, receives one line per HTTP attempt (method, the
	// whole path, status, duration, request id, attempt), never a secret.
	Debug interface{ Write([]byte) (int, error) }

	// Pacing (see ratelimit.go): the client paces every call by the
	// server's X-RateLimit-* headers and waits out 429s; these bound and
	// report the waits.

	// MaxWait bounds the total time the client's calls wait for the rate
	// limit (each pause counted once, however many calls it holds); a call
	// that would wait past it fails with a *WaitBudgetError. 0 means 15
	// minutes. It is separate from MaxRetryWait, which bounds the backoff
	// between failed attempts of one call.
	MaxWait time.Duration
	// RateLimitWindow is how long a 429 that says nothing (no
	// Retry-After, no X-RateLimit-Reset) holds calls back: the window the
	// API counts in. 0 means one minute (API.md).
	RateLimitWindow time.Duration
	// OnRateLimitWait, when non-nil, is told of every pause of at least
	// RateLimitReportAfter, once per pause (not per waiting call), from
	// the goroutine of a call about to wait; RateLimitWait.String is the
	// line to print. It must not block.
	OnRateLimitWait func(RateLimitWait)
	// RateLimitReportAfter is the shortest pause reported; 0 means 1s.
	RateLimitReportAfter time.Duration
	// Clock is the time pacing waits in; nil means the real clock. Tests
	// inject a simulated one.
	Clock Clock
}

// Client talks to the Agent Control Plane API. It is safe for concurrent use.
type Client struct {
	opts Options
	// root is the normalised site root ("https://host[:port]"); api is
	// root+APIPrefix.
	root, api string
	http      *http.Client
	debug     *debugLog
	// retryBase and retryCap shape the backoff; tests shorten them.
	retryBase, retryCap time.Duration
	// now is the clock used to read Retry-After dates.
	now func() time.Time
	// limits paces the calls; shared by the copies WithToken and
	// WithInUseTokens make, since the server counts per user.
	limits *limiter
	// inUse are the token ids ListTokens reports as Current besides the
	// requesting one (WithInUseTokens).
	inUse []ID
}

// New validates opts and returns a client.
func New(opts Options) (*Client, error) {
	root, err := normalizeBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	opts.Token = Secret(strings.TrimSpace(opts.Token.Reveal()))
	if err := checkToken(opts.Token); err != nil {
		return nil, err
	}
	switch {
	case opts.RequestTimeout < 0:
		return nil, fmt.Errorf("remote: RequestTimeout %v is negative", opts.RequestTimeout)
	case opts.MaxAttempts < 0:
		return nil, fmt.Errorf("remote: MaxAttempts %d is negative", opts.MaxAttempts)
	case opts.MaxRetryWait < 0:
		return nil, fmt.Errorf("remote: MaxRetryWait %v is negative", opts.MaxRetryWait)
	case opts.PageConcurrency < 0:
		return nil, fmt.Errorf("remote: PageConcurrency %d is negative", opts.PageConcurrency)
	case opts.MaxWait < 0:
		return nil, fmt.Errorf("remote: MaxWait %v is negative", opts.MaxWait)
	case opts.RateLimitWindow < 0:
		return nil, fmt.Errorf("remote: RateLimitWindow %v is negative", opts.RateLimitWindow)
	case opts.RateLimitReportAfter < 0:
		return nil, fmt.Errorf("remote: RateLimitReportAfter %v is negative", opts.RateLimitReportAfter)
	case opts.RetryBackoff < 0:
		return nil, fmt.Errorf("remote: RetryBackoff %v is negative", opts.RetryBackoff)
	}
	if opts.UserAgent == "" {
		opts.UserAgent = defaultUserAgent
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = defaultRequestTimeout
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = defaultMaxAttempts
	}
	if opts.MaxRetryWait == 0 {
		opts.MaxRetryWait = defaultMaxRetryWait
	}
	if opts.PageConcurrency == 0 {
		opts.PageConcurrency = defaultPageConcurrency
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = defaultMaxWait
	}
	if opts.RateLimitWindow == 0 {
		opts.RateLimitWindow = defaultRateLimitWindow
	}
	if opts.RateLimitReportAfter == 0 {
		opts.RateLimitReportAfter = defaultRateReportAfter
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient(opts.PageConcurrency)
	}
	c := &Client{
		opts:      opts,
		root:      root,
		api:       root + APIPrefix,
		http:      hc,
		retryBase: defaultRetryBase,
		retryCap:  defaultRetryCap,
		limits:    newLimiter(&opts),
	}
	c.now = c.limits.clock.Now
	if opts.RetryBackoff > 0 {
		c.retryBase, c.retryCap = opts.RetryBackoff, retryCapFactor*opts.RetryBackoff
	}
	if opts.Debug != nil {
		c.debug = &debugLog{w: opts.Debug}
	}
	return c, nil
}

// WithToken returns a copy of the client that authenticates with tok.
// An unusable token (one with control characters inside) makes every call
// of the copy fail with a clear error.
func (c *Client) WithToken(tok Secret) *Client {
	cp := *c
	cp.opts.Token = Secret(strings.TrimSpace(tok.Reveal()))
	return &cp
}

// RateLimitWaited returns how long the client's calls have waited for the
// rate limit so far, for a summary.
func (c *Client) RateLimitWaited() time.Duration { return c.limits.Waited() }

// BaseURL returns the normalised site root the client talks to
// ("https://modelslab.com", without the API prefix).
func (c *Client) BaseURL() string { return c.root }

// checkToken refuses tokens that cannot be sent in a header, without
// quoting them.
func checkToken(tok Secret) error {
	for _, r := range tok.Reveal() {
		if r < 0x20 || r == 0x7f {
			return errors.New("remote: the access token contains a control character (a line break or tab inside it?); check MODELSLAB_TOKEN or --token")
		}
	}
	return nil
}

// normalizeBaseURL checks a site root and returns it as "scheme://host[:port]".
func normalizeBaseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input; a base URL is not a secret unless it
		// carries user info, which parse errors do not reach.
		return "", fmt.Errorf("base URL %q is not a URL: %w", raw, errors.Unwrap(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("base URL %q has no scheme or host; give the site root, e.g. %s", raw, DefaultBaseURL)
	}
	if u.User != nil {
		// Do not echo it: the user info may hold a password.
		return "", errors.New("base URL contains user info (user:password@); remove it and pass the token with MODELSLAB_TOKEN or --token")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("base URL %q has a query or fragment; give the site root, e.g. %s", raw, DefaultBaseURL)
	}
	switch p := strings.TrimSuffix(u.Path, "/"); p {
	case "", APIPrefix:
	default:
		return "", fmt.Errorf("base URL %q has the path %q; give the site root without a path, e.g. %s (mlabctl adds %s itself)", raw, u.Path, DefaultBaseURL, APIPrefix)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("base URL %q is not https: use https://%s, or plain http only with a loopback host (127.0.0.1, ::1, localhost) such as a local emulator", raw, u.Host)
		}
	default:
		return "", fmt.Errorf("base URL %q has the scheme %q; use https:// (or http:// for a loopback host)", raw, u.Scheme)
	}
	return scheme + "://" + strings.ToLower(u.Host), nil
}

// isLoopback reports whether host is localhost or a loopback IP address
// (127.0.0.0/8, ::1). Names other than "localhost" are not resolved: a DNS
// answer is not proof that traffic stays on the machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultHTTPClient keeps enough idle connections for concurrent page
// fetches and refuses redirects (see Options.HTTPClient).
func defaultHTTPClient(pageConcurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Fetch reads up to three lists at once, each with pageConcurrency pages.
	t.MaxIdleConnsPerHost = 3*pageConcurrency + 1
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
