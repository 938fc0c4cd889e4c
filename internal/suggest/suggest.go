// Package suggest finds the "did you mean" of a misspelt name: a file field
// (spec), a --target or --replace address (plan). One rule everywhere: the
// closest candidate within two edits, compared case-insensitively.
package suggest

import "strings"

// maxDistance is the largest edit distance still taken for a typo.
const maxDistance = 2

// Closest returns the candidate within two edits of name (a likely typo;
// a difference of case alone is closest of all), the first of the closest
// ones in candidates' order, or "" when none is close or name is itself a
// candidate.
func Closest(name string, candidates []string) string {
	best, bestDist := "", maxDistance+1
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			return ""
		}
		if d := Distance(lower, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
