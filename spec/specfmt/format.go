// Package specfmt is `mlabctl fmt`: it rewrites a modelslab.yaml in
// canonical form, keeping every comment, and shows what it would change as
// a unified diff.
//
// The canonical form: two-space indentation with list items indented under
// their key; the keys of every section in the order of CONTRACT.md (version,
// account, profile, socials, preferences, api_keys, team, access_tokens,
// ignore, policy, and within each entry name or email first), unknown keys
// after the known ones in their order, merge keys (<<) first; one blank line
// between top-level sections and at most one, where the file had one,
// between the entries and keys inside them, and between a comment and the
// entry or key below it; LF line endings, no byte order
// mark, no document start marker. Values, quoting styles, flow or block
// style, anchors and aliases are kept as written.
//
// Format is idempotent and never changes what the file means: it checks
// that the formatted document decodes to the same value as the original and
// refuses (an error, nothing written) otherwise. It works on YAML, not on a
// valid modelslab.yaml: an invalid file is formatted as far as YAML goes,
// and `mlabctl validate` says what is wrong with it.
package specfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/mlabctl/mlabctl/spec"
)

// keyOrders is the canonical order of the keys of each mapping, by its
// path: "" is the document, "api_keys[]" an entry of api_keys.
var keyOrders = map[string][]string{
	"":              {"version", "account", "profile", "socials", "preferences", "api_keys", "team", "access_tokens", "ignore", "policy"},
	"profile":       {"name", "username", "about_me"},
	"socials":       {"facebook", "github", "twitter", "instagram", "discord", "website"},
	"preferences":   {"nsfw_content", "wallet_notification_enabled", "wallet_notification_threshold"},
	"api_keys[]":    {"name", "id", "notes", "protect", "rotate_after", "rotate_overlap"},
	"team[]":        {"email", "role", "permissions"},
	"access_tokens": {"keep"},
	"ignore":        {"api_keys", "team"},
	"policy":        {"min_admins", "max_delete_percent", "protect_used_within", "resend_invites_after"},
}

// marker starts the comments fmt uses itself while the document is
// encoded: yaml.v3 drops blank lines and the spacing before a line comment,
// but keeps comments exactly where they belong.
const marker = "mlabctl-fmt-5d0c7e1f:"

// blankLine is the comment that stands for a blank line; every line holding
// only it becomes an empty line.
const blankLine = "# " + marker + "blank"

// columnMark prefixes a line comment with the column it started at in the
// source ("#" columnMark "12:" then the comment without its "#"), so that
// aligned comments stay aligned.
const columnMark = marker + "column="

// indent is the canonical indentation.
const indent = 2

// Format returns data, a modelslab.yaml, in canonical form. name is used in
// errors. An error means data is not one YAML document holding a mapping,
// or could not be formatted without changing its meaning; data is then
// left as it is.
func Format(name string, data []byte) ([]byte, error) {
	src := bytes.ReplaceAll(bytes.TrimPrefix(data, []byte("\ufeff")), []byte("\r\n"), []byte("\n"))
	if bytes.Contains(src, []byte(marker)) {
		return nil, fmt.Errorf("%s: holds %q, which fmt uses itself; remove it", name, marker)
	}
	doc, err := decodeOne(name, src)
	if err != nil {
		return nil, err
	}
	if n := expanded(doc, map[*yaml.Node]int{}); n > spec.MaxAliasNodes {
		// Decoding to compare meanings would expand them: a "billion
		// laughs" costs nothing to write and everything to read.
		return nil, fmt.Errorf("%s: anchors and aliases expand to more than %d nodes", name, spec.MaxAliasNodes)
	}
	var before any
	if err := doc.Decode(&before); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines := strings.Split(string(src), "\n")
	f := formatter{lines: lines, done: map[*yaml.Node]bool{}}
	root := doc.Content[0]
	f.node(root, "", true)
	// One blank line between top-level sections, whatever the file had.
	for i := 2; i < len(root.Content); i += 2 {
		markBlank(root.Content[i])
	}
	fixAnchorOrder(doc)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(indent)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("%s: encoding: %w", name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: encoding: %w", name, err)
	}
	out := blankLines(columns(buf.Bytes()))

	// The safety net: the formatted file must mean what the file meant.
	check, err := decodeOne(name, out)
	if err != nil {
		return nil, fmt.Errorf("%s: internal error: the formatted file does not parse (%v); the file was left as it is", name, err)
	}
	var after any
	if err := check.Decode(&after); err != nil || !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("%s: internal error: formatting would change what the file means; the file was left as it is", name)
	}
	return out, nil
}

// expanded counts the nodes of n with every alias expanded, each anchored
// node counted once (memo), and stops counting past spec.MaxAliasNodes.
func expanded(n *yaml.Node, memo map[*yaml.Node]int) int {
	if n == nil {
		return 0
	}
	if v, ok := memo[n]; ok {
		return v
	}
	memo[n] = spec.MaxAliasNodes + 1 // a cycle counts as too many
	total := 1
	if n.Kind == yaml.AliasNode {
		total += expanded(n.Alias, memo)
	}
	for _, c := range n.Content {
		if total > spec.MaxAliasNodes {
			break
		}
		total += expanded(c, memo)
	}
	total = min(total, spec.MaxAliasNodes+1)
	memo[n] = total
	return total
}

// decodeOne parses data as exactly one YAML document whose root is a
// mapping.
func decodeOne(name string, data []byte) (doc *yaml.Node, err error) {
	defer func() {
		// yaml.v3 has panicked on malformed input before.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%s: YAML syntax error: %v", name, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		docs = append(docs, &d)
	}
	switch {
	case len(docs) == 0 || len(docs[0].Content) == 0:
		return nil, fmt.Errorf("%s: the file is empty; start it with \"version: 1\"", name)
	case len(docs) > 1:
		return nil, fmt.Errorf("%s: holds %d YAML documents; mlabctl reads exactly one", name, len(docs))
	case docs[0].Content[0].Kind != yaml.MappingNode:
		return nil, fmt.Errorf("%s: the document is not a mapping of sections (version:, api_keys:, …)", name)
	}
	return docs[0], nil
}

// formatter walks the node tree once, reordering mappings and recording
// the blank lines of the source.
type formatter struct {
	lines []string
	// done marks nodes already walked: an anchored node is reached once
	// more through each alias.
	done map[*yaml.Node]bool
}

// node formats n, found at path, whose parent is a block collection when
// block is true (only there can a blank line or a comment stand).
func (f *formatter) node(n *yaml.Node, path string, block bool) {
	if n == nil || f.done[n] {
		return
	}
	f.done[n] = true
	f.recordColumn(n)
	inBlock := block && n.Style&yaml.FlowStyle == 0
	switch n.Kind {
	case yaml.MappingNode:
		if inBlock {
			for i := 0; i+1 < len(n.Content); i += 2 {
				f.recordBlank(n.Content[i], i == 0)
				keepBlankAfterHead(n.Content[i])
			}
		}
		reorder(n, keyOrders[path])
		if len(n.Content) > 0 {
			// The first key never gets a blank line above it, also when
			// reordering made it first (yaml.v3 would write the marker
			// after an entry's "- ").
			if k := n.Content[0]; strings.HasPrefix(k.HeadComment, blankLine) {
				k.HeadComment = strings.TrimPrefix(strings.TrimPrefix(k.HeadComment, blankLine), "\n")
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				// yaml.v3 would write the tag out ("!!merge <<:");
				// untagged, "<<" resolves to a merge key again.
				k.Tag = ""
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			f.recordColumn(n.Content[i])
			f.node(n.Content[i+1], childPath(path, n.Content[i].Value), inBlock)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			if inBlock && i > 0 {
				f.headFromFoot(item, n.Content[i-1].Line)
			}
			if inBlock {
				f.recordBlank(item, i == 0)
				keepBlankAfterHead(item)
			}
			f.node(item, path+"[]", inBlock)
		}
	}
}

// headFromFoot undoes a placement of yaml.v3's: a comment between two list
// entries that a blank line separates from the second is read as the foot
// comment of the second entry's first key, and would be written below that
// key. When the source has the comment above the entry (after the line of
// the entry before, prevLine), it is made the entry's head comment again.
func (f *formatter) headFromFoot(item *yaml.Node, prevLine int) {
	if item.Kind != yaml.MappingNode || len(item.Content) == 0 {
		return
	}
	k := item.Content[0]
	if k.FootComment == "" {
		return
	}
	first, _, _ := strings.Cut(k.FootComment, "\n")
	for l := max(prevLine, 1); l < item.Line && l <= len(f.lines); l++ {
		if strings.TrimSpace(f.lines[l-1]) == strings.TrimSpace(first) {
			item.HeadComment = strings.TrimPrefix(item.HeadComment+"\n"+k.FootComment, "\n")
			// A blank line between the comment and the entry stays.
			if end := l + strings.Count(k.FootComment, "\n"); end < item.Line-1 && strings.TrimSpace(f.lines[end]) == "" {
				item.HeadComment += "\n" + blankLine
			}
			k.FootComment = ""
			return
		}
	}
}

// childPath is the path of the value of key in the mapping at path.
func childPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// recordColumn marks n's line comment with the column it starts at in the
// source: the line of n, or the one before (yaml.v3 gives a block mapping
// the comment of the key line above it).
func (f *formatter) recordColumn(n *yaml.Node) {
	c := n.LineComment
	if c == "" || !strings.HasPrefix(c, "#") || strings.Contains(c, "\n") {
		return
	}
	for _, l := range []int{n.Line, n.Line - 1} {
		if l < 1 || l > len(f.lines) {
			continue
		}
		line := f.lines[l-1]
		i := strings.LastIndex(line, c)
		if i <= 0 || strings.TrimSpace(line[:i]) == "" {
			continue
		}
		col := utf8.RuneCountInString(line[:i])
		n.LineComment = "#" + columnMark + strconv.Itoa(col) + ":" + c[1:]
		return
	}
}

// columns puts every marked line comment back at its source column when
// what precedes it is shorter, one space after it otherwise.
func columns(out []byte) []byte {
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		j := strings.Index(l, "#"+columnMark)
		if j < 0 {
			continue
		}
		rest := l[j+1+len(columnMark):]
		num, comment, ok := strings.Cut(rest, ":")
		col, err := strconv.Atoi(num)
		if !ok || err != nil {
			continue
		}
		before := strings.TrimRight(l[:j], " ")
		pad := max(1, col-utf8.RuneCountInString(before))
		lines[i] = before + strings.Repeat(" ", pad) + "#" + comment
	}
	return []byte(strings.Join(lines, "\n"))
}

// recordBlank marks n when the source has a blank line right before it
// (before its head comment, if any). The first entry of a collection never
// gets one.
func (f *formatter) recordBlank(n *yaml.Node, first bool) {
	if first || n.Line == 0 {
		return
	}
	start := n.Line
	if n.HeadComment != "" {
		start -= strings.Count(n.HeadComment, "\n") + 1
	}
	if i := start - 2; i >= 0 && i < len(f.lines) && strings.TrimSpace(f.lines[i]) == "" {
		markBlank(n)
	}
}

// keepBlankAfterHead keeps the blank line between n's head comment and n:
// yaml.v3 reads it as a line break ending the comment, and writes the
// comment without it.
func keepBlankAfterHead(n *yaml.Node) {
	if strings.HasSuffix(n.HeadComment, "\n") {
		n.HeadComment = strings.TrimRight(n.HeadComment, "\n") + "\n" + blankLine
	}
}

// markBlank puts a blank line before n (once).
func markBlank(n *yaml.Node) {
	if strings.HasPrefix(n.HeadComment, blankLine) {
		return
	}
	if n.HeadComment == "" {
		n.HeadComment = blankLine
		return
	}
	n.HeadComment = blankLine + "\n" + n.HeadComment
}

// reorder sorts the pairs of mapping m: merge keys first, then the keys of
// order in that order, then the others as they were. The comment below the
// last pair (a foot comment) stays below the last pair.
func reorder(m *yaml.Node, order []string) {
	n := len(m.Content) / 2
	if n < 2 {
		return
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, n)
	for i := range pairs {
		pairs[i] = pair{m.Content[2*i], m.Content[2*i+1]}
	}
	last := pairs[n-1]
	rank := func(p pair) int {
		if p.k.Kind == yaml.ScalarNode && p.k.ShortTag() == "!!merge" {
			return -1
		}
		if i := slices.Index(order, p.k.Value); i >= 0 && p.k.Kind == yaml.ScalarNode {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a) - rank(b) })
	if pairs[n-1] != last {
		foot := last.k.FootComment
		if foot == "" {
			foot, last.v.FootComment = last.v.FootComment, ""
		} else {
			last.k.FootComment = ""
		}
		if foot != "" {
			nl := pairs[n-1].k
			nl.FootComment = strings.TrimPrefix(nl.FootComment+"\n"+foot, "\n")
		}
	}
	for i, p := range pairs {
		m.Content[2*i], m.Content[2*i+1] = p.k, p.v
	}
}

// fixAnchorOrder makes every anchor come before its aliases again, in the
// order the document is written: reordering keys can move an alias above
// its anchor, which YAML forbids. The first node written gets the anchor
// and the content, the anchored node becomes an alias to it.
func fixAnchorOrder(doc *yaml.Node) {
	defined := map[*yaml.Node]bool{}
	var aliases []*yaml.Node // every alias node, to repoint
	var collect func(n *yaml.Node)
	collect = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			aliases = append(aliases, n)
			return
		}
		for _, c := range n.Content {
			collect(c)
		}
	}
	collect(doc)
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch {
		case n.Kind == yaml.AliasNode && n.Alias != nil && !defined[n.Alias]:
			target := n.Alias
			// n takes target's place: its content and anchor, keeping
			// its own comments; target becomes the alias.
			hc, lc, fc := n.HeadComment, n.LineComment, n.FootComment
			thc, tlc, tfc := target.HeadComment, target.LineComment, target.FootComment
			*n, *target = *target, yaml.Node{Kind: yaml.AliasNode, Alias: n, Value: target.Anchor}
			n.HeadComment, n.LineComment, n.FootComment = hc, lc, fc
			target.HeadComment, target.LineComment, target.FootComment = thc, tlc, tfc
			for _, a := range aliases {
				if a != target && a.Alias == target {
					a.Alias = n
				}
			}
			aliases = append(aliases, target)
			defined[n] = true
			for _, c := range n.Content {
				walk(c)
			}
		case n.Kind == yaml.AliasNode:
		default:
			if n.Anchor != "" {
				defined[n] = true
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
	}
	walk(doc)
}

// blankLines turns the blankLine comments back into empty lines and ends
// the file with exactly one newline.
func blankLines(out []byte) []byte {
	lines := strings.Split(string(out), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if strings.TrimSpace(l) == blankLine {
			if len(kept) == 0 || kept[len(kept)-1] == "" {
				continue // never two, never at the top
			}
			l = ""
		}
		kept = append(kept, l)
	}
	return []byte(strings.TrimRight(strings.Join(kept, "\n"), "\n") + "\n")
}
