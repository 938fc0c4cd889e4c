package emulator

import "slices"

// Request is one logged /api request.
type Request struct {
	Method string
	// Path is relative to Prefix, with the query, e.g. "/api-keys?page=2".
	Path   string
	Status int
	// IdempotencyKey is the request's Idempotency-Key header ("" if none).
	IdempotencyKey string
	// Replayed is true when the answer was a stored idempotent response.
	Replayed bool
	// Dropped is true when the change was committed but the response was
	// dropped (Faults.DropRate, Faults.DropFirst); Status is what it would
	// have been.
	Dropped bool
}

// Requests returns every /api request served so far, in order.
func (s *Server) Requests() []Request {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// ResetRequests clears the request log and the unknown routes.
func (s *Server) ResetRequests() {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
	s.unknown = nil
}

// UnknownRoutes returns every request ("METHOD /path") that matched no
// route, in order, so that a test can fail when a client calls something
// the API does not have.
func (s *Server) UnknownRoutes() []string {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unknown)
}
