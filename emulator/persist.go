package emulator

import (
	"encoding/json"
	"fmt"

	"github.com/mlabctl/mlabctl/internal/atomicfile"
)

// saveLocked writes the whole state to StatePath atomically: a temporary
// file in the same directory, synced, then renamed over the old one, so a
// crash leaves either the old or the new state. s.mu is held.
func (s *Server) saveLocked() error {
	data, err := json.MarshalIndent(s.st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	// The state holds tokens and API keys: only the owner may read it.
	return atomicfile.Write(s.StatePath, append(data, '\n'), 0o600)
}

// Save writes the state to StatePath now. Requests that change the state
// save it themselves; seeding from Go (AddUser, SeedDemo, …) changes memory
// only, so a caller that seeds a persisted server calls Save afterwards and
// gets any failure as an error. It is an error if StatePath is empty.
func (s *Server) Save() error {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.StatePath == "" {
		return fmt.Errorf("emulator: no StatePath to save to")
	}
	if err := s.saveLocked(); err != nil {
		return fmt.Errorf("emulator: saving state to %q: %w", s.StatePath, err)
	}
	return nil
}

// Load reads a state file written through StatePath into the server,
// replacing its state. A missing file is an error that wraps
// fs.ErrNotExist (so a caller can seed a new state instead).
func (s *Server) Load(path string) error {
	s.init()
	// Not os.ReadFile: a FIFO would block until a writer came; what Save
	// could not replace is refused here the same way.
	data, err := atomicfile.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading emulator state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("emulator state %q is not valid: %w", path, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("emulator state %q has format version %d; this mlabctl reads version %d (delete the file to start afresh)", path, st.Version, stateVersion)
	}
	st.reindex()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	return nil
}
