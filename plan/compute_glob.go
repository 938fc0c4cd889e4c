package plan

import (
	"fmt"
	"strings"

	"github.com/mlabctl/mlabctl/spec"
)

// globs is a list of `ignore` or `access_tokens.keep` patterns. Matching is
// the loader's (spec.MatchGlob: path.Match syntax where "/" is an ordinary
// character, so "*" matches every name as CONTRACT.md promises); there is
// one glob dialect in mlabctl, and `validate` accepts exactly the patterns
// plan can match.
type globs struct {
	patterns []string
	fold     bool
}

// compileGlobs checks patterns; fold makes matching case-insensitive (for
// emails). field names the list in errors ("ignore.api_keys"). The loader has
// already refused bad patterns; the check here keeps Compute safe for specs
// built in Go.
func compileGlobs(field string, patterns []string, fold bool) (globs, error) {
	g := globs{patterns: patterns, fold: fold}
	for _, p := range patterns {
		if err := spec.CheckGlob(p); err != nil {
			return globs{}, fmt.Errorf("%s: %w", field, err)
		}
	}
	return g, nil
}

// match returns the first pattern matching name, and whether one did.
func (g globs) match(name string) (string, bool) {
	for _, p := range g.patterns {
		pattern, subject := p, name
		if g.fold {
			pattern, subject = strings.ToLower(p), strings.ToLower(name)
		}
		if spec.MatchGlob(pattern, subject) {
			return p, true
		}
	}
	return "", false
}
