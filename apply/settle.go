package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// ReplayWindow is how long the server remembers an Idempotency-Key (API.md:
// 24 hours). A journal entry older than that cannot be settled by sending
// it again, so Settle reports it and clears it.
const ReplayWindow = 24 * time.Hour

// lateCommitWindow is how long an open entry whose key is not live stays
// in the journal: a create in flight when its run died may be committed by
// the server after the next run has listed the keys (a request outlives
// its client), and its key must then still be known for the journal's
// (nobody holds its secret), not a stranger's. No request lasts this long.
const lateCommitWindow = 15 * time.Minute

// creationSkew is how much earlier than its journal entry a key may say it
// was created and still be taken for the key that entry made: the server's
// clock and ours differ a little.
const creationSkew = 5 * time.Minute

// SettleOptions tune Settle.
type SettleOptions struct {
	// BaseURL and Account are the session's: entries of another API or
	// account are reported and cleared.
	BaseURL, Account string
	// Secrets receives a secret recovered by sending a create again. When
	// it is a *SecretsFile, the secret it holds for a name also proves
	// that a live key's secret is kept (by the masked key's last
	// characters), and its leftover temporary files are removed.
	Secrets SecretSink
	// Mask is called with a recovered secret before anything else (GitHub
	// Actions' ::add-mask::).
	Mask func(secret string)
	// ReadOnly settles nothing: no create is sent again and the journal is
	// left as it is; the facts are what a settling run would start from
	// (plan uses it to show what apply will do).
	ReadOnly bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Settlement is what Settle found: facts for the plan and lines for the
// user.
type Settlement struct {
	// Keys go to plan.Options.Settled.
	Keys []plan.SettledKey
	// Report says, one line each, what each open or unfinished entry was
	// and what became of it; empty when the journal had nothing to settle.
	Report []string
	// Recovered counts the secrets recovered (sent again and kept).
	Recovered int
	// Made are the keys a create sent again made anew (a server that
	// ignores idempotency keys): Settle changed the account, before any
	// plan was shown, so a run that then stops must not say that nothing
	// was changed (exit 4, not 1 or 3).
	Made []remote.ID
}

// Settle reads what earlier applies of this account left open in j and
// settles each entry against the live account, before anything is planned:
//
//   - a key that exists and whose secret was kept is done; when it replaced
//     a key that is still live (a rotation cut off between its create and
//     its delete), the plan keeps it and deletes the predecessor;
//   - a key that exists without a kept secret is sent again once, with the
//     same idempotency key (a server that replays gives the secret back,
//     which goes to opts.Secrets); otherwise the plan replaces it, with the
//     reason "its secret was never received (interrupted apply at TIME)",
//     or, for the new key of an interrupted replace, deletes it and keeps
//     the old key;
//   - live keys of one name that earlier applies made (duplicates) are
//     resolved: the one whose secret is kept stays, the others, which
//     nobody holds, are deleted;
//   - a key that does not exist was never made: the plan creates it as
//     usual; an invite the team shows was sent, else the plan invites again;
//   - an entry of another API or account, or older than ReplayWindow, is
//     reported and cleared.
//
// The facts are by live key id, for plan.Options.Settled; the plan says
// each one's reason. Entries whose facts are settled are cleared from the
// journal; those that still shape the plan stay until the live account no
// longer needs them (the next Settle derives them again). Settle returns an
// error, and changes nothing, when the live account cannot be read; when
// the journal cannot be rewritten at the end, it returns the error with
// the Settlement so far (its Made may name keys it made).
func Settle(ctx context.Context, j *Journal, client Client, opts SettleOptions) (*Settlement, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	out := &Settlement{}
	if j == nil {
		return out, nil
	}
	if j.skipped > 0 {
		out.Report = append(out.Report, fmt.Sprintf("journal: %d unreadable line(s) skipped (a run killed while writing one; its call was never sent)", j.skipped))
	}
	now := opts.Now()
	entries := groupEntries(j.records)
	var keyNames []string
	byName := map[string][]*journalEntry{}
	var invites []*journalEntry
	for _, e := range entries {
		s := e.send
		switch {
		case !remote.SameBaseURL(s.BaseURL, opts.BaseURL) || s.Account != opts.Account:
			if e.open() {
				out.Report = append(out.Report, fmt.Sprintf("journal: %s: an entry of %s, account %q (interrupted apply at %s) is not this account's; cleared: check that account with mlabctl plan",
					plan.SanitizeLine(s.Address), plan.SanitizeLine(s.BaseURL), plan.SanitizeLine(s.Account), when(s.Time)))
			}
			continue
		case e.open() && now.Sub(s.Time) > ReplayWindow:
			out.Report = append(out.Report, fmt.Sprintf("journal: %s: its create was sent by an interrupted apply at %s, more than 24 hours ago (the server's replay window), and never answered; cleared: if a key or invite of that name appeared then, check it",
				plan.SanitizeLine(s.Address), when(s.Time)))
			continue
		}
		if strings.HasPrefix(s.Address, string(plan.KindTeamMember)+".") {
			if e.open() {
				invites = append(invites, e)
			}
			continue
		}
		if _, seen := byName[s.Name]; !seen {
			keyNames = append(keyNames, s.Name)
		}
		byName[s.Name] = append(byName[s.Name], e)
	}
	// Everything is read before anything is sent again: a read that
	// fails must leave the account as it was (the command then says that
	// nothing was changed).
	var team []remote.TeamMember
	if len(invites) > 0 {
		var err error
		if team, err = client.ListTeam(ctx); err != nil {
			return nil, fmt.Errorf("settling the journal of an earlier apply: reading the team: %w", err)
		}
	}
	var keep []journalRecord
	if len(keyNames) > 0 {
		keys, err := client.ListAPIKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("settling the journal of an earlier apply: listing the API keys: %w", err)
		}
		st := &settler{ctx: ctx, j: j, client: client, opts: opts, out: out, keys: keys, now: now}
		sort.Strings(keyNames)
		for _, name := range keyNames {
			if st.settleName(name, byName[name]) {
				for _, e := range byName[name] {
					keep = append(keep, e.records...)
				}
				keep = append(keep, st.added[name]...)
			}
		}
	}
	if len(invites) > 0 {
		for _, e := range invites {
			email := e.send.Name
			if slices.ContainsFunc(team, func(m remote.TeamMember) bool { return strings.EqualFold(m.Email, email) }) {
				out.Report = append(out.Report, fmt.Sprintf("journal: %s: the invite an interrupted apply at %s sent was made (confirmed by reading the team)", plan.SanitizeLine(e.send.Address), when(e.send.Time)))
			} else {
				out.Report = append(out.Report, fmt.Sprintf("journal: %s: the invite an interrupted apply at %s sent was not made; the plan invites again", plan.SanitizeLine(e.send.Address), when(e.send.Time)))
			}
		}
	}
	if opts.ReadOnly {
		return out, nil
	}
	if f, ok := opts.Secrets.(*SecretsFile); ok {
		if err := f.CleanTemporaries(); err != nil {
			out.Report = append(out.Report, fmt.Sprintf("journal: could not remove the secrets file's leftover temporary files: %v", err))
		}
	}
	if len(j.records) > 0 || j.skipped > 0 {
		if err := j.rewrite(keep); err != nil {
			return out, err // with what was sent (out.Made)
		}
	}
	return out, nil
}

// journalEntry is the records of one attempt of one create.
type journalEntry struct {
	send    journalRecord
	answer  *journalRecord // evAnswer
	refused bool
	resent  bool
	records []journalRecord
}

// open reports whether the create may have happened without its answer
// being recorded.
func (e *journalEntry) open() bool { return e.answer == nil && !e.refused }

// groupEntries groups records by entry, in the order entries began;
// records of an entry whose send record is missing are dropped.
func groupEntries(records []journalRecord) []*journalEntry {
	by := map[string]*journalEntry{}
	var order []*journalEntry
	for _, r := range records {
		e := by[r.Entry]
		if r.Event == evSend {
			if e != nil {
				continue // a repeated send record: keep the first
			}
			e = &journalEntry{send: r}
			by[r.Entry] = e
			order = append(order, e)
		}
		if e == nil {
			continue
		}
		e.records = append(e.records, r)
		switch r.Event {
		case evAnswer:
			a := r
			e.answer = &a
		case evRefused:
			e.refused = true
		case evResent:
			e.resent = true
		}
	}
	return order
}

// settler is the state of settling the key entries.
type settler struct {
	ctx    context.Context
	j      *Journal
	client Client
	opts   SettleOptions
	out    *Settlement
	keys   []remote.APIKey
	now    time.Time
	// added are records appended while settling, by name.
	added map[string][]journalRecord
	// secretsChecked and secretsErr are checkSecrets' one check.
	secretsChecked bool
	secretsErr     error
}

// settleName settles the entries of one key name and reports whether they
// must stay in the journal (they produced facts for the plan).
func (st *settler) settleName(name string, entries []*journalEntry) bool {
	live := map[remote.ID]remote.APIKey{}
	for _, k := range st.keys {
		if k.Name == name {
			live[k.ID] = k
		}
	}
	answered := map[remote.ID]bool{}
	held := map[remote.ID]time.Time{} // kept secret → when
	var orphans []lostKey
	var predecessors []journalRecord
	for _, e := range entries {
		if e.answer != nil && e.answer.ID != "" {
			id := remote.ID(e.answer.ID)
			answered[id] = true
			if _, ok := live[id]; !ok {
				continue
			}
			if e.answer.Kept {
				held[id] = e.send.Time
				if e.send.Replaces != "" && !e.send.Overlap {
					predecessors = append(predecessors, e.send)
				}
			} else {
				orphans = append(orphans, lostKey{id: id, e: e})
			}
		}
	}
	fileHolds := st.fileHolds(name, live)
	// The live keys open entries may have made, each with the first entry
	// that may have made it. One entry is one request (remote never repeats
	// a create), so it made at most one key: more candidates than open
	// entries means some are another run's or a person's, whose secret
	// someone may hold, and which ones cannot be told: none is taken.
	var open []*journalEntry
	maker := map[remote.ID]*journalEntry{}
	var candidates []remote.ID
	for _, e := range entries {
		if !e.open() {
			continue
		}
		open = append(open, e)
		for id, k := range live {
			if answered[id] || slices.Contains(e.send.Known, id.String()) || id.String() == e.send.Replaces || retiring(k) {
				continue
			}
			if !k.CreatedAt.IsZero() && k.CreatedAt.Before(e.send.Time.Add(-creationSkew)) {
				continue
			}
			if _, ok := maker[id]; !ok {
				maker[id] = e
				candidates = append(candidates, id)
			}
		}
	}
	sort.Slice(candidates, func(a, b int) bool { return candidates[a] < candidates[b] })
	ambiguous := len(candidates) > len(open)
	if ambiguous {
		ids := make([]string, len(candidates))
		for i, id := range candidates {
			ids[i] = id.String()
		}
		st.report("journal: api_key.%s: key ids %s of this name appeared after the %d create(s) an interrupted apply sent at %s, more than those can have made: the others are another run's or a person's, and mlabctl cannot tell which is its own, so it deletes none of them and sends nothing again; delete the ones nobody uses in the dashboard, then apply again",
			name, strings.Join(ids, ", "), len(open), when(open[0].send.Time))
		candidates = nil
	}
	// An open entry that made none of the live keys, recently: its key
	// may still appear (lateCommitWindow), so its records stay.
	waiting := false
	for _, e := range open {
		made := false
		for _, id := range candidates {
			made = made || maker[id] == e
		}
		if !made && st.now.Sub(e.send.Time) < lateCommitWindow {
			waiting = true
		}
	}
	for _, id := range candidates {
		e := maker[id]
		answered[id] = true
		if id == fileHolds {
			held[id] = e.send.Time
			if e.send.Replaces != "" && !e.send.Overlap {
				predecessors = append(predecessors, e.send)
			}
			st.report("journal: api_key.%s: key id %s, created by an interrupted apply at %s, is live and its secret is in the secrets file", name, id, when(e.send.Time))
			continue
		}
		orphans = append(orphans, lostKey{id: id, e: e})
	}
	sort.Slice(orphans, func(a, b int) bool { return orphans[a].id < orphans[b].id })
	if len(held) == 0 && len(orphans) > 0 {
		if e := st.resend(name, orphans, live, held); e != nil && e.send.Replaces != "" && !e.send.Overlap {
			predecessors = append(predecessors, e.send)
		}
	}
	var facts []plan.SettledKey
	switch {
	case len(held) > 0:
		keepID := newestHeld(held, live)
		facts = append(facts, plan.SettledKey{ID: keepID.String(), Name: name, Fate: plan.FateKeep})
		for _, o := range orphans {
			if held[o.id].IsZero() {
				facts = append(facts, plan.SettledKey{ID: o.id.String(), Name: name, Fate: plan.FateDelete,
					Reason: fmt.Sprintf("made by an interrupted apply at %s, and nobody holds its secret (key id %s does)", when(o.e.send.Time), keepID)})
				st.report("journal: api_key.%s: key id %s was made by an interrupted apply at %s without its secret reaching anyone; the plan deletes it (key id %s, whose secret is kept, stays)", name, o.id, when(o.e.send.Time), keepID)
			}
		}
		for _, p := range predecessors {
			old := remote.ID(p.Replaces)
			if _, ok := live[old]; !ok {
				continue
			}
			facts = append(facts, plan.SettledKey{ID: old.String(), Name: name, Fate: plan.FateDelete,
				Reason: fmt.Sprintf("predecessor of key id %s, which an interrupted apply at %s created to replace it (its secret is kept)", keepID, when(p.Time))})
			st.report("journal: api_key.%s: the rotation an interrupted apply at %s began is finished: key id %s (secret kept) stays, its predecessor id %s is deleted", name, when(p.Time), keepID, old)
		}
		if len(facts) == 1 && !ambiguous && !waiting {
			return false // one held key, nothing else: settled
		}
	case len(orphans) > 0:
		// Nobody holds any: for the new key of a replace whose old key is
		// live, keep the old one (its holder still uses it) and delete the
		// new ones; otherwise replace the newest and delete the others.
		var replaced remote.ID
		for _, o := range orphans {
			if old := remote.ID(o.e.send.Replaces); old != "" {
				if _, ok := live[old]; ok {
					replaced = old
				}
			}
		}
		victims := orphans
		if replaced == "" {
			last := orphans[len(orphans)-1]
			victims = orphans[:len(orphans)-1]
			reason := fmt.Sprintf("its secret was never received (interrupted apply at %s)", when(last.e.send.Time))
			facts = append(facts, plan.SettledKey{ID: last.id.String(), Name: name, Fate: plan.FateReplace, Reason: reason})
			st.report("journal: api_key.%s: key id %s exists but %s; the plan replaces it", name, last.id, reason)
		} else {
			facts = append(facts, plan.SettledKey{ID: replaced.String(), Name: name, Fate: plan.FateKeep})
		}
		for _, o := range victims {
			facts = append(facts, plan.SettledKey{ID: o.id.String(), Name: name, Fate: plan.FateDelete,
				Reason: fmt.Sprintf("made by an interrupted apply at %s, and its secret was never received", when(o.e.send.Time))})
			st.report("journal: api_key.%s: key id %s was made by an interrupted apply at %s and its secret was never received; the plan deletes it", name, o.id, when(o.e.send.Time))
		}
	case ambiguous:
		// Nothing to say to the plan, which refuses the keys of one name;
		// the entries stay for the run after the extra keys are gone.
		return true
	default:
		for _, e := range entries {
			if e.open() {
				st.report("journal: api_key.%s: the create an interrupted apply at %s sent was not made; the plan creates it as usual", name, when(e.send.Time))
			}
		}
		return waiting
	}
	st.out.Keys = append(st.out.Keys, facts...)
	return true
}

// lostKey is a live key an entry made whose secret is not kept.
type lostKey struct {
	id remote.ID
	e  *journalEntry
}

// resend sends, once, the create of the newest orphan's entry again with
// its idempotency key: a server that replays answers with the secret,
// which is kept like any new one. A server that ignores the key makes
// another key, whose secret is kept too; the orphans are then deleted by
// the plan. On success the key is added to held, and the entry sent again
// is returned (nil otherwise).
func (st *settler) resend(name string, orphans []lostKey, live map[remote.ID]remote.APIKey, held map[remote.ID]time.Time) *journalEntry {
	if st.opts.ReadOnly || st.opts.Secrets == nil {
		return nil
	}
	o := orphans[len(orphans)-1]
	if o.e.resent {
		return nil // sent again once already: the plan replaces it
	}
	if st.ctx.Err() != nil {
		return nil // interrupted: nothing new starts; the next run sends it
	}
	if err := st.checkSecrets(); err != nil {
		// Its secret could not be kept: on a server that ignores
		// idempotency keys every apply would make one more key nobody
		// holds. The plan replaces the key instead (and the run stops at
		// the same check before it creates anything).
		st.report("journal: api_key.%s: the interrupted create of key id %s is not sent again: %v", name, o.id, err)
		return nil
	}
	s := o.e.send
	known := make([]string, 0, len(live))
	for id := range live {
		known = append(known, id.String())
	}
	sort.Strings(known)
	rec := journalRecord{BaseURL: s.BaseURL, Account: s.Account, Address: s.Address, Name: s.Name, Notes: s.Notes,
		IdempotencyKey: s.IdempotencyKey, Step: s.Step, Attempt: s.Attempt + 1, Replaces: s.Replaces, Overlap: s.Overlap, Known: known}
	entry, err := st.j.begin(rec, st.now)
	if err != nil {
		st.report("journal: api_key.%s: not sent again (%v)", name, err)
		return nil
	}
	rec.Entry, rec.Event, rec.Run, rec.Time = entry, evSend, st.j.run, st.now.UTC()
	st.addRecord(name, rec)
	resent := journalRecord{Event: evResent, Entry: o.e.send.Entry, Run: st.j.run, Time: st.now.UTC()}
	if err := st.j.append(resent); err == nil {
		st.addRecord(name, resent)
	}
	req := remote.APIKeyCreate{Name: s.Name}
	if s.Notes != "" {
		notes := s.Notes
		req.Notes = &notes
	}
	// Once sent, the call finishes whatever the user presses (as Run's
	// do, exec): its answer is the secret.
	cctx, cancel := context.WithTimeout(remote.WithIdempotencyKey(context.WithoutCancel(st.ctx), s.IdempotencyKey), DefaultCallTimeout)
	k, err := st.client.CreateAPIKey(cctx, req)
	cancel()
	if err != nil {
		var nosecret *remote.SecretNotReturnedError
		switch {
		case errors.As(err, &nosecret):
			st.finishRecord(name, entry, evAnswer, func(r *journalRecord) { r.ID = nosecret.ID.String(); r.Why = nosecret.Why })
		case !remote.MayHaveCommitted(err):
			st.finishRecord(name, entry, evRefused, func(r *journalRecord) { r.Why = plan.SanitizeLine(err.Error()) })
		}
		st.report("journal: api_key.%s: sending the interrupted create again to recover key id %s's secret failed (%v)", name, o.id, err)
		return nil
	}
	if _, ok := live[k.ID]; !ok {
		// Not listed a moment ago: a key the server just made (it ignores
		// idempotency keys), or a replay naming a key since deleted, whose
		// secret is dead and must not overwrite anything.
		gctx, cancel := readContext(st.ctx)
		_, gerr := st.client.GetAPIKey(gctx, k.ID)
		cancel()
		if gerr != nil {
			st.finishRecord(name, entry, evAnswer, func(r *journalRecord) { r.ID = k.ID.String(); r.Why = "not live" })
			st.report("journal: api_key.%s: sending the interrupted create again answered with key id %s, which is not live (%v); its secret is not kept", name, k.ID, gerr)
			return nil
		}
	}
	if st.opts.Mask != nil {
		st.opts.Mask(k.Key.Reveal())
	}
	if err := st.opts.Secrets.Save(name, k.Key); err != nil {
		st.finishRecord(name, entry, evAnswer, func(r *journalRecord) { r.ID = k.ID.String() })
		if _, ok := live[k.ID]; !ok {
			st.out.Made = append(st.out.Made, k.ID) // a new key, whose secret is lost
		}
		st.report("journal: api_key.%s: key id %s's secret came back but could not be saved (%v); nobody holds it, and the next apply deletes or replaces it", name, k.ID, err)
		return nil
	}
	st.finishRecord(name, entry, evAnswer, func(r *journalRecord) { r.ID = k.ID.String(); r.Kept = true })
	st.out.Recovered++
	held[k.ID] = st.now
	if _, ok := live[k.ID]; !ok {
		live[k.ID] = *k
		st.out.Made = append(st.out.Made, k.ID)
	}
	if k.ID == o.id {
		st.report("journal: api_key.%s: key id %s, created by an interrupted apply at %s, had no kept secret; sent again with the same idempotency key, the server gave it back, and it was saved", name, k.ID, when(s.Time))
	} else {
		st.report("journal: api_key.%s: key id %s, created by an interrupted apply at %s, had no kept secret; sent again, the server made key id %s instead (it ignores idempotency keys), whose secret was saved", name, o.id, when(s.Time), k.ID)
	}
	return o.e
}

// checkSecrets checks, once, that the secrets file can take a secret
// (SecretsFile.Check) before a create is sent again.
func (st *settler) checkSecrets() error {
	if st.secretsChecked {
		return st.secretsErr
	}
	st.secretsChecked = true
	if f, ok := st.opts.Secrets.(*SecretsFile); ok {
		st.secretsErr = f.Check()
	}
	return st.secretsErr
}

func (st *settler) addRecord(name string, r journalRecord) {
	if st.added == nil {
		st.added = map[string][]journalRecord{}
	}
	st.added[name] = append(st.added[name], r)
}

func (st *settler) finishRecord(name, entry, event string, fill func(*journalRecord)) {
	r := journalRecord{Event: event, Entry: entry, Run: st.j.run, Time: st.now.UTC()}
	fill(&r)
	if st.j.append(r) == nil {
		st.addRecord(name, r)
	}
}

func (st *settler) report(format string, args ...any) {
	st.out.Report = append(st.out.Report, plan.SanitizeLine(fmt.Sprintf(format, args...)))
}

// fileSecret is the secret the secrets file holds for name, if it can be
// read.
func (st *settler) fileSecret(name string) (remote.Secret, bool) {
	f, ok := st.opts.Secrets.(*SecretsFile)
	if !ok {
		return "", false
	}
	s, ok, err := f.Lookup(name)
	return s, ok && err == nil
}

// fileHolds is the one live key of name (of live, all the live keys of
// that name) whose secret the secrets file holds, by heldByFile, or ""
// when the file holds none of theirs or its secret could be more than one
// key's: four characters are a hint, not a proof, and a rotation killed
// before the new key's secret was saved leaves the predecessor's secret in
// the file, whose tail the new key may share. Taking the new key for held
// then would keep the key nobody holds and delete the one the file does.
func (st *settler) fileHolds(name string, live map[remote.ID]remote.APIKey) remote.ID {
	secret, ok := st.fileSecret(name)
	if !ok {
		return ""
	}
	var holds remote.ID
	n := 0
	for id, k := range live {
		if heldByFile(k, secret) {
			holds, n = id, n+1
		}
	}
	if n != 1 {
		return ""
	}
	return holds
}

// heldByFile reports whether secret, from the secrets file, may be live
// key k's: the list shows the whole key and it is equal, or the masked key
// the list shows ("ml-…9f2c") ends with its last characters, at least four
// of them (a hint only: see fileHolds).
func heldByFile(k remote.APIKey, secret remote.Secret) bool {
	masked := k.Key.Reveal()
	i := strings.LastIndex(masked, "…")
	if i < 0 {
		// A list that shows whole keys (API.md allows it): equal is proof.
		return masked != "" && masked == secret.Reveal()
	}
	tail := masked[i+len("…"):]
	return len(tail) >= 4 && len(secret.Reveal()) > len(tail)+4 && strings.HasSuffix(secret.Reveal(), tail)
}

// retiring reports whether k is a predecessor marked to retire (its
// rotation is the plan's business, not the journal's).
func retiring(k remote.APIKey) bool {
	_, ok, _ := retirement.Parse(k.Notes)
	return ok
}

// newestHeld is the held key created last (by its entry's time, then id).
func newestHeld(held map[remote.ID]time.Time, live map[remote.ID]remote.APIKey) remote.ID {
	var best remote.ID
	var bestAt time.Time
	for id, at := range held {
		if _, ok := live[id]; !ok {
			continue
		}
		if best == "" || at.After(bestAt) || (at.Equal(bestAt) && id > best) {
			best, bestAt = id, at
		}
	}
	return best
}

// when renders a journal time for a reason or a report line.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
