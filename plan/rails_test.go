package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMassDeletionRenderedOnce: a mass deletion is one warning in the text
// and markdown plans, rendered from Plan.MassDeletions; Compute does not
// add a second, differently worded general warning for it.
func TestMassDeletionRenderedOnce(t *testing.T) {
	renderers := []struct {
		name   string
		render func(*bytes.Buffer, *Plan) error
	}{
		{"text", func(b *bytes.Buffer, p *Plan) error { return RenderText(b, p, RenderOptions{}) }},
		{"markdown", func(b *bytes.Buffer, p *Plan) error { return RenderMarkdown(b, p, RenderOptions{}) }},
	}
	for _, sc := range computeScenarios() {
		if sc.name != "mass_deletion_warned" && sc.name != "mass_revocation_warned" {
			continue
		}
		s, live := fixtureSpec(), fixtureLive()
		sc.spec(s)
		sc.live(live)
		p, err := Compute(s, live, computeNow)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if len(p.MassDeletions) != 1 {
			t.Fatalf("%s: %d mass deletions, want 1", sc.name, len(p.MassDeletions))
		}
		for _, r := range renderers {
			t.Run(sc.name+"/"+r.name, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.render(&b, p); err != nil {
					t.Fatal(err)
				}
				// Markdown escapes underscores: count words without them.
				got := map[string]int{
					"more than":         strings.Count(b.String(), "more than"),
					"allow-mass-delete": strings.Count(b.String(), "allow-mass-delete"),
				}
				want := map[string]int{"more than": 1, "allow-mass-delete": 1}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("mentions of the mass deletion (-want +got):\n%s\n%s", diff, b.String())
				}
			})
		}
	}
}
