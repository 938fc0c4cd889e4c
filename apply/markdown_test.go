package apply

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/plan"
)

func TestResultMarkdown(t *testing.T) {
	// hostile is a live key name made to close its code span and inject
	// HTML and a team mention into the job page.
	const hostile = "x` <img src=x onerror=alert(1)> @acme/admins ``y"
	tests := []struct {
		name   string
		golden string
		plan   func(testing.TB) *plan.Plan
		fail   map[string]error
		// absent are strings the markdown must not hold outside code
		// spans (where nothing is markup).
		absent []string
	}{
		{name: "complete", golden: "markdown_complete.md", plan: demoPlan},
		{name: "partial failure", golden: "markdown_partial_failure.md", plan: demoPlan, fail: map[string]error{
			"CreateAPIKey ci": errBoom,
			// A server message with markup must not become markup.
			"RevokeToken 2": errors.New("403 <b>no</b> | [click](http://x) `code` *bold*\nsecond line"),
		}},
		{
			name:   "hostile address and message",
			golden: "markdown_hostile.md",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{
					{Address: addr(t, "api_key."+hostile), Action: plan.Delete, LiveID: "105"},
					{Address: addr(t, "api_key.ok"), Action: plan.Delete, LiveID: "106"},
				}}
			},
			fail: map[string]error{
				"DeleteAPIKey 105": errors.New("500 cc @acme/admins <img src=x onerror=alert(1)> \x1b[2Kdone"),
			},
			absent: []string{"<img", "@acme", "\x1b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{fail: tt.fail}
			sink := &memSink{}
			res, _ := Run(context.Background(), tt.plan(t), f, Options{Secrets: sink})
			var md bytes.Buffer
			res.WriteMarkdown(&md)
			golden.Check(t, filepath.Join("testdata", tt.golden), md.Bytes())
			for _, s := range tt.absent {
				if strings.Contains(outsideCodeSpans(md.String()), s) {
					t.Errorf("the markdown holds %q outside a code span:\n%s", s, md.String())
				}
			}
			for name, key := range sink.keys {
				if bytes.Contains(md.Bytes(), []byte(key.Reveal())) {
					t.Errorf("the markdown holds the secret of %q", name)
				}
			}
		})
	}
}

// outsideCodeSpans drops the inline code spans of markdown as CommonMark
// reads them: a run of n backticks opens a span that the next run of exactly
// n backticks closes; a run never closed is literal text.
func outsideCodeSpans(md string) string {
	var b strings.Builder
	for i := 0; i < len(md); {
		if md[i] != '`' {
			b.WriteByte(md[i])
			i++
			continue
		}
		n := runAt(md, i)
		end := -1
		for j := i + n; j < len(md); {
			if md[j] != '`' {
				j++
				continue
			}
			m := runAt(md, j)
			if m == n {
				end = j + m
				break
			}
			j += m
		}
		if end < 0 {
			b.WriteString(md[i : i+n])
			i += n
			continue
		}
		i = end
	}
	return b.String()
}

// runAt is the length of the run of backticks at md[i].
func runAt(md string, i int) int {
	n := 0
	for i+n < len(md) && md[i+n] == '`' {
		n++
	}
	return n
}

func TestOutsideCodeSpans(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a <b>", "a <b>"},
		{"one span", "x `<b>` y", "x  y"},
		{"longer fence", "x ``a`b`` y", "x  y"},
		{"closed early by a name", "- `- api_key.x` <img> `", "-  <img> `"},
		{"unclosed", "a ` b", "a ` b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, outsideCodeSpans(tt.in)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
