package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// debugLog writes one line per HTTP attempt. Lines are written whole under
// a lock, so concurrent page fetches never interleave. A line holds the
// method, the whole path under the site root (the /api/agents/v1 prefix
// included, so that a user can repeat the call with curl; built by the
// client from escaped ids and integer page numbers only), the status, the
// duration, the request id and the attempt; never a header, a body or a
// query the caller supplied.
type debugLog struct {
	mu sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

// attempt logs one attempt. errClass describes a failure without a status
// (see errorClass).
func (d *debugLog) attempt(method, path string, status int, errClass string, dur time.Duration, requestID string, attempt int) {
	if d == nil {
		return
	}
	st := fmt.Sprint(status)
	if status == 0 {
		st = "error(" + errClass + ")"
	}
	if requestID == "" {
		requestID = "-"
	}
	// The request id may come from the body (meta.request_id): the
	// server's text, kept on this line.
	requestID = safetext.Line(safetext.Clip(requestID, 100))
	line := fmt.Sprintf("mlabctl: http %s %s %s %s request_id=%s attempt=%d\n",
		method, path, st, dur.Round(time.Millisecond), requestID, attempt)
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = d.w.Write([]byte(line))
}

// errorClass names a transport failure for the debug log without quoting
// the error itself (which could, through a custom RoundTripper, carry more
// than the client controls).
func errorClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, errBodyTooLarge):
		return "body_too_large"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_closed"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "net_" + oe.Op
	}
	return "transport"
}
