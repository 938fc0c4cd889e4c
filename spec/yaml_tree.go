package spec

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Helpers over yaml.v3 nodes shared by every stage: following aliases and
// merge keys the way a YAML decoder would, describing a node in messages,
// and finding the node a JSON pointer names.

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isMergeKey reports whether k is the YAML merge key `<<`.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// pairs returns the key/value pairs of mapping m as a flat [k0, v0, k1,
// v1, …] slice, with merge keys (`<<: *base`) applied: explicit keys first,
// then merged keys not already present, earlier merges winning. Without a
// merge key it is m.Content itself (no copy). Bad merge values are skipped
// here and reported by convert. Callers must have run checkAliases, so
// merges cannot cycle.
func pairs(m *yaml.Node) []*yaml.Node {
	hasMerge := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMergeKey(m.Content[i]) {
			hasMerge = true
			break
		}
	}
	if !hasMerge {
		return m.Content
	}
	var out []*yaml.Node
	seen := map[string]bool{}
	add := func(k, v *yaml.Node) {
		if seen[k.Value] {
			return
		}
		seen[k.Value] = true
		out = append(out, k, v)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			add(m.Content[i], m.Content[i+1])
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			continue
		}
		for _, src := range mergeSources(m.Content[i+1]) {
			merged := pairs(src)
			for j := 0; j+1 < len(merged); j += 2 {
				add(merged[j], merged[j+1])
			}
		}
	}
	return out
}

// mergeSources lists the mappings a merge value names: one mapping, or a
// list of them. Anything else yields nothing.
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = deref(v)
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range v.Content {
			if item = deref(item); item.Kind == yaml.MappingNode {
				out = append(out, item)
			}
		}
		return out
	}
	return nil
}

// field returns the key and value nodes of key name in mapping m.
func field(m *yaml.Node, name string) (key, value *yaml.Node) {
	ps := pairs(m)
	for i := 0; i+1 < len(ps); i += 2 {
		if ps[i].Value == name {
			return ps[i], ps[i+1]
		}
	}
	return nil, nil
}

// lookup returns the node a JSON pointer (a validation error's instance
// location, such as /api_keys/1/name) names under root, or nil.
func lookup(root *yaml.Node, pointer string) *yaml.Node {
	n := root
	if pointer == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		n = deref(n)
		switch n.Kind {
		case yaml.MappingNode:
			_, n = field(n, tok)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// fieldPath renders a JSON pointer as the path a user reads in messages:
// /api_keys/1/name becomes api_keys[1].name.
func fieldPath(root *yaml.Node, pointer string) string {
	if pointer == "" {
		return ""
	}
	var b strings.Builder
	n := root
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		n = deref(n)
		if n != nil && n.Kind == yaml.SequenceNode {
			fmt.Fprintf(&b, "[%s]", tok)
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				n = n.Content[i]
			} else {
				n = nil
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(keyText(tok))
		if n != nil && n.Kind == yaml.MappingNode {
			_, n = field(n, tok)
		} else {
			n = nil
		}
	}
	return b.String()
}

// join appends a key to a field path.
func join(path, key string) string {
	if path == "" {
		return keyText(key)
	}
	return path + "." + keyText(key)
}

// index appends a list index to a field path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// keyText quotes a key that would not read as a plain name in a path.
func keyText(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return strconv.Quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// describe names what a node holds, for "got …" in messages: a mapping, a
// list, null, or the scalar itself (quoted when it is a string).
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str", "!!timestamp", "!!binary":
			return quote(n.Value)
		}
		return n.Value
	}
	return "a document"
}

// quote quotes a user's value for a message, shortened to stay one line.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// parentLink records where a node sits in the raw tree: under which
// collection, and at which key or index.
type parentLink struct {
	parent *yaml.Node
	key    string
	index  int // -1 for a mapping value
}

// pathOf returns the field path (api_keys[3].rotate_after) of a node as
// written in the file: an aliased node is named where its anchor is. The
// parent index is built on first use, so valid files never pay for it and
// a file with thousands of errors pays once.
func (l *loader) pathOf(n *yaml.Node) string {
	if l.parents == nil {
		l.parents = map[*yaml.Node]parentLink{}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			switch n.Kind {
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i], n.Content[i+1]
					if k.Kind != yaml.ScalarNode {
						continue
					}
					if _, seen := l.parents[v]; !seen {
						l.parents[v] = parentLink{parent: n, key: k.Value, index: -1}
						walk(v)
					}
				}
			case yaml.SequenceNode:
				for i, item := range n.Content {
					if _, seen := l.parents[item]; !seen {
						l.parents[item] = parentLink{parent: n, index: i}
						walk(item)
					}
				}
			}
		}
		if l.root != nil {
			walk(l.root)
		}
	}
	var steps []parentLink
	for n != l.root {
		link, ok := l.parents[n]
		if !ok {
			break
		}
		steps = append(steps, link)
		n = link.parent
	}
	path := ""
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].index >= 0 {
			path = index(path, steps[i].index)
		} else {
			path = join(path, steps[i].key)
		}
	}
	return path
}
