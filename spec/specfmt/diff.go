package specfmt

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffContext is how many unchanged lines surround each change of a hunk,
// as diff -u and git diff show them.
const diffContext = 3

// lineOp is one line of a line diff: ' ' kept, '-' removed, '+' added.
type lineOp struct {
	op   byte
	text string
}

// Diff returns the unified diff that turns old into new, as `mlabctl fmt
// --diff` prints it ("--- a/NAME", "+++ b/NAME", hunks of three lines of
// context), or "" when they are equal. A side that does not end in a
// newline is marked as diff marks it.
func Diff(name string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	ops := lineDiff(string(old), string(new))
	var b strings.Builder
	fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n", name, name)
	for start := 0; start < len(ops); {
		// Find the next change, then extend the hunk while changes are
		// within twice the context of each other.
		first := start
		for first < len(ops) && ops[first].op == ' ' {
			first++
		}
		if first == len(ops) {
			break
		}
		lo := max(start, first-diffContext)
		hi := first
		for i := first; i < len(ops); i++ {
			if ops[i].op != ' ' {
				hi = i
			} else if i-hi > 2*diffContext {
				break
			}
		}
		hi = min(len(ops)-1, hi+diffContext)
		writeHunk(&b, ops, lo, hi)
		start = hi + 1
	}
	return b.String()
}

// writeHunk writes ops[lo..hi] as one hunk with its header.
func writeHunk(b *strings.Builder, ops []lineOp, lo, hi int) {
	oldStart, newStart := 1, 1
	for _, o := range ops[:lo] {
		if o.op != '+' {
			oldStart++
		}
		if o.op != '-' {
			newStart++
		}
	}
	oldLen, newLen := 0, 0
	for _, o := range ops[lo : hi+1] {
		if o.op != '+' {
			oldLen++
		}
		if o.op != '-' {
			newLen++
		}
	}
	fmt.Fprintf(b, "@@ -%s +%s @@\n", hunkRange(oldStart, oldLen), hunkRange(newStart, newLen))
	for _, o := range ops[lo : hi+1] {
		text, noEOL := strings.CutSuffix(o.text, noNewline)
		b.WriteByte(o.op)
		b.WriteString(text)
		b.WriteByte('\n')
		if noEOL {
			b.WriteString("\\ No newline at end of file\n")
		}
	}
}

// hunkRange is START,LEN of a hunk header; an empty side starts one line
// earlier, as diff writes it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// noNewline marks, inside lineDiff, a last line without a newline.
const noNewline = "\x00no newline"

// lineDiff diffs old and new line by line.
func lineDiff(old, new string) []lineOp {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // the same diff on every machine
	a, b, lines := dmp.DiffLinesToChars(markEnd(old), markEnd(new))
	var ops []lineOp
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines) {
		op := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l != "" {
				ops = append(ops, lineOp{op: op, text: strings.TrimSuffix(l, "\n")})
			}
		}
	}
	return ops
}

// markEnd ends s with a newline, marking a last line that had none.
func markEnd(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + noNewline + "\n"
}
