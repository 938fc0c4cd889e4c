package remote

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type idempotencyKeyCtx struct{}

// WithIdempotencyKey returns a context whose mutations carry key as their
// Idempotency-Key. Without one, the client generates a random key per call
// (so that its own retries are still safe). apply derives keys from the plan
// so that a repeated apply of the same plan never creates a duplicate; use
// a fresh context (or key) per call, since the server replays the first
// answer to every request with the same key and body.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyCtx{}, key)
}

// idempotencyKey returns the key set with WithIdempotencyKey, else a new
// random one. It is called once per call, and the key is reused by every
// retry of that call.
func idempotencyKey(ctx context.Context) string {
	if k, ok := ctx.Value(idempotencyKeyCtx{}).(string); ok && k != "" {
		return k
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return "mlabctl-" + hex.EncodeToString(b[:])
}
