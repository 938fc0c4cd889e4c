package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// loader carries the state of one Parse: the file name for positions, the
// diagnostics found so far, and the nodes the schema already complained
// about (so that semantic checks do not report them twice).
type loader struct {
	file  string
	diags Diagnostics
	bad   map[*yaml.Node]bool
	// root is the document's top mapping; parents indexes the tree for
	// pathOf, built on the first problem.
	root    *yaml.Node
	parents map[*yaml.Node]parentLink
}

// pos is the position of a node in the file.
func (l *loader) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: l.file, Line: 1, Col: 1}
	}
	return Pos{File: l.file, Line: n.Line, Col: n.Column}
}

// at records a problem at p.
func (l *loader) at(p Pos, summary, detail string) {
	l.diags = append(l.diags, Diagnostic{Pos: p, Summary: summary, Detail: detail})
}

// report records a problem at node n.
func (l *loader) report(n *yaml.Node, summary, detail string) { l.at(l.pos(n), summary, detail) }

// markBad remembers that n already has a diagnostic.
func (l *loader) markBad(n *yaml.Node) {
	if l.bad == nil {
		l.bad = map[*yaml.Node]bool{}
	}
	l.bad[n] = true
}

// load runs every stage on data. Stages that cannot go on after a problem
// (size, encoding, syntax, alias bombs) stop there; the others collect
// everything. The returned Spec is meaningful only without diagnostics.
func (l *loader) load(data []byte) *Spec {
	if len(data) > MaxFileSize {
		l.at(Pos{File: l.file, Line: 1, Col: 1},
			fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20),
			"modelslab.yaml describes one account and is never this big; check that -f names the right file")
		return nil
	}
	if !l.checkEncoding(data) {
		return nil
	}
	root := l.parseDocument(data)
	if root == nil {
		return nil
	}
	l.root = root
	if !l.checkAliases(root) {
		return nil
	}
	value := l.convert(root)
	l.checkSchema(root, value)
	return l.build(root)
}

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

// parseDocument parses data and returns the root mapping of its only
// document, or nil after reporting why there is none.
func (l *loader) parseDocument(data []byte) (root *yaml.Node) {
	defer func() {
		// yaml.v3 has panicked on malformed input before; a panic is a
		// syntax error of the file, never a crash of mlabctl.
		if r := recover(); r != nil {
			l.at(Pos{File: l.file, Line: 1, Col: 1}, "YAML syntax error", fmt.Sprint(r))
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l.syntaxError(data, err)
			return nil
		}
		docs = append(docs, &doc)
	}
	if len(docs) == 0 {
		l.at(Pos{File: l.file, Line: 1, Col: 1}, "file is empty", `start it with "version: 1" (see examples/modelslab.yaml)`)
		return nil
	}
	for _, extra := range docs[1:] {
		l.report(extra, "more than one YAML document in the file",
			"mlabctl reads exactly one; remove this \"---\" and what follows, or move it to another file")
	}
	doc := docs[0]
	if len(doc.Content) == 0 {
		l.report(doc, "file is empty", `start it with "version: 1"`)
		return nil
	}
	top := doc.Content[0]
	switch {
	case top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null":
		l.report(top, "document is empty", `start it with "version: 1" (see examples/modelslab.yaml)`)
		return nil
	case top.Kind != yaml.MappingNode:
		l.report(top, fmt.Sprintf("document must be a mapping of sections (version:, api_keys:, …), not %s", describe(top)), "")
		return nil
	}
	return top
}

var (
	syntaxLine    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// parserProblems are the yaml.v3 messages raised by its parser rather than
// its scanner: yaml.v3 prints their line 0-based, the scanner's 1-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxHints say what usually causes a yaml.v3 syntax error.
var syntaxHints = map[string]string{
	"mapping values are not allowed in this context": `quote a value that contains ": "`,
	"found character that cannot start any token":    "quote a value that starts with @, ` or %",
	"did not find expected key":                      "check the indentation of this line and the one before",
	"did not find expected ',' or ']'":               "close the [ list, or quote a value that contains , or ]",
	"did not find expected ',' or '}'":               "close the { mapping, or quote a value that contains , or }",
}

// syntaxError turns a yaml.v3 parse error into a diagnostic. yaml.v3 gives
// a line (none on the first line, and 0-based for parser errors) but never
// a column, so the column is 1 unless the cause can be found in the text.
func (l *loader) syntaxError(data []byte, err error) {
	msg := err.Error()
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		l.at(l.findText(data, "*"+m[1]),
			fmt.Sprintf("alias *%s refers to an anchor that is not defined", m[1]),
			fmt.Sprintf("define &%s before using it", m[1]))
		return
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 1
	if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserProblems[msg] {
			line++
		}
	}
	if strings.Contains(msg, "tab") || msg == "found character that cannot start any token" {
		if p, ok := l.findIndentTab(data); ok {
			l.at(p, "YAML syntax error: tab in indentation", "indent with spaces; YAML does not allow tabs there")
			return
		}
	}
	col := 1
	if msg == "mapping values are not allowed in this context" {
		col = secondColon(lineText(data, line))
	}
	l.at(Pos{File: l.file, Line: line, Col: col}, "YAML syntax error: "+msg, syntaxHints[msg])
}

// lineText returns line n (1-based) of data, or "".
func lineText(data []byte, n int) string {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i+1 == n {
			return string(line)
		}
	}
	return ""
}

// secondColon is the column of the second ": " (or final ":") on a line:
// in `name: Acme: Automation` the one YAML refuses. It is 1 when there is
// none, e.g. when the problem spans lines.
func secondColon(line string) int {
	seen := 0
	col := 0
	for i, r := range line {
		col++
		if r == ':' && (i+1 == len(line) || line[i+1] == ' ' || line[i+1] == '\r') {
			seen++
			if seen == 2 {
				return col
			}
		}
	}
	return 1
}

// findIndentTab finds the first tab among a line's leading whitespace.
func (l *loader) findIndentTab(data []byte) (Pos, bool) {
	for i, line := range bytes.Split(data, []byte("\n")) {
		indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
		if j := bytes.IndexByte(indent, '\t'); j >= 0 {
			return Pos{File: l.file, Line: i + 1, Col: j + 1}, true
		}
	}
	return Pos{}, false
}

// findText is the position of the first occurrence of text, or 1:1.
func (l *loader) findText(data []byte, text string) Pos {
	i := bytes.Index(data, []byte(text))
	if i < 0 {
		return Pos{File: l.file, Line: 1, Col: 1}
	}
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return Pos{File: l.file, Line: line, Col: col}
}
