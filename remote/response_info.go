package remote

import (
	"context"
	"net/http"
	"strings"
)

// ResponseInfo is what a call learned about its final response beyond the
// data it returns: whether the server replayed a stored answer, and the
// request id to quote to support. The client fills it for every call made
// with a context from WithResponseInfo, leaving method signatures as they
// are.
//
// Why apply needs it: apply derives Idempotency-Keys from the plan, so an
// identical plan applied again within the server's 24 hours of memory gets
// the first answer replayed and changes nothing. When someone reverted the
// change by hand in between, the account does not converge unless apply
// notices the replay and reads the live state.
type ResponseInfo struct {
	// Replayed reports that the server answered from its idempotency store
	// (header Idempotent-Replayed: true, or idempotency_replay: true in
	// the body): the call changed nothing now.
	Replayed bool
	// RequestID is the final attempt's meta.request_id, else its
	// X-Request-Id header; empty when the attempt got no response.
	RequestID string
	// Status is the final attempt's HTTP status, 0 when it got no response.
	Status int
}

type responseInfoCtx struct{}

// WithResponseInfo returns a context whose calls record their final
// attempt's response in info. Use one info per call: a later call with the
// same context overwrites it. The client writes info only from the
// goroutine of the call, before the call returns.
func WithResponseInfo(ctx context.Context, info *ResponseInfo) context.Context {
	return context.WithValue(ctx, responseInfoCtx{}, info)
}

// ResponseInfoFrom returns the info set with WithResponseInfo, or nil. It is
// for test doubles and wrappers of the client that answer in its place.
func ResponseInfoFrom(ctx context.Context) *ResponseInfo {
	info, _ := ctx.Value(responseInfoCtx{}).(*ResponseInfo)
	return info
}

// recordResponse fills the context's ResponseInfo, if any, from one
// attempt; called after every attempt, so the last one wins.
func recordResponse(ctx context.Context, o outcome) {
	h := o.header
	info := ResponseInfoFrom(ctx)
	if info == nil {
		return
	}
	*info = ResponseInfo{Status: o.status}
	if h == nil {
		return
	}
	info.Replayed = replayHeader(h) || (o.env != nil && o.env.Replayed)
	info.RequestID = requestIDOf(o, h)
}

// replayHeaders are the names servers flag an idempotent replay under:
// API.md's, and the spellings other APIs use.
var replayHeaders = []string{"Idempotent-Replayed", "Idempotency-Replayed", "X-Idempotent-Replayed", "X-Idempotency-Replayed", "Idempotency-Replay"}

// replayHeader reports a replay flagged in a header.
func replayHeader(h http.Header) bool {
	for _, name := range replayHeaders {
		switch strings.ToLower(strings.TrimSpace(h.Get(name))) {
		case "true", "1", "yes":
			return true
		}
	}
	return false
}
