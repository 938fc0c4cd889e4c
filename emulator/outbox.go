package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Mail is one message in the outbox.
type Mail struct {
	To   string `json:"to"`
	Kind string `json:"kind"` // verification, password_reset, invite
	Code string `json:"code"`
}

// mail records a message the emulator "sends".
func (st *state) mail(to, kind, code string) {
	st.Outbox = append(st.Outbox, Mail{To: to, Kind: kind, Code: code})
}

// Outbox returns what the emulator "emailed", in order.
func (s *Server) Outbox() []Mail {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.Outbox)
}

// serveOutbox answers GET /_emulator/outbox with the outbox as a JSON list
// (not in the API envelope: it is the emulator's own test hook).
func (s *Server) serveOutbox(w http.ResponseWriter) {
	out := s.Outbox()
	if out == nil {
		out = []Mail{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(out)
}
