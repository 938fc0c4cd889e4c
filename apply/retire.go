package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/mlabctl/mlabctl/internal/limits"
	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// A replace with rotate_overlap (plan.Change.RotateOverlap) is one step,
// StepReplaceCreate, of two calls: the old key is first marked in its notes
// to retire after now+overlap (internal/retirement), then its successor is
// created. Nothing is deleted: a later plan, on any machine, reads the mark
// and deletes the old key once the overlap has passed and the successor
// exists. Marking first means no run can leave the name without a valid
// key: if the create fails, or the run dies in between, the next plan finds
// the mark without a successor and creates one, keeping the old key until
// then; if the mark fails, nothing was created and nothing changed.

// retireRequest is the mark of a replace with rotate_overlap.
type retireRequest struct {
	id      remote.ID
	notes   string // the old key's notes, as the plan saw them
	overlap time.Duration
}

// newRetireRequest prepares the mark of c, checking what a hand-edited
// plan file could break: the overlap's syntax and the old key's id.
func newRetireRequest(c plan.Change) (*retireRequest, error) {
	overlap, err := spec.ParseDuration(c.RotateOverlap)
	if err != nil {
		return nil, fmt.Errorf("rotate_overlap: %w", err)
	}
	if c.LiveID == "" {
		return nil, fmt.Errorf("the plan gives no live id to %s", c.Action)
	}
	notes, _ := c.Before["notes"].(string)
	return &retireRequest{id: remote.ID(c.LiveID), notes: notes, overlap: overlap}, nil
}

// retireKey is the Idempotency-Key of a mark: derived from the step's key
// and the mark itself, which holds the time of this run, so that two runs
// of one plan never send one key with two bodies.
func retireKey(key, notes string) string {
	sum := sha256.Sum256([]byte(key + "\x00retire:" + notes))
	return hex.EncodeToString(sum[:])
}

// retireOld marks the old key of step s to retire after now+overlap and
// returns that time.
func (r *runner) retireOld(ctx context.Context, s *step) (time.Time, string, error) {
	rr := s.retire
	at := r.opts.Now().Add(rr.overlap).UTC().Truncate(time.Second)
	notes := retirement.Mark(rr.notes, at, limits.NotesMax)
	u := remote.APIKeyUpdate{Notes: &notes}
	note, err := r.checked(ctx, retireKey(s.key, notes), func(ctx context.Context) error {
		_, err := r.client.UpdateAPIKey(ctx, rr.id, u)
		return err
	}, r.keyShows(rr.id, u))
	if err != nil {
		return at, "", fmt.Errorf("marking the old key id %s to retire failed, so no new key was created: %w", rr.id, err)
	}
	return at, note, nil
}

// createSuccessor is the step of a replace with rotate_overlap: the mark,
// then the create.
func (r *runner) createSuccessor(ctx context.Context, s *step) (string, remote.Secret, error) {
	at, markNote, err := r.retireOld(ctx, s)
	if err != nil {
		return "", "", err
	}
	retires := fmt.Sprintf("old key id %s retires after %s", s.retire.id, at.Format("2006-01-02 15:04 UTC"))
	note, secret, err := r.createKey(ctx, s)
	if err != nil {
		// The mark changed the account: the next plan creates the
		// successor and keeps the old key until it exists.
		return "", "", &halfDoneError{fmt.Errorf("%s, but creating the new key failed (the next apply creates it): %w", retires, err)}
	}
	return joinNotes(note, retires, markNote), secret, nil
}
