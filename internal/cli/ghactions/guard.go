package ghactions

import (
	"io"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Guard is a stream the runner reads (stderr, or a stdout that is not
// redirected to a file) as mlabctl writes it under GitHub Actions: it
// passes everything through except what the runner would take for a
// workflow command that mlabctl did not mean to give. A line whose first
// non-blank characters are "::" gets its first colon written as `\u003a`,
// and the "[" of a "##[" anywhere in a line (the runner's legacy command
// form, actions/runner ActionCommand.TryParse) as `\u005b`; both are
// escapes a JSON string reads back as the same character, so `plan -o
// json | tee plan.json` stays the same JSON. The runner starts a line at
// "\n" and at "\r".
//
// Text from the live account is escaped where it is printed (safetext);
// Guard is the backstop for whatever is left, in one place. mlabctl's own
// workflow commands go through WriteCommand, which the guard writes as
// they are, on a line of their own.
//
// A Guard is safe for concurrent use.
type Guard struct {
	mu sync.Mutex
	w  io.Writer
	// lineStart: nothing but white space (held in pending) was written
	// since the last line break.
	lineStart bool
	// pending holds the white space at the start of a line, a possible
	// first colon after it, or the first bytes of a multi-byte character
	// there, until the next byte says whether they begin a command.
	pending []byte
	// last2 are the last two bytes written on the current line.
	last2 [2]byte
	out   []byte
}

// NewGuard returns a Guard writing to w.
func NewGuard(w io.Writer) *Guard { return &Guard{w: w, lineStart: true} }

// Write writes p, defusing workflow commands; it reports len(p) written
// unless w fails.
func (g *Guard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.out = g.out[:0]
	for _, c := range p {
		g.put(c)
	}
	if _, err := g.w.Write(g.out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// put handles one byte, appending what may be written now to g.out.
func (g *Guard) put(c byte) {
	if c == '\n' || c == '\r' {
		g.out = append(g.out, g.pending...)
		g.out = append(g.out, c)
		g.pending = g.pending[:0]
		g.lineStart = true
		g.last2 = [2]byte{}
		return
	}
	if g.lineStart {
		g.pending = append(g.pending, c)
		g.leadByte()
		return
	}
	g.emit(c)
}

// leadByte decides on the bytes held at the start of a line, the newest
// last: white space stays held; "::" after it is defused; anything else
// ends the start of the line.
func (g *Guard) leadByte() {
	p := g.pending
	// The held bytes are white space, then maybe one colon, then what
	// just came. Find where the white space ends.
	i := 0
	for i < len(p) {
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && !utf8.FullRune(p[i:]) {
			return // the start of a character: wait for the rest
		}
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	rest := p[i:]
	switch {
	case len(rest) == 0:
		return // white space only
	case len(rest) == 1 && rest[0] == ':':
		return // wait for the next byte
	case len(rest) == 2 && rest[0] == ':' && rest[1] == ':':
		g.out = append(g.out, p[:i]...)
		g.out = append(g.out, `\u003a:`...)
		g.last2 = [2]byte{'a', ':'}
	default:
		g.out = append(g.out, p[:i]...)
		for _, c := range rest {
			g.emit(c)
		}
	}
	g.pending = g.pending[:0]
	g.lineStart = false
}

// emit writes c inside a line, defusing "##[".
func (g *Guard) emit(c byte) {
	if c == '[' && g.last2 == [2]byte{'#', '#'} {
		g.out = append(g.out, `\u005b`...)
		g.last2 = [2]byte{'b', '['}
		return
	}
	g.out = append(g.out, c)
	g.last2 = [2]byte{g.last2[1], c}
}

// WriteCommand writes line (a workflow command, without its line break)
// as it is, on a line of its own: after a line break if the stream is
// inside a line, so that "::add-mask::" is never glued to the end of a
// progress line, where the runner would not see it.
func (g *Guard) WriteCommand(line string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.out = append(g.out[:0], g.pending...)
	g.pending = g.pending[:0]
	if !g.lineStart || len(g.out) > 0 {
		g.out = append(g.out, '\n')
	}
	g.out = append(g.out, line...)
	g.out = append(g.out, '\n')
	g.lineStart = true
	g.last2 = [2]byte{}
	_, err := g.w.Write(g.out)
	return err
}

// Flush writes what is held at the start of a line (white space, a
// colon), for the end of a run.
func (g *Guard) Flush() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) == 0 {
		return nil
	}
	_, err := g.w.Write(g.pending)
	g.pending = g.pending[:0]
	return err
}
