package plan

import (
	"fmt"
	"io"
	"testing"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// largeAccount is the benchmark's account: 10,000 API keys and 2,000 team
// members, of which about one in ten differs from the file (notes updates,
// creates, deletes, role changes, invites, removals), and the file that
// manages it all.
func largeAccount() (*spec.Spec, *remote.State) {
	const keys, members = 10_000, 2_000
	s, live := fixtureSpec(), fixtureLive()
	liveKeys, declKeys := manyKeys(keys)
	for i := 0; i < keys; i += 20 {
		declKeys[i].Notes = ptr("changed notes")
	}
	for i := 1; i < keys; i += 40 {
		declKeys[i].Name = fmt.Sprintf("new-%05d", i) // one create, one delete
	}
	s.APIKeysSet, s.APIKeys = true, declKeys
	s.Policy.MaxDeletePercent = 100
	live.APIKeys = liveKeys

	liveTeam, declTeam := manyMembers(members)
	for i := 0; i < members; i += 20 {
		declTeam[i].Role = "viewer"
		declTeam[i].Permissions = []string{"billing", "api-keys"}
	}
	for i := 1; i < members; i += 40 {
		declTeam[i].Email = fmt.Sprintf("invited%05d@example.com", i)
	}
	s.TeamSet, s.Team = true, declTeam
	live.Team = liveTeam
	return s, live
}

func BenchmarkCompute(b *testing.B) {
	s, live := largeAccount()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(s, live, computeNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeRender is what `mlabctl plan` does after fetching: compute
// the plan of the large account, then render it.
func BenchmarkComputeRender(b *testing.B) {
	s, live := largeAccount()
	p, err := Compute(s, live, computeNow)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d changes (%+v)", len(p.Changes), p.Summary())
	for _, r := range []struct {
		name   string
		render func(*Plan) error
	}{
		{"text", func(p *Plan) error { return RenderText(io.Discard, p, RenderOptions{}) }},
		{"json", func(p *Plan) error { return RenderJSON(io.Discard, p) }},
		{"markdown", func(p *Plan) error { return RenderMarkdown(io.Discard, p, RenderOptions{}) }},
	} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := Compute(s, live, computeNow)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.render(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFingerprints(b *testing.B) {
	_, live := largeAccount()
	b.ReportAllocs()
	for b.Loop() {
		Fingerprints(live)
	}
}
