package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Replayed creates.
//
// Idempotency keys depend only on the plan, and the server replays the
// first answer to a key for 24 hours. An identical plan applied again within
// that time, after its objects were deleted (invite someone, remove her,
// declare her again), gets the old answer back: an id that no longer exists
// and, for a key, a dead secret. So a create whose answer is a replay reads
// the object it names, within its own step and before its line is printed
// (one line per action, naming the id that is live), and when the object is
// gone, the create is made again with a key salted by the stale id: still
// deterministic, so identical concurrent runs still share it, but never the
// stale answer. A second delete-and-declare within the 24 hours would replay
// that redo too; each redo therefore derives the next key from the one
// before, up to maxRedos. An answer that is not a replay made the object
// just now and needs no read.

// createDo makes one create call with the idempotency key in ctx and
// returns the id it answered with ("" when the answer names none).
type createDo func(ctx context.Context) (remote.ID, error)

// createConfirmed makes a create step's call with s.key, and again with a
// derived key while the answer is a replay of an object since deleted (get
// answers 404 for its id). It returns the id of the live object and a note
// for the step's line; on error, the error of the last call, saying when it
// followed a stale replay.
func (r *runner) createConfirmed(ctx context.Context, s *step, do createDo, get func(context.Context, remote.ID) error) (remote.ID, string, error) {
	key := s.key
	var stale []string
	for {
		info := &remote.ResponseInfo{}
		id, err := do(remote.WithResponseInfo(remote.WithIdempotencyKey(ctx, key), info))
		if err != nil {
			if len(stale) > 0 {
				err = fmt.Errorf("the API replayed %s whose %s since deleted%s, and making it again failed: %w", replays(len(stale)), staleObjects(stale), r.forget(s), err)
			}
			return "", "", err
		}
		if !info.Replayed || id == "" {
			return id, madeAgain(stale), nil
		}
		rctx, cancel := readContext(ctx)
		gerr := get(rctx, id)
		cancel()
		switch {
		case gerr == nil:
			return id, madeAgain(stale), nil
		case !remote.IsNotFound(gerr):
			// Not knowing is not a failure of the create: it answered.
			return id, joinNotes(madeAgain(stale), fmt.Sprintf("answer replayed, and reading id %s to confirm it exists failed (%v); run plan to check", id, gerr)), nil
		}
		stale = append(stale, id.String())
		if len(stale) > maxRedos {
			return "", "", &staleReplaysError{fmt.Sprintf("the API replayed %s whose %s since deleted%s; it forgets an answer 24 hours after the first, so apply again then", replays(len(stale)), staleObjects(stale), r.forget(s))}
		}
		key = staleKey(key, id)
	}
}

// staleReplaysError is a create given up after maxRedos stale replays: an
// answer, not a lost one, so nothing is read to see whether it happened.
type staleReplaysError struct{ msg string }

// Error says what was replayed and when to apply again.
func (e *staleReplaysError) Error() string { return e.msg }

// staleKey is the Idempotency-Key of a create made again after key was
// replayed with the id of an object since deleted: deterministic (see the
// comment at the top of this file), and never equal to key.
func staleKey(key string, stale remote.ID) string {
	sum := sha256.Sum256([]byte(key + "\x00stale:" + stale.String()))
	return hex.EncodeToString(sum[:])
}

// madeAgain is the note of a create made again after stale replays (none:
// "").
func madeAgain(stale []string) string {
	if len(stale) == 0 {
		return ""
	}
	return fmt.Sprintf("made again: the API replayed %s whose %s since deleted", replays(len(stale)), staleObjects(stale))
}

// staleObjects names the objects of stale replayed answers, with the verb.
func staleObjects(ids []string) string {
	if len(ids) == 1 {
		return "object (id " + ids[0] + ") was"
	}
	return "objects (ids " + strings.Join(ids, ", ") + ") were"
}

// gone adapts a get by id to createConfirmed: only its error matters.
func gone[T any](get func(context.Context, remote.ID) (T, error)) func(context.Context, remote.ID) error {
	return func(ctx context.Context, id remote.ID) error {
		_, err := get(ctx, id)
		return err
	}
}

// forget removes a dead secret from the sink, when the sink can: the
// secrets file may hold the one the first, replayed answer carried (the
// earlier apply saved it). It returns "" or a clause saying it could not,
// for the step's error.
func (r *runner) forget(s *step) string {
	f, ok := r.opts.Secrets.(interface{ Forget(name string) error })
	if !ok || s.c.Address.Kind != plan.KindAPIKey {
		return ""
	}
	if err := f.Forget(s.c.Address.Name); err != nil {
		return fmt.Sprintf(" (and removing its dead secret from the secrets file failed: %v)", err)
	}
	return ""
}
