package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// TestComputeSettled checks how the journal's facts shape a plan: a kept
// key among two of its name is matched and the orphan deleted, a key whose
// secret never arrived is replaced, a rotated predecessor is deleted, and
// without facts the same live state is refused as ambiguous.
func TestComputeSettled(t *testing.T) {
	const lost = "its secret was never received (interrupted apply at 2026-11-25 11:00 UTC)"
	const orphan = "made by an interrupted apply at 2026-11-25 11:00 UTC; nobody holds its secret"
	tests := []struct {
		name    string
		live    []remote.APIKey
		facts   []SettledKey
		want    []string // "action address live_id reason"
		problem string   // a substring of the refusal, when refused
		// noPin: the refusal must not name one id to pin (review: after
		// a rotation cut off without its journal, "pin id: <oldest>"
		// deleted the new key, whose secret had just been saved).
		noPin bool
	}{
		{
			name:    "two keys of a name, no facts: refused",
			live:    []remote.APIKey{liveKey("1", "ci", "", daysAgo(1)), liveKey("2", "ci", "", daysAgo(0))},
			problem: `matches 2 live keys`,
		},
		{
			name:    "an interrupted rotation without its journal: refused, naming no key to keep",
			live:    []remote.APIKey{liveKey("1", "ci", "", daysAgo(100)), liveKey("2", "ci", "", daysAgo(0))},
			problem: `matches 2 live keys`,
			noPin:   true,
		},
		{
			name:  "the kept one is matched, the orphan deleted",
			live:  []remote.APIKey{liveKey("1", "ci", "", daysAgo(1)), liveKey("2", "ci", "", daysAgo(0))},
			facts: []SettledKey{{ID: "2", Name: "ci", Fate: FateKeep}, {ID: "1", Name: "ci", Fate: FateDelete, Reason: orphan}},
			want:  []string{"delete api_key.ci 1 " + orphan},
		},
		{
			name:  "an interrupted rotation: successor kept, predecessor deleted",
			live:  []remote.APIKey{liveKey("1", "ci", "", daysAgo(100)), liveKey("2", "ci", "", daysAgo(0))},
			facts: []SettledKey{{ID: "2", Name: "ci", Fate: FateKeep}, {ID: "1", Name: "ci", Fate: FateDelete, Reason: "predecessor of id 2"}},
			want:  []string{"delete api_key.ci 1 predecessor of id 2"},
		},
		{
			name:  "a key without its secret is replaced",
			live:  []remote.APIKey{liveKey("3", "ci", "", daysAgo(0))},
			facts: []SettledKey{{ID: "3", Name: "ci", Fate: FateReplace, Reason: lost}},
			want:  []string{"replace api_key.ci 3 " + lost},
		},
		{
			name:    "a kept key beside a key nobody settled: refused, naming the stranger",
			live:    []remote.APIKey{liveKey("1", "ci", "", daysAgo(1)), liveKey("2", "ci", "", daysAgo(0))},
			facts:   []SettledKey{{ID: "2", Name: "ci", Fate: FateKeep}},
			problem: "besides id 2, whose secret an earlier apply kept (ids 1)",
		},
		{
			name:  "facts about keys that are gone change nothing",
			live:  []remote.APIKey{liveKey("1", "ci", "", daysAgo(1))},
			facts: []SettledKey{{ID: "9", Name: "ci", Fate: FateReplace, Reason: lost}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixtureSpec()
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{{Name: "ci", Pos: at(3, 5), RotateAfter: 90 * 24 * time.Hour}}
			live := fixtureLive()
			live.APIKeys = tt.live
			p, err := ComputeWith(s, live, computeNow, Options{Settled: tt.facts})
			if tt.problem != "" {
				var rail *RailError
				if !errors.As(err, &rail) || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("err = %v, want a refusal saying %q", err, tt.problem)
				}
				if tt.noPin && (strings.Contains(err.Error(), `"id: 1"`) || strings.Contains(err.Error(), `"id: 2"`)) {
					t.Errorf("the advice names one key to pin, which may be the one whose secret nobody holds: %v", err)
				}
				if strings.Contains(err.Error(), `"id: 1"`) && len(tt.facts) > 0 {
					t.Errorf("the advice pins the key the journal does not keep: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, fmt.Sprintf("%s %s %s %s", c.Action, c.Address, c.LiveID, c.Reason))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
