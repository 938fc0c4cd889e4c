package apply

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// How Run uses the journal (journal.go), and what it checks after its
// creates (overlaps).

// journalSend records, fsynced, the create of step s (attempt n) before it
// is sent; without a journal it records nothing. name is the key's name or
// the invitee's e-mail; notes a key's notes (never a secret).
func (r *runner) journalSend(s *step, name string, notes *string, attempt int) (string, error) {
	j := r.opts.Journal
	if j == nil {
		return "", nil
	}
	rec := journalRecord{BaseURL: r.baseURL, Account: r.account, Address: s.c.Address.String(), Name: name,
		IdempotencyKey: s.key, Step: s.step, Attempt: attempt}
	if notes != nil {
		rec.Notes = *notes
	}
	if s.c.Address.Kind == plan.KindAPIKey {
		rec.Known = r.knownByName[name]
		if s.step == StepReplaceCreate {
			rec.Replaces = s.c.LiveID
			rec.Overlap = s.c.RotateOverlap != ""
		}
	}
	return j.begin(rec, r.opts.Now())
}

// journalFinish records the outcome of an entry (no journal, or no entry:
// nothing). A failure to record it is not the step's failure: the call is
// made and its secret kept; the next Settle finds the entry open and
// settles it by reading.
func (r *runner) journalFinish(entry, event string, id remote.ID, kept bool, why string) {
	if r.opts.Journal == nil || entry == "" {
		return
	}
	_ = r.opts.Journal.finish(entry, event, r.opts.Now(), func(rec *journalRecord) {
		rec.ID, rec.Kept, rec.Why = id.String(), kept, why
	})
}

// shownEntry is the journal entry of a key whose secret goes to the
// terminal (no SecretSink), until its line has shown it.
type shownEntry struct {
	entry string
	id    remote.ID
}

// awaitShown remembers the entry of step s, whose secret only its line
// will show (createKey, without a SecretSink).
func (r *runner) awaitShown(s *step, entry string, id remote.ID) {
	if r.opts.Journal == nil || entry == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shown == nil {
		r.shown = map[*step]shownEntry{}
	}
	r.shown[s] = shownEntry{entry: entry, id: id}
}

// shownNow records that step s's line has just shown its secret
// (ShowSecrets): only now is its entry kept.
func (r *runner) shownNow(s *step) {
	r.mu.Lock()
	e, ok := r.shown[s]
	delete(r.shown, s)
	r.mu.Unlock()
	if ok {
		r.journalFinish(e.entry, evAnswer, e.id, true, "shown on the terminal")
	}
}

// noteLost remembers that a create of a key named name lost its answer:
// a key of that name appearing later may be its own, committed late.
func (r *runner) noteLost(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost == nil {
		r.lost = map[string]bool{}
	}
	r.lost[name] = true
}

func (r *runner) lostAnswer(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost[name]
}

// noteCreated remembers a key this run made.
func (r *runner) noteCreated(id remote.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.created[id] = true
}

func (r *runner) wasCreated(id remote.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.created[id]
}

// knownByName are the live API key ids of each name that p knows (its
// changes' and its retiring predecessors'): the journal records them with
// a create, so that Settle never takes one for the key the create made.
func knownByName(p *plan.Plan) map[string][]string {
	out := map[string][]string{}
	add := func(name, id string) {
		if id != "" && !slices.Contains(out[name], id) {
			out[name] = append(out[name], id)
		}
	}
	for _, c := range p.Changes {
		if c.Address.Kind == plan.KindAPIKey {
			add(c.Address.Name, c.LiveID)
			if n, ok := c.Before["name"].(string); ok {
				add(n, c.LiveID)
			}
		}
	}
	for _, rt := range p.Retiring {
		add(rt.Address.Name, rt.LiveID)
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// overlaps re-reads the keys after the key-create phase: a live key of a
// name this run created, that this run did not make and the plan did not
// know, was made meanwhile by someone else (another apply on another
// machine, a person). It is reported, never silently joined by more: each
// returned sentence says what to do. A failed read is reported too.
func (r *runner) overlaps(ctx context.Context, p *plan.Plan, results []StepResult) []string {
	names := map[string]bool{}
	for _, res := range results {
		if res.Address.Kind == plan.KindAPIKey && res.Outcome == Done && (res.Step == StepCreate || res.Step == StepReplaceCreate) {
			names[res.Address.Name] = true
		}
	}
	if len(names) == 0 {
		return nil
	}
	known := map[remote.ID]bool{}
	for id := range r.knownKeys {
		known[id] = true
	}
	for _, rt := range p.Retiring {
		known[remote.ID(rt.LiveID)] = true
	}
	rctx, cancel := readContext(ctx)
	defer cancel()
	keys, err := r.client.ListAPIKeys(rctx)
	if err != nil {
		return []string{fmt.Sprintf("listing the keys again after the creates, to check that no other run made keys of the same names, failed (%v); run plan to check", err)}
	}
	by := map[string][]string{}
	for _, k := range keys {
		if names[k.Name] && !known[k.ID] && !r.wasCreated(k.ID) && !retiring(k) {
			by[k.Name] = append(by[k.Name], k.ID.String())
		}
	}
	var out []string
	sorted := make([]string, 0, len(by))
	for n := range by {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		ids := by[n]
		if r.lostAnswer(n) {
			out = append(out, fmt.Sprintf("api_key.%s: live key(s) id %s of this name appeared during this apply: a create of this run whose answer was lost may have been committed late (then nobody holds its secret, and the next apply deletes it from its journal), or another run or a person made them: if another apply is running, stop it (one apply per account at a time: a CI concurrency group), then apply again",
				n, strings.Join(ids, ", ")))
			continue
		}
		out = append(out, fmt.Sprintf("api_key.%s: live key(s) id %s of this name appeared during this apply, made by another run or a person, not by this one (whose key and secret are kept): stop the other run (one apply per account at a time: a CI concurrency group), delete the key(s) nobody uses in the dashboard, then apply again",
			n, strings.Join(ids, ", ")))
	}
	return out
}
