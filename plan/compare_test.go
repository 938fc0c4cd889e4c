package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDifferences(t *testing.T) {
	base := func() *Plan {
		used := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		return &Plan{
			FormatVersion: FormatVersion,
			ComputedAt:    time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
			Account:       "acme-bot",
			BaseURL:       "https://modelslab.com",
			Changes: []Change{
				{Address: Address{Kind: KindAPIKey, Name: "ci"}, Action: Create, After: map[string]any{"name": "ci"}},
				{Address: Address{Kind: KindAPIKey, Name: "old"}, Action: Delete, Before: map[string]any{"name": "old"}, LiveID: "104", LastUsedAt: &used},
			},
			Warnings: []Warning{{Message: "a warning"}},
		}
	}
	tests := []struct {
		name string
		edit func(saved, now *Plan)
		want []string
	}{
		{name: "equal", edit: func(_, _ *Plan) {}},
		{name: "only time and use differ", edit: func(saved, now *Plan) {
			now.ComputedAt = now.ComputedAt.Add(time.Hour)
			later := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
			now.Changes[1].LastUsedAt = &later
			now.RecentlyUsed = []RecentUse{{Address: "api_key.old", LiveID: "104", LastUsedAt: later, Within: "24h"}}
			now.Warnings = nil
		}},
		{name: "nil and empty lists are equal", edit: func(saved, now *Plan) {
			saved.Unmanaged, now.Unmanaged = nil, []Address{}
			saved.Changes[0].Before, now.Changes[0].Before = map[string]any{}, nil
		}},
		{name: "a delete added to the saved plan", edit: func(saved, _ *Plan) {
			saved.Changes = append(saved.Changes, Change{Address: Address{Kind: KindAPIKey, Name: "production"}, Action: Delete, LiveID: "101"})
		}, want: []string{"api_key.production: the plan file would delete it; the plan computed now does not"}},
		{name: "a change the saved plan lacks", edit: func(saved, _ *Plan) {
			saved.Changes = saved.Changes[:1]
		}, want: []string{"api_key.old: the plan computed now would delete it; the plan file does not"}},
		{name: "a delete pointed at another live key", edit: func(saved, _ *Plan) {
			saved.Changes[1].LiveID = "101"
		}, want: []string{"api_key.old: the plan file would delete it, the plan computed now would delete it; live_id differs (live id 101 in the plan file, 104 now)"}},
		{name: "fields of one change", edit: func(saved, _ *Plan) {
			saved.Changes[0].Action = Update
			saved.Changes[0].After = map[string]any{"name": "ci", "notes": "x"}
		}, want: []string{"api_key.ci: the plan file would update it, the plan computed now would create it; action, after differ"}},
		{name: "the mass-deletion verdict removed", edit: func(_, now *Plan) {
			now.MassDeletions = []MassDeletion{{Section: "api_keys", Addresses: []Address{{Kind: KindAPIKey, Name: "old"}}, Live: 4, Percent: 25}}
		}, want: []string{`mass_deletions: the plan file has none; the plan computed now has [{"section":"api_keys","addresses":["api_key.old"],"live":4,"percent":25}]`}},
		{name: "another account", edit: func(saved, _ *Plan) { saved.Account = "someone" },
			want: []string{`account: the plan file has "someone"; the plan computed now has "acme-bot"`}},
		{name: "options", edit: func(saved, _ *Plan) { saved.Replace = []string{"api_key.ci"} },
			want: []string{`replace: the plan file has ["api_key.ci"]; the plan computed now has none`}},
		{name: "order", edit: func(saved, _ *Plan) { saved.Changes[0], saved.Changes[1] = saved.Changes[1], saved.Changes[0] },
			want: []string{"changes: the plan file lists them in another order than the one apply makes them in"}},
		{name: "two keys of one name, one retargeted", edit: func(saved, now *Plan) {
			for _, p := range []*Plan{saved, now} {
				p.Changes = append(p.Changes, Change{Address: Address{Kind: KindAPIKey, Name: "old"}, Action: Delete, LiveID: "105"})
			}
			saved.Changes[2].LiveID = "101"
		}, want: []string{"api_key.old#105: the plan file would delete it, the plan computed now would delete it; live_id differs (live id 101 in the plan file, 105 now)"}},
		{name: "a change added beside another of its address", edit: func(saved, _ *Plan) {
			saved.Changes = append(saved.Changes, Change{Address: Address{Kind: KindAPIKey, Name: "old"}, Action: Delete, LiveID: "101"})
		}, want: []string{"api_key.old#101: the plan file would delete it; the plan computed now does not"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved, now := base(), base()
			tt.edit(saved, now)
			got := Differences(saved, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Differences (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBriefJSONIsCut(t *testing.T) {
	if got := briefJSON(strings.Repeat("x", 500)); len(got) > 204 || !strings.HasSuffix(got, "…") {
		t.Errorf("briefJSON of a long value: %d bytes %q", len(got), got[len(got)-8:])
	}
}
