package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// TestCheckRailsFeatures covers the rails of issues 13 and 15: protection
// by live id, approvals by unique address, protect_used_within on the keys
// read now, and a partial plan's share of a mass deletion.
func TestCheckRailsFeatures(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	used := now.Add(-2 * time.Hour)
	long := now.Add(-72 * time.Hour)
	keys := []remote.APIKey{
		{ID: "101", Name: "ci", LastUsedAt: &used},
		{ID: "102", Name: "ci"},
		{ID: "103", Name: "batch", LastUsedAt: &long},
	}
	twoDeletes := func(t testing.TB) *plan.Plan {
		return &plan.Plan{Changes: []plan.Change{
			{Address: addr(t, "api_key.ci"), Action: plan.Delete, LiveID: "101"},
			{Address: addr(t, "api_key.ci"), Action: plan.Delete, LiveID: "102"},
		}}
	}
	used24h := Rails{Live: &remote.State{APIKeys: keys}, ProtectUsedWithin: 24 * time.Hour, ProtectUsedWithinText: "24h", Now: now}
	withAllow := func(r Rails, addrs ...string) Rails {
		for _, a := range addrs {
			r.AllowDelete = append(r.AllowDelete, plan.Address{Kind: plan.KindAPIKey, Name: strings.TrimPrefix(a, "api_key.")})
		}
		return r
	}
	tests := []struct {
		name    string
		plan    func(testing.TB) *plan.Plan
		rails   Rails
		refused []string
		misuse  string
	}{
		{
			name: "a delete whose live id a protected entry covers, under another address",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.junk"), Action: plan.Delete, LiveID: "101"}}}
			},
			rails:   Rails{ProtectedIDs: map[remote.ID]string{"101": "production"}},
			refused: []string{`api_key.junk would delete the live API key id 101, which "production" protects`},
		},
		{
			name: "a rename is not a delete",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.junk"), Action: plan.Update, LiveID: "101", After: map[string]any{"name": "junk"}}}}
			},
			rails: Rails{ProtectedIDs: map[remote.ID]string{"101": "production"}},
		},
		{
			name:    "a key used within protect_used_within is refused",
			plan:    twoDeletes,
			rails:   used24h,
			refused: []string{"api_key.ci#101 (id 101) was last used at 2026-11-25T10:00:00Z, within policy.protect_used_within 24h; approve it with --allow-delete api_key.ci#101"},
		},
		{
			name:  "and approved by its unique address",
			plan:  twoDeletes,
			rails: withAllow(used24h, "api_key.ci#101"),
		},
		{
			name:   "a plain address two deletes share is ambiguous",
			plan:   twoDeletes,
			rails:  withAllow(used24h, "api_key.ci"),
			misuse: "--allow-delete api_key.ci: the plan deletes 2 keys or members of that address; approve each by its own: api_key.ci#101, api_key.ci#102",
		},
		{
			name: "a key used long ago, or a replace that keeps the old key, passes",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{
					{Address: addr(t, "api_key.batch"), Action: plan.Delete, LiveID: "103"},
					{Address: addr(t, "api_key.ci"), Action: plan.Replace, LiveID: "101", RotateOverlap: "7d"},
				}}
			},
			rails: used24h,
		},
		{
			name: "a replace that deletes now is refused",
			plan: func(t testing.TB) *plan.Plan {
				return &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.ci"), Action: plan.Replace, LiveID: "101"}}}
			},
			rails:   used24h,
			refused: []string{"api_key.ci (id 101) was last used"},
		},
		{
			name: "the rail reads the live keys, not the plan's record",
			plan: func(t testing.TB) *plan.Plan {
				p := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.ci"), Action: plan.Delete, LiveID: "101"}}}
				p.RecentlyUsed = nil // an edited plan file says nothing
				return p
			},
			rails:   used24h,
			refused: []string{"api_key.ci (id 101) was last used"},
		},
		{
			name: "a partial plan's share of a mass deletion",
			plan: func(t testing.TB) *plan.Plan {
				a := addr(t, "api_key.a")
				return &plan.Plan{
					Changes:       []plan.Change{{Address: a, Action: plan.Delete, LiveID: "1"}},
					MassDeletions: []plan.MassDeletion{{Section: "api_keys", Addresses: []plan.Address{a}, Live: 5, Percent: 25, Total: 4}},
				}
			},
			refused: []string{"the plan deletes 4 of 5 live API keys", "approve each with --allow-delete: api_key.a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRails(context.Background(), tt.plan(t), &fakeClient{}, tt.rails)
			checkRailsOutcome(t, err, tt.refused, tt.misuse)
		})
	}
}
