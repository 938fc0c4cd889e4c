package safetext

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text is unchanged", "Used by the production backend", "Used by the production backend"},
		{"tabs and unicode are kept", "caf\u00e9\tteam \u2014 \U0001F680", "caf\u00e9\tteam \u2014 \U0001F680"},
		{"line breaks stay inside the line", "first\nsecond\r\nthird", `first\nsecond\r\nthird`},
		{"a workflow command after a line break", "oops\n::error file=modelslab.yaml::forged", `oops\n::error file=modelslab.yaml::forged`},
		{"stop-commands after a carriage return", "x\r::stop-commands::tok", `x\r::stop-commands::tok`},
		{"a leading workflow command", "::add-mask::x", `\u003a:add-mask::x`},
		{"a workflow command after white space", " \t\u00a0::warning::x", " \t\u00a0\\u003a:warning::x"},
		{"a colon pair inside a line is text", "see a::b", "see a::b"},
		{"one leading colon is text", ":not a command", ":not a command"},
		{"the legacy command form anywhere", "name ##[stop-commands]tok", `name ##\u005bstop-commands]tok`},
		{"Azure and TeamCity commands", "a ##vso[task.setvariable]x ##VSO[y] ##teamcity[z]", `a ##vso\u005btask.setvariable]x ##VSO\u005by] ##teamcity\u005bz]`},
		{"one hash is text", "#[1] and ## [x]", "#[1] and ## [x]"},
		{"escape sequences", "x\x1b[2K\rFAKE\x1b[31m", `x\u001b[2K\rFAKE\u001b[31m`},
		{"bidi override and zero-width", "abc\u202edef\u200b", `abc\u202edef\u200b`},
		{"line separators", "a\u2028b\u2029c\u0085d\x0be\x0cf", `a\u2028b\u2029c\u0085d\u000be\u000cf`},
		{"invalid UTF-8", "ok\xff\xfe", `ok\xff\xfe`},
		{"a real replacement character is kept", "\uFFFD", "\uFFFD"},
		{"a format character beyond the BMP", "tag\U000E0001", `tag\U000e0001`},
		{"DEL", "a\x7fb", `a\u007fb`},
		{"an escaped control before colons does not start a command", "\x1b::x", `\u001b::x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Line(tt.in)
			if got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Line(got); again != got {
				t.Errorf("Line is not idempotent: Line(%q) = %q", got, again)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"one line", "reading the live account: 500", "reading the live account: 500"},
		{"an indented list is kept", "refused, nothing was changed:\n  - a\n  - b", "refused, nothing was changed:\n  - a\n  - b"},
		{"a line that is not indented is", "POST /x: 422\n::error file=a::forged\nPlan: 0 to create.", "POST /x: 422\n  \\u003a:error file=a::forged\n  Plan: 0 to create."},
		{"carriage returns are escaped", "a\rb", `a\rb`},
		{"empty lines stay empty", "a\n\nb", "a\n\n  b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.in); got != tt.want {
				t.Errorf("Message(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// lineProblems says what would make s unsafe inside one printed line,
// checked independently of Line's own code: a line break a runner splits
// at, a control or invisible character, invalid UTF-8, a GitHub Actions
// workflow command at the start of a line behind any white-space prefix a
// caller may print, or a CI command prefix anywhere.
func lineProblems(s string) []string {
	var problems []string
	if !utf8.ValidString(s) {
		problems = append(problems, "invalid UTF-8")
	}
	for _, r := range s {
		if r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029') {
			problems = append(problems, "control or format character")
			break
		}
	}
	for _, prefix := range []string{"", " ", "\t", "    ", "\u00a0"} {
		// The runner trims white space before looking for "::" (.NET
		// String.TrimStart).
		if strings.HasPrefix(strings.TrimLeftFunc(prefix+s, unicode.IsSpace), "::") {
			problems = append(problems, "a line starting with ::")
			break
		}
	}
	lower := strings.ToLower(s)
	for _, p := range []string{"##[", "##vso[", "##teamcity["} {
		if strings.Contains(lower, p) {
			problems = append(problems, "a CI command prefix "+p)
		}
	}
	return problems
}

// FuzzLine checks that whatever text Line is given, what it returns can
// never start or break a line, nor hold a control character or a CI
// command; that it is idempotent; and that text already safe is returned
// unchanged.
func FuzzLine(f *testing.F) {
	for _, seed := range []string{
		"", "plain", "a\nb", "\r\n::error::x", "::add-mask::secret", " \u00a0::x",
		"##[stop-commands]t", "x##vso[task]y", "##teamcity[m]", "\x1b[2K\rFAKE", "\u202e", "\xff",
		"\u2028::error::x", "\x85::warning::y", "#\n#[x]", "##\n[x]", ":\n:x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if p := lineProblems(out); len(p) > 0 {
			t.Fatalf("Line(%q) = %q: %v", s, out, p)
		}
		if Line(out) != out {
			t.Fatalf("Line(%q) = %q, but Line of that = %q", s, out, Line(out))
		}
		if len(lineProblems(s)) == 0 && out != s {
			t.Fatalf("Line changed safe text %q into %q", s, out)
		}
		msg := Message(s)
		for i, l := range strings.Split(msg, "\n") {
			if i == 0 {
				l = "Error: " + l
			}
			if i > 0 && l != "" && !strings.HasPrefix(l, "  ") {
				t.Fatalf("Message(%q): line %d %q is not indented", s, i+1, l)
			}
			if p := lineProblems(l); len(p) > 0 {
				t.Fatalf("Message(%q): line %d %q: %v", s, i+1, l, p)
			}
		}
	})
}

func TestUnprintable(t *testing.T) {
	for s, want := range map[string]rune{"ok": 0, "tab\tok": 0, "caf\u00e9": 0, "\uFFFD": 0, "a\nb": '\n', "x\x1b[2K": 0x1b, "bidi\u202e": 0x202e, "bad\xff": utf8.RuneError} {
		r, found := Unprintable(s)
		if found != (want != 0) || r != want {
			t.Errorf("Unprintable(%q) = %U, %v; want %U", s, r, found, want)
		}
	}
}

func TestJSON(t *testing.T) {
	v := map[string]any{"name": "ok\u202e\u0085##[stop-commands]tok\U000E0001 caf\u00e9", "list": []string{"a", "b"}}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(data)
	want := "{\n  \"list\": [\n    \"a\",\n    \"b\"\n  ],\n  \"name\": \"ok\\u202e\\u0085##\\u005bstop-commands]tok\\udb40\\udc01 caf\u00e9\"\n}"
	if string(got) != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, map[string]any{"name": v["name"], "list": []any{"a", "b"}}) {
		t.Errorf("the escaped JSON reads back as %v (%v)", back, err)
	}
	plain := []byte(`{"a": "plain"}`)
	if got := JSON(plain); &got[0] != &plain[0] {
		t.Error("JSON copied a document with nothing to escape")
	}
}

// FuzzJSON checks that the escaped document means the same and holds
// nothing a terminal or a CI log would act on.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "\u202e", "##[x]", "\u0085\n::error::x", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, _ := json.MarshalIndent(map[string]string{"v": s, "##[k": s}, "", "  ")
		got := JSON(data)
		var a, b any
		if json.Unmarshal(data, &a) != nil || json.Unmarshal(got, &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("JSON changed the meaning of %s: %s", data, got)
		}
		for _, line := range strings.Split(string(got), "\n") {
			if p := lineProblems(line); len(p) > 0 {
				t.Fatalf("JSON(%s): line %q: %v", data, line, p)
			}
		}
	})
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"ünïcödé and more", 7, "ünïcödé… (9 more characters)"},
		{strings.Repeat("x", 1_234_567), 3, "xxx… (1,234,564 more characters)"},
	} {
		if got := Clip(tc.s, tc.max); got != tc.want {
			t.Errorf("Clip(%.20q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}
