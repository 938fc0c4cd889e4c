package plan

import (
	"fmt"
	"strings"
	"time"
)

// The kinds of the plan's warnings, as the JSON plan names them.
const (
	// WarningMassDeletion: a section loses more than max_delete_percent.
	WarningMassDeletion = "mass_deletion"
	// WarningPartial: the plan is limited by --target.
	WarningPartial = "partial"
	// WarningRecentlyUsed: a key to delete or replace was used within
	// policy.protect_used_within.
	WarningRecentlyUsed = "recently_used"
	// WarningServer: the API answered in a way its documentation does not
	// describe, and the plan works around it.
	WarningServer = "server"
	// WarningPlan: anything else the reviewer must know.
	WarningPlan = "plan"
)

// planWarning is one warning as every renderer shows it: its first line,
// its continuation lines, and what it is about.
type planWarning struct {
	kind  string
	first string
	rest  []string
	// addresses are the unique addresses it names (mass deletions, recent
	// use), for the JSON plan.
	addresses []string
}

// warningsOf renders every warning of the plan, in the order a reviewer
// reads them: mass deletions, the partial plan, keys in use, then the
// warnings Compute recorded. It is the one list the text, markdown and JSON
// renderers show.
func warningsOf(p *Plan) []planWarning {
	var out []planWarning
	for _, md := range sortedMassDeletions(p) {
		addrs := p.MassDeletionAddresses(md)
		out = append(out, planWarning{
			kind:  WarningMassDeletion,
			first: massDeletionSentence(md),
			rest: []string{
				"apply refuses it unless --allow-mass-delete, or --allow-delete ADDRESS for each of:",
				addressList(addrs, maxListedAddresses),
			},
			addresses: addrs,
		})
	}
	if p.Partial() {
		first := fmt.Sprintf("partial plan: only --target %s is planned and applied", strings.Join(p.Targets, ", "))
		if p.Omitted > 0 {
			first += fmt.Sprintf("; %d other change%s that modelslab.yaml asks for %s left out", p.Omitted, plural(p.Omitted), isAre(p.Omitted))
		}
		out = append(out, planWarning{kind: WarningPartial, first: SanitizeLine(first) + ".",
			rest: []string{"The account will not match modelslab.yaml until a plan without --target is applied."}})
	}
	for _, u := range p.RecentlyUsed {
		out = append(out, planWarning{
			kind: WarningRecentlyUsed,
			first: SanitizeLine(fmt.Sprintf("%s (id %s) was last used %s, within policy.protect_used_within %s.",
				u.Address, u.LiveID, ago(u.LastUsedAt, p.ComputedAt), u.Within)),
			rest:      []string{SanitizeLine("apply refuses to delete it unless approved with --allow-delete " + u.Address)},
			addresses: []string{u.Address},
		})
	}
	for _, w := range p.Warnings {
		lines := strings.Split(w.Message, "\n")
		for i := range lines {
			lines[i] = SanitizeLine(lines[i])
		}
		kind := w.Kind
		if kind == "" {
			kind = WarningPlan
		}
		out = append(out, planWarning{kind: kind, first: lines[0], rest: lines[1:]})
	}
	return out
}

// isAre agrees a verb with n.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// ago says when t was, relative to now, as a reviewer reads it: "2 hours
// ago", "3 days ago", "on 2026-01-02". A zero now (a plan built by hand)
// gives the time itself.
func ago(t, now time.Time) string {
	if now.IsZero() {
		return "at " + when(t)
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "at " + when(t) + " (after the plan was made)"
	case d < time.Minute:
		return "less than a minute ago"
	case d < time.Hour:
		n := int(d / time.Minute)
		return fmt.Sprintf("%d minute%s ago", n, plural(n))
	case d < 48*time.Hour:
		n := int(d / time.Hour)
		return fmt.Sprintf("%d hour%s ago", n, plural(n))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return "on " + day(t)
}

// lastUsed is the "last used …" of an API key delete or replace, shown
// on every one whatever the policy; empty for other changes.
func lastUsed(c Change, now time.Time) string {
	if c.Address.Kind != KindAPIKey || (c.Action != Delete && c.Action != Replace) {
		return ""
	}
	if c.LastUsedAt == nil {
		return "never used"
	}
	return "last used " + ago(*c.LastUsedAt, now)
}

// retiringLines are the predecessors still valid, one line each.
func retiringLines(p *Plan) []string {
	out := make([]string, 0, len(p.Retiring))
	for _, r := range p.Retiring {
		l := fmt.Sprintf("%s: predecessor id %s retires after %s", r.Address, r.LiveID, when(r.After))
		if r.SuccessorID == "" {
			l += ", once its successor exists"
		} else {
			l += fmt.Sprintf(" (successor id %s); the first apply after that deletes it", r.SuccessorID)
		}
		out = append(out, SanitizeLine(l))
	}
	return out
}
