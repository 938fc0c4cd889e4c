package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/crash"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// exec makes one step's call. A started call runs under a context that an
// interrupt does not cancel (only CallTimeout bounds it), so Ctrl-C never
// leaves a call half-made on our side. It returns a new key's secret apart
// from the result, which must never hold one.
func (r *runner) exec(ctx context.Context, s *step) (StepResult, remote.Secret) {
	start := r.opts.Now()
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CallTimeout)
	defer cancel()
	callCtx = remote.WithIdempotencyKey(callCtx, s.key)

	res := StepResult{Address: s.c.Address, Action: s.c.Action, Step: s.step, Phase: s.phase, IdempotencyKey: s.key}
	note, secret, panicked, err := r.recoveredCall(callCtx, s)
	res.Duration = r.opts.Now().Sub(start)
	if panicked {
		// Whether the call reached the server is unknown: count the step
		// as a change, so that the run exits 4 and the next plan says.
		res.Changed = true
	}
	// A new key's secret was kept (createKey) before the call returned.
	switch {
	case err == nil:
		res.Outcome, res.Changed, res.Note = Done, true, note
	default:
		var lost *lostSecretError
		var half *halfDoneError
		var nosecret *remote.SecretNotReturnedError
		if errors.As(err, &lost) || errors.As(err, &half) || errors.As(err, &nosecret) {
			res.Changed = true
		}
		if s.step != StepCreate && s.step != StepReplaceCreate && remote.MayHaveCommitted(err) {
			// An update, delete, resend or revocation whose last answer was
			// lost may have been made: never "nothing was changed" (exit 1).
			// A create settles that question itself by reading.
			res.Changed = true
		}
		res.Outcome, res.Err = Failed, r.explain(err)
	}
	return res, secret
}

// recoveredCall is call with a panic (a bug in mlabctl) turned into the
// step's failure, saying where and how to report it: the other steps still
// run, and the summary still says what was done.
func (r *runner) recoveredCall(ctx context.Context, s *step) (note string, secret remote.Secret, panicked bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			bug := crash.Recovered(v)
			note, secret, panicked, err = "", "", true, fmt.Errorf("%w; %s", bug, bug.Hint())
		}
	}()
	note, secret, err = r.call(ctx, s)
	return note, secret, false, err
}

// explain applies Options.ExplainError. Every failed step's error passes
// here once, before its line, the summary or the Result see it.
func (r *runner) explain(err error) error {
	if r.opts.ExplainError == nil || err == nil {
		return err
	}
	if e := r.opts.ExplainError(err); e != nil {
		return e
	}
	return err
}

// keep hands a new secret over: first the mask, then the sink. The secret
// is printed (when asked) only later, with its step's line.
func (r *runner) keep(s *step, secret remote.Secret) error {
	if r.opts.Mask != nil {
		r.out.locked(func() { r.opts.Mask(secret.Reveal()) })
	}
	if r.opts.Secrets == nil {
		return nil
	}
	if err := r.opts.Secrets.Save(s.c.Address.Name, secret); err != nil {
		return fmt.Errorf("the key was created but its secret could not be saved (%w); rotate it: it cannot be read again", err)
	}
	return nil
}

// call makes the API call of a step and returns a note for its line. Every
// mutation but a create goes through checked, which makes it again when
// its answer was replayed from an earlier identical apply that the live
// state no longer shows (see replay.go); creates go through
// createConfirmed, which does the same when a replayed answer names an
// object since deleted (see verify.go).
func (r *runner) call(ctx context.Context, s *step) (note string, secret remote.Secret, err error) {
	c := r.client
	id := liveID(s.c)
	switch s.c.Address.Kind {
	case plan.KindProfile:
		u := *s.req.(*remote.ProfileUpdate)
		note, err = r.checked(ctx, s.key, func(ctx context.Context) error { _, err := c.UpdateProfile(ctx, u); return err },
			r.profileShows(u, func(p *remote.Profile) any { return p }))
		return note, "", err
	case plan.KindSocials:
		u := *s.req.(*remote.SocialsUpdate)
		note, err = r.checked(ctx, s.key, func(ctx context.Context) error { _, err := c.UpdateSocials(ctx, u); return err },
			r.profileShows(u, func(p *remote.Profile) any { return p.Socials }))
		return note, "", err
	case plan.KindPreferences:
		u := *s.req.(*remote.PreferencesUpdate)
		note, err = r.checked(ctx, s.key, func(ctx context.Context) error { _, err := c.UpdatePreferences(ctx, u); return err },
			r.profileShows(u, func(p *remote.Profile) any { return p.Preferences }))
		return note, "", err
	case plan.KindAPIKey:
		switch s.step {
		case StepCreate, StepReplaceCreate:
			if s.retire != nil {
				return r.createSuccessor(ctx, s)
			}
			return r.createKey(ctx, s)
		case StepUpdate:
			u := *s.req.(*remote.APIKeyUpdate)
			note, err = r.checked(ctx, s.key, func(ctx context.Context) error { _, err := c.UpdateAPIKey(ctx, id, u); return err }, r.keyShows(id, u))
			return note, "", err
		case StepDelete, StepReplaceDelete:
			note, err = r.checked(ctx, s.key, func(ctx context.Context) error { return c.DeleteAPIKey(ctx, id) }, absent(id, c.GetAPIKey))
			return goneOK(err, joinNotes("id "+id.String(), note))
		}
	case plan.KindTeamMember:
		switch s.step {
		case StepCreate:
			return r.invite(ctx, s)
		case StepUpdate:
			u := *s.req.(*remote.MemberUpdate)
			note, err = r.checked(ctx, s.key, func(ctx context.Context) error { _, err := c.UpdateMember(ctx, id, u); return err }, r.memberShows(id, u))
			if err != nil || s.resendKey == "" {
				return note, "", err
			}
			// An old pending invite whose role or permissions changed is
			// resent after the update, so the new invite says the new role.
			resent, err := r.resend(ctx, s.resendKey, id)
			if err != nil {
				return "", "", &halfDoneError{fmt.Errorf("updated, but resending the invite failed: %w", err)}
			}
			return joinNotes(note, "invite resent", resent), "", nil
		case StepResend:
			note, err = r.resend(ctx, s.key, id)
			return note, "", err
		case StepDelete:
			note, err = r.checked(ctx, s.key, func(ctx context.Context) error { return c.RemoveMember(ctx, id) }, absent(id, c.GetMember))
			return goneOK(err, note)
		}
	case plan.KindAccessToken:
		note, err = r.checked(ctx, s.key, func(ctx context.Context) error { return c.RevokeToken(ctx, id) }, r.tokenGone(id))
		return goneOK(err, note)
	}
	return "", "", fmt.Errorf("apply cannot %s a %s", s.c.Action, s.c.Address.Kind)
}

// resend resends a pending invite with key, checking a replayed answer
// against the invite's live date.
func (r *runner) resend(ctx context.Context, key string, id remote.ID) (string, error) {
	var answer *remote.TeamMember
	return r.checked(ctx, key, func(ctx context.Context) error {
		m, err := r.client.ResendInvite(ctx, id)
		if err == nil {
			answer = m
		}
		return err
	}, r.resentShows(id, &answer))
}

// goneOK treats 404 on a delete as done: the object is gone, which is what
// the plan wanted (someone else, or an earlier attempt whose answer was
// lost, deleted it).
func goneOK(err error, note string) (string, remote.Secret, error) {
	if remote.IsNotFound(err) {
		return joinNotes(note, "already gone"), "", nil
	}
	return note, "", err
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// maxCreateAttempts bounds the attempts of one create whose answers were
// lost (each settled by reading before the next, each journaled).
const maxCreateAttempts = 3

// createKey creates an API key and keeps its secret. The client never
// repeats a create that may have reached the server (remote's onceOnly), so
// apply settles a lost answer itself: it lists the keys, and creates again,
// under the same idempotency key (a server that replays gives the first
// answer back, with its secret), up to maxCreateAttempts, each attempt
// journaled before it is sent. A key an earlier attempt made whose answer
// was lost is deleted once a later attempt's key (and secret) is kept, and
// the step fails, with the journal left for the next run, when none is.
func (r *runner) createKey(ctx context.Context, s *step) (string, remote.Secret, error) {
	req := *s.req.(*remote.APIKeyCreate)
	var orphans []remote.ID // keys earlier attempts made, answers lost
	for attempt := 1; ; attempt++ {
		entry, jerr := r.journalSend(s, req.Name, req.Notes, attempt)
		if jerr != nil {
			return "", "", fmt.Errorf("not created: recording the create in the apply journal first failed (%w)", jerr)
		}
		var key *remote.APIKey
		id, note, err := r.createConfirmed(ctx, s, func(ctx context.Context) (remote.ID, error) {
			k, err := r.client.CreateAPIKey(ctx, req)
			if err != nil {
				return "", err
			}
			key = k
			return k.ID, nil
		}, gone(r.client.GetAPIKey))
		if err == nil {
			r.noteCreated(id)
			if kerr := r.keep(s, key.Key); kerr != nil {
				r.journalFinish(entry, evAnswer, id, false, "")
				return "", "", &halfDoneError{kerr}
			}
			if r.opts.Secrets != nil {
				// Only now, with the secret kept, is the entry done.
				r.journalFinish(entry, evAnswer, id, true, "")
			} else {
				// No sink: the secret reaches someone only when its line
				// shows it (phase); until then the entry says it is not
				// kept, so a run that dies first, or a forced stop that
				// gives up on this answer, leaves it to be replaced.
				r.journalFinish(entry, evAnswer, id, false, "to be shown on the terminal")
				r.awaitShown(s, entry, id)
			}
			orphans = slices.DeleteFunc(orphans, func(o remote.ID) bool { return o == id })
			if attempt > 1 {
				note = joinNotes(note, fmt.Sprintf("made on attempt %d, after a lost answer", attempt))
			}
			if len(orphans) > 0 {
				note = joinNotes(note, r.deleteOrphans(ctx, s, orphans))
			}
			return joinNotes("id "+id.String(), note), key.Key, nil
		}
		var nosecret *remote.SecretNotReturnedError
		if errors.As(err, &nosecret) {
			if nosecret.ID != "" {
				r.noteCreated(nosecret.ID)
			}
			r.journalFinish(entry, evAnswer, nosecret.ID, false, nosecret.Why)
			return "", "", fmt.Errorf("%w; nothing was written to the secrets file, and nobody can use that key: the next apply sends the create again once to recover the secret, else replaces the key", err)
		}
		var stale *staleReplaysError
		if errors.As(err, &stale) || !remote.MayHaveCommitted(err) {
			r.journalFinish(entry, evRefused, "", false, plan.SanitizeLine(err.Error()))
			if len(orphans) > 0 {
				return "", "", r.dropOrphan(ctx, s, orphans, err)
			}
			return "", "", err
		}
		// The answer was lost: read before deciding. The entry stays open
		// (the server may still commit it after this read; the next
		// run's Settle finds it).
		r.noteLost(req.Name)
		found, lerr := r.newKeysNamed(ctx, req.Name, orphans)
		if lerr != nil {
			return "", "", &halfDoneError{fmt.Errorf("%w (and listing the keys to see whether it was created failed too: %w; the next apply settles it from its journal)", err, lerr)}
		}
		if len(found) == 1 {
			r.journalFinish(entry, evAnswer, found[0], false, "answer lost; found by listing the keys")
		}
		for _, id := range found {
			r.noteCreated(id)
		}
		hadOrphans := len(orphans) > 0
		orphans = append(orphans, found...)
		switch {
		case len(found) > 1:
			// Several keys new to the plan: someone else made one too, and
			// apply cannot tell which is its own; it deletes none.
			return "", "", r.dropOrphan(ctx, s, orphans, err)
		case len(orphans) == 0 && attempt < maxCreateAttempts:
			continue // not made: create again
		case len(orphans) == 0:
			return "", "", fmt.Errorf("%w (the key list shows it was not created; gave up after %d attempts)", err, attempt)
		case !hadOrphans && attempt < maxCreateAttempts:
			// Made, its secret lost: send it once more with the same
			// idempotency key; a server that replays gives it back.
			continue
		}
		// Each key found is this step's own (one per attempt, made after
		// its send, unknown to the plan), and no answer arrived: delete
		// them, so that a re-run creates the key afresh.
		return "", "", r.dropOwnOrphans(ctx, s, orphans, err)
	}
}

// newKeysNamed lists the keys and returns those named name that the plan
// does not know, this run did not make in another step, and are not in
// seen: what a create whose answer was lost may have made.
func (r *runner) newKeysNamed(ctx context.Context, name string, seen []remote.ID) ([]remote.ID, error) {
	rctx, cancel := readContext(ctx)
	defer cancel()
	keys, err := r.client.ListAPIKeys(rctx)
	if err != nil {
		return nil, err
	}
	var found []remote.ID
	for _, k := range keys {
		if k.Name == name && !r.knownKeys[k.ID] && !slices.Contains(seen, k.ID) && !r.wasCreated(k.ID) {
			found = append(found, k.ID)
		}
	}
	return found, nil
}

// deleteOrphans deletes keys of step s made by attempts whose answers were
// lost, once a later attempt's key and secret are kept, and returns a note.
func (r *runner) deleteOrphans(ctx context.Context, s *step, orphans []remote.ID) string {
	var notes []string
	for _, id := range orphans {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CallTimeout)
		err := r.client.DeleteAPIKey(remote.WithIdempotencyKey(dctx, orphanKey(s.key, id)), id)
		cancel()
		if err == nil || remote.IsNotFound(err) {
			notes = append(notes, fmt.Sprintf("deleted key id %s, which an attempt whose answer was lost made", id))
			continue
		}
		notes = append(notes, fmt.Sprintf("key id %s, which an attempt whose answer was lost made, could not be deleted (%v); the next apply deletes it", id, err))
	}
	return joinNotes(notes...)
}

// invite invites a member; when the answer was lost it reads the team
// before deciding, and invites again (journaled, bounded) when the team
// shows no invite.
func (r *runner) invite(ctx context.Context, s *step) (string, remote.Secret, error) {
	req := *s.req.(*remote.InviteRequest)
	for attempt := 1; ; attempt++ {
		entry, jerr := r.journalSend(s, req.Email, nil, attempt)
		if jerr != nil {
			return "", "", fmt.Errorf("not invited: recording the invite in the apply journal first failed (%w)", jerr)
		}
		var answer *remote.TeamMember
		id, note, err := r.createConfirmed(ctx, s, func(ctx context.Context) (remote.ID, error) {
			m, err := r.client.InviteMember(ctx, req)
			if err != nil {
				return "", err
			}
			answer = m
			return m.ID, nil
		}, gone(r.client.GetMember))
		if err == nil {
			r.journalFinish(entry, evAnswer, id, true, "")
			// A server may drop role and permissions from an invite.
			followUp, err := r.settleInviteRole(ctx, s, req, answer, id)
			if attempt > 1 {
				note = joinNotes(note, fmt.Sprintf("sent on attempt %d, after a lost answer", attempt))
			}
			if id == "" {
				return joinNotes(note, followUp), "", err
			}
			return joinNotes("id "+id.String(), note, followUp), "", err
		}
		var stale *staleReplaysError
		if errors.As(err, &stale) || !remote.MayHaveCommitted(err) {
			r.journalFinish(entry, evRefused, "", false, plan.SanitizeLine(err.Error()))
			return "", "", err
		}
		rctx, cancel := readContext(ctx)
		team, lerr := r.client.ListTeam(rctx)
		cancel()
		if lerr != nil {
			// The invite may exist: the account may have changed.
			return "", "", &halfDoneError{fmt.Errorf("%w (and reading the team to see whether the invite was sent failed too: %w; run plan to find out)", err, lerr)}
		}
		if i := slices.IndexFunc(team, func(m remote.TeamMember) bool { return strings.EqualFold(m.Email, req.Email) }); i >= 0 {
			r.journalFinish(entry, evAnswer, team[i].ID, true, "confirmed by reading the team")
			return "confirmed by reading the team after the answer was lost", "", nil
		}
		lerr = fmt.Errorf("%w (the team shows no invite was sent)", err)
		if attempt >= maxCreateAttempts {
			return "", "", fmt.Errorf("%w (gave up after %d attempts)", lerr, attempt)
		}
	}
}

// whenAnswerLost decides whether a create failing with err happened. When
// the answer was lost (remote.MayHaveCommitted; stale replays were
// answers, so they do not count), found reads the live state under
// readContext and reports whether it shows the create; read names that
// read and missing what the live state shows when it does not, for the
// error. It returns true with err itself when the create happened, and
// false with an error saying why not otherwise.
func whenAnswerLost(ctx context.Context, err error, read, missing string, found func(ctx context.Context) (bool, error)) (bool, error) {
	var stale *staleReplaysError
	if errors.As(err, &stale) || !remote.MayHaveCommitted(err) {
		return false, err
	}
	rctx, cancel := readContext(ctx)
	defer cancel()
	ok, lerr := found(rctx)
	switch {
	case lerr != nil:
		return false, fmt.Errorf("%w (and %s failed too: %w; run plan to find out)", err, read, lerr)
	case !ok:
		return false, fmt.Errorf("%w (%s)", err, missing)
	}
	return true, err
}

// readTimeout bounds the read that decides whether a create whose answer
// was lost happened.
const readTimeout = 30 * time.Second

// readContext is a fresh context for that read: the call's own context may
// be what ran out (CallTimeout).
func readContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), readTimeout)
}

// halfDoneError is a step that changed the account and then failed (an
// update whose following resend failed).
type halfDoneError struct{ err error }

// Error returns the wrapped error's text.
func (e *halfDoneError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error.
func (e *halfDoneError) Unwrap() error { return e.err }
