package plan

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/internal/limits"
	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// The scenarios of issue 13, 14 and 15's features: rotation with overlap,
// --replace, --target, protection by live id, unique addresses and
// protect_used_within. Each is computed (testdata/compute/NAME.json) and,
// when it plans, rendered as text (testdata/render/NAME.txt), so that a
// reviewer sees what a user sees.

// retiringKey is a live key marked by a rotation with overlap to retire
// after at.
func retiringKey(id, name, notes string, created, at time.Time) remote.APIKey {
	k := liveKey(id, name, retirement.Mark(notes, at, limits.NotesMax), created)
	return k
}

// usedKey is a live key last used at used.
func usedKey(id, name string, created, used time.Time) remote.APIKey {
	k := liveKey(id, name, "", created)
	k.LastUsedAt = &used
	return k
}

// rotating declares name with rotate_after 90d and rotate_overlap 7d.
func rotating(line int, name string) spec.APIKey {
	k := declKey(line, name, ptr("Used by CI"))
	k.RotateAfter, k.RotateAfterText = 90*24*time.Hour, "90d"
	k.RotateOverlap, k.RotateOverlapText = 7*24*time.Hour, "7d"
	return k
}

// featureScenario is a computeScenario with options.
type featureScenario struct {
	name string
	opts Options
	spec func(*spec.Spec)
	live func(*remote.State)
}

func featureScenarios() []featureScenario {
	hoursAgo := func(h int) time.Time { return computeNow.Add(-time.Duration(h) * time.Hour) }
	return []featureScenario{
		{name: "rotate_overlap_rotation_keeps_the_old_key", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{rotating(10, "ci")}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{usedKey("101", "ci", daysAgo(120), hoursAgo(2))}
		}},
		{name: "rotate_overlap_predecessor_within_overlap", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{rotating(10, "ci")}
		}, live: func(l *remote.State) {
			// The rotation's apply ran 2 days ago: 101 retires in 5 days.
			l.APIKeys = []remote.APIKey{
				retiringKey("101", "ci", "Used by CI", daysAgo(122), daysAgo(2).Add(7*24*time.Hour)),
				liveKey("102", "ci", "Used by CI", daysAgo(2)),
			}
		}},
		{name: "rotate_overlap_predecessor_retired", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{rotating(10, "ci")}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				retiringKey("101", "ci", "Used by CI", daysAgo(130), daysAgo(1)),
				liveKey("102", "ci", "Used by CI", daysAgo(8)),
			}
		}},
		{name: "rotate_overlap_predecessor_without_successor", spec: func(s *spec.Spec) {
			// The rotation's apply died after marking 101: the next plan
			// creates the successor and keeps 101, whose time has come.
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{rotating(10, "ci")}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{retiringKey("101", "ci", "Used by CI", daysAgo(130), daysAgo(1))}
		}},
		{name: "rotate_overlap_pinned_to_the_predecessor", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := rotating(10, "ci")
			k.ID = "101"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				retiringKey("101", "ci", "Used by CI", daysAgo(122), daysAgo(-5)),
				liveKey("102", "ci", "Used by CI", daysAgo(2)),
			}
		}},
		{name: "retiring_key_no_longer_declared", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "other", nil)}
			s.Ignore.APIKeys = []string{"kept-*"}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("1", "other", "", daysAgo(3)),
				retiringKey("101", "ci", "", daysAgo(122), daysAgo(-5)),
				retiringKey("102", "kept-x", "", daysAgo(122), daysAgo(-5)),
			}
		}},
		{name: "malformed_retirement_record", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", nil)}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "ci", "[mlabctl:retire-after=soon]", daysAgo(3))}
		}},
		{name: "replace_requested", opts: Options{Replace: []string{"api_key.ci"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{rotating(10, "ci"), declKey(14, "other", nil)}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{usedKey("101", "ci", daysAgo(3), hoursAgo(30)), liveKey("102", "other", "", daysAgo(3))}
		}},
		{name: "replace_protected_refused", opts: Options{Replace: []string{"api_key.production"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.Protect, k.ProtectPos = true, at(12, 14)
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "production", "", daysAgo(3))}
		}},
		{name: "replace_matches_nothing", opts: Options{Replace: []string{"api_key.cii"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", nil)}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "ci", "", daysAgo(3))}
		}},
		{name: "replace_undeclared_key", opts: Options{Replace: []string{"api_key.old"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "old", "", daysAgo(3))}
		}},
		{name: "replace_key_not_live", opts: Options{Replace: []string{"api_key.new"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "new", nil)}
		}},
		{name: "replace_not_a_key", opts: Options{Replace: []string{"team_member.a@example.com"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
		}},
		{name: "target_one_key", opts: Options{Targets: []string{"api_key.ci"}}, spec: func(s *spec.Spec) {
			s.Profile = &spec.Profile{Name: ptr("Acme Automation")}
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", ptr("new")), declKey(11, "fresh", nil)}
			s.Ignore.APIKeys = []string{"dash-*"}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "ci", "old", daysAgo(3)), liveKey("102", "gone", "", daysAgo(3)), liveKey("103", "dash-1", "", daysAgo(3))}
		}},
		{name: "target_section", opts: Options{Targets: []string{"team"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.TeamSet = true
			s.Team = []spec.Member{declMember(20, "alice@example.com", "admin")}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "gone", "", daysAgo(3))}
			l.Team = []remote.TeamMember{liveMember("7", "bob@example.com", "member", remote.StatusActive, daysAgo(3))}
		}},
		{name: "target_matches_nothing", opts: Options{Targets: []string{"api_key.cii"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", nil)}
		}},
		{name: "target_partial_min_admins_refused", opts: Options{Targets: []string{"team_member.alice@example.com"}}, spec: func(s *spec.Spec) {
			// The whole plan keeps one admin (bob is promoted), the part
			// that only removes alice would keep none.
			s.TeamSet = true
			s.Team = []spec.Member{declMember(20, "bob@example.com", "admin")}
			s.Policy.MinAdmins, s.Policy.MinAdminsPos = 1, at(30, 15)
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("7", "alice@example.com", "admin", remote.StatusActive, daysAgo(3)),
				liveMember("8", "bob@example.com", "member", remote.StatusActive, daysAgo(3)),
			}
		}},
		{name: "target_part_of_a_mass_deletion", opts: Options{Targets: []string{"api_key.a"}}, spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "keep", nil)}
		}, live: func(l *remote.State) {
			for i, n := range []string{"a", "b", "c", "d", "keep"} {
				l.APIKeys = append(l.APIKeys, liveKey(string(rune('1'+i)), n, "", daysAgo(3)))
			}
		}},
		{name: "protected_twin_not_deleted", spec: func(s *spec.Spec) {
			// Pinning one of two live keys named production would delete
			// the other: both carry the protected name.
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.ID, k.Protect, k.ProtectPos = "9", true, at(12, 14)
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("7", "production", "", daysAgo(3)), liveKey("9", "production", "", daysAgo(2))}
		}},
		{name: "protected_name_repinned", spec: func(s *spec.Spec) {
			// The protected entry is pinned to another key (102, renamed
			// to production): the key that had the name (101) would be
			// deleted, and protection follows it by its live name.
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.ID, k.Protect, k.ProtectPos = "102", true, at(12, 14)
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "production", "", daysAgo(30)), liveKey("102", "ci", "", daysAgo(20))}
		}},
		{name: "unique_addresses_for_a_pinned_rename", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.ID = "102"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("101", "production", "", daysAgo(30)), liveKey("102", "ci", "", daysAgo(20))}
		}},
		{name: "duplicate_live_ids_refused", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.Protect = true
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("5001", "production", "", daysAgo(3)), liveKey("5001", "junk", "", daysAgo(3))}
		}},
		{name: "protect_used_within", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.Policy.ProtectUsedWithin, s.Policy.ProtectUsedWithinText = 24*time.Hour, "24h"
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				usedKey("101", "recent", daysAgo(30), hoursAgo(2)),
				usedKey("102", "old", daysAgo(30), hoursAgo(25)),
				liveKey("103", "never", "", daysAgo(30)),
				usedKey("104", "skewed", daysAgo(30), computeNow.Add(time.Hour)),
			}
		}},
	}
}

func TestComputeFeaturesGolden(t *testing.T) {
	for _, sc := range featureScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			s, live := fixtureSpec(), fixtureLive()
			sc.spec(s)
			if sc.live != nil {
				sc.live(live)
			}
			got := runComputeWith(s, live, sc.opts)
			computeGolden(t, sc.name, got)
			assertNoSecret(t, got)
			if got.Plan == nil {
				return
			}
			var b bytes.Buffer
			if err := RenderText(&b, got.Plan, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "render", sc.name+".txt"), b.Bytes())
			b.Reset()
			if err := RenderMarkdown(&b, got.Plan, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "render", sc.name+".md"), b.Bytes())
			b.Reset()
			if err := RenderJSON(&b, got.Plan); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "render", sc.name+".json"), b.Bytes())
			checkJSONPlanSchema(t, got.Plan)
		})
	}
}

// runComputeWith is runCompute with options; an OptionError is recorded
// as the error with exit code 1.
func runComputeWith(s *spec.Spec, live *remote.State, o Options) computeResult {
	p, err := ComputeWith(s, live, computeNow, o)
	var opt *OptionError
	if errors.As(err, &opt) {
		return computeResult{ExitCode: 1, Error: err.Error()}
	}
	if err == nil {
		return computeResult{Plan: p}
	}
	var rail *RailError
	if errors.As(err, &rail) {
		return computeResult{ExitCode: rail.ExitCode(), Problems: rail.Problems}
	}
	return computeResult{Error: err.Error()}
}

// TestUniqueAddresses: only changes sharing an address get #LIVE_ID, a
// create keeps the plain address, access tokens keep theirs.
func TestUniqueAddresses(t *testing.T) {
	p := basePlan(
		Change{Address: addr("api_key.ci"), Action: Create},
		Change{Address: addr("api_key.ci"), Action: Delete, LiveID: "101"},
		Change{Address: addr("api_key.x"), Action: Delete, LiveID: "5"},
		Change{Address: addr("api_key.x"), Action: Delete, LiveID: "7"},
		Change{Address: addr("api_key.y"), Action: Delete, LiveID: "8"},
		Change{Address: addr("team_member.a@b.c"), Action: Delete, LiveID: "1"},
		Change{Address: addr("team_member.a@b.c"), Action: Delete, LiveID: "2"},
		Change{Address: addr("access_token.t#3"), Action: Delete, LiveID: "3"},
	)
	want := []string{"api_key.ci", "api_key.ci#101", "api_key.x#5", "api_key.x#7", "api_key.y",
		"team_member.a@b.c#1", "team_member.a@b.c#2", "access_token.t#3"}
	if diff := cmp.Diff(want, p.UniqueAddresses()); diff != "" {
		t.Errorf("UniqueAddresses (-want +got):\n%s", diff)
	}
	if got := p.ChangeRefs()["api_key.x#7"]; got != 3 {
		t.Errorf("ChangeRefs[api_key.x#7] = %d, want 3", got)
	}
}

// TestRotationWithOverlapAcrossTime computes the plans of a rotation with
// rotate_overlap at the successive times of its life, applying each plan to
// the live state by hand as apply does: at every moment one key of the name
// is valid, and the predecessor goes only once the overlap has passed.
func TestRotationWithOverlapAcrossTime(t *testing.T) {
	s := fixtureSpec()
	s.APIKeysSet = true
	s.APIKeys = []spec.APIKey{rotating(10, "ci")}
	live := fixtureLive()
	live.APIKeys = []remote.APIKey{liveKey("101", "ci", "Used by CI", daysAgo(91))}

	type step struct {
		at       time.Time
		want     []string // action address
		retiring int
	}
	steps := []step{
		{at: computeNow, want: []string{"replace api_key.ci"}},
		{at: computeNow.Add(time.Hour), retiring: 1},
		{at: computeNow.Add(7*24*time.Hour - time.Minute), retiring: 1},
		{at: computeNow.Add(7*24*time.Hour + time.Minute), want: []string{"delete api_key.ci"}},
		{at: computeNow.Add(8 * 24 * time.Hour)},
	}
	next := 200
	for i, st := range steps {
		p, err := Compute(s, live, st.at)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var got []string
		for _, c := range p.Changes {
			got = append(got, string(c.Action)+" "+c.Address.String())
		}
		if diff := cmp.Diff(st.want, got); diff != "" || len(p.Retiring) != st.retiring {
			t.Fatalf("step %d at %s: changes (-want +got):\n%s\nretiring %v, want %d", i, st.at, diff, p.Retiring, st.retiring)
		}
		// Apply by hand, as apply does: a rotation marks the old key,
		// then creates the new one; a retirement deletes the old key.
		for _, c := range p.Changes {
			switch c.Action {
			case Replace:
				overlap, err := spec.ParseDuration(c.RotateOverlap)
				if err != nil {
					t.Fatal(err)
				}
				for j := range live.APIKeys {
					if live.APIKeys[j].ID == remote.ID(c.LiveID) {
						live.APIKeys[j].Notes = retirement.Mark(live.APIKeys[j].Notes, st.at.Add(overlap), limits.NotesMax)
					}
				}
				next++
				live.APIKeys = append(live.APIKeys, liveKey(fmt.Sprint(next), "ci", "Used by CI", st.at))
			case Delete:
				live.APIKeys = deleteKey(live.APIKeys, remote.ID(c.LiveID))
			}
		}
		valid := 0
		for _, k := range live.APIKeys {
			if k.Name == "ci" {
				valid++
			}
		}
		if valid == 0 {
			t.Fatalf("step %d: no key named ci is left", i)
		}
	}
}

// deleteKey removes the key id from keys.
func deleteKey(keys []remote.APIKey, id remote.ID) []remote.APIKey {
	out := keys[:0:0]
	for _, k := range keys {
		if k.ID != id {
			out = append(out, k)
		}
	}
	return out
}
