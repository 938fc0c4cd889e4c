// Package remote owns the wire to the ModelsLab Agent Control Plane API
// (../shared/design/API.md): one typed method per endpoint, the response
// envelope, typed errors, retries, pagination, idempotency keys and redaction.
//
// Nothing outside this package builds a URL or reads a JSON envelope. Secrets
// (access tokens, API key values, passwords) travel as [Secret], whose String,
// Format and MarshalJSON redact, so that no log line, error or plan file can
// carry one by accident. Request bodies that must carry a secret are built as
// maps with an explicit Reveal; error answers are scrubbed of the client's
// token and of the request's secrets before they become an [APIError].
//
// What it does, file by file:
//
//   - client.go: [Options], [New], the base URL rules. The base URL is a
//     site root; the client adds [APIPrefix]. A root with or without a
//     trailing slash is accepted, and so is the API root itself (pasted from
//     the docs); any other path is refused rather than guessed at, as are
//     user info, queries and fragments. Plain http is refused unless the
//     host is loopback (127.0.0.0/8, ::1, localhost).
//   - transport.go, retry.go, idempotency.go: one call = up to MaxAttempts
//     attempts (a 429 waited out is not one), each bounded by RequestTimeout, with full-jitter exponential
//     backoff (or the server's Retry-After) between them, bounded in total by
//     MaxRetryWait and the context. Network errors, 429 and 5xx are retried;
//     other 4xx never. Every mutation carries an Idempotency-Key (the
//     caller's, from [WithIdempotencyKey], or a random one per call) that is
//     reused by its retries; but the API may ignore it (API.md), so a POST
//     that is not idempotent by nature (key create, invite, resend, login,
//     refresh, switch-account, sign-up, verify: onceOnly) is never repeated
//     after an attempt that may have reached the server, by the client or
//     by net/http's own transport; only a failed dial and a 429 are. Its
//     ambiguous error goes up ([MayHaveCommitted]) for the caller to settle
//     by reading.
//     Bodies are capped at [MaxBodyBytes]; redirects are reported, not
//     followed.
//   - envelope.go, decode.go, decode_values.go: the envelope and every
//     variant API.md lists, its last section included (error as a string
//     or Laravel's {message, errors}, no meta, bare arrays and objects, ids
//     as numbers or strings, socials and preferences at the top level, the
//     official CLI's field names, numbers and booleans as strings, member
//     status as active/accepted/pending or invite_status (anything else is
//     StatusUnknown, kept), permissions as a list, a string or an object,
//     roles as sent, abilities for scopes, a missing current flag,
//     `Y-m-d H:i:s` timestamps, replays flagged in the body, non-JSON
//     bodies).
//   - call.go: update answers without the object (data null, {message})
//     are successes, and the object is read again.
//   - errors.go: [APIError] and the helpers callers branch on
//     ([IsNotFound], [InsufficientScope], [IsValidation], [IsRateLimited],
//     [IsUnauthenticated], [IsConflict]); errors.Is works with the Err*
//     sentinels. classify.go: the other questions asked of a failed call,
//     so that no caller looks at a status code: [MayHaveCommitted] (settle
//     by reading, never by retrying blindly), [IsForbidden],
//     [RequiredScope] (the scope a 403 names, in its details or its text).
//   - base_url.go: [SameBaseURL], comparing site roots as New normalises
//     them.
//   - list_page.go, pagination.go: a list's pages in every shape API.md's
//     last section names (meta.pagination, Laravel's meta and links.next,
//     data.items, paginators, a Link header, none at all); with a
//     last_page, pages 2..last_page at most PageConcurrency at once, else
//     one after the other. Pagination that does not add up, a cursor, a
//     repeated id or an id that cannot be put in a URL path is an error:
//     a list that may be partial is never complete.
//   - ratelimit.go: the client-wide pacer (X-RateLimit-Remaining/Reset,
//     Retry-After), MaxWait's budget ([WaitBudgetError]), OnRateLimitWait
//     reports, the injectable [Clock].
//   - in_use_tokens.go: the tokens a run stands on ([WithInUseTokens], the
//     id a Sanctum token names: [SanctumTokenID]).
//   - scopes.go: the scope names ([ScopeProfileRead], …), GET /auth/scopes
//     and [Client.CheckScopes]; token_expiry.go: [CheckTokenExpiry].
//   - fetch.go: [Client.Fetch], the live state a plan needs.
//   - auth.go, tokens.go, profile.go, api_keys.go, teams.go: the endpoints.
//     A create-key answer without a whole secret ([CheckWholeSecret], in
//     secret_answer.go) is a [SecretNotReturnedError], never a success; callers
//     ask [KeyWithoutSecret].
//   - debug.go: one line per attempt to Options.Debug (method, the whole
//     path with the /api/agents/v1 prefix, status, duration, request id,
//     attempt), never a header or a body.
//
// It must not: print or log anything except through Options.Debug, decide
// policy (what to create or delete is plan's and apply's business), or read
// the environment or flags (the caller passes Options).
package remote
