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

// TestMassDeletionSkipsSettledDeletes: the deletes that finish what an
// interrupted apply began (a rotation's predecessors, keys nobody holds)
// do not count toward max_delete_percent, while the same number of
// deletes that follow the file still does. Found by e2e's crash matrix
// (rotation-deletes-fail): a rotation of 12 keys whose deletes failed
// could never be finished by a plain apply.
func TestMassDeletionSkipsSettledDeletes(t *testing.T) {
	const n = 6 // of 12 live keys: 50%, over the default 25%
	tests := []struct {
		name     string
		fate     KeyFate // the facts of the old keys; "" none
		declared bool    // the file declares the old keys' names
		wantMass int     // deletions the mass-deletion rail counts
	}{
		{name: "predecessors the journal settled", fate: FateDelete, declared: true, wantMass: 0},
		{name: "keys dropped from the file", declared: false, wantMass: n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixtureSpec()
			s.APIKeysSet = true
			live := fixtureLive()
			live.APIKeys = nil
			var facts []SettledKey
			for i := range n {
				name := fmt.Sprintf("k%d", i)
				oldID, newID := fmt.Sprint(100+i), fmt.Sprint(200+i)
				live.APIKeys = append(live.APIKeys, liveKey(oldID, name, "", daysAgo(120)))
				if tt.declared {
					s.APIKeys = append(s.APIKeys, spec.APIKey{Name: name, Pos: at(3+i, 5), RotateAfter: 90 * 24 * time.Hour})
					live.APIKeys = append(live.APIKeys, liveKey(newID, name, "", daysAgo(0)))
				} else {
					// Keep the section's size: another declared key each.
					s.APIKeys = append(s.APIKeys, spec.APIKey{Name: "other" + name, Pos: at(3+i, 5)})
					live.APIKeys = append(live.APIKeys, liveKey(newID, "other"+name, "", daysAgo(0)))
				}
				if tt.fate != "" {
					facts = append(facts, SettledKey{ID: newID, Name: name, Fate: FateKeep},
						SettledKey{ID: oldID, Name: name, Fate: tt.fate, Reason: "predecessor of key id " + newID})
				}
			}
			p, err := ComputeWith(s, live, computeNow, Options{Settled: facts})
			if err != nil {
				t.Fatal(err)
			}
			deletes, mass := 0, 0
			for _, c := range p.Changes {
				if c.Action == Delete {
					deletes++
				}
			}
			for _, md := range p.MassDeletions {
				mass += len(md.Addresses)
			}
			if deletes != n || mass != tt.wantMass {
				t.Errorf("%d deletes, %d counted as a mass deletion; want %d and %d", deletes, mass, n, tt.wantMass)
			}
		})
	}
}

// TestProtectHoldsAgainstSettledFacts: the journal is a file on disk, and
// its facts never move a key out of the protect rail. A protected key the
// facts say to delete (an orphan nobody holds, a rotated predecessor) or to
// replace (its secret never arrived) is refused like any other change of
// it, pointing at the entry's protect.
func TestProtectHoldsAgainstSettledFacts(t *testing.T) {
	tests := []struct {
		name  string
		facts []SettledKey
	}{
		{name: "delete", facts: []SettledKey{
			{ID: "200", Name: "prod", Fate: FateKeep},
			{ID: "100", Name: "prod", Fate: FateDelete, Reason: "made by an interrupted apply; nobody holds its secret"},
		}},
		{name: "replace", facts: []SettledKey{
			{ID: "100", Name: "prod", Fate: FateReplace, Reason: "its secret was never received"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixtureSpec()
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{{Name: "prod", Pos: at(3, 5), Protect: true, ProtectPos: at(4, 7)}}
			live := fixtureLive()
			live.APIKeys = []remote.APIKey{liveKey("100", "prod", "", daysAgo(30))}
			for _, f := range tt.facts {
				if f.ID == "200" {
					live.APIKeys = append(live.APIKeys, liveKey("200", "prod", "", daysAgo(0)))
				}
			}
			p, err := ComputeWith(s, live, computeNow, Options{Settled: tt.facts})
			var rail *RailError
			if !errors.As(err, &rail) {
				t.Fatalf("ComputeWith = %v, %v; want a RailError refusing the protected key's change", p, err)
			}
			if !strings.Contains(err.Error(), "protect") || !strings.Contains(err.Error(), "100") {
				t.Errorf("the refusal does not name the protected key id 100 and its protect: %v", err)
			}
		})
	}
}
