package plan

import (
	"fmt"
	"testing"
	"time"

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
