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

// verifyCreates checks, after a phase that created API keys or invited
// members, that every object the creates answered with exists, with one list
// call per kind.
//
// Why: idempotency keys depend only on the plan, and the server replays the
// first answer to a key for 24 hours. An identical plan applied again within
// that time, after its objects were deleted (create a key, remove it,
// declare it again), gets the old answer back: an id that no longer exists
// and, for a key, a dead secret. Such a create is made again with a key
// salted by the stale id: still deterministic, so identical concurrent runs
// still share it, but never the stale answer. Its line follows the phase's
// lines, and its new secret replaces the dead one in the sink.
func (r *runner) verifyCreates(ctx context.Context, steps []*step, results []StepResult) {
	var suspects []int
	for i, s := range steps {
		if results[i].Outcome != Done || r.createdID(s) == "" {
			continue
		}
		suspects = append(suspects, i)
	}
	if len(suspects) == 0 {
		return
	}
	rctx, cancel := readContext(ctx)
	defer cancel()
	live := map[plan.Kind]map[remote.ID]bool{}
	for _, i := range suspects {
		kind := steps[i].c.Address.Kind
		if live[kind] != nil {
			continue
		}
		ids, err := r.liveIDs(rctx, kind)
		if err != nil {
			// Not knowing is not a failure of the creates: they answered.
			r.out.print(fmt.Sprintf("  (could not list the %s to confirm the creates: %v)\n", kindNoun(kind), err))
			return
		}
		live[kind] = ids
	}
	for _, i := range suspects {
		s := steps[i]
		stale := r.createdID(s)
		if live[s.c.Address.Kind][stale] {
			continue
		}
		if ctx.Err() != nil {
			results[i] = StepResult{Address: s.c.Address, Action: s.c.Action, Step: s.step, Phase: s.phase, Outcome: Failed, IdempotencyKey: s.key,
				Err: fmt.Errorf("the API replayed an earlier identical apply's answer (id %s, which no longer exists) and apply was interrupted before making it again", stale)}
			r.forget(s)
			r.settle(s, results[i])
			r.out.print(line(results[i], "", false, r.opts.Color))
			continue
		}
		retry := *s
		sum := sha256.Sum256([]byte(s.key + "\x00stale:" + stale.String()))
		retry.key = hex.EncodeToString(sum[:])
		res, secret := r.exec(ctx, &retry)
		if res.Outcome == Done {
			res.Note = joinNotes(res.Note, fmt.Sprintf("made again: the first answer was replayed from an identical apply within 24 hours whose object (id %s) was since deleted", stale))
		} else {
			r.forget(s)
			res.Err = fmt.Errorf("the first answer was replayed from an identical apply whose object (id %s) was since deleted, and making it again failed: %w", stale, res.Err)
		}
		r.settle(s, res)
		results[i] = res
		r.out.print(line(res, secret, r.opts.ShowSecrets, r.opts.Color))
	}
}

// settle records the final result of a replacement's create, which decides
// whether its delete runs.
func (r *runner) settle(s *step, res StepResult) {
	if s.step != StepReplaceCreate {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byChange[s.change] = &res
}

func (r *runner) createdID(s *step) remote.ID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created[s]
}

// liveIDs lists the ids of the live objects of a kind.
func (r *runner) liveIDs(ctx context.Context, kind plan.Kind) (map[remote.ID]bool, error) {
	switch kind {
	case plan.KindAPIKey:
		return idsOf(ctx, r.client.ListAPIKeys, func(k remote.APIKey) remote.ID { return k.ID })
	case plan.KindTeamMember:
		return idsOf(ctx, r.client.ListTeam, func(m remote.TeamMember) remote.ID { return m.ID })
	}
	return map[remote.ID]bool{}, nil
}

// idsOf lists objects with list and returns the set of their ids.
func idsOf[T any](ctx context.Context, list func(context.Context) ([]T, error), id func(T) remote.ID) (map[remote.ID]bool, error) {
	items, err := list(ctx)
	if err != nil {
		return nil, err
	}
	ids := make(map[remote.ID]bool, len(items))
	for _, v := range items {
		ids[id(v)] = true
	}
	return ids, nil
}

// forget removes a dead secret from the sink, when the sink can.
func (r *runner) forget(s *step) {
	if f, ok := r.opts.Secrets.(interface{ Forget(name string) error }); ok && s.c.Address.Kind == plan.KindAPIKey {
		if err := f.Forget(s.c.Address.Name); err != nil {
			r.out.print(fmt.Sprintf("  (could not remove the dead secret of %q from the secrets file: %v)\n", s.c.Address.Name, err))
		}
	}
}

func kindNoun(k plan.Kind) string {
	return strings.ReplaceAll(string(k), "_", " ") + "s"
}
