package plan

import (
	"bytes"
	"strings"
	"testing"
)

// TestNoChangesLine: an empty plan closes with the same sentence in the
// text and markdown plans (apply's step summary uses NoChangesLine too,
// tested in applycmd); a partial one names its targets and claims that the
// account matches modelslab.yaml only when nothing was left out.
func TestNoChangesLine(t *testing.T) {
	tests := []struct {
		name string
		p    Plan
		want string
	}{
		{"a whole plan", Plan{Account: "acme"}, "No changes. The account matches modelslab.yaml."},
		{"a partial plan leaving changes out", Plan{Account: "acme", Targets: []string{"profile", "api_key.ci"}, Omitted: 3},
			"No changes within --target profile, api_key.ci."},
		{"a partial plan of a matching account", Plan{Account: "acme", Targets: []string{"profile"}},
			"No changes within --target profile, nor outside it: the account matches modelslab.yaml."},
		{"a target with a line break", Plan{Account: "acme", Targets: []string{"api_key.a\nb"}, Omitted: 1},
			`No changes within --target api_key.a\nb.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NoChangesLine(&tt.p); got != tt.want {
				t.Errorf("NoChangesLine = %q, want %q", got, tt.want)
			}
			var text, md bytes.Buffer
			if err := RenderText(&text, &tt.p, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&md, &tt.p, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(text.String()), "\n")
			if last := lines[len(lines)-1]; last != tt.want {
				t.Errorf("the text plan closes with %q, want %q", last, tt.want)
			}
			if want := MarkdownText(tt.want); !strings.Contains(md.String(), "\n"+want+"\n") {
				t.Errorf("the markdown plan lacks the line %q:\n%s", want, md.String())
			}
		})
	}
}
