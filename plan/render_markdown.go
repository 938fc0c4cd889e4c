package plan

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// githubCommentLimit is GitHub's limit on the body of an issue or
// pull-request comment, in characters.
const githubCommentLimit = 65536

// MarkdownMaxBytes is RenderOptions.MaxBytes when zero: GitHub's limit
// less a margin of 4,096 bytes for what a workflow adds around the plan (a
// marker comment to find and update its previous comment, a heading, a
// link to the run). Bytes are counted, which is never fewer than GitHub's
// characters. The example workflows budget their comments with this very
// number (a test holds them to it): a plan rendered within it is posted
// whole, never cut inside a <details> block or a code fence.
const MarkdownMaxBytes = githubCommentLimit - 4096

// maxBriefWarnings and maxBriefWarning bound the warnings of a counts-only
// comment: how many are shown, and the bytes of each.
const (
	maxBriefWarnings = 5
	maxBriefWarning  = 300
)

// fullPlanHint tells a reviewer of a shortened comment where the whole plan is.
const fullPlanHint = "The full plan is in the job log (`mlabctl plan`) and in the uploaded plan artifact."

// RenderMarkdown writes the plan as a pull-request comment: a title, the
// warnings, a summary table, then the destructive changes (delete, replace)
// and one collapsible section per kind of object, each holding the same
// change blocks as the text output in a diff block. The comment never
// exceeds o.MaxBytes: when the full plan is too large, detail is collapsed
// step by step (field detail, then notes, then changes beyond what fits,
// then everything but the counts) and the comment says what was cut.
func RenderMarkdown(w io.Writer, p *Plan, o RenderOptions) error {
	limit := o.MaxBytes
	if limit <= 0 {
		limit = MarkdownMaxBytes
	}
	groups := markdownGroups(p)
	total := len(p.Changes)
	for _, g := range groups {
		g.now = p.ComputedAt
	}

	var doc string
	fits := func(l mdLayout) bool {
		doc = renderMarkdownDoc(p, groups, l, limit)
		return len(doc) <= limit
	}
	destructiveFull := func(c Change) detail {
		if isDestructive(c.Action) {
			return detailFull
		}
		return detailLine
	}
	addressCut := "field details and notes are left out"
	if len(p.Unmanaged) > 0 {
		addressCut = "field details, notes and the list of unmanaged items are left out"
	}
	layouts := []mdLayout{
		{detail: constDetail(detailFull), shown: total, unmanaged: true},
		{detail: destructiveFull, shown: total, unmanaged: true,
			cut: "field details of changes that delete nothing are left out"},
		{detail: constDetail(detailLine), shown: total, unmanaged: true,
			cut: "field details are left out"},
		{detail: constDetail(detailAddress), shown: total, cut: addressCut},
	}
	// Every layout that lists all changes is at least as long as their
	// address lines: when those alone are over the limit, skip straight to
	// listing what fits, without formatting thousands of field diffs.
	lower := 0
	for _, g := range groups {
		for i := range g.changes {
			lower += len(g.block(i, detailAddress))
		}
	}
	done := false
	for _, l := range layouts {
		if lower > limit {
			break
		}
		if fits(l) {
			done = true
			break
		}
	}
	if !done {
		// List as many addresses as fit, destructive changes first. The
		// size grows with the number shown, so a binary search finds the
		// most that fit.
		lo, hi := 0, total // lo fits or is 0; hi does not fit
		limited := func(n int) mdLayout {
			return mdLayout{detail: constDetail(detailAddress), shown: n,
				cut: fmt.Sprintf("field details and notes are left out, and %d of %d changes are not listed (destructive changes are listed first)", total-n, total)}
		}
		for lo+1 < hi {
			mid := (lo + hi) / 2
			if fits(limited(mid)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		done = fits(limited(lo)) && lo > 0
	}
	if !done {
		done = fits(mdLayout{countsOnly: true, cut: "only the counts of changes are shown"})
	}
	if !done {
		// Not even the counts fit (a tiny MaxBytes): cut at a character
		// boundary rather than exceed the limit.
		doc = truncateUTF8(doc, limit)
	}
	_, err := io.WriteString(w, doc)
	return err
}

// constDetail returns a detail chooser that shows every change alike.
func constDetail(d detail) func(Change) detail { return func(Change) detail { return d } }

// isDestructive reports whether an action removes something live.
func isDestructive(a Action) bool { return a == Delete || a == Replace }

// mdGroup is one collapsible section of the comment.
type mdGroup struct {
	title   string
	open    bool
	changes []item
	// now is the plan's time, for "last used 2 hours ago".
	now time.Time
	// column is where notes start in this group's diff block: computed
	// over all its changes, so that a change renders the same whatever
	// else fits.
	column int
	// blocks caches each change's rendering per detail: the layouts are
	// tried one after the other, and a change is formatted once.
	blocks [detailAddress + 1][]string
}

// block returns change i of the group rendered at detail d.
func (g *mdGroup) block(i int, d detail) string {
	if g.blocks[d] == nil {
		g.blocks[d] = make([]string, len(g.changes))
	}
	if g.blocks[d][i] == "" {
		var b strings.Builder
		cw := changeWriter{indent: "", fieldIndent: "    ", annotationColumn: g.column, now: g.now}
		cw.write(&b, g.changes[i], d)
		g.blocks[d][i] = b.String()
	}
	return g.blocks[d][i]
}

// markdownGroups splits the changes into the destructive ones (all kinds,
// shown first and expanded) and one group per kind of object, keeping the
// plan's order within each.
func markdownGroups(p *Plan) []*mdGroup {
	groups := []mdGroup{
		{title: "Destructive changes", open: true},
		{title: "Profile, socials and preferences"},
		{title: "API keys"},
		{title: "Team"},
		{title: "Access tokens"},
	}
	for _, it := range itemsOf(p) {
		c := it.c
		i := 0
		if !isDestructive(c.Action) {
			switch c.Address.Kind {
			case KindProfile, KindSocials, KindPreferences:
				i = 1
			case KindAPIKey:
				i = 2
			case KindTeamMember:
				i = 3
			default:
				i = 4
			}
		}
		groups[i].changes = append(groups[i].changes, it)
	}
	out := make([]*mdGroup, 0, len(groups))
	for i := range groups {
		if g := &groups[i]; len(g.changes) > 0 {
			g.column = annotationColumn(g.changes, "", p.ComputedAt)
			out = append(out, g)
		}
	}
	return out
}

// mdLayout is how much of the plan one rendering shows.
type mdLayout struct {
	// detail chooses the detail of each change.
	detail func(Change) detail
	// shown is how many changes are listed, in group order; the rest are
	// counted.
	shown int
	// unmanaged lists the unmanaged addresses (else only their count).
	unmanaged bool
	// countsOnly shows no change at all, only counts.
	countsOnly bool
	// cut says what was left out; empty when nothing was.
	cut string
}

// renderMarkdownDoc renders the comment with one layout.
func renderMarkdownDoc(p *Plan, groups []*mdGroup, l mdLayout, limit int) string {
	var b strings.Builder
	b.WriteString("### " + markdownTitle(p) + "\n\n")

	if l.cut != "" {
		fmt.Fprintf(&b, "> [!NOTE]\n> This plan is too large for one comment (at most %d bytes here), so %s. %s\n\n", limit, l.cut, fullPlanHint)
	}
	if ws := warningsOf(p); len(ws) > 0 {
		b.WriteString("> [!WARNING]\n")
		shown := ws
		if l.countsOnly && len(ws) > maxBriefWarnings {
			shown = ws[:maxBriefWarnings]
		}
		for i, wl := range shown {
			if i > 0 {
				b.WriteString(">\n")
			}
			if l.countsOnly {
				// Even the warnings may be what does not fit: keep
				// their first line, shortened.
				b.WriteString("> " + MarkdownText(truncateUTF8(wl.first, maxBriefWarning)))
				if len(wl.first) > maxBriefWarning {
					b.WriteString("…")
				}
			} else {
				b.WriteString("> " + MarkdownText(wl.first))
			}
			// A mass deletion's continuation lists addresses, which the
			// destructive section below already shows.
			if wl.kind == WarningMassDeletion {
				b.WriteString(" `apply` refuses it unless `--allow-mass-delete`, or `--allow-delete ADDRESS` for each deletion.")
			} else if !l.countsOnly {
				for _, r := range wl.rest {
					b.WriteString("<br>\n> " + MarkdownText(r))
				}
			}
			b.WriteString("\n")
		}
		if n := len(ws) - len(shown); n > 0 {
			fmt.Fprintf(&b, ">\n> and %d more warnings.\n", n)
		}
		b.WriteString("\n")
	}

	if p.Empty() {
		b.WriteString(MarkdownText(NoChangesLine(p)) + "\n\n")
	} else {
		s := p.Summary()
		if s.Resend > 0 {
			b.WriteString("| Create | Update | Delete | Replace | Resend |\n|---:|---:|---:|---:|---:|\n")
			fmt.Fprintf(&b, "| %d | %d | %d | %d | %d |\n\n", s.Create, s.Update, s.Delete, s.Replace, s.Resend)
		} else {
			b.WriteString("| Create | Update | Delete | Replace |\n|---:|---:|---:|---:|\n")
			fmt.Fprintf(&b, "| %d | %d | %d | %d |\n\n", s.Create, s.Update, s.Delete, s.Replace)
		}
		remaining := l.shown
		for _, g := range groups {
			n := min(remaining, len(g.changes))
			remaining -= n
			if !writeMarkdownGroup(&b, g, l, n, limit) {
				// Over the limit already: this layout is rejected, and
				// the rest of the plan need not be formatted for it.
				return b.String()
			}
		}
		if l.countsOnly || l.shown < len(p.Changes) {
			b.WriteString("\n")
		}
	}

	if lines := retiringLines(p); len(lines) > 0 {
		if l.unmanaged && !l.countsOnly {
			fmt.Fprintf(&b, "<details>\n<summary>Retiring predecessors (rotate_overlap): %d</summary>\n\n", len(lines))
			writeFenced(&b, "", strings.Join(lines, "\n")+"\n")
			b.WriteString("\n</details>\n\n")
		} else {
			fmt.Fprintf(&b, "Retiring predecessors (rotate_overlap): %d.\n\n", len(lines))
		}
	}

	if len(p.Unmanaged) > 0 {
		if l.unmanaged && !l.countsOnly {
			fmt.Fprintf(&b, "<details>\n<summary>Unmanaged (matched by ignore): %d</summary>\n\n", len(p.Unmanaged))
			writeFenced(&b, "", strings.Join(unmanagedList(p), "\n")+"\n")
			b.WriteString("\n</details>\n\n")
		} else {
			fmt.Fprintf(&b, "Unmanaged (matched by ignore): %d items.\n\n", len(p.Unmanaged))
		}
	}

	if !p.Empty() {
		b.WriteString(closingLine(p) + "\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// markdownTitle names the account (and the team account switched into).
func markdownTitle(p *Plan) string {
	account := p.Account
	if account == "" {
		account = "(unknown)"
	}
	t := "mlabctl plan for " + MarkdownCode(account)
	if p.BaseURL != "" {
		t += " at " + MarkdownCode(p.BaseURL)
	}
	switch {
	case p.SwitchTo == "":
	case p.SwitchTo == p.Account:
		t += " (team account, entered with switch-account)"
	default:
		t += ", switching to team account " + MarkdownCode(p.SwitchTo) + " first"
	}
	if p.Partial() {
		targets := make([]string, len(p.Targets))
		for i, tg := range p.Targets {
			targets[i] = MarkdownCode(tg)
		}
		t += ", partial: `--target` " + strings.Join(targets, ", ")
	}
	return t
}

// writeMarkdownGroup renders one group: a summary line with its counts and,
// unless only counts are shown, its first n changes in a diff block.
//
// It returns false, having written part of the group, as soon as the
// comment is over limit bytes.
func writeMarkdownGroup(b *strings.Builder, g *mdGroup, l mdLayout, n, limit int) bool {
	sub := Plan{Changes: make([]Change, len(g.changes))}
	for i, it := range g.changes {
		sub.Changes[i] = it.c
	}
	counts := countPhrase(sub.Summary())
	if l.countsOnly || n == 0 {
		// A bullet, not a block: there is nothing to expand.
		fmt.Fprintf(b, "- **%s**: %s\n", g.title, counts)
		return true
	}
	open := ""
	if g.open {
		open = " open"
	}
	fmt.Fprintf(b, "<details%s>\n<summary><strong>%s</strong>: %s</summary>\n\n", open, g.title, counts)
	var body strings.Builder
	for i, it := range g.changes[:n] {
		body.WriteString(g.block(i, l.detail(it.c)))
		if b.Len()+body.Len() > limit {
			b.WriteString(body.String())
			return false
		}
	}
	if rest := len(g.changes) - n; rest > 0 {
		fmt.Fprintf(&body, "# … and %d more not listed here\n", rest)
	}
	writeFenced(b, "diff", body.String())
	b.WriteString("\n</details>\n\n")
	return true
}

// writeFenced writes body (ending in a newline) in a fenced code block
// whose fence is longer than any run of backticks in body, so that no
// value can close the block early. Inside the block nothing is markup:
// HTML such as </details> in a value is shown as text.
func writeFenced(b *strings.Builder, info, body string) {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	b.WriteString(fence + info + "\n" + body + fence + "\n")
}

// longestRun returns the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}

// MarkdownText escapes text from the account (a name, a server message) for
// use in markdown prose, as GitHub renders it: it is one line cleaned by
// SanitizeLine, markdown punctuation is backslash-escaped and HTML is
// written as entities, so the text cannot open a tag, a link or a code
// span; an @ that would mention someone gets a zero-width space after it.
// Plan's and apply's markdown summaries both use it.
func MarkdownText(s string) string {
	s = SanitizeLine(strings.ReplaceAll(s, "\n", " "))
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		mention := r == '@' && !(unicode.IsLetter(prev) || unicode.IsDigit(prev) || strings.ContainsRune("._-+", prev))
		prev = r
		if mention {
			b.WriteString("@\u200b")
			continue
		}
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '!', '|', '~', '+':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MarkdownCode renders s (an address, an account name) as a one-line inline
// code span, cleaned by SanitizeLine, that no backtick in s can close. Inside
// a code span nothing else is markup, so no further escaping is needed.
func MarkdownCode(s string) string {
	s = SanitizeLine(strings.ReplaceAll(s, "\n", " "))
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		s = " " + s + " "
	}
	return fence + s + fence
}
