package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// RenderOptions tune the human renderers.
type RenderOptions struct {
	// Color enables ANSI colour (the caller decides: only on a terminal,
	// never with --no-color or NO_COLOR).
	Color bool
	// MaxBytes bounds the markdown output; 0 means GitHub's 65,536-character
	// comment limit (with a margin).
	MaxBytes int
}

// ANSI codes of the marks and the styles. Colour only repeats what the text
// says, so that a plan read without colour loses nothing.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
)

// Style is an ANSI style of the human output. The plan and apply's step
// lines paint with the styles and the mark colours of this file only, so
// that an action, a warning or a failure looks the same in both.
type Style string

// The styles apply paints its step lines with, besides the marks.
const (
	// StyleBold stands out without a colour: the plan's closing line,
	// apply's new-secret banner.
	StyleBold Style = ansiBold
	// StyleFailure is what went wrong: apply's FAILED.
	StyleFailure Style = ansiRed + ansiBold
	// StyleCaution is what did not happen: apply's skipped steps.
	StyleCaution Style = ansiYellow
)

// Paint wraps s in style when color is on (the caller decides: only on a
// terminal, never with --no-color or NO_COLOR) and style is not empty.
func Paint(style Style, s string, color bool) string {
	if !color || style == "" {
		return s
	}
	return string(style) + s + ansiReset
}

// NoChangesLine closes an empty plan, in every output that says so (the
// text and markdown plans, apply's GitHub step summary): CONTRACT.md's
// "No changes. The account matches modelslab.yaml." for a whole plan. An
// empty partial plan says that nothing --target matches needs a change,
// and claims the account matches the file only when the whole plan is
// empty too (Omitted is 0): changes it left out are not applied.
func NoChangesLine(p *Plan) string {
	switch {
	case !p.Partial():
		return "No changes. The account matches modelslab.yaml."
	case p.Omitted > 0:
		return SanitizeLine("No changes within --target " + strings.Join(p.Targets, ", ") + ".")
	default:
		return SanitizeLine("No changes within --target " + strings.Join(p.Targets, ", ") + ", nor outside it: the account matches modelslab.yaml.")
	}
}

// RenderText writes the plan as a reviewer reads it in a terminal or a log:
// a header naming the account, warnings, one block per change with its
// field-level differences, the retiring predecessors, the unmanaged items
// and the closing line of CONTRACT.md.
func RenderText(w io.Writer, p *Plan, o RenderOptions) error {
	var b strings.Builder
	cw := changeWriter{color: o.Color, indent: "  ", fieldIndent: "      ", now: p.ComputedAt}

	b.WriteString(headerLine(p))
	b.WriteString("\n")

	if ws := warningsOf(p); len(ws) > 0 {
		b.WriteString("\n")
		for _, l := range ws {
			b.WriteString("  " + cw.paint(ansiYellow+ansiBold, "Warning:") + " " + l.first + "\n")
			for _, more := range l.rest {
				b.WriteString("           " + more + "\n")
			}
		}
	}

	if len(p.Changes) > 0 {
		b.WriteString("\n")
		items := itemsOf(p)
		cw.annotationColumn = annotationColumn(items, cw.indent, cw.now)
		for _, it := range items {
			cw.write(&b, it, detailFull)
		}
	}

	if lines := retiringLines(p); len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			b.WriteString("  Retiring: " + l + "\n")
		}
	}

	if len(p.Unmanaged) > 0 {
		b.WriteString("\n  Unmanaged (matched by ignore): " + strings.Join(unmanagedList(p), ", ") + "\n")
	}

	b.WriteString("\n")
	b.WriteString(cw.paint(ansiBold, closingLine(p)))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// headerLine is the first line of a text plan: the account, where it lives,
// the team account switched into, whether the plan is partial, and the
// counts of what changes, worded as the closing line words them.
func headerLine(p *Plan) string {
	account := p.Account
	if account == "" {
		account = "(unknown)"
	}
	where := p.BaseURL
	switch {
	case p.SwitchTo == "":
	case p.SwitchTo == p.Account:
		where += ", team account entered with switch-account"
	default:
		where += ", switching to team account " + p.SwitchTo + " first"
	}
	partial := ""
	if p.Partial() {
		partial = ", partial plan for --target " + strings.Join(p.Targets, ", ")
	}
	counts := "no changes"
	if !p.Empty() {
		counts = summaryPhrase(p.Summary())
	}
	return SanitizeLine(fmt.Sprintf("Account %s (%s)%s: %s.", account, where, partial, counts))
}

// summaryPhrase is the one wording of a plan's counts, in its header and
// its closing line: "2 to create, 0 to update, 1 to delete, 0 to replace",
// and ", 1 to resend" when the plan resends invites.
func summaryPhrase(s Summary) string {
	out := fmt.Sprintf("%d to create, %d to update, %d to delete, %d to replace", s.Create, s.Update, s.Delete, s.Replace)
	if s.Resend > 0 {
		out += fmt.Sprintf(", %d to resend", s.Resend)
	}
	return out
}

// countPhrase lists the non-zero counts of a summary: "2 to create, 1 to
// delete"; empty when nothing changes. Markdown's sections use it.
func countPhrase(s Summary) string {
	var parts []string
	for _, c := range []struct {
		n    int
		verb string
	}{{s.Create, "create"}, {s.Update, "update"}, {s.Delete, "delete"}, {s.Replace, "replace"}, {s.Resend, "resend"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", c.n, c.verb))
		}
	}
	return strings.Join(parts, ", ")
}

// closingLine is the last line of every human plan, exactly as CONTRACT.md
// writes it (with the resend count when there are resends).
func closingLine(p *Plan) string {
	if p.Empty() {
		return NoChangesLine(p)
	}
	return "Plan: " + summaryPhrase(p.Summary()) + "."
}

// maxListedAddresses bounds the addresses a mass-deletion warning names;
// the changes themselves list every one.
const maxListedAddresses = 10

// RenderWarnings writes the plan's warnings (mass deletions first) as plain
// text, a "Warning: " block each. For output formats whose stdout must stay
// machine-readable (-o json, whose object holds them too), the command
// prints them on stderr, so a reviewer never misses one.
func RenderWarnings(w io.Writer, p *Plan) error {
	var b strings.Builder
	for _, wl := range warningsOf(p) {
		b.WriteString("Warning: " + wl.first + "\n")
		for _, r := range wl.rest {
			b.WriteString("  " + r + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sortedMassDeletions returns the plan's mass deletions ordered by section.
func sortedMassDeletions(p *Plan) []MassDeletion {
	mds := append([]MassDeletion(nil), p.MassDeletions...)
	sort.SliceStable(mds, func(i, j int) bool { return mds[i].Section < mds[j].Section })
	return mds
}

// massDeletionSentence says what a mass deletion is, in one sentence; of a
// partial plan, it counts the whole plan's deletions too.
func massDeletionSentence(md MassDeletion) string {
	n := len(md.Addresses)
	if md.Total > 0 {
		n = md.Total
	}
	pct := 0
	if md.Live > 0 {
		pct = n * 100 / md.Live
	}
	s := fmt.Sprintf("mass deletion in %s: %d of %d live items (%d%%) would be deleted, more than max_delete_percent %d%%.",
		SanitizeLine(md.Section), n, md.Live, pct, md.Percent)
	if md.Total > 0 {
		s = fmt.Sprintf("mass deletion in %s: the whole plan deletes %d of %d live items (%d%%), more than max_delete_percent %d%%, and this partial plan deletes %d of them.",
			SanitizeLine(md.Section), n, md.Live, pct, md.Percent, len(md.Addresses))
	}
	return s
}

// addressList joins sorted addresses, naming at most limit of them.
func addressList(addrs []string, limit int) string {
	names := make([]string, len(addrs))
	for i, a := range addrs {
		names[i] = SanitizeLine(a)
	}
	sort.Strings(names)
	if len(names) > limit {
		return strings.Join(names[:limit], ", ") + fmt.Sprintf(", and %d more", len(names)-limit)
	}
	return strings.Join(names, ", ")
}

// unmanagedList returns the unmanaged addresses, sorted and printable.
func unmanagedList(p *Plan) []string {
	names := make([]string, len(p.Unmanaged))
	for i, a := range p.Unmanaged {
		names[i] = SanitizeLine(a.String())
	}
	sort.Strings(names)
	return names
}

// detail is how much of a change a renderer shows.
type detail int

const (
	detailFull    detail = iota // mark, address, note, field differences
	detailLine                  // mark, address, note
	detailAddress               // mark and address
)

// item is a change as the renderers show it: the change, and its unique
// address (UniqueAddresses).
type item struct {
	c    Change
	addr string
}

// itemsOf pairs the plan's changes with their unique addresses.
func itemsOf(p *Plan) []item {
	refs := p.UniqueAddresses()
	out := make([]item, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = item{c: c, addr: refs[i]}
	}
	return out
}

// changeWriter renders change blocks, shared by the text and markdown
// renderers so that a PR comment reads exactly like the terminal.
type changeWriter struct {
	// now is the plan's time, for "last used 2 hours ago".
	now   time.Time
	color bool
	// indent precedes the mark; fieldIndent precedes a field line.
	indent, fieldIndent string
	// annotationColumn is the width the "mark address" part is padded to
	// before the note, so that notes line up; 0 means no padding.
	annotationColumn int
}

// maxAnnotationColumn keeps one long address from pushing every note far
// to the right.
const maxAnnotationColumn = 56

// annotationColumn is where notes start: two spaces after the longest
// annotated "mark address", capped.
func annotationColumn(items []item, indent string, now time.Time) int {
	col := 0
	for _, it := range items {
		if annotation(it.c, now) == "" {
			continue
		}
		n := utf8.RuneCountInString(indent + it.c.Action.Mark() + " " + SanitizeLine(it.addr))
		col = max(col, n)
	}
	return min(col+2, maxAnnotationColumn)
}

// annotation is the note and reason of a change, joined, and when its key
// was last used (on an API key delete or replace).
func annotation(c Change, now time.Time) string {
	note, reason := shorten(strings.TrimSpace(c.Note)), shorten(strings.TrimSpace(c.Reason))
	var out string
	switch {
	case reason == "" || strings.Contains(note, reason):
		// Compute may already have put the reason in the note.
		out = note
	case note == "":
		out = reason
	default:
		out = note + ", " + reason
	}
	if used := lastUsed(c, now); used != "" {
		if out != "" {
			out += ", "
		}
		out += used
	}
	return SanitizeLine(out)
}

// maxAnnotation bounds the bytes of a note or a reason: they are one-line
// context after an address, and a long one would bury the plan.
const maxAnnotation = 200

// shorten cuts s to maxAnnotation bytes at a character boundary, marking
// the cut with an ellipsis.
func shorten(s string) string {
	if len(s) <= maxAnnotation {
		return s
	}
	return truncateUTF8(s, maxAnnotation) + "…"
}

// MarkStyle is the colour of an action's mark, in the plan and in apply's
// step lines alike.
func MarkStyle(a Action) Style {
	switch a {
	case Create:
		return ansiGreen
	case Update, Resend:
		return ansiYellow
	case Delete:
		return ansiRed
	case Replace:
		return ansiMagenta
	}
	return ""
}

// paint wraps s in style when colour is on.
func (cw changeWriter) paint(style Style, s string) string {
	return Paint(style, s, cw.color)
}

// write renders one change at the given detail.
func (cw changeWriter) write(b *strings.Builder, it item, d detail) {
	c := it.c
	mark, address := c.Action.Mark(), SanitizeLine(it.addr)
	b.WriteString(cw.indent)
	b.WriteString(cw.paint(MarkStyle(c.Action), mark))
	b.WriteByte(' ')
	b.WriteString(address)
	if d == detailAddress {
		b.WriteByte('\n')
		return
	}
	if note := annotation(c, cw.now); note != "" {
		width := utf8.RuneCountInString(cw.indent) + utf8.RuneCountInString(mark) + 1 + utf8.RuneCountInString(address)
		for range max(cw.annotationColumn-width, 2) {
			b.WriteByte(' ')
		}
		b.WriteByte('(')
		b.WriteString(note)
		b.WriteByte(')')
	}
	b.WriteByte('\n')
	if d != detailFull {
		return
	}
	switch c.Action {
	case Create:
		if noteSaysAll(c, cw.now) {
			// "+ team_member.bob@example.com  (invite, role member)", as
			// CONTRACT.md shows it: field lines would only repeat it.
			return
		}
		cw.writeFields(b, withoutEmptyLists(visibleDiffs(nil, c.After)), true)
	case Update, Replace:
		cw.writeFields(b, visibleDiffs(c.Before, c.After), false)
	}
	// A delete or a resend says everything in its address and note.
}

// noteSaysAll reports whether a team member create's address and note
// already say every field it sets: the email is the address, the note
// names the role and every permission (compute writes "invite, role
// member, permissions api-keys, billing"). An email whose case differs from
// the lower-cased address is not said, so it is shown.
func noteSaysAll(c Change, now time.Time) bool {
	if c.Address.Kind != KindTeamMember || c.Action != Create {
		return false
	}
	note := annotation(c, now)
	if note == "" {
		return false
	}
	for field, v := range c.After {
		switch field {
		case "email":
			if s, _ := v.(string); s != c.Address.Name {
				return false
			}
		case "role":
			if s, _ := v.(string); s == "" || !strings.Contains(note, "role "+s) {
				return false
			}
		case "permissions":
			if perms := listStrings(v); len(perms) > 0 && !strings.Contains(note, "permissions "+strings.Join(perms, ", ")) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// listStrings returns a list value's strings in order (nil when v is not a
// list); a non-string item is returned as "" so that it never matches.
func listStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case []string:
		out = append(out, x...)
	case []any:
		for _, item := range x {
			s, _ := item.(string)
			out = append(out, s)
		}
	}
	return out
}

// withoutEmptyLists drops the fields of a create whose new value is an
// empty list: "permissions: []" on a new member says nothing.
func withoutEmptyLists(diffs []FieldDiff) []FieldDiff {
	out := diffs[:0]
	for _, d := range diffs {
		switch x := d.New.(type) {
		case []any:
			if len(x) == 0 {
				continue
			}
		case []string:
			if len(x) == 0 {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

// writeFields renders field lines: "name: old → new" for a change, "name:
// new" for a create, with names padded so that values line up, and
// multi-line strings as a line diff below their name.
func (cw changeWriter) writeFields(b *strings.Builder, diffs []FieldDiff, create bool) {
	width := 0
	for _, d := range diffs {
		width = max(width, utf8.RuneCountInString(d.Field))
	}
	for _, d := range diffs {
		name := SanitizeLine(d.Field) + ":"
		if isMultiline(d.Old) || isMultiline(d.New) {
			b.WriteString(cw.fieldIndent + name + "\n")
			old, _ := d.Old.(string)
			new, _ := d.New.(string)
			cw.writeLineDiff(b, old, new, create || d.Old == nil)
			continue
		}
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(d.Field)+1)
		if create {
			b.WriteString(cw.fieldIndent + name + pad + formatValue(d.New) + "\n")
			continue
		}
		b.WriteString(cw.fieldIndent + name + pad + formatValue(d.Old) + " → " + formatValue(d.New) + "\n")
	}
}

// writeLineDiff renders a multi-line value as -/+ lines. A value that is
// new shows only + lines.
func (cw changeWriter) writeLineDiff(b *strings.Builder, old, new string, added bool) {
	var lines []diffLine
	if added {
		for _, l := range strings.Split(new, "\n") {
			lines = append(lines, diffLine{Op: lineAdd, Text: l})
		}
	} else {
		lines = lineDiff(old, new)
	}
	in := cw.fieldIndent + "  "
	for _, l := range lines {
		switch l.Op {
		case lineSkip:
			b.WriteString(in + "  … " + l.Text + " unchanged lines\n") // minSkip > 1: always plural
		case lineDel:
			b.WriteString(in + cw.paint(ansiRed, prefixed("-", l.Text)) + "\n")
		case lineAdd:
			b.WriteString(in + cw.paint(ansiGreen, prefixed("+", l.Text)) + "\n")
		default:
			b.WriteString(strings.TrimRight(in+prefixed(" ", l.Text), " ") + "\n")
		}
	}
}

// prefixed puts a line-diff sign before a line, without trailing blanks for
// an empty line.
func prefixed(sign, text string) string {
	if text == "" {
		return sign
	}
	return sign + " " + SanitizeLine(text)
}
