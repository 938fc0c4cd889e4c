package export

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// TestRoundTripEmulatorVariants reads the seeded demo account (with enough
// keys and members to page) from the emulator playing each reading of
// emulator.Matrix, exports it, and plans the export against a fresh read:
// the plan must be empty. Then it changes the file, applies the plan's
// changes through the client, and plans again: empty too (convergence),
// whatever shape the server answers in.
func TestRoundTripEmulatorVariants(t *testing.T) {
	for _, nv := range emulator.Matrix() {
		t.Run(nv.Name, func(t *testing.T) {
			t.Parallel()
			srv := emulator.New()
			srv.Variants = nv.Variants
			demo := srv.SeedDemo()
			for i := range 120 {
				srv.AddAPIKey(demo.Username, emulator.Key{Name: fmt.Sprintf("bulk-%03d", i), Notes: "n"})
			}
			for i := range 110 {
				srv.AddMember(demo.Username, emulator.Member{Email: fmt.Sprintf("m%03d@example.com", i), Role: "member", Status: "active"})
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c, err := remote.New(remote.Options{BaseURL: ts.URL, Token: remote.Secret(demo.Token), MaxWait: time.Minute, RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			opts := remote.FetchOptions{APIKeys: true, Team: true}
			live, err := c.Fetch(ctx, opts)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			var b bytes.Buffer
			if err := Render(&b, live, Options{}); err != nil {
				t.Fatal(err)
			}
			assertNoChanges(t, b.Bytes(), live, Options{})
			if nv.Variants.Socials == "documented" && strings.Contains(b.String(), "website:") {
				t.Errorf("the export declares website, which the server does not report:\n%s", b.String())
			}

			// Change the export, apply the plan's socials, key and member
			// updates through the client, and plan again.
			edited := strings.Replace(b.String(), "  github: acme-old\n", "  github: acme\n  facebook: acme.inc\n", 1)
			edited = strings.Replace(edited, "role: viewer", "role: member", 1)
			s, err := spec.Parse("edited.yaml", []byte(edited))
			if err != nil {
				t.Fatalf("the edited export: %v\n%s", err, edited)
			}
			p, err := plan.Compute(s, live, t0)
			if err != nil {
				t.Fatalf("plan of the edited export: %v", err)
			}
			for _, ch := range p.Changes {
				applyChange(t, c, ch)
			}
			if len(p.Changes) != 2 {
				t.Errorf("the edited export plans %d changes, want 2 (socials, bob's role): %+v", len(p.Changes), p.Changes)
			}
			again, err := c.Fetch(ctx, opts)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			p, err = plan.Compute(s, again, t0)
			if err != nil {
				t.Fatalf("plan after the changes: %v", err)
			}
			if !p.Empty() {
				var out bytes.Buffer
				_ = plan.RenderText(&out, p, plan.RenderOptions{})
				t.Errorf("the plan after the changes is not empty:\n%s", out.String())
			}
		})
	}
}

// applyChange makes the API call of one update of the edited export (the
// two kinds the test plans), as apply would.
func applyChange(t *testing.T, c *remote.Client, ch plan.Change) {
	t.Helper()
	ctx := context.Background()
	switch {
	case ch.Address.Kind == plan.KindSocials && ch.Action == plan.Update:
		var u remote.SocialsUpdate
		for k, v := range ch.After {
			s := v.(string)
			switch k {
			case "github":
				u.GitHub = &s
			case "facebook":
				u.Facebook = &s
			default:
				t.Fatalf("unexpected socials field %q", k)
			}
		}
		if _, err := c.UpdateSocials(ctx, u); err != nil {
			t.Fatalf("UpdateSocials: %v", err)
		}
	case ch.Address.Kind == plan.KindTeamMember && ch.Action == plan.Update:
		role := ch.After["role"].(string)
		if _, err := c.UpdateMember(ctx, remote.ID(ch.LiveID), remote.MemberUpdate{Role: &role}); err != nil {
			t.Fatalf("UpdateMember: %v", err)
		}
	default:
		t.Fatalf("unexpected change %s %s", ch.Action, ch.Address)
	}
}
