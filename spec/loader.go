package spec

import (
	"fmt"

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
	// warns are the problems that leave the file valid (Spec.Warnings).
	warns Diagnostics
	// ignoreKeysAt and ignoreTeamAt are the glob nodes of ignore, for
	// warnIgnoredDeclared.
	ignoreKeysAt, ignoreTeamAt []*yaml.Node
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

// warn records a warning at node n.
func (l *loader) warn(n *yaml.Node, summary, detail string) {
	l.warns = append(l.warns, Diagnostic{Pos: l.pos(n), Summary: summary, Detail: detail})
}

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
