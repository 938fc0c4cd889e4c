package releasetest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// evalExpr evaluates the part of GitHub's expression language that
// action.yml uses: context values (lookup), '…' strings, ==, != (which
// compare strings case-insensitively, as GitHub does), && and || (which
// return an operand: `a || b` is a when a is non-empty). An unknown
// construct is an error, so the action cannot outgrow this evaluator
// without its tests saying so.
func evalExpr(expr string, lookup func(name string) (string, error)) (string, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return "", err
	}
	p := &exprParser{toks: toks, lookup: lookup}
	v, err := p.or()
	if err != nil {
		return "", fmt.Errorf("%q: %w", expr, err)
	}
	if p.pos != len(p.toks) {
		return "", fmt.Errorf("%q: unexpected %q", expr, p.toks[p.pos])
	}
	return v, nil
}

var exprToken = regexp.MustCompile(`^\s*(?:('(?:[^']|'')*')|(&&|\|\||==|!=)|([A-Za-z_][A-Za-z0-9_.-]*))`)

func tokenize(s string) ([]string, error) {
	var toks []string
	for strings.TrimSpace(s) != "" {
		m := exprToken.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("cannot read %q", s)
		}
		toks = append(toks, strings.TrimSpace(m[0]))
		s = s[len(m[0]):]
	}
	return toks, nil
}

type exprParser struct {
	toks   []string
	pos    int
	lookup func(string) (string, error)
}

func (p *exprParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *exprParser) or() (string, error) {
	v, err := p.and()
	for err == nil && p.peek() == "||" {
		p.pos++
		var r string
		if r, err = p.and(); v == "" {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) and() (string, error) {
	v, err := p.cmp()
	for err == nil && p.peek() == "&&" {
		p.pos++
		var r string
		if r, err = p.cmp(); v != "" {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) cmp() (string, error) {
	l, err := p.operand()
	if err != nil {
		return "", err
	}
	if op := p.peek(); op == "==" || op == "!=" {
		p.pos++
		r, err := p.operand()
		if err != nil {
			return "", err
		}
		if strings.EqualFold(l, r) == (op == "==") {
			return "true", nil
		}
		return "", nil // false
	}
	return l, nil
}

func (p *exprParser) operand() (string, error) {
	t := p.peek()
	p.pos++
	switch {
	case t == "":
		return "", fmt.Errorf("unexpected end")
	case strings.HasPrefix(t, "'"):
		return strings.ReplaceAll(t[1:len(t)-1], "''", "'"), nil
	case t == "&&" || t == "||" || t == "==" || t == "!=":
		return "", fmt.Errorf("unexpected %q", t)
	}
	return p.lookup(t)
}

// expression matches a ${{ }} expression inside a value.
var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// fillExprs replaces each ${{ }} of v by its value.
func fillExprs(v string, lookup func(string) (string, error)) (string, error) {
	var firstErr error
	out := expression.ReplaceAllStringFunc(v, func(m string) string {
		val, err := evalExpr(expression.FindStringSubmatch(m)[1], lookup)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return val
	})
	return out, firstErr
}

func TestEvalExpr(t *testing.T) {
	vals := map[string]string{"steps.a.outputs.x": "source", "steps.b.outputs.path": "/b", "inputs.empty": "", "inputs.t": "true"}
	lookup := func(n string) (string, error) {
		v, ok := vals[n]
		if !ok {
			return "", fmt.Errorf("no %s", n)
		}
		return v, nil
	}
	for expr, want := range map[string]string{
		"steps.a.outputs.x == 'source'":                                       "true",
		"steps.a.outputs.x == 'SOURCE'":                                       "true", // case-insensitive
		"steps.a.outputs.x != 'source'":                                       "",
		"steps.a.outputs.x == 'source' && inputs.t == 'true'":                 "true",
		"steps.a.outputs.x == 'release' && inputs.t == 'true'":                "",
		"inputs.empty || steps.b.outputs.path":                                "/b",
		"steps.b.outputs.path || inputs.empty":                                "/b",
		"inputs.empty != ''":                                                  "",
		"'it''s'":                                                             "it's",
		"inputs.t == 'true' && steps.a.outputs.x == 'source' || inputs.empty": "true",
	} {
		got, err := evalExpr(expr, lookup)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", expr, got, err, want)
		}
	}
	for _, bad := range []string{"inputs.nope", "inputs.t ==", "format('{0}', inputs.t)", "!inputs.t"} {
		if _, err := evalExpr(bad, lookup); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
