package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/mlabctl/mlabctl/internal/suggest"
	"github.com/mlabctl/mlabctl/schema"
)

// checkSchema validates the converted document against the embedded JSON
// Schema and turns each leaf validation error into a diagnostic at the YAML
// node its instance location names, worded for a person rather than in
// schema terms. The schema stays the single definition of the shape: the
// messages read the bounds, enums and patternErrorMessage from it.
func (l *loader) checkSchema(root *yaml.Node, value any) {
	s, err := schema.Compiled()
	if err != nil {
		l.at(l.pos(root), "internal error: the embedded schema does not compile", err.Error())
		return
	}
	err = s.Validate(value)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		l.at(l.pos(root), "internal error: validating against the schema", err.Error())
		return
	}
	for _, leaf := range leaves(ve, nil) {
		l.schemaError(root, leaf)
	}
}

// leaves collects the errors without causes: the ones that say what is
// wrong, rather than which subschema failed.
func leaves(ve *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(out, ve)
	}
	for _, c := range ve.Causes {
		out = leaves(c, out)
	}
	return out
}

// schemaError reports one leaf validation error.
func (l *loader) schemaError(root *yaml.Node, ve *jsonschema.ValidationError) {
	node := lookup(root, ve.InstanceLocation)
	if node == nil {
		node = root
	}
	if l.bad[node] || l.bad[deref(node)] {
		return // convert already said what is wrong with it
	}
	path := fieldPath(root, ve.InstanceLocation)
	keyword, sub := schemaAt(ve.AbsoluteKeywordLocation)
	val := deref(node)
	reported := true
	switch keyword {
	case "additionalProperties":
		l.unknownFields(val, path, sub)
	case "required":
		for _, name := range stringsOf(sub["required"]) {
			if k, _ := field(val, name); k == nil {
				summary := fmt.Sprintf("%s: missing required field %q", orTop(path), name)
				detail := ""
				if path == "" && name == "version" {
					summary, detail = `missing required field "version"`, `add "version: 1" at the top of the file`
				}
				at := node
				if typo := misspelt(val, name, sub); typo != nil {
					// The unknown key is this field misspelt: say so at
					// the key, once, rather than also "unknown field".
					at, detail = typo, fmt.Sprintf("did you mean %q instead of %q?", name, typo.Value)
					l.markBad(typo)
				}
				l.report(at, summary, detail)
			}
		}
	case "uniqueItems":
		l.duplicateItems(val, path)
	case "type":
		want := typeText(sub["type"])
		if strings.Contains(want, "number") && overflowsFloat(val) {
			// yaml.v3 resolves an unquoted number too large for a float64
			// as a string; saying "must be a number" about it would be a
			// contradiction, so it is worded like .inf.
			l.report(node, fmt.Sprintf("%s: %s is out of range: not a finite number", orTop(path), val.Value), "")
			break
		}
		detail := ""
		if val.Kind == yaml.ScalarNode && val.ShortTag() == "!!null" {
			switch {
			case strings.Contains(want, "list"):
				detail = "write [] for an empty list, or remove the key to leave the section unmanaged"
			case strings.Contains(want, "mapping"):
				detail = "give it fields, or remove the key"
			case want == "a string":
				detail = `write "" for empty text, or remove the key to leave it as it is`
			}
		}
		l.report(node, fmt.Sprintf("%s: must be %s, got %s", orTop(path), want, describe(val)), detail)
	case "const":
		l.report(node, fmt.Sprintf("%s: must be %s, got %s", orTop(path), jsonText(sub["const"]), describe(val)), "")
	case "enum":
		var opts []string
		enum, _ := sub["enum"].([]any)
		for _, o := range enum {
			opts = append(opts, fmt.Sprint(o))
		}
		l.report(node, fmt.Sprintf("%s: must be %s, got %s", orTop(path), orList(opts), describe(val)), "")
	case "pattern":
		if msg, ok := sub["patternErrorMessage"].(string); ok {
			l.report(node, fmt.Sprintf("%s: %s %s", orTop(path), describe(val), msg), "")
		} else {
			l.report(node, fmt.Sprintf("%s: %s does not match %s", orTop(path), describe(val), sub["pattern"]), "")
		}
	case "minLength", "maxLength":
		l.lengthError(node, path, sub)
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		l.rangeError(node, path, keyword, sub)
	default:
		reported = false
	}
	if !reported {
		l.report(node, fmt.Sprintf("%s: %s", orTop(path), ve.Message), "")
	}
	l.markBad(node)
	l.markBad(val)
}

// unknownFields reports each key of mapping m that the schema does not
// allow, at the key, with the closest valid name when it looks like a typo.
func (l *loader) unknownFields(m *yaml.Node, path string, sub map[string]any) {
	props, _ := sub["properties"].(map[string]any)
	var known []string
	for name := range props {
		known = append(known, name)
	}
	slices.Sort(known)
	ps := pairs(m)
	for i := 0; i+1 < len(ps); i += 2 {
		k := ps[i]
		if _, ok := props[k.Value]; ok || k.Kind != yaml.ScalarNode || l.bad[k] {
			continue
		}
		where := "the top level"
		if path != "" {
			where = path
		}
		detail := fmt.Sprintf("%s takes %s", where, andList(known))
		if best := suggest.Closest(k.Value, known); best != "" {
			detail = fmt.Sprintf("did you mean %q?", best)
		}
		l.report(k, fmt.Sprintf("%s: unknown field", join(path, k.Value)), detail)
		l.markBad(k)
	}
}

// misspelt returns the key of mapping m that is not a property of the
// schema sub and is within a typo's distance of the missing required field
// name ("emial" for "email"), or nil.
func misspelt(m *yaml.Node, name string, sub map[string]any) *yaml.Node {
	props, _ := sub["properties"].(map[string]any)
	ps := pairs(m)
	for i := 0; i+1 < len(ps); i += 2 {
		k := ps[i]
		if _, known := props[k.Value]; known || k.Kind != yaml.ScalarNode {
			continue
		}
		if suggest.Closest(k.Value, []string{name}) == name {
			return k
		}
	}
	return nil
}

// duplicateItems reports each item of list n equal to an earlier one.
func (l *loader) duplicateItems(n *yaml.Node, path string) {
	first := map[string]*yaml.Node{}
	for i, item := range n.Content {
		item = deref(item)
		if item.Kind != yaml.ScalarNode {
			continue
		}
		if prev, dup := first[item.Value]; dup {
			l.report(item, fmt.Sprintf("%s: %s is listed twice", index(path, i), quote(item.Value)),
				fmt.Sprintf("first at %s", l.pos(prev)))
			continue
		}
		first[item.Value] = item
	}
}

// lengthError words minLength and maxLength failures.
func (l *loader) lengthError(node *yaml.Node, path string, sub map[string]any) {
	n := utf8.RuneCountInString(deref(node).Value)
	lo, hasLo := number(sub["minLength"])
	hi, hasHi := number(sub["maxLength"])
	switch {
	case n == 0 && hasLo && lo == 1:
		l.report(node, fmt.Sprintf("%s: must not be empty", orTop(path)), "")
	case hasLo && float64(n) < lo:
		l.report(node, fmt.Sprintf("%s: must be at least %s characters long, got %d", orTop(path), numText(lo), n), "")
	case hasHi && float64(n) > hi:
		l.report(node, fmt.Sprintf("%s: must be at most %s characters long, got %d", orTop(path), numText(hi), n), "")
	}
}

// rangeError words minimum and maximum failures, giving both bounds when
// they make a readable range (0 to 100) and the failed one otherwise.
func (l *loader) rangeError(node *yaml.Node, path, keyword string, sub map[string]any) {
	lo, hasLo := number(sub["minimum"])
	hi, hasHi := number(sub["maximum"])
	got := describe(node)
	switch {
	case hasLo && hasHi && hi <= 1e6:
		l.report(node, fmt.Sprintf("%s: must be between %s and %s, got %s", orTop(path), numText(lo), numText(hi), got), "")
	case keyword == "minimum" && hasLo:
		l.report(node, fmt.Sprintf("%s: must be at least %s, got %s", orTop(path), numText(lo), got), "")
	case keyword == "maximum" && hasHi:
		l.report(node, fmt.Sprintf("%s: must be at most %s, got %s", orTop(path), numText(hi), got), "")
	default:
		l.report(node, fmt.Sprintf("%s: %s is out of range", orTop(path), got), "")
	}
}

// schemaAt splits an absolute keyword location (URL#/json/pointer/keyword)
// into the keyword and the subschema holding it.
func schemaAt(location string) (keyword string, sub map[string]any) {
	_, ptr, _ := strings.Cut(location, "#")
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	keyword = toks[len(toks)-1]
	doc, err := schema.Document()
	if err != nil {
		return keyword, map[string]any{}
	}
	var v any = doc
	for _, tok := range toks[:len(toks)-1] {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return keyword, map[string]any{}
			}
			v = x[i]
		}
	}
	sub, _ = v.(map[string]any)
	if sub == nil {
		sub = map[string]any{}
	}
	return keyword, sub
}

// yamlFloat is YAML 1.2's float syntax as yaml.v3 resolves it.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// overflowsFloat reports whether n is an unquoted, untagged scalar written
// as a number whose magnitude does not fit a float64 (1e400): yaml.v3 gives
// such a scalar the !!str tag instead of failing.
func overflowsFloat(n *yaml.Node) bool {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Style != 0 || n.ShortTag() != "!!str" || !yamlFloat.MatchString(n.Value) {
		return false
	}
	_, err := strconv.ParseFloat(n.Value, 64)
	return errors.Is(err, strconv.ErrRange)
}

// typeText words a schema "type" for "must be …".
func typeText(t any) string {
	names := map[string]string{
		"string": "a string", "integer": "a whole number", "number": "a number",
		"boolean": "true or false", "array": "a list", "object": "a mapping", "null": "null",
	}
	var out []string
	for _, s := range stringsOf(t) {
		out = append(out, names[s])
	}
	if s, ok := t.(string); ok {
		out = append(out, names[s])
	}
	return strings.Join(out, " or ")
}

// jsonText renders a schema constant as a user would write it.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func stringsOf(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// numText renders a schema bound in plain decimal (never 9.0e+15).
func numText(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func number(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

// orList renders "a, b or c"; andList renders "a, b and c".
func orList(items []string) string  { return joinLast(items, " or ") }
func andList(items []string) string { return joinLast(items, " and ") }

func joinLast(items []string, last string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}
