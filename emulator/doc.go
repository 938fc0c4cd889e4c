// Package emulator is the ModelsLab Agent Control Plane (../shared/design/API.md)
// as an http.Handler: the server that tests, the README demo, the benchmarks and
// `mlabctl emulator` talk to. It keeps its state in memory (optionally saved to
// a file), is configured by exported fields whose zero values mean "off", can
// be seeded and inspected from Go, and fails loudly on unknown routes.
//
// It is an independent implementation of API.md: it does not import the
// client (package remote), so the two check each other. It must not reach
// any network itself, and nothing outside tests, the demo and `mlabctl
// emulator` may depend on it.
//
// Files: server.go runs a request through latency (and its seeded jitter),
// rate limiting (ratelimit.go), faults, drops and degraded create-key
// answers (faults.go), routing and authentication
// (routes.go, scopes.go), idempotency (idempotency.go; off with
// Server.IgnoreIdempotency) and the handlers
// (auth.go, tokens.go, profile.go, api_keys.go, teams.go); envelope.go and
// wire.go are the JSON it sends, request_body.go and pagination.go what it
// reads; state.go, seed.go and persist.go hold, seed, inspect and save the
// state; outbox.go and requests.go are the test hooks. variants.go holds
// Variants (embedded in Server): the readings of API.md's last section the
// emulator can play, reshaping the default answers, with the documented
// profile (Documented) and the test matrix (Matrix).
package emulator
