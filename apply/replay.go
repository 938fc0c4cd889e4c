package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/mlabctl/mlabctl/remote"
)

// Replayed updates, deletes, resends and revocations.
//
// Idempotency keys depend only on the plan, and the server replays the
// first answer to a key for 24 hours. So an identical plan applied again
// within that time, after someone reverted its effect by hand (notes set
// back, a role changed back, a deleted object restored, an invite's date
// set back), gets the earlier answer and changes nothing: the account would
// not converge until the next day. Creates are confirmed in verify.go;
// the other mutations are checked here, right after their call: a replayed
// answer is followed by a read of the object, and when the live state does
// not show the change, the call is made again with a fresh key.
//
// The fresh key is derived from the old key and the live state it corrects
// (redoKey), not drawn at random, so that identical runs racing on the same
// reverted state still share one key and the server still makes the change
// once. A second revert to the same state within the 24 hours would replay
// that redo too; each replayed, unconverged redo therefore derives the next
// key from the one before, up to maxRedos.

// maxRedos bounds how many times one step is made again after replayed
// answers: one per manual revert within the server's 24 hours.
const maxRedos = 4

// liveCheck reads the live object a mutation acts on and reports whether it
// already shows the change, with a digest of the state it read (for
// redoKey; never a secret). A read error is returned as is.
type liveCheck func(ctx context.Context) (converged bool, digest string, err error)

// checked makes one mutation with key, and when the answer was an
// idempotent replay and check says the live state does not show the
// change, makes it again with a key derived from key and the live state. It
// returns a note for the step's line.
func (r *runner) checked(ctx context.Context, key string, do func(ctx context.Context) error, check liveCheck) (string, error) {
	info := &remote.ResponseInfo{}
	err := do(remote.WithResponseInfo(remote.WithIdempotencyKey(ctx, key), info))
	for redo := 0; ; redo++ {
		if !info.Replayed {
			switch {
			case redo == 0:
				return "", err
			case err != nil:
				return "", fmt.Errorf("the API replayed %s, which the live state did not show, and making it again failed: %w", replays(redo), err)
			}
			return fmt.Sprintf("made again: the API replayed %s, which the live state did not show (reverted by hand?)", replays(redo)), nil
		}
		if err != nil {
			// In front, so that an explanation of the API error (see
			// Options.ExplainError) keeps it.
			return "", fmt.Errorf("answer replayed from an identical request made within the last 24 hours: %w", err)
		}
		rctx, cancel := readContext(ctx)
		converged, digest, rerr := check(rctx)
		cancel()
		switch {
		case rerr != nil:
			return fmt.Sprintf("the API replayed %s, and reading the live state to confirm it failed (%v); run plan to check", replays(redo+1), rerr), nil
		case converged:
			return "answer replayed, the live state confirms it", nil
		case redo == maxRedos:
			return "", fmt.Errorf("the API replayed %s and the live state still does not show the change; it forgets an answer 24 hours after the first, so apply again then, or change modelslab.yaml", replays(redo+1))
		}
		key = redoKey(key, digest)
		info = &remote.ResponseInfo{}
		err = do(remote.WithResponseInfo(remote.WithIdempotencyKey(ctx, key), info))
	}
}

func replays(n int) string {
	if n == 1 {
		return "an identical apply's answer (< 24 h old)"
	}
	return fmt.Sprintf("%d identical applies' answers (< 24 h old)", n)
}

// redoKey is the Idempotency-Key of a mutation made again after key was
// replayed with live state digest: deterministic (see the comment at the
// top of this file), and never equal to key.
func redoKey(key, digest string) string {
	sum := sha256.Sum256([]byte(key + "\x00replayed\x00" + digest))
	return hex.EncodeToString(sum[:])
}

// shows compares the fields an update sends with the same fields of the
// live object: both go through JSON, so pointers, numbers (10 and 10.0) and
// an absent list versus an empty one compare by value, and string lists
// (permissions) compare as sets. The digest is the live values of those
// fields.
func shows(update, live any) (bool, string, error) {
	want, err := jsonFields(update)
	if err != nil {
		return false, "", err
	}
	have, err := jsonFields(live)
	if err != nil {
		return false, "", err
	}
	same := true
	seen := map[string]any{}
	for k, v := range want {
		lv := normalize(have[k])
		seen[k] = lv
		if !jsonEqual(normalize(v), lv) {
			same = false
		}
	}
	digest, err := json.Marshal(seen) // map keys are sorted
	if err != nil {
		return false, "", err
	}
	return same, string(digest), nil
}

func jsonFields(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// normalize makes an absent list and an empty one alike, and sorts lists
// of strings.
func normalize(v any) any {
	switch v := v.(type) {
	case nil:
		return []any{}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return v
			}
			out = append(out, s)
		}
		sort.Strings(out)
		return out
	}
	return v
}

// The live checks of each kind of mutation.

func (r *runner) profileShows(u any, part func(*remote.Profile) any) liveCheck {
	return func(ctx context.Context) (bool, string, error) {
		p, err := r.client.Me(ctx)
		if err != nil {
			return false, "", err
		}
		return shows(u, part(p))
	}
}

func (r *runner) keyShows(id remote.ID, u remote.APIKeyUpdate) liveCheck {
	return present(id, r.client.GetAPIKey, func(k *remote.APIKey) (bool, string, error) {
		return shows(u, struct {
			Name  string `json:"name"`
			Notes string `json:"notes"`
		}{k.Name, k.Notes})
	})
}

func (r *runner) memberShows(id remote.ID, u remote.MemberUpdate) liveCheck {
	return present(id, r.client.GetMember, func(m *remote.TeamMember) (bool, string, error) {
		return shows(u, struct {
			Role        string   `json:"role"`
			Permissions []string `json:"permissions"`
		}{m.Role, m.Permissions})
	})
}

// present is the live check of a mutation of an object that must still
// exist: get reads it, and check compares it with the change. An object
// gone since (404) does not show the change: made again, the mutation gets
// its real answer (404).
func present[T any](id remote.ID, get func(context.Context, remote.ID) (T, error), check func(T) (bool, string, error)) liveCheck {
	return func(ctx context.Context) (bool, string, error) {
		v, err := get(ctx, id)
		if remote.IsNotFound(err) {
			return false, "gone", nil
		}
		if err != nil {
			return false, "", err
		}
		return check(v)
	}
}

// absent is the live check of a deletion: get answering 404 shows it.
func absent[T any](id remote.ID, get func(context.Context, remote.ID) (T, error)) liveCheck {
	return func(ctx context.Context) (bool, string, error) {
		_, err := get(ctx, id)
		if remote.IsNotFound(err) {
			return true, "", nil
		}
		return false, "present " + id.String(), err
	}
}

// resentShows checks a replayed resend: the invite must still be pending
// and dated no earlier than the replayed answer says it was resent (an
// older date means it was set back, and the invitation mail was not sent
// again).
func (r *runner) resentShows(id remote.ID, answer **remote.TeamMember) liveCheck {
	return present(id, r.client.GetMember, func(m *remote.TeamMember) (bool, string, error) {
		digest := m.Status + " " + m.InvitedAt.UTC().Format("2006-01-02T15:04:05.999999999Z")
		if m.Status != remote.StatusPending {
			// Accepted since: made again, the resend gets its real
			// answer (409), which says so.
			return false, digest, nil
		}
		return *answer != nil && !m.InvitedAt.Before((*answer).InvitedAt), digest, nil
	})
}

func (r *runner) tokenGone(id remote.ID) liveCheck {
	return func(ctx context.Context) (bool, string, error) {
		tokens, err := r.client.ListTokens(ctx)
		if err != nil {
			return false, "", err
		}
		for _, t := range tokens {
			if t.ID == id {
				return false, "present " + id.String(), nil
			}
		}
		return true, "", nil
	}
}
