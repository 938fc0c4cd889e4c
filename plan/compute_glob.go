package plan

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// globs is a compiled list of `ignore` or `access_tokens.keep` patterns.
//
// The syntax is path.Match's (`*`, `?`, `[...]` classes with `!` or `^` to
// negate, `\` to escape), except that `*` and `?` also match `/`: names and
// emails are not paths, and CONTRACT.md promises that "*" matches every name.
type globs struct {
	patterns []string
	res      []*regexp.Regexp
}

// compileGlobs compiles patterns; fold makes matching case-insensitive (for
// emails). field names the list in errors ("ignore.api_keys").
func compileGlobs(field string, patterns []string, fold bool) (globs, error) {
	g := globs{patterns: patterns, res: make([]*regexp.Regexp, len(patterns))}
	for i, p := range patterns {
		re, err := globRegexp(p, fold)
		if err != nil {
			return globs{}, fmt.Errorf("%s: invalid glob %q: %w", field, p, err)
		}
		g.res[i] = re
	}
	return g, nil
}

// match returns the first pattern matching name, and whether one did.
func (g globs) match(name string) (string, bool) {
	for i, re := range g.res {
		if re.MatchString(name) {
			return g.patterns[i], true
		}
	}
	return "", false
}

// globRegexp translates one glob into an anchored regular expression.
func globRegexp(pattern string, fold bool) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("(?s")
	if fold {
		b.WriteString("i")
	}
	b.WriteString(")^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 == len(rs) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case '[':
			end := i + 1
			if end < len(rs) && (rs[end] == '!' || rs[end] == '^') {
				end++
			}
			// A ']' right after '[' or '[!' is part of the class.
			if end < len(rs) && rs[end] == ']' {
				end++
			}
			for end < len(rs) && rs[end] != ']' {
				end++
			}
			if end >= len(rs) {
				return nil, fmt.Errorf("unclosed character class at %q", string(rs[i:]))
			}
			b.WriteString(classRegexp(rs[i+1 : end]))
			i = end
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// classRegexp translates the inside of a glob class ("a-z", "!0-9").
func classRegexp(class []rune) string {
	var b strings.Builder
	b.WriteString("[")
	if len(class) > 0 && (class[0] == '!' || class[0] == '^') {
		b.WriteString("^")
		class = class[1:]
	}
	for _, r := range class {
		if r != '-' && r < unicode.MaxASCII && unicode.IsPunct(r) || r == '^' || r == '$' || r == '+' || r == '|' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteString("]")
	return b.String()
}
