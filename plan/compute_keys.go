package plan

import (
	"fmt"
	"strings"

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
func (b *builder) apiKeys() error {
	if !b.spec.APIKeysSet {
		return nil
	}
	ignore, err := compileGlobs("ignore.api_keys", b.spec.Ignore.APIKeys, false)
	if err != nil {
		return err
	}
	keys := b.live.APIKeys
	byID := make(map[remote.ID]int, len(keys))
	byName := make(map[string][]int, len(keys))
	for i, k := range keys {
		byID[k.ID] = i
		byName[k.Name] = append(byName[k.Name], i)
	}
	claimed := make([]bool, len(keys))
	match := make([]int, len(b.spec.APIKeys)) // index into keys, or -1

	// Pinned entries first, so that a pin wins over a name.
	pinnedBy := map[int]string{}
	for i, want := range b.spec.APIKeys {
		match[i] = -1
		if want.ID == "" {
			continue
		}
		j, ok := byID[remote.ID(want.ID)]
		switch {
		case !ok:
			b.fileProblem(want.Pos, "API key %q is pinned to id %s, which is not a live key of account %q; fix the id, or remove \"id:\" to create a new key",
				want.Name, want.ID, b.live.Profile.Username)
		case claimed[j]:
			b.fileProblem(want.Pos, "API key %q is pinned to id %s, which API key %q already pins; an id can be pinned once",
				want.Name, want.ID, pinnedBy[j])
		default:
			claimed[j] = true
			pinnedBy[j] = want.Name
			match[i] = j
		}
	}
	for i, want := range b.spec.APIKeys {
		if want.ID != "" {
			continue
		}
		var candidates []int
		for _, j := range byName[want.Name] {
			if !claimed[j] {
				candidates = append(candidates, j)
			}
		}
		switch len(candidates) {
		case 0:
		case 1:
			claimed[candidates[0]] = true
			match[i] = candidates[0]
		default:
			ids := claimAll(claimed, candidates, func(j int) remote.ID { return keys[j].ID })
			b.problem(want.Pos, "API key %q matches %d live keys (ids %s); pin the one to keep with \"id: %s\" (the others are then deleted)",
				want.Name, len(candidates), strings.Join(ids, ", "), ids[0])
		}
	}

	managed := 0
	for i, want := range b.spec.APIKeys {
		if match[i] < 0 {
			if want.ID == "" {
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
		addr := Address{Kind: KindAPIKey, Name: k.Name}
		if b.unmanaged(ignore, addr) {
			continue
		}
		managed++
		note := fmt.Sprintf("id %s, created %s, not in modelslab.yaml", k.ID, day(k.CreatedAt))
		if dupNames[k.Name] {
			note = fmt.Sprintf("id %s, created %s, one of %d live keys named %q, not in modelslab.yaml", k.ID, day(k.CreatedAt), len(byName[k.Name]), k.Name)
		}
		b.add(Change{
			Address: addr,
			Action:  Delete,
			Before:  keyFields(k.Name, k.Notes),
			LiveID:  k.ID.String(),
			Reason:  "not in modelslab.yaml",
			Note:    note,
		})
	}
	b.countManaged(sectionAPIKeys, managed)
	return nil
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
// than rotate_after) of a matched live key, or nothing.
func (b *builder) reconcileKey(want spec.APIKey, have remote.APIKey) {
	addr := Address{Kind: KindAPIKey, Name: want.Name}
	notes := have.Notes
	if want.Notes != nil {
		notes = *want.Notes
	}
	if want.RotateAfter > 0 && have.CreatedAt.IsZero() {
		// Without a creation time the key's age is unknown; replacing it
		// on every plan would be worse than not rotating it.
		b.warn("api_key.%s (id %s) has no created_at in the API's answer, so rotate_after cannot be checked; it is not replaced", want.Name, have.ID)
	}
	if want.RotateAfter > 0 && !have.CreatedAt.IsZero() && b.now.Sub(have.CreatedAt) > want.RotateAfter {
		rotate := durationText(want.RotateAfterText, want.RotateAfter)
		reason := fmt.Sprintf("older than rotate_after %s (created %s)", rotate, day(have.CreatedAt))
		if want.Protect {
			pos := want.ProtectPos
			if pos.Line == 0 {
				pos = want.Pos
			}
			b.problem(pos, "API key %q is protected; remove \"protect: true\" to allow replacing it (created %s, older than rotate_after %s)",
				want.Name, day(have.CreatedAt), rotate)
		}
		if want.ID != "" {
			b.warn("api_key.%s is pinned to id %s; the replacement gets a new id, so update \"id:\" in modelslab.yaml after apply", want.Name, want.ID)
		}
		b.add(Change{
			Address: addr,
			Action:  Replace,
			Before:  keyFields(have.Name, have.Notes),
			After:   keyFields(want.Name, notes),
			LiveID:  have.ID.String(),
			Reason:  reason, // names the creation date
			Note:    "id " + have.ID.String(),
		})
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
