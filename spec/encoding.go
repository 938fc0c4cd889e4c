package spec

import (
	"fmt"
	"unicode/utf8"
)

// checkEncoding reports invalid UTF-8 and the control characters YAML
// forbids, at their exact position; the YAML parser would only say "invalid
// leading UTF-8 octet" or "control characters are not allowed", without a
// line.
func (l *loader) checkEncoding(data []byte) bool {
	if utf8.Valid(data) && !hasControl(data) {
		return true
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		p := Pos{File: l.file, Line: line, Col: col}
		switch {
		case r == utf8.RuneError && size <= 1:
			l.at(p, fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", data[i]), "save the file as UTF-8")
			return false
		case !yamlPrintable(r):
			l.at(p, fmt.Sprintf("control character %U is not allowed in YAML", r), "remove it, or write it as an escape inside double quotes")
			return false
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return true
}

// hasControl reports whether valid UTF-8 data may hold a character YAML
// forbids: a C0 control other than tab and line breaks, DEL, a C1 control
// (encoded 0xC2 0x80..0x9F) or U+FFFE/U+FFFF (0xEF 0xBF 0xBE/0xBF). It errs
// on the side of yes (NEL, U+0085, is allowed); checkEncoding then looks
// closely.
func hasControl(data []byte) bool {
	for i, b := range data {
		switch {
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r', b == 0x7f:
			return true
		case b == 0xc2 && i+1 < len(data) && data[i+1] >= 0x80 && data[i+1] <= 0x9f:
			return true
		case b == 0xef && i+2 < len(data) && data[i+1] == 0xbf && data[i+2] >= 0xbe:
			return true
		}
	}
	return false
}

// yamlPrintable reports whether YAML 1.2 (§5.1) allows r in a stream.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r >= 0x80 && r <= 0x9f && r != 0x85:
		return false
	case r == 0xfffe || r == 0xffff:
		return false
	}
	return true
}
