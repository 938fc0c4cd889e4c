package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/internal/safetext"
)

// build reads the Spec out of the node tree and runs the semantic checks as
// it goes, where every value's node (hence position) is at hand. It is
// tolerant: a value of the wrong shape was already reported by the schema
// and is skipped here, so that the problems it can still see (duplicates,
// emails, globs) are reported in the same run.
func (l *loader) build(root *yaml.Node) *Spec {
	s := &Spec{Policy: Policy{MaxDeletePercent: DefaultMaxDeletePercent}}
	ps := pairs(root)
	for i := 0; i+1 < len(ps); i += 2 {
		k, v := ps[i], ps[i+1]
		switch k.Value {
		case "version":
			if n, ok := l.integer(v); ok {
				s.Version = int(n)
			}
		case "account":
			if str, ok := l.str(v); ok {
				s.Account, s.AccountPos = str, l.pos(v)
			}
		case "profile":
			s.Profile = l.buildProfile(v)
		case "socials":
			s.Socials = l.buildSocials(v)
		case "preferences":
			s.Preferences = l.buildPreferences(v)
		case "api_keys":
			s.APIKeysSet, s.APIKeysPos = true, l.pos(v)
			s.APIKeys = l.buildAPIKeys(v)
		case "team":
			s.TeamSet, s.TeamPos = true, l.pos(v)
			s.Team = l.buildTeam(v)
		case "access_tokens":
			s.AccessTokens = l.buildAccessTokens(v)
		case "ignore":
			s.Ignore = l.buildIgnore(v)
		case "policy":
			l.buildPolicy(v, &s.Policy)
		}
	}
	l.warnIgnoredDeclared(s)
	return s
}

func (l *loader) buildProfile(v *yaml.Node) *Profile {
	p := &Profile{Pos: l.pos(v)}
	p.FieldPos = l.stringFields(v, map[string]**string{
		"name":     &p.Name,
		"username": &p.Username,
		"about_me": &p.AboutMe,
	})
	return p
}

func (l *loader) buildSocials(v *yaml.Node) *Socials {
	s := &Socials{Pos: l.pos(v)}
	s.FieldPos = l.stringFields(v, map[string]**string{
		"facebook":  &s.Facebook,
		"github":    &s.GitHub,
		"twitter":   &s.Twitter,
		"instagram": &s.Instagram,
		"discord":   &s.Discord,
		"website":   &s.Website,
	})
	return s
}

// stringFields reads the string fields of mapping v into the targets dst
// names (profile and socials are all optional strings) and returns where
// each field it set was written. A field of another type was reported by
// the schema and is skipped.
func (l *loader) stringFields(v *yaml.Node, dst map[string]**string) map[string]Pos {
	at := map[string]Pos{}
	l.eachField(v, func(name string, f *yaml.Node) {
		target, known := dst[name]
		str, ok := l.str(f)
		if !known || !ok {
			return
		}
		*target = &str
		at[name] = l.pos(f)
	})
	return at
}

func (l *loader) buildPreferences(v *yaml.Node) *Preferences {
	p := &Preferences{Pos: l.pos(v), FieldPos: map[string]Pos{}}
	l.eachField(v, func(name string, f *yaml.Node) {
		switch name {
		case "nsfw_content", "wallet_notification_enabled":
			b, ok := l.boolean(f)
			if !ok {
				return
			}
			if name == "nsfw_content" {
				p.NSFWContent = &b
			} else {
				p.WalletNotificationEnabled = &b
			}
		case "wallet_notification_threshold":
			x, ok := l.float(f)
			if !ok {
				return
			}
			p.WalletNotificationThreshold = &x
		default:
			return
		}
		p.FieldPos[name] = l.pos(f)
	})
	return p
}

// buildAPIKeys reads api_keys and checks that names and ids are unique.
func (l *loader) buildAPIKeys(v *yaml.Node) []APIKey {
	items := l.items(v)
	keys := make([]APIKey, 0, len(items))
	names := make(map[string]Pos, len(items))
	ids := map[string]Pos{}
	for _, item := range items {
		k := APIKey{Pos: l.pos(item)}
		l.eachField(item, func(name string, f *yaml.Node) {
			switch name {
			case "name":
				if str, ok := l.str(f); ok {
					k.Name = str
					l.printable(f, str, "an API key name")
					l.unique(names, str, f, item, fmt.Sprintf("API key name %q", str),
						"first defined at %s; names identify keys, so each may appear once")
				}
			case "notes":
				if str, ok := l.str(f); ok {
					k.Notes = &str
					if retirement.IsReserved(str) {
						l.report(f, fmt.Sprintf("%s: notes may not start with %q", l.pathOf(f), retirement.Reserved),
							"that prefix marks the records mlabctl keeps in the notes of live keys (the retirement of a rotated key); reword the start of the notes")
					}
				}
			case "protect":
				if b, ok := l.boolean(f); ok {
					k.Protect, k.ProtectPos = b, l.pos(f)
				}
			case "rotate_after":
				if str, ok := l.str(f); ok {
					k.RotateAfter, k.RotateAfterText = l.duration(f, str)
					k.RotateAfterPos = l.pos(f)
				}
			case "rotate_overlap":
				if str, ok := l.str(f); ok {
					k.RotateOverlap, k.RotateOverlapText = l.duration(f, str)
					k.RotateOverlapPos = l.pos(f)
				}
			case "id":
				id, ok := l.id(f)
				if !ok {
					return
				}
				k.ID, k.IDPos = id, l.pos(f)
				l.unique(ids, id, f, item, "API key id "+id,
					"first used at %s; an id pins one entry to one live key")
			}
		})
		l.checkRotation(item, k)
		keys = append(keys, k)
	}
	return keys
}

// checkRotation refuses the combinations of protect, rotate_after and
// rotate_overlap that plan could never carry out: a protected key is never
// replaced, an overlap needs a rotation, and an overlap as long as the
// rotation would keep two predecessors alive at once.
func (l *loader) checkRotation(item *yaml.Node, k APIKey) {
	path := l.pathOf(item)
	if k.Protect && k.RotateAfter > 0 {
		l.at(k.ProtectPos, fmt.Sprintf("%s: protect: true and rotate_after exclude each other", path),
			fmt.Sprintf("a protected key is never replaced, so rotate_after (at %s) could never rotate it; remove one of them", k.RotateAfterPos))
	}
	switch {
	case k.RotateOverlap > 0 && k.RotateAfter == 0:
		l.at(k.RotateOverlapPos, fmt.Sprintf("%s.rotate_overlap: needs rotate_after", path),
			"rotate_overlap is how long the old key of a rotation stays valid; add rotate_after (e.g. 90d), or remove rotate_overlap")
	case k.RotateOverlap > 0 && k.RotateOverlap >= k.RotateAfter:
		l.at(k.RotateOverlapPos, fmt.Sprintf("%s.rotate_overlap: %s must be shorter than rotate_after %s", path, k.RotateOverlapText, k.RotateAfterText),
			"otherwise the successor would be due for rotation before its predecessor retires")
	}
}

// buildTeam reads team, applies the default role and checks that emails are
// well formed and unique case-insensitively.
func (l *loader) buildTeam(v *yaml.Node) []Member {
	items := l.items(v)
	team := make([]Member, 0, len(items))
	emails := make(map[string]Pos, len(items))
	for _, item := range items {
		m := Member{Role: "member", Pos: l.pos(item)}
		l.eachField(item, func(name string, f *yaml.Node) {
			switch name {
			case "email":
				str, ok := l.str(f)
				if !ok {
					return
				}
				m.Email = str
				if err := CheckEmail(str); err != nil {
					l.report(f, fmt.Sprintf("%s: %v", l.pathOf(f), err), "")
					return
				}
				// Upper then lower approximates strings.EqualFold's simple
				// folding (the Kelvin sign K folds to k) for a map key.
				folded := strings.ToLower(strings.ToUpper(str))
				l.unique(emails, folded, f, item, fmt.Sprintf("member %q", str),
					"first defined at %s; emails compare case-insensitively, so each member may appear once")
			case "role":
				if str, ok := l.str(f); ok {
					m.Role = str
				}
			case "permissions":
				for _, p := range l.items(f) {
					if str, ok := l.str(p); ok {
						m.Permissions = append(m.Permissions, str)
					}
				}
			}
		})
		team = append(team, m)
	}
	return team
}

func (l *loader) buildAccessTokens(v *yaml.Node) *AccessTokens {
	t := &AccessTokens{Pos: l.pos(v)}
	l.eachField(v, func(name string, f *yaml.Node) {
		if name == "keep" {
			t.Keep = l.globs(f)
		}
	})
	return t
}

func (l *loader) buildIgnore(v *yaml.Node) Ignore {
	var ig Ignore
	l.eachField(v, func(name string, f *yaml.Node) {
		switch name {
		case "api_keys":
			ig.APIKeys = l.globs(f)
			l.ignoreKeysAt = l.globPositions(f)
		case "team":
			ig.Team = l.globs(f)
			l.ignoreTeamAt = l.globPositions(f)
		}
	})
	return ig
}

// globPositions returns where each valid glob of list v is written, in the
// order globs returns them.
func (l *loader) globPositions(v *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, item := range l.items(v) {
		if str, ok := l.str(item); ok && CheckGlob(str) == nil {
			out = append(out, item)
		}
	}
	return out
}

// warnIgnoredDeclared warns about each ignore glob that matches a name the
// file declares: ignore applies only to undeclared live items, so the glob
// can never affect that one, which is rarely what its author meant. A glob
// of stars alone ("*": never delete, only add and update) means to match
// everything and is not warned about.
func (l *loader) warnIgnoredDeclared(s *Spec) {
	keys := make([]string, len(s.APIKeys))
	for i, k := range s.APIKeys {
		keys[i] = k.Name
	}
	emails := make([]string, len(s.Team))
	for i, m := range s.Team {
		emails[i] = m.Email
	}
	for _, list := range []struct {
		nodes    []*yaml.Node
		declared []string
		fold     bool
		what     string
	}{
		{l.ignoreKeysAt, keys, false, "API key"},
		{l.ignoreTeamAt, emails, true, "member"},
	} {
		for _, n := range list.nodes {
			glob := deref(n).Value
			if strings.Trim(glob, "*") == "" {
				continue // "*": meant to match everything undeclared
			}
			pattern := glob
			if list.fold {
				pattern = strings.ToLower(glob)
			}
			var hits []string
			for _, name := range list.declared {
				subject := name
				if list.fold {
					subject = strings.ToLower(name)
				}
				if name != "" && MatchGlob(pattern, subject) {
					hits = append(hits, strconv.Quote(name))
				}
			}
			if len(hits) == 0 {
				continue
			}
			which := hits[0]
			if len(hits) > 1 {
				which = fmt.Sprintf("%s and %d more", hits[0], len(hits)-1)
			}
			l.warn(n, fmt.Sprintf("%s: %q matches the declared %s %s", l.pathOf(n), glob, list.what, which),
				"ignore applies only to live items the file does not declare, so it never affects a declared one; narrow the glob if it was meant for others")
		}
	}
}

func (l *loader) buildPolicy(v *yaml.Node, p *Policy) {
	l.eachField(v, func(name string, f *yaml.Node) {
		switch name {
		case "min_admins":
			if n, ok := l.integer(f); ok {
				p.MinAdmins, p.MinAdminsPos = int(n), l.pos(f)
			}
		case "max_delete_percent":
			if n, ok := l.integer(f); ok {
				if n < 0 || n > 100 {
					// The schema bounds it too; this guards the conversion
					// to int should the schema ever be loosened.
					if !l.bad[f] && !l.bad[deref(f)] {
						l.report(f, fmt.Sprintf("%s: must be between 0 and 100, got %d", l.pathOf(f), n), "")
					}
					return
				}
				p.MaxDeletePercent, p.MaxDeletePercentPos = int(n), l.pos(f)
			}
		case "resend_invites_after":
			if str, ok := l.str(f); ok {
				p.ResendInvitesAfter, p.ResendInvitesAfterText = l.duration(f, str)
				p.ResendInvitesAfterPos = l.pos(f)
			}
		case "protect_used_within":
			if str, ok := l.str(f); ok {
				p.ProtectUsedWithin, p.ProtectUsedWithinText = l.duration(f, str)
				p.ProtectUsedWithinPos = l.pos(f)
			}
		}
	})
}

// printable reports a name that holds a line break, a control or an
// invisible character: it is an address (api_key.NAME) on a line of every
// plan, log and PR comment, where it could only be shown escaped.
func (l *loader) printable(f *yaml.Node, s, what string) {
	if r, bad := safetext.Unprintable(s); bad {
		l.report(f, fmt.Sprintf("%s: %s must be one line of printable text; it holds %U", l.pathOf(f), what, r),
			"remove the line break or control character")
	}
}

// unique records f, the value key of list entry item, as the first in seen,
// or reports it as a duplicate of the first: what names the repeated value
// and detail, a format with one %s for the first position, says why it must
// be unique.
func (l *loader) unique(seen map[string]Pos, key string, f, item *yaml.Node, what, detail string) {
	first, dup := seen[key]
	if !dup {
		seen[key] = l.pos(f)
		return
	}
	at := l.reuse(f, item, first)
	l.report(at, fmt.Sprintf("%s: duplicate %s", l.pathOf(at), what), fmt.Sprintf(detail, first))
}

// reuse picks where to report a duplicate value f of entry item: at f,
// unless f is the very node first defined (an entry repeated by an alias),
// then at the alias.
func (l *loader) reuse(f, item *yaml.Node, first Pos) *yaml.Node {
	if l.pos(f) == first {
		return item
	}
	return f
}

// duration parses a duration the schema let through (its pattern cannot
// bound the size) and reports one that is too long.
func (l *loader) duration(f *yaml.Node, text string) (d time.Duration, written string) {
	d, err := ParseDuration(text)
	if err != nil {
		if !l.bad[f] && !l.bad[deref(f)] {
			l.report(f, fmt.Sprintf("%s: %v", l.pathOf(f), err), "")
		}
		return 0, text
	}
	return d, text
}

// globs reads a list of globs and reports malformed ones.
func (l *loader) globs(v *yaml.Node) []string {
	items := l.items(v)
	out := make([]string, 0, len(items))
	for _, item := range items {
		str, ok := l.str(item)
		if !ok {
			continue
		}
		if err := CheckGlob(str); err != nil {
			l.report(item, fmt.Sprintf("%s: %v", l.pathOf(item), err), "")
			continue
		}
		out = append(out, str)
	}
	return out
}

// eachField calls fn for each field of mapping v (merges applied).
func (l *loader) eachField(v *yaml.Node, fn func(name string, value *yaml.Node)) {
	m := deref(v)
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	ps := pairs(m)
	first := newFirstKeys(ps)
	for i := 0; i+1 < len(ps); i += 2 {
		if first.before(i) != nil || ps[i].Kind != yaml.ScalarNode {
			continue // reported by checkMapping; the first one wins
		}
		fn(ps[i].Value, ps[i+1])
	}
}

// items returns the items of list v, or nil when v is not a list.
func (l *loader) items(v *yaml.Node) []*yaml.Node {
	s := deref(v)
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil
	}
	return s.Content
}

// str returns v's text when it is a string.
func (l *loader) str(v *yaml.Node) (string, bool) {
	n := deref(v)
	if n == nil || n.Kind != yaml.ScalarNode || l.bad[n] || l.bad[v] {
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		return n.Value, true
	}
	return "", false
}

// boolean returns v's value when it is a boolean.
func (l *loader) boolean(v *yaml.Node) (bool, bool) {
	n := deref(v)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || l.bad[n] || l.bad[v] {
		return false, false
	}
	b, err := decodeBool(n)
	return b, err == nil
}

// integer returns v's value when it is a whole number that fits an int64.
func (l *loader) integer(v *yaml.Node) (int64, bool) {
	n := deref(v)
	if n == nil || n.Kind != yaml.ScalarNode || l.bad[n] || l.bad[v] {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i, true
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			return 0, false
		}
		return i, true
	case "!!float":
		// A whole float (5.0, 1e3) is an integer to JSON Schema; one
		// outside int64 is not ours to represent (the schema bounds every
		// integer field far below).
		var f float64
		if err := n.Decode(&f); err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// float returns v's value when it is a number.
func (l *loader) float(v *yaml.Node) (float64, bool) {
	n := deref(v)
	if n == nil || n.Kind != yaml.ScalarNode || l.bad[n] || l.bad[v] {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// id returns an API key id as text: a positive integer in decimal, or a
// non-empty string as written.
func (l *loader) id(v *yaml.Node) (string, bool) {
	if n, ok := l.integer(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	if s, ok := l.str(v); ok && s != "" {
		return s, true
	}
	return "", false
}
