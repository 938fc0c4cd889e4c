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
