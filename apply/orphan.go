package apply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Keys whose secret was lost.
//
// A key create whose answer never arrived (retries exhausted on a network
// error or a 5xx) may still have been committed; createKey lists the keys to
// find out. A key found that way is useless: the API shows a secret only in
// the create's answer, so nobody can ever use it. Worse, left alive it is a
// second live key of its name next to the old one of a replace, and every
// later plan refuses the ambiguity: a re-run would never converge. So apply
// deletes it right away, under its own deterministic Idempotency-Key, and
// fails the step (exit 4): the re-run then plans the create again. That
// re-run may get the lost answer replayed (same plan, same key), naming the
// deleted key: createConfirmed sees it gone and creates afresh.
//
// The old key of a replace is never touched here: its delete is skipped as
// after any failed create (runner.blocked). And when the orphan cannot be
// deleted either, the advice given must not delete the old key: removing the
// name from modelslab.yaml would delete every key of that name.

// knownKeys are the ids of the live API keys p acts on.
func knownKeys(p *plan.Plan) map[remote.ID]bool {
	known := map[remote.ID]bool{}
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindAPIKey && c.LiveID != "" {
			known[remote.ID(c.LiveID)] = true
		}
	}
	return known
}

// dropOrphan deletes the key created by step s whose answer (carrying the
// secret) was lost with cause; found are the live keys of its name that the
// plan does not know, one of which is it. It returns the step's error,
// which says what happened and, when the key could not be deleted, what to
// do that is safe. Of several unknown keys (someone made one at the same
// time) it deletes none: apply cannot tell which one it made.
func (r *runner) dropOrphan(ctx context.Context, s *step, found []remote.ID, cause error) error {
	e := &lostSecretError{name: s.c.Address.Name, ids: found, cause: cause}
	if s.step == StepReplaceCreate {
		e.oldID = liveID(s.c)
	}
	if len(found) != 1 {
		return e
	}
	id := found[0]
	// A fresh bound: the create's own may be spent on its retries.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CallTimeout)
	defer cancel()
	err := r.client.DeleteAPIKey(remote.WithIdempotencyKey(dctx, orphanKey(s.key, id)), id)
	if err != nil && !remote.IsNotFound(err) && remote.MayHaveCommitted(err) {
		// The delete's answer may be what was lost: read before deciding.
		rctx, cancel := readContext(ctx)
		_, gerr := r.client.GetAPIKey(rctx, id)
		cancel()
		if remote.IsNotFound(gerr) {
			err = nil
		}
	}
	if err != nil && !remote.IsNotFound(err) {
		e.deleteErr = err
		return e
	}
	e.deleted = true
	return e
}

// dropOwnOrphans deletes keys that attempts of step s made, one each, whose
// answers were all lost (a server that ignores idempotency keys and drops
// answers): each is deleted as dropOrphan deletes one, and the step's
// error says what became of each.
func (r *runner) dropOwnOrphans(ctx context.Context, s *step, ids []remote.ID, cause error) error {
	if len(ids) == 1 {
		return r.dropOrphan(ctx, s, ids, cause)
	}
	var m multiLostError
	for _, id := range ids {
		var e *lostSecretError
		if errors.As(r.dropOrphan(ctx, s, []remote.ID{id}, cause), &e) {
			m = append(m, e)
		}
	}
	return m
}

// multiLostError is the lostSecretErrors of several attempts of one step.
type multiLostError []*lostSecretError

// Error joins the parts on one line.
func (m multiLostError) Error() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Error()
	}
	return fmt.Sprintf("%d attempts each made a key and lost its answer: %s", len(m), strings.Join(parts, "; "))
}

// Unwrap returns the parts.
func (m multiLostError) Unwrap() []error {
	out := make([]error, len(m))
	for i, e := range m {
		out[i] = e
	}
	return out
}

// orphanKey is the Idempotency-Key of the delete of orphan, the key created
// by the create sent with key whose answer was lost: deterministic, so a
// retried or concurrent identical apply deletes it once, and distinct from
// every create and redo key.
func orphanKey(key string, orphan remote.ID) string {
	sum := sha256.Sum256([]byte(key + "\x00orphan:" + orphan.String()))
	return hex.EncodeToString(sum[:])
}

// lostSecretError is a key that was created although its create's answer,
// which carried the secret, never arrived; apply tried to delete it again.
type lostSecretError struct {
	name string // the key's name
	// ids are the live keys of the name that the plan did not know: the one
	// created, or several when someone else made one too.
	ids   []remote.ID
	oldID remote.ID // for a replace, the old key, kept; "" otherwise
	cause error     // what lost the answer
	// deleted says the key was deleted again; deleteErr is why not, when
	// the delete was tried and failed.
	deleted   bool
	deleteErr error
}

// Error says what was created and deleted, and, when the created key is
// still live, advice that never deletes a key in use; never the secret.
func (e *lostSecretError) Error() string {
	kept := ""
	if e.oldID != "" {
		kept = fmt.Sprintf(" (the old key, id %s, is kept and still works)", e.oldID)
	}
	if len(e.ids) != 1 {
		return fmt.Sprintf("a key was created but its secret was lost in transit (%v); %d live keys named %q are new to the plan (ids %s), and apply cannot tell which one it created, so it deleted none%s: delete the one nobody uses in the dashboard (the API never shows its secret again), then apply again",
			e.cause, len(e.ids), e.name, joinIDs(e.ids), kept)
	}
	id := e.ids[0]
	msg := fmt.Sprintf("created key id %s but its secret was lost in transit (%v)", id, e.cause)
	if e.deleted {
		return msg + "; deleted it again so a re-run can create it afresh" + kept
	}
	msg += fmt.Sprintf(", and deleting it again failed (%v); nobody can use key %s, since the API never shows a secret again", e.deleteErr, id)
	if e.oldID != "" {
		return msg + fmt.Sprintf(": delete key %s in the dashboard and apply again, or pin the key to keep with \"id: %s\" under the api_keys entry %q in modelslab.yaml (that is the old key, still in use), apply (which deletes key %s and makes the replacement again), then remove the id",
			id, e.oldID, e.name, id)
	}
	// No key of the name was known to the plan, so removing the entry
	// deletes only this one.
	return msg + fmt.Sprintf(": delete key %s in the dashboard and apply again, which creates %q afresh (or remove %q from modelslab.yaml, apply, which deletes key %s, then add it back and apply)", id, e.name, e.name, id)
}

// joinIDs renders ids as "1, 2, 3".
func joinIDs(ids []remote.ID) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return strings.Join(out, ", ")
}

// Unwrap returns the error that lost the answer and, when deleting the key
// again failed, that error.
func (e *lostSecretError) Unwrap() []error {
	if e.deleteErr == nil {
		return []error{e.cause}
	}
	return []error{e.cause, e.deleteErr}
}
