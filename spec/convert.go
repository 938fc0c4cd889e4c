package spec

import (
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// convert turns the node tree into the plain values JSON Schema validates
// (map[string]any, []any, string, bool, int64, float64, nil), applying
// aliases and merge keys, and reports what YAML allows but a JSON document
// cannot hold: duplicate keys, keys that are not scalars, unknown tags,
// infinities and NaN. Field paths for messages are computed only when
// something is wrong (pathOf), which keeps large files cheap.
func (l *loader) convert(n *yaml.Node) any {
	if n.Kind == yaml.AliasNode {
		return l.convert(n.Alias)
	}
	switch n.Kind {
	case yaml.MappingNode:
		if !l.collectionTag(n, "!!map") {
			return nil
		}
		l.checkMapping(n)
		ps := pairs(n)
		m := make(map[string]any, len(ps)/2)
		for i := 0; i+1 < len(ps); i += 2 {
			k := ps[i]
			if k.Kind != yaml.ScalarNode {
				continue // reported by checkMapping
			}
			if _, dup := m[k.Value]; dup {
				continue // reported by checkMapping; the first one wins
			}
			m[k.Value] = l.convert(ps[i+1])
		}
		return m
	case yaml.SequenceNode:
		if !l.collectionTag(n, "!!seq") {
			return nil
		}
		s := make([]any, len(n.Content))
		for i, item := range n.Content {
			s[i] = l.convert(item)
		}
		return s
	case yaml.ScalarNode:
		return l.scalar(n)
	}
	return nil
}

// collectionTag reports a mapping or list carrying a tag other than its
// plain one (!!set, !!omap, a custom !tag): their meaning would be lost.
func (l *loader) collectionTag(n *yaml.Node, plain string) bool {
	if n.Tag == "" || n.Tag == "!" || n.ShortTag() == plain {
		return true
	}
	l.unsupportedTag(n)
	return false
}

// checkMapping reports duplicate and non-scalar keys and malformed merge
// values of one mapping. yaml.v3 reports duplicates only when decoding into
// Go values, never into nodes, so the walk is ours.
func (l *loader) checkMapping(n *yaml.Node) {
	first := newFirstKeys(n.Content)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			l.report(k, fmt.Sprintf("%s: a key must be a plain name, not %s", orTop(l.pathOf(n)), describe(k)), "")
			l.markBad(k)
			continue
		}
		if isMergeKey(k) {
			v := deref(n.Content[i+1])
			ok := v.Kind == yaml.MappingNode
			if v.Kind == yaml.SequenceNode {
				ok = true
				for _, item := range v.Content {
					ok = ok && deref(item).Kind == yaml.MappingNode
				}
			}
			if !ok {
				l.report(n.Content[i+1], fmt.Sprintf("%s: a merge key (<<) must be followed by an alias of a mapping or a list of them, not %s", orTop(l.pathOf(n)), describe(v)), "")
			}
			continue
		}
		if prev := first.before(i); prev != nil {
			l.report(k, fmt.Sprintf("%s: duplicate key %q", join(l.pathOf(n), k.Value), k.Value),
				fmt.Sprintf("first defined at %s; YAML keeps only one, so remove one of them", l.pos(prev)))
			l.markBad(k)
		}
	}
}

// firstKeys finds, for each key of a mapping in turn, the first earlier
// scalar key with the same text. Mappings in modelslab.yaml have a handful
// of keys, where a scan beats building a set; a big mapping (a hostile
// file) gets a set, so the cost stays linear.
type firstKeys struct {
	content []*yaml.Node
	seen    map[string]*yaml.Node
}

// smallMapping is the number of keys up to which firstKeys scans.
const smallMapping = 16

func newFirstKeys(content []*yaml.Node) *firstKeys {
	f := &firstKeys{content: content}
	if len(content) > 2*smallMapping {
		f.seen = make(map[string]*yaml.Node, len(content)/2)
	}
	return f
}

// before returns the first scalar key before index i with the text of the
// key at i, or nil. Calls must go in increasing order of i.
func (f *firstKeys) before(i int) *yaml.Node {
	k := f.content[i]
	if f.seen != nil {
		if prev, ok := f.seen[k.Value]; ok {
			return prev
		}
		if k.Kind == yaml.ScalarNode && !isMergeKey(k) {
			f.seen[k.Value] = k
		}
		return nil
	}
	for j := 0; j < i; j += 2 {
		if c := f.content[j]; c.Kind == yaml.ScalarNode && c.Value == k.Value && !isMergeKey(c) {
			return c
		}
	}
	return nil
}

// scalar converts a scalar by its resolved tag. The common cases (strings,
// plain booleans and decimal integers) avoid yaml.v3's reflection decoder,
// which matters for files with thousands of entries.
func (l *loader) scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!str", "!!timestamp", "!!binary":
		// A timestamp or base64 text is just a string to us: no field is a date.
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		b, err := decodeBool(n)
		if err != nil {
			return l.notA(n, "a boolean", "write true or false")
		}
		return b
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return l.notA(n, "an integer", "")
		}
		switch v := v.(type) {
		case int:
			return int64(v)
		case int64, uint64, float64:
			return v
		}
		return n.Value
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return l.notA(n, "a number", "")
		}
		if math.IsInf(f, 0) || math.IsNaN(f) {
			l.report(n, fmt.Sprintf("%s: %s is not a finite number", orTop(l.pathOf(n)), n.Value), "")
			l.markBad(n)
			return nil
		}
		return f
	}
	l.unsupportedTag(n)
	return nil
}

// decodeBool reads a scalar tagged !!bool: the plain true and false
// directly, other spellings through yaml.v3's decoder, which may refuse
// them.
func decodeBool(n *yaml.Node) (bool, error) {
	switch n.Value {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	var b bool
	err := n.Decode(&b)
	return b, err
}

// notA reports a scalar whose text does not decode as the type its tag
// says (what: "a boolean", "an integer", "a number"), marks it as reported,
// and returns the text as written in its place.
func (l *loader) notA(n *yaml.Node, what, hint string) any {
	l.report(n, fmt.Sprintf("%s: %s is not %s", orTop(l.pathOf(n)), quote(n.Value), what), hint)
	l.markBad(n)
	return n.Value
}

// unsupportedTag reports a node whose tag has no meaning in modelslab.yaml
// and marks it as reported.
func (l *loader) unsupportedTag(n *yaml.Node) {
	l.report(n, fmt.Sprintf("%s: unsupported YAML tag %s", orTop(l.pathOf(n)), n.Tag), "modelslab.yaml holds only strings, numbers, booleans, lists and mappings")
	l.markBad(n)
}

// orTop names the top level of the document in messages.
func orTop(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}
