package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// secretFields are field names a renderer never prints, whatever their value.
// Before and After are built without secrets; this is the second lock on the
// door, so that a future field carrying one cannot reach a terminal, a PR
// comment or a JSON consumer by accident.
var secretFields = map[string]bool{
	"key":          true,
	"token":        true,
	"access_token": true,
	"password":     true,
	"secret":       true,
}

// isSecretField reports whether a field must never be rendered.
func isSecretField(name string) bool { return secretFields[strings.ToLower(name)] }

// visibleDiffs returns the field differences of a change without secret fields.
func visibleDiffs(before, after map[string]any) []FieldDiff {
	var all []FieldDiff
	if before == nil {
		// A create: every field is new, no comparison needed.
		all = make([]FieldDiff, 0, len(after))
		for k, v := range after {
			all = append(all, FieldDiff{Field: k, New: v})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Field < all[j].Field })
	} else {
		all = FieldDiffs(before, after)
	}
	out := all[:0]
	for _, d := range all {
		if !isSecretField(d.Field) {
			out = append(out, d)
		}
	}
	return out
}

// formatValue renders one field value as the plan shows it: strings quoted
// (with control characters escaped), lists as [a, b], maps as {k: v} with
// sorted keys, numbers in their shortest exact form, nil as (none).
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case []string:
		items := make([]string, len(x))
		for i, s := range x {
			items[i] = formatListItem(s)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case []any:
		items := make([]string, len(x))
		for i, s := range x {
			if str, ok := s.(string); ok {
				items[i] = formatListItem(str)
			} else {
				items[i] = formatValue(s)
			}
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if !isSecretField(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = k + ": " + formatValue(x[k])
		}
		return "{" + strings.Join(items, ", ") + "}"
	case fmt.Stringer:
		// remote.Secret is a Stringer that redacts; anything else that
		// chose a String method is shown the way it asked to be.
		return strconv.Quote(x.String())
	}
	return SanitizeLine(fmt.Sprint(v))
}

// formatListItem renders a string inside a list: bare when it is a plain
// word (permissions such as api-keys), quoted when quoting is needed to see
// where it starts and ends.
func formatListItem(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (r == '-' || r == '_' || r == '.' || r == ':' || r == '@' || r == '/' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')) {
			return strconv.Quote(s)
		}
	}
	return s
}

// isMultiline reports whether a value is a string spanning several lines,
// shown as a line diff rather than as one quoted string.
func isMultiline(v any) bool {
	s, ok := v.(string)
	return ok && strings.Contains(s, "\n")
}

// SanitizeLine makes text from the account safe to print inside one line
// of a terminal or a CI log: it is safetext.Line (line breaks shown as \n,
// control and invisible characters escaped, CI log commands defused).
// Everything printed from live data (names, server messages) goes through
// it, in plan's renderers and in apply's step lines and summaries.
func SanitizeLine(s string) string { return safetext.Line(s) }

// lineOp is the kind of one line of a line diff.
type lineOp byte

const (
	lineSame lineOp = ' '
	lineDel  lineOp = '-'
	lineAdd  lineOp = '+'
	// lineSkip stands for a run of unchanged lines left out; Text holds
	// how many.
	lineSkip lineOp = '.'
)

// diffLine is one line of a line diff.
type diffLine struct {
	Op   lineOp
	Text string
}

// contextLines is how many unchanged lines are kept around a change;
// minSkip is the shortest run of other unchanged lines that is left out.
const (
	contextLines = 2
	minSkip      = 3
)

// lineDiff compares two multi-line strings line by line with go-diff's line
// mode, keeping contextLines unchanged lines around each change and
// replacing longer unchanged runs by one lineSkip entry.
func lineDiff(old, new string) []diffLine {
	dmp := diffmatchpatch.New()
	// No deadline: a plan must be the same on every run, and a timed-out
	// diff would depend on the machine's speed.
	dmp.DiffTimeout = 0
	// A final newline on both sides keeps "a" versus "a\nb" from showing
	// the unchanged line "a" as removed and added.
	a, b, lines := dmp.DiffLinesToChars(old+"\n", new+"\n")
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)

	var all []diffLine
	for _, d := range diffs {
		op := lineSame
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = lineDel
		case diffmatchpatch.DiffInsert:
			op = lineAdd
		}
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			all = append(all, diffLine{Op: op, Text: l})
		}
	}
	return elideContext(all)
}

// elideContext keeps contextLines unchanged lines around each change and
// replaces longer unchanged runs by a lineSkip entry.
func elideContext(all []diffLine) []diffLine {
	keep := make([]bool, len(all))
	// Short unchanged runs are shown: a skip line would be no shorter.
	for i, l := range all {
		if l.Op == lineSame {
			continue
		}
		for j := max(0, i-contextLines); j <= min(len(all)-1, i+contextLines); j++ {
			keep[j] = true
		}
	}
	var out []diffLine
	for i := 0; i < len(all); {
		if keep[i] {
			out = append(out, all[i])
			i++
			continue
		}
		j := i
		for j < len(all) && !keep[j] {
			j++
		}
		if j-i < minSkip {
			out = append(out, all[i:j]...)
		} else {
			out = append(out, diffLine{Op: lineSkip, Text: strconv.Itoa(j - i)})
		}
		i = j
	}
	return out
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
