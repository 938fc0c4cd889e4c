package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// sectionAPIKeys, sectionTeam and sectionAccessTokens name the sections of
// MassDeletion.
const (
	sectionAPIKeys      = "api_keys"
	sectionTeam         = "team"
	sectionAccessTokens = "access_tokens"
)

// apiKeys plans `api_keys:` when present: the list is the whole truth.
//
// Matching: entries with an `id` claim that live key first (a differing name
// is then a rename); the others claim the one unclaimed live key of their
// name. Live keys nobody claims are deleted, unless `ignore.api_keys`
// matches their name (then they are unmanaged).
//
// A retiring predecessor (a rotated key whose notes hold a retirement
// record, see internal/retirement) is never matched to an entry and never
// counts as a duplicate of its name: while its name is declared it is kept
// until its overlap has passed and its successor exists, then deleted. A
// retiring key whose name is no longer declared is an ordinary undeclared
// key.
func (b *builder) apiKeys() error {
	if !b.spec.APIKeysSet {
		return nil
	}
	ignore, err := compileGlobs("ignore.api_keys", b.spec.Ignore.APIKeys, false)
	if err != nil {
		return err
	}
	keys := b.live.APIKeys
	retireAt := make([]time.Time, len(keys)) // zero: not retiring
	byID := make(map[remote.ID]int, len(keys))
	byName := make(map[string][]int, len(keys))
	retiringID := map[remote.ID]int{}
	for i, k := range keys {
		at, ok, err := retirement.Parse(k.Notes)
		if err != nil {
			b.warn("api_key.%s (id %s): %v; it is treated as an ordinary key", k.Name, k.ID, err)
		}
		if ok {
			retireAt[i] = at
			retiringID[k.ID] = i
			continue
		}
		byID[k.ID] = i
		if b.settled[k.ID.String()].Fate == FateDelete {
			// An orphan nobody holds, or a rotated predecessor: never
			// matched by name, so it is deleted as undeclared.
			continue
		}
		byName[k.Name] = append(byName[k.Name], i)
	}
	claimed := make([]bool, len(keys))
	match := make([]int, len(b.spec.APIKeys)) // index into keys, or -1
	// Pinned entries first, so that a pin wins over a name.
	pinnedBy := map[int]string{}
	unpinned := make([]bool, len(b.spec.APIKeys))
	for i, want := range b.spec.APIKeys {
		match[i] = -1
		if want.ID == "" {
			continue
		}
		j, ok := byID[remote.ID(want.ID)]
		switch {
		case !ok:
			if _, old := retiringID[remote.ID(want.ID)]; old {
				// The pinned key was rotated with rotate_overlap: its
				// successor has a new id, which only the file can pin.
				b.warn("api_key.%s is pinned to id %s, the retiring predecessor of a rotation; it is matched by name until \"id:\" in modelslab.yaml names its successor", want.Name, want.ID)
				unpinned[i] = true
				continue
			}
			b.fileProblem(want.IDPos, "API key %q is pinned to id %s, which is not a live key of account %q; fix the id, or remove \"id:\" to create a new key",
				want.Name, want.ID, b.live.Profile.Username)
		case claimed[j]:
			b.fileProblem(want.IDPos, "API key %q is pinned to id %s, which API key %q already pins; an id can be pinned once",
				want.Name, want.ID, pinnedBy[j])
		default:
			claimed[j] = true
			pinnedBy[j] = want.Name
			match[i] = j
		}
	}
	for i, want := range b.spec.APIKeys {
		if want.ID != "" && !unpinned[i] {
			continue
		}
		var candidates []int
		for _, j := range byName[want.Name] {
			if !claimed[j] {
				candidates = append(candidates, j)
			}
		}
		if kept := b.keptAmong(candidates); kept >= 0 && len(candidates) > 1 {
			// The journal knows which one's secret is held; the others
			// stay unclaimed, and are deleted when settled so, else
			// refused below as a second key of the name.
			claimed[kept] = true
			match[i] = kept
			rest := make([]int, 0, len(candidates)-1)
			for _, j := range candidates {
				if j != kept {
					rest = append(rest, j)
				}
			}
			if len(rest) > 0 {
				ids := claimAll(claimed, rest, func(j int) remote.ID { return keys[j].ID })
				b.problem(want.Pos, "API key %q has %d live keys besides id %s, whose secret an earlier apply kept (ids %s), and no apply of this machine made them: another run or a person did; delete the ones nobody uses in the dashboard, then apply again",
					want.Name, len(rest), keys[kept].ID, strings.Join(ids, ", "))
			}
			continue
		}
		switch len(candidates) {
		case 0:
		case 1:
			claimed[candidates[0]] = true
			match[i] = candidates[0]
		default:
			ids := claimAll(claimed, candidates, func(j int) remote.ID { return keys[j].ID })
			// No id is suggested: the oldest may be the predecessor of a
			// rotation cut off halfway, and pinning it would delete the new
			// key whose secret was just saved. Only the user can tell.
			b.problem(want.Pos, "API key %q matches %d live keys (ids %s); if an interrupted apply made them, run apply on the machine that ran it (it settles them from its journal); otherwise pin the one whose secret you use with \"id: ID\" (the dashboard shows each key's last characters: compare them with your secret), and the others are deleted",
				want.Name, len(candidates), strings.Join(ids, ", "))
		}
	}

	managed := 0
	declared := make(map[string]int, len(b.spec.APIKeys)) // name → entry
	for i, want := range b.spec.APIKeys {
		declared[want.Name] = i
		if match[i] < 0 {
			if want.ID == "" || unpinned[i] {
				b.createKey(want)
			}
			continue
		}
		managed++
		b.reconcileKey(want, keys[match[i]])
	}

	dupNames := map[string]bool{}
	for name, idx := range byName {
		if len(idx) > 1 {
			dupNames[name] = true
		}
	}
	for j, k := range keys {
		if claimed[j] {
			continue
		}
		if i, ok := declared[k.Name]; ok && !retireAt[j].IsZero() {
			managed++
			successor := -1
			if match[i] >= 0 {
				successor = match[i]
			}
			b.retire(b.spec.APIKeys[i], k, retireAt[j], successor)
			continue
		}
		addr := Address{Kind: KindAPIKey, Name: k.Name}
		if b.unmanaged(ignore, addr) {
			continue
		}
		managed++
		note := fmt.Sprintf("id %s, created %s, not in modelslab.yaml", k.ID, day(k.CreatedAt))
		if dupNames[k.Name] {
			note = fmt.Sprintf("id %s, created %s, one of %d live keys named %q, not in modelslab.yaml", k.ID, day(k.CreatedAt), len(byName[k.Name]), k.Name)
		}
		reason := "not in modelslab.yaml"
		if f, ok := b.settled[k.ID.String()]; ok && f.Fate == FateDelete && f.Reason != "" {
			reason = f.Reason
			note = fmt.Sprintf("id %s, created %s", k.ID, day(k.CreatedAt))
		}
		b.add(Change{
			Address:    addr,
			Action:     Delete,
			Before:     keyFields(k.Name, k.Notes),
			LiveID:     k.ID.String(),
			Reason:     reason,
			Note:       note,
			LastUsedAt: k.LastUsedAt,
		})
	}
	b.countManaged(sectionAPIKeys, managed)
	b.refuseProtectedKeyChanges()
	return nil
}

// keptAmong returns the candidate (keys index) the journal settled as
// kept, or -1.
func (b *builder) keptAmong(candidates []int) int {
	for _, j := range candidates {
		if b.settled[b.live.APIKeys[j].ID.String()].Fate == FateKeep {
			return j
		}
	}
	return -1
}

// retire plans the predecessor old of a rotation of want, marked to
// retire after at: deleted once at has passed and its successor (keys
// index, -1 when none is live yet) exists, else shown as retiring.
func (b *builder) retire(want spec.APIKey, old remote.APIKey, at time.Time, successor int) {
	addr := Address{Kind: KindAPIKey, Name: want.Name}
	r := Retirement{Address: addr, LiveID: old.ID.String(), After: at.UTC()}
	if successor >= 0 {
		r.SuccessorID = b.live.APIKeys[successor].ID.String()
	}
	switch {
	case successor < 0:
		if !b.now.Before(at) {
			b.warn("api_key.%s: predecessor id %s could retire since %s, but its successor does not exist yet; it is deleted by the first apply after the successor is created",
				want.Name, old.ID, when(at))
		}
	case !b.now.Before(at):
		b.add(Change{
			Address:    addr,
			Action:     Delete,
			Before:     keyFields(old.Name, old.Notes),
			LiveID:     old.ID.String(),
			Reason:     fmt.Sprintf("predecessor of id %s: its rotate_overlap ended %s", r.SuccessorID, when(at)),
			Note:       fmt.Sprintf("id %s, created %s", old.ID, day(old.CreatedAt)),
			LastUsedAt: old.LastUsedAt,
		})
		return
	}
	b.plan.Retiring = append(b.plan.Retiring, r)
}

// createKey plans a new key.
func (b *builder) createKey(want spec.APIKey) {
	after := map[string]any{"name": want.Name}
	if want.Notes != nil {
		after["notes"] = *want.Notes
	}
	b.add(Change{
		Address: Address{Kind: KindAPIKey, Name: want.Name},
		Action:  Create,
		After:   after,
	})
}

// reconcileKey plans an update (name, managed notes) or a replace (older
// than rotate_after, or --replace) of a matched live key, or nothing.
func (b *builder) reconcileKey(want spec.APIKey, have remote.APIKey) {
	addr := Address{Kind: KindAPIKey, Name: want.Name}
	notes := have.Notes
	if want.Notes != nil {
		notes = *want.Notes
	}
	replace := Change{
		Address:    addr,
		Action:     Replace,
		Before:     keyFields(have.Name, have.Notes),
		After:      keyFields(want.Name, notes),
		LiveID:     have.ID.String(),
		Note:       "id " + have.ID.String(),
		LastUsedAt: have.LastUsedAt,
	}
	if req := b.replaceRequested(addr, have.ID); req != nil {
		if want.Protect {
			b.problem(protectPos(want), "API key %q is protected; remove \"protect: true\" to replace it with --replace %s",
				want.Name, req.text)
		}
		replace.Reason = "requested with --replace"
		b.add(replace)
		return
	}
	if f, ok := b.settled[have.ID.String()]; ok && f.Fate == FateReplace {
		// Made by an interrupted apply whose answer (the secret) never
		// arrived: nobody can use it, so it is replaced now, whatever
		// rotate_overlap says (there is nothing to overlap with).
		if want.Protect {
			b.problem(protectPos(want), "API key %q is protected, and its live key id %s has no known secret (%s); remove \"protect: true\" to let apply replace it, or delete it in the dashboard",
				want.Name, have.ID, f.Reason)
		}
		replace.Reason = f.Reason
		b.add(replace)
		return
	}
	if want.RotateAfter > 0 && have.CreatedAt.IsZero() {
		// Without a creation time the key's age is unknown; replacing it
		// on every plan would be worse than not rotating it.
		b.warnServer("api_key.%s (id %s) has no created_at in the API's answer, so rotate_after cannot be checked; it is not replaced", want.Name, have.ID)
	}
	if want.RotateAfter > 0 && !have.CreatedAt.IsZero() && b.now.Sub(have.CreatedAt) > want.RotateAfter {
		rotate := durationText(want.RotateAfterText, want.RotateAfter)
		replace.Reason = fmt.Sprintf("older than rotate_after %s (created %s)", rotate, day(have.CreatedAt)) // names the creation date
		if want.Protect {
			b.problem(protectPos(want), "API key %q is protected; remove \"protect: true\" to allow replacing it (created %s, older than rotate_after %s)",
				want.Name, day(have.CreatedAt), rotate)
		}
		if want.ID != "" {
			b.warn("api_key.%s is pinned to id %s; the replacement gets a new id, so update \"id:\" in modelslab.yaml after apply", want.Name, want.ID)
		}
		if want.RotateOverlap > 0 {
			overlap := durationText(want.RotateOverlapText, want.RotateOverlap)
			replace.RotateOverlap = overlap
			replace.Reason += fmt.Sprintf("; the old key stays valid for rotate_overlap %s after the new one is created", overlap)
		}
		b.add(replace)
		return
	}
	if have.Name == want.Name && (want.Notes == nil || *want.Notes == have.Notes) {
		return // the common case, decided without building field sets
	}
	have2, want2 := fieldSet{"name": have.Name}, fieldSet{"name": want.Name}
	if want.Notes != nil {
		have2["notes"], want2["notes"] = have.Notes, *want.Notes
	}
	diffs := changedFields(have2, want2)
	if len(diffs) == 0 {
		return
	}
	reason := differ(diffs, "")
	if have.Name != want.Name {
		reason = fmt.Sprintf("renamed from %q (pinned to id %s)", have.Name, have.ID)
		if len(diffs) > 1 {
			reason += "; notes differ from modelslab.yaml"
		}
	}
	before, after := sides(diffs)
	b.add(Change{
		Address: addr,
		Action:  Update,
		Before:  before,
		After:   after,
		LiveID:  have.ID.String(),
		Reason:  reason,
		Note:    "id " + have.ID.String(),
	})
}

// protectPos is where a user removes protect from an entry.
func protectPos(want spec.APIKey) spec.Pos {
	if want.ProtectPos.Line == 0 {
		return want.Pos
	}
	return want.ProtectPos
}

// ProtectedKeyIDs returns the live keys that `protect: true` covers, by id,
// each with the name of the entry protecting it: every live key whose name
// is a protected entry's, and the key a protected entry pins. Protection
// follows the live key: a delete or replace of one of these ids is refused
// whatever its address says (a pinned rename, or an edited plan file, cannot
// move a protected key out of the rail). Plan and apply both check it.
func ProtectedKeyIDs(s *spec.Spec, keys []remote.APIKey) map[remote.ID]string {
	names := map[string]bool{}
	out := map[remote.ID]string{}
	for _, k := range s.APIKeys {
		if !k.Protect {
			continue
		}
		names[k.Name] = true
		if k.ID != "" {
			out[remote.ID(k.ID)] = k.Name
		}
	}
	for _, k := range keys {
		if names[k.Name] {
			out[k.ID] = k.Name
		}
	}
	return out
}

// refuseProtectedKeyChanges refuses every planned delete, and every replace
// the entry's own protect did not already refuse, of a key ProtectedKeyIDs
// covers.
func (b *builder) refuseProtectedKeyChanges() {
	protected := ProtectedKeyIDs(b.spec, b.live.APIKeys)
	if len(protected) == 0 {
		return
	}
	entry := map[string]spec.APIKey{}
	for _, k := range b.spec.APIKeys {
		entry[k.Name] = k
	}
	for _, c := range b.plan.Changes {
		if c.Address.Kind != KindAPIKey || (c.Action != Delete && c.Action != Replace) {
			continue
		}
		by, ok := protected[remote.ID(c.LiveID)]
		if !ok || (c.Action == Replace && c.Address.Name == by) {
			continue // the entry's own replace: refused where it is planned
		}
		b.problem(protectPos(entry[by]), "the live API key id %s is protected by %q (protect: true), and the plan would %s it as %s; remove \"protect: true\" to allow it",
			c.LiveID, by, c.Action, c.Address)
	}
}

// keyFields are the managed fields of a key.
func keyFields(name, notes string) map[string]any {
	return map[string]any{"name": name, "notes": notes}
}

// countManaged records the live managed items of a mass-deletion section.
func (b *builder) countManaged(section string, n int) {
	if b.managedLive == nil {
		b.managedLive = map[string]int{}
	}
	b.managedLive[section] = n
}
