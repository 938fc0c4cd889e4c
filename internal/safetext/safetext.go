package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Line returns s escaped to be printed anywhere inside one line:
//
//   - a line feed and a carriage return are shown as `\n` and `\r`, so that
//     a message holding them stays one line (a CI runner starts a new line
//     at either);
//   - other control characters (ESC, which could move the cursor or recolour
//     the screen), invisible format characters, bidirectional overrides and
//     the Unicode line and paragraph separators are shown as `\uXXXX` (or
//     `\UXXXXXXXX` beyond the Basic Multilingual Plane), and
//     bytes that are not UTF-8 as `\xXX`; tabs are kept;
//   - a "::" that would begin the line (after white space), which GitHub
//     Actions reads as a workflow command, is shown as `\u003a:`; and the
//     "[" of "##[", "##vso[" and "##teamcity[", which the GitHub Actions
//     runner (its legacy form), Azure Pipelines and TeamCity honour anywhere
//     in a line, as `\u005b`.
//
// Text with none of these is returned unchanged. Line(Line(s)) == Line(s).
func Line(s string) string {
	if isSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	lead := len(s) - len(strings.TrimLeftFunc(s, keptSpace))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			writeHex(&b, uint32(s[i]), 2)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case unsafeRune(r) && r > 0xffff:
			b.WriteString(`\U`)
			writeHex(&b, uint32(r), 8)
		case unsafeRune(r):
			b.WriteString(`\u`)
			writeHex(&b, uint32(r), 4)
		case i == lead && strings.HasPrefix(s[i:], "::"):
			b.WriteString(`\u003a`)
		case r == '[' && endsWithCommandPrefix(s[:i]):
			b.WriteString(`\u005b`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isSafe reports whether Line would return s unchanged.
func isSafe(s string) bool {
	if strings.HasPrefix(strings.TrimLeftFunc(s, keptSpace), "::") {
		return false
	}
	if strings.Contains(s, "##") && hasCommandPrefix(s) {
		return false
	}
	// Fast path: printable ASCII, the common case of names and notes.
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

// Clip shortens s to its first max characters, saying how many were left
// out ("… (2,345 more characters)"), so that a huge server message cannot
// flood a terminal or a log. s of at most max characters is returned as it
// is.
func Clip(s string, max int) string {
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s
	}
	cut := 0
	for i := range s {
		if cut == max {
			return s[:i] + "… (" + thousands(n-max) + " more characters)"
		}
		cut++
	}
	return s
}

// thousands renders n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Unprintable returns the first character of s that Line would escape as
// unprintable (a line break, a control or invisible format character, a
// byte that is not UTF-8: utf8.RuneError), and whether there is one. A
// name that holds one cannot be shown as it is, only escaped.
func Unprintable(s string) (rune, bool) {
	for i, r := range s {
		if unsafeRune(r) || r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			return r, true
		}
	}
	return 0, false
}

// unsafeRune reports whether r must not be printed raw.
func unsafeRune(r rune) bool {
	if r == '\t' {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// keptSpace reports whether r is white space that Line prints raw: a
// runner trims it (the GitHub Actions runner reads a workflow command after
// String.TrimStart, which trims all Unicode white space), so a "::" after
// it still begins the line.
func keptSpace(r rune) bool { return unicode.IsSpace(r) && !unsafeRune(r) }

// commandPrefixes are what CI runners read as the start of a command
// anywhere in a line, each followed by "[": GitHub Actions' legacy form
// ("##[error]…", actions/runner ActionCommand.TryParse), Azure Pipelines'
// "##vso[…]" and TeamCity's "##teamcity[…]". Azure matches its prefix in
// any case.
var commandPrefixes = []string{"##", "##vso", "##teamcity"}

// endsWithCommandPrefix reports whether before ends with a command prefix,
// so that a "[" after it would complete one.
func endsWithCommandPrefix(before string) bool {
	for _, p := range commandPrefixes {
		if len(before) >= len(p) && strings.EqualFold(before[len(before)-len(p):], p) {
			return true
		}
	}
	return false
}

// hasCommandPrefix reports whether s holds a command prefix followed by "[".
func hasCommandPrefix(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '[' && endsWithCommandPrefix(s[:i]) {
			return true
		}
	}
	return false
}

// JSON returns data, a JSON document as encoding/json writes it, with what
// that encoder leaves raw and a terminal or a CI log would act on escaped
// as \uXXXX inside its strings: DEL and the control characters past ASCII
// (U+0085), invisible format characters and bidirectional overrides, and
// the "[" of "##[" (a legacy GitHub Actions command anywhere in a line). The
// document means exactly the same: such characters can only be inside
// strings, and the structural line breaks of indented JSON are kept.
func JSON(data []byte) []byte { return escapeDocument(data, false) }

// YAML is JSON for a YAML document whose every scalar holding such
// characters is double-quoted (where \uXXXX and \UXXXXXXXX are escapes;
// the caller's to ensure, as export does) and whose comments may hold them
// (where an escape is plain text, still readable).
func YAML(data []byte) []byte { return escapeDocument(data, true) }

// escapeDocument is JSON and YAML; yaml writes a character past the Basic
// Multilingual Plane as \UXXXXXXXX, JSON as a surrogate pair.
func escapeDocument(data []byte, yaml bool) []byte {
	var out []byte
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '[' && i >= 2 && data[i-1] == '#' && data[i-2] == '#':
				out = appendOnce(out, data[:i])
				out = append(out, `\u005b`...)
			case c == 0x7f: // DEL, which encoding/json leaves raw
				out = appendUnicode(appendOnce(out, data[:i]), rune(c))
			case out != nil:
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case !unsafeRune(r):
			if out != nil {
				out = append(out, data[i:i+size]...)
			}
		case r > 0xffff && yaml:
			out = appendOnce(out, data[:i])
			out = append(out, `\U`...)
			for shift := 28; shift >= 0; shift -= 4 {
				out = append(out, "0123456789abcdef"[r>>uint(shift)&0xf])
			}
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = appendUnicode(appendUnicode(appendOnce(out, data[:i]), hi), lo)
		default:
			out = appendUnicode(appendOnce(out, data[:i]), r)
		}
		i += size
	}
	if out == nil {
		return data
	}
	return out
}

// appendOnce starts the escaped copy with the untouched prefix, once.
func appendOnce(out, prefix []byte) []byte {
	if out != nil {
		return out
	}
	return append(make([]byte, 0, len(prefix)+64), prefix...)
}

// appendUnicode appends r as a JSON \uXXXX escape.
func appendUnicode(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}

// Message escapes msg, a message mlabctl composed (which may quote live
// text), to be printed after a prefix such as "Error: ": each line is
// escaped with Line, and every line after the first is indented by at least
// two spaces. mlabctl's own multi-line messages (a list of reasons) are
// indented already and print unchanged; a line break that slipped into a
// message from live text can then only continue the message, never start a
// line of its own (a workflow command, or a fake "Plan: …" line).
func Message(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		l = Line(l)
		if i > 0 && l != "" && !strings.HasPrefix(l, "  ") {
			l = "  " + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func writeHex(b *strings.Builder, v uint32, digits int) {
	const hex = "0123456789abcdef"
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hex[(v>>uint(shift))&0xf])
	}
}
