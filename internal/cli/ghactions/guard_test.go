package ghactions

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
)

func TestGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"text passes", "Plan: 1 to create.\n", "Plan: 1 to create.\n"},
		{"a workflow command at the start", "::error::x\n", `\u003a:error::x` + "\n"},
		{"after a line break", "Error: a\n::stop-commands::tok\n", "Error: a\n" + `\u003a:stop-commands::tok` + "\n"},
		{"after a carriage return", "a\r::add-mask::x", "a\r" + `\u003a:add-mask::x`},
		{"after white space", "  \t\u00a0::warning::y\n", "  \t\u00a0" + `\u003a:warning::y` + "\n"},
		{"inside a line", "a ::error::x\n", "a ::error::x\n"},
		{"one colon", ":x\n: y\n", ":x\n: y\n"},
		{"the legacy form anywhere", `{"name": "##[stop-commands]t"}` + "\n", `{"name": "##\u005bstop-commands]t"}` + "\n"},
		{"one hash", "#[x] # [y]\n", "#[x] # [y]\n"},
		{"white space at the end is flushed", "a\n  ", "a\n  "},
		{"a colon at the end is flushed", "a\n:", "a\n:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := guarded([]byte(tt.in), 0); got != tt.want {
				t.Errorf("one write: %q, want %q", got, tt.want)
			}
			// However the text is cut into writes, the result is the same.
			for n := 1; n < len(tt.in); n++ {
				if got := guarded([]byte(tt.in), n); got != tt.want {
					t.Errorf("writes of %d bytes: %q, want %q", n, got, tt.want)
				}
			}
		})
	}
}

// guarded writes in through a Guard in writes of n bytes (0: one write),
// flushes, and returns what reached the stream.
func guarded(in []byte, n int) string {
	var b bytes.Buffer
	g := NewGuard(&b)
	if n == 0 {
		n = len(in) + 1
	}
	for len(in) > 0 {
		k := min(n, len(in))
		g.Write(in[:k])
		in = in[k:]
	}
	g.Flush()
	return b.String()
}

func TestGuardWriteCommand(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	g := NewGuard(&b)
	g.Write([]byte("creating api_key.ci ..."))
	g.WriteCommand("::add-mask::s3cret")
	g.Write([]byte("::not a command\n"))
	g.WriteCommand("::error file=a,line=1,col=1::x")
	want := "creating api_key.ci ...\n::add-mask::s3cret\n" + `\u003a:not a command` + "\n::error file=a,line=1,col=1::x\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	r := New(func(k string) string { return map[string]string{"GITHUB_ACTIONS": "true"}[k] }, g)
	b.Reset()
	g.Write([]byte("  "))
	r.Mask("k")
	r.Error("modelslab.yaml", 3, 5, "bad\n::error::forged")
	want = "  \n::add-mask::k\n::error file=modelslab.yaml,line=3,col=5::bad\\n::error::forged\n"
	if b.String() != want {
		t.Errorf("runner through a guard: got %q, want %q", b.String(), want)
	}
}

// FuzzGuard checks that no line a Guard writes can be read by the runner
// as a workflow command, whatever was written and however it was cut into
// writes, and that nothing else changes.
func FuzzGuard(f *testing.F) {
	for _, s := range []string{"", "::error::x", "a\n::x", " \r\n\t::y", "##[z]", "#\n#[", "\u00a0::", ":\n::"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, cut uint8) {
		out := guarded([]byte(in), int(cut))
		for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::") {
				t.Fatalf("%q (writes of %d) wrote a command line %q", in, cut, line)
			}
			if strings.Contains(line, "##[") {
				t.Fatalf("%q (writes of %d) wrote a legacy command in %q", in, cut, line)
			}
		}
		if !strings.Contains(in, `\u00`) {
			back := strings.NewReplacer(`\u003a`, ":", `\u005b`, "[").Replace(out)
			if back != in {
				t.Fatalf("%q (writes of %d) came out as %q, which is not the same text", in, cut, out)
			}
		}
	})
}
