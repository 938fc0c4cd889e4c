package plan

import (
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// account plans the three singleton sections: profile, socials and
// preferences. Each compares only the fields the file sets and yields at most
// one update, whose Before and After hold just the fields that differ (After
// is exactly the PATCH apply sends). A social link the live profile does not
// report is not planned, with a warning.
func (b *builder) account() {
	live := b.live.Profile
	if p := b.spec.Profile; p != nil {
		var have, want fieldSet
		have.str("name", p.Name, live.Name, &want)
		have.str("username", p.Username, live.Username, &want)
		have.str("about_me", p.AboutMe, live.AboutMe, &want)
		b.singleton(KindProfile, have, want)
	}
	if s := b.spec.Socials; s != nil {
		var have, want fieldSet
		for _, name := range remote.SocialNames {
			declared := s.Field(name)
			if declared == nil {
				continue
			}
			if !live.Socials.Reported(name) {
				// The server does not report the link (a server without
				// website, say, drops it on update): planning it would
				// plan it again after every apply.
				b.warn("socials.%s is left alone: the API's profile does not report it (the server may not have this link, or leaves out links that are not set), so mlabctl can neither see nor set it; remove it from modelslab.yaml, or set it in the dashboard", name)
				continue
			}
			have.str(name, declared, live.Socials.Get(name), &want)
		}
		b.singleton(KindSocials, have, want)
	}
	if p := b.spec.Preferences; p != nil {
		have, want := preferenceFields(p, live.Preferences)
		b.singleton(KindPreferences, have, want)
	}
}

// preferenceFields returns the live and declared values of the preferences
// the file sets.
func preferenceFields(p *spec.Preferences, live remote.Preferences) (have, want fieldSet) {
	if p.NSFWContent != nil {
		have.set("nsfw_content", live.NSFWContent)
		want.set("nsfw_content", *p.NSFWContent)
	}
	if p.WalletNotificationEnabled != nil {
		have.set("wallet_notification_enabled", live.WalletNotificationEnabled)
		want.set("wallet_notification_enabled", *p.WalletNotificationEnabled)
	}
	if p.WalletNotificationThreshold != nil {
		have.set("wallet_notification_threshold", live.WalletNotificationThreshold)
		want.set("wallet_notification_threshold", *p.WalletNotificationThreshold)
	}
	return have, want
}

// singleton adds an update of a singleton section when have and want differ.
func (b *builder) singleton(kind Kind, have, want fieldSet) {
	diffs := changedFields(have, want)
	if len(diffs) == 0 {
		return
	}
	before, after := sides(diffs)
	b.add(Change{
		Address: Address{Kind: kind},
		Action:  Update,
		Before:  before,
		After:   after,
		Reason:  differ(diffs, ""),
	})
}

// fieldSet is a map of managed fields, built only for the fields the file
// declares.
type fieldSet map[string]any

// set records one field, allocating the map on first use.
func (f *fieldSet) set(name string, v any) {
	if *f == nil {
		*f = fieldSet{}
	}
	(*f)[name] = v
}

// str records a string field in have (live) and want (declared) when the
// file declares it.
func (f *fieldSet) str(name string, declared *string, live string, want *fieldSet) {
	if declared == nil {
		return
	}
	f.set(name, live)
	want.set(name, *declared)
}

// changedFields returns the fields whose values differ. A cheap equality
// check runs first: FieldDiffs (go-cmp with a Reporter) is thorough but
// costs microseconds per call, and most objects of a large account are
// unchanged.
func changedFields(have, want fieldSet) []FieldDiff {
	if sameFields(have, want) {
		return nil
	}
	return FieldDiffs(have, want)
}

// sameFields reports whether two field sets hold equal JSON-native values.
func sameFields(a, b fieldSet) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || !sameValue(va, vb) {
			return false
		}
	}
	return true
}

// sameValue compares the JSON-native values fields hold; any other type
// is reported as different, so that FieldDiffs decides.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		b, ok := b.(string)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case float64:
		b, ok := b.(float64)
		return ok && a == b
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	return false
}
