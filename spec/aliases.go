package spec

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// checkAliases refuses documents whose anchors and aliases would expand to
// more than MaxAliasNodes extra nodes (the "billion laughs" attack: ten
// nested aliases of ten make 10^10 nodes from a few hundred bytes), and
// aliases that refer to the node containing them. It counts without
// expanding: the expanded size of each anchored node is computed once and
// capped, so the check is linear in the file's size.
func (l *loader) checkAliases(root *yaml.Node) bool {
	c := aliasCounter{sizes: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	total := 0
	ok := true
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind != yaml.AliasNode {
			// Only anchored nodes can be an alias's target, so only they
			// need to be known as ancestors.
			if n.Anchor != "" {
				c.active[n] = true
				defer delete(c.active, n)
			}
			for _, child := range n.Content {
				if !walk(child) {
					return false
				}
			}
			return true
		}
		size, cyclic := c.size(n.Alias)
		if cyclic || c.active[n.Alias] {
			l.report(n, fmt.Sprintf("alias *%s refers to the node that contains it", n.Value), "a YAML alias must name a node defined before it and outside it")
			ok = false
			return false
		}
		total = capAdd(total, size)
		if total > MaxAliasNodes {
			l.report(n, "anchors and aliases expand to more than 10,000 nodes",
				fmt.Sprintf("alias *%s alone expands to %s; write the values out instead", n.Value, countText(size)))
			ok = false
			return false
		}
		return true
	}
	walk(root)
	return ok
}

// aliasCounter memoizes the expanded size of anchored nodes.
type aliasCounter struct {
	sizes  map[*yaml.Node]int
	active map[*yaml.Node]bool // nodes being sized: reaching one again is a cycle
}

// sizeCap bounds every count: anything above it is refused anyway, and
// capping keeps the sums from overflowing.
const sizeCap = 1 << 40

// size is the number of nodes n stands for once every alias inside it is
// expanded; cyclic reports an alias inside n that refers back to n.
func (c *aliasCounter) size(n *yaml.Node) (size int, cyclic bool) {
	if n == nil {
		return 0, false
	}
	if n.Kind == yaml.AliasNode {
		return c.size(n.Alias)
	}
	if s, ok := c.sizes[n]; ok {
		return s, false
	}
	if c.active[n] {
		return 0, true
	}
	c.active[n] = true
	defer delete(c.active, n)
	size = 1
	for _, child := range n.Content {
		s, cyc := c.size(child)
		if cyc {
			return 0, true
		}
		size = capAdd(size, s)
	}
	if n.Anchor != "" {
		c.sizes[n] = size
	}
	return size, false
}

func capAdd(a, b int) int {
	if a+b > sizeCap {
		return sizeCap
	}
	return a + b
}

// countText renders a node count, saying "over a trillion" for the cap.
func countText(n int) string {
	if n >= sizeCap {
		return "over a trillion nodes"
	}
	return fmt.Sprintf("%d nodes", n)
}
