package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mlabctl/mlabctl/internal/suggest"
	"github.com/mlabctl/mlabctl/remote"
)

// OptionError is an Options value (--replace, --target) that names nothing
// the plan can act on: a typo, a key that is not declared, an address of a
// kind that cannot be replaced. It is found before anything is changed;
// the exit code is 1, as for any invalid input.
type OptionError struct {
	// Flag is the option as the command line spells it ("--replace").
	Flag string
	// Value is the value given.
	Value string
	// Problem says what is wrong and what to do.
	Problem string
}

// Error renders "--replace api_key.x: problem".
func (e *OptionError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Flag, SanitizeLine(e.Value), e.Problem)
}

// The flags of Options, as the errors name them.
const (
	flagReplace = "--replace"
	flagTarget  = "--target"
)

// replaceRequest is one --replace value: a key name and, when given as
// api_key.NAME#ID, the live id.
type replaceRequest struct {
	text string
	name string
	id   remote.ID
	used bool
}

// parseReplace checks the --replace values: API key addresses only.
func (b *builder) parseReplace(values []string) error {
	for _, v := range values {
		a, err := ParseAddress(v)
		if err != nil {
			return &OptionError{Flag: flagReplace, Value: v, Problem: err.Error()}
		}
		if a.Kind != KindAPIKey {
			return &OptionError{Flag: flagReplace, Value: v, Problem: "only API keys can be replaced (api_key.NAME)"}
		}
		if !b.spec.APIKeysSet {
			return &OptionError{Flag: flagReplace, Value: v, Problem: "modelslab.yaml has no api_keys section, so no key is managed; declare the key to replace it"}
		}
		b.replace = append(b.replace, &replaceRequest{text: v, name: a.Name})
	}
	return nil
}

// replaceRequested returns the --replace request that names the declared
// key at addr matched to the live key id, marking it used; nil if none.
// "api_key.NAME#ID" names the key NAME whose live id is ID.
func (b *builder) replaceRequested(addr Address, id remote.ID) *replaceRequest {
	var found *replaceRequest
	for _, r := range b.replace {
		if r.name == addr.Name || r.name == addr.Name+"#"+id.String() {
			r.used = true
			found = r
		}
	}
	return found
}

// unusedReplace reports a --replace that matched no declared live key,
// saying what the name is instead.
func (b *builder) unusedReplace() error {
	for _, r := range b.replace {
		if r.used {
			continue
		}
		problem := "matches no API key declared in modelslab.yaml"
		declared := make([]string, 0, len(b.spec.APIKeys))
		for _, k := range b.spec.APIKeys {
			declared = append(declared, k.Name)
			if k.Name == r.name {
				problem = "the key is not live yet (the plan creates it), so there is nothing to replace"
			}
		}
		for _, k := range b.live.APIKeys {
			if k.Name == r.name && !slices.Contains(declared, k.Name) {
				problem = "the key is not declared in modelslab.yaml (the plan deletes it); --replace replaces declared keys"
			}
		}
		if strings.HasPrefix(problem, "matches no") {
			if best := suggest.Closest(r.name, declared); best != "" {
				problem += fmt.Sprintf("; did you mean api_key.%s?", best)
			}
		}
		return &OptionError{Flag: flagReplace, Value: r.text, Problem: problem}
	}
	return nil
}

// TargetSections are the section names --target offers (in the error of a
// value that is none, and in shell completion): modelslab.yaml's section
// keys. sections also takes their singular forms.
var TargetSections = []string{"profile", "socials", "preferences", "api_keys", "team", "access_tokens"}

// sections are the names --target accepts for a whole section, and the
// kinds they hold.
var sections = map[string]Kind{
	"profile": KindProfile, "socials": KindSocials, "preferences": KindPreferences,
	"api_keys": KindAPIKey, "api_key": KindAPIKey,
	"team": KindTeamMember, "team_member": KindTeamMember,
	"access_tokens": KindAccessToken, "access_token": KindAccessToken,
}

// targetMatch is one --target value, parsed.
type targetMatch struct {
	text string
	// kind is set for a section: every address of the kind matches.
	kind Kind
	// ref is an address (plain, or unique with #ID) otherwise.
	ref string
}

// matches reports whether the change at unique address ref (plain address
// plain, of kind kind) is within the target.
func (t targetMatch) matches(kind Kind, plain, ref string) bool {
	if t.kind != "" {
		return kind == t.kind
	}
	return t.ref == plain || t.ref == ref
}

// target limits the plan to the targets: the changes, unmanaged items,
// retirements and mass deletions outside them are dropped (counted in
// Omitted), and min_admins is checked again on what is left, since the
// whole plan passing it says nothing of a part (removing an admin without
// promoting another).
func (b *builder) target(values []string) error {
	if len(values) == 0 {
		return nil
	}
	p := b.plan
	refs := p.UniqueAddresses()
	var targets []targetMatch
	for _, v := range values {
		t, err := b.parseTarget(v, refs)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	within := func(kind Kind, plain, ref string) bool {
		for _, t := range targets {
			if t.matches(kind, plain, ref) {
				return true
			}
		}
		return false
	}
	for _, r := range b.replace {
		if !within(KindAPIKey, Address{Kind: KindAPIKey, Name: r.name}.String(), "") && !slices.ContainsFunc(p.Changes, func(c Change) bool {
			return c.Action == Replace && within(KindAPIKey, c.Address.String(), "api_key."+r.name)
		}) {
			return &OptionError{Flag: flagReplace, Value: r.text, Problem: "is outside --target " + strings.Join(values, ", ") + "; add it to --target"}
		}
	}

	kept := p.Changes[:0:0]
	keptAddr := map[string]bool{}
	for i, c := range p.Changes {
		if within(c.Address.Kind, c.Address.String(), refs[i]) {
			kept = append(kept, c)
			keptAddr[c.Address.String()] = true
		}
	}
	p.Omitted = len(p.Changes) - len(kept)
	p.Changes = kept
	p.Targets = slices.Clone(values)
	p.Unmanaged = slices.DeleteFunc(p.Unmanaged, func(a Address) bool { return !within(a.Kind, a.String(), a.String()) })
	p.Retiring = slices.DeleteFunc(p.Retiring, func(r Retirement) bool { return !within(r.Address.Kind, r.Address.String(), r.Address.String()) })
	if len(p.Unmanaged) == 0 {
		p.Unmanaged = nil // as an untargeted plan has it
	}
	if len(p.Retiring) == 0 {
		p.Retiring = nil
	}
	mds := p.MassDeletions[:0:0]
	for _, md := range p.MassDeletions {
		md.Total = len(md.Addresses)
		md.Addresses = slices.DeleteFunc(slices.Clone(md.Addresses), func(a Address) bool { return !keptAddr[a.String()] })
		if len(md.Addresses) > 0 {
			mds = append(mds, md)
		}
	}
	p.MassDeletions = mds
	b.minAdmins(p.Changes, "the partial plan of --target "+strings.Join(values, ", "))
	return nil
}

// parseTarget parses one --target value and checks that it names something:
// a section, a change of the whole plan, or an object declared or live.
func (b *builder) parseTarget(v string, refs []string) (targetMatch, error) {
	if k, ok := sections[v]; ok {
		return targetMatch{text: v, kind: k}, nil
	}
	a, err := ParseAddress(v)
	if err != nil {
		return targetMatch{}, &OptionError{Flag: flagTarget, Value: v, Problem: err.Error() + ", or a section: " + strings.Join(TargetSections, ", ")}
	}
	t := targetMatch{text: v, ref: a.String()}
	known := b.knownAddresses(refs)
	if slices.Contains(known, t.ref) {
		return t, nil
	}
	problem := "names nothing in modelslab.yaml or the live account"
	if best := suggest.Closest(t.ref, known); best != "" {
		problem += fmt.Sprintf("; did you mean %s?", best)
	}
	return targetMatch{}, &OptionError{Flag: flagTarget, Value: v, Problem: problem}
}

// knownAddresses lists every address a target may name: the whole plan's
// (unique) addresses, and those of the declared and live objects of the
// sections the file manages.
func (b *builder) knownAddresses(refs []string) []string {
	out := slices.Clone(refs)
	add := func(a Address) { out = append(out, a.String()) }
	if b.spec.APIKeysSet {
		for _, k := range b.spec.APIKeys {
			add(Address{Kind: KindAPIKey, Name: k.Name})
		}
		for _, k := range b.live.APIKeys {
			add(Address{Kind: KindAPIKey, Name: k.Name})
			out = append(out, Address{Kind: KindAPIKey, Name: k.Name}.String()+"#"+k.ID.String())
		}
	}
	if b.spec.TeamSet {
		for _, m := range b.spec.Team {
			add(Address{Kind: KindTeamMember, Name: strings.ToLower(m.Email)})
		}
		for _, m := range b.live.Team {
			add(Address{Kind: KindTeamMember, Name: strings.ToLower(m.Email)})
		}
	}
	if b.spec.AccessTokens != nil {
		for _, t := range b.live.Tokens {
			add(Address{Kind: KindAccessToken, Name: t.Name, ID: t.ID.String()})
		}
	}
	if b.spec.Profile != nil {
		add(Address{Kind: KindProfile})
	}
	if b.spec.Socials != nil {
		add(Address{Kind: KindSocials})
	}
	if b.spec.Preferences != nil {
		add(Address{Kind: KindPreferences})
	}
	return out
}
