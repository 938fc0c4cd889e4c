package apply

import (
	"encoding/json"
	"testing"

	"github.com/mlabctl/mlabctl/plan"
)

func TestIdempotencyKeysStableAcrossRunsAndPlanFiles(t *testing.T) {
	p := demoPlan(t)
	first, err := prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	// The same plan written to a plan file and read back ([]any, float64).
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back plan.Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	second, err := prepare(&back)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(phases [][]*step) map[string]string {
		m := map[string]string{}
		for _, ph := range phases {
			for _, s := range ph {
				m[s.c.Address.String()+"/"+string(s.step)] = s.key
			}
		}
		return m
	}
	a, b2 := keys(first), keys(second)
	if len(a) != 13 {
		t.Fatalf("%d steps, want 13", len(a))
	}
	seen := map[string]string{}
	for k, v := range a {
		if b2[k] != v {
			t.Errorf("%s: key %s in memory, %s after a plan-file round trip", k, v, b2[k])
		}
		if other, dup := seen[v]; dup {
			t.Errorf("%s and %s share the key %s", k, other, v)
		}
		seen[v] = k
		if len(v) != 64 {
			t.Errorf("%s: key %q is not a hex SHA-256", k, v)
		}
	}
}

func TestIdempotencyKeysDifferAcrossPlans(t *testing.T) {
	p := demoPlan(t)
	q := demoPlan(t)
	q.Changes[4].After["notes"] = "something else" // api_key.staging
	r := demoPlan(t)
	r.BaseURL = "https://modelslab.com"
	hp, hq, hr := PlanHash(p), PlanHash(q), PlanHash(r)
	if hp == hq || hp == hr {
		t.Fatalf("plan hashes collide: %s %s %s", hp, hq, hr)
	}
	a := addr(t, "api_key.staging")
	if IdempotencyKey(hp, a, plan.Create, StepCreate) == IdempotencyKey(hq, a, plan.Create, StepCreate) {
		t.Error("different plans give the same key to the same create")
	}
	// Reasons and notes are prose for reviewers, not what the call does.
	s := demoPlan(t)
	s.Changes[4].Reason = "a reason that mentions today's date"
	if PlanHash(s) != hp {
		t.Error("a reason changed the plan hash")
	}
}

// TestIdempotencyKeysOfChangesSharingAnAddress: two deletes of live keys of
// one name are two calls with two keys (their unique addresses), and a
// change of rotate_overlap changes the plan's hash.
func TestIdempotencyKeysOfChangesSharingAnAddress(t *testing.T) {
	p := &plan.Plan{Changes: []plan.Change{
		{Address: addr(t, "api_key.x"), Action: plan.Delete, LiveID: "5"},
		{Address: addr(t, "api_key.x"), Action: plan.Delete, LiveID: "7"},
		{Address: addr(t, "api_key.y"), Action: plan.Delete, LiveID: "8"},
	}}
	phases, err := prepare(p)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, s := range phases[0] {
		keys[s.key] = true
	}
	if len(keys) != 3 {
		t.Errorf("%d distinct keys for 3 deletes, want 3", len(keys))
	}
	// A change that does not share its address keeps the key it always had.
	if want := IdempotencyKey(PlanHash(p), addr(t, "api_key.y"), plan.Delete, StepDelete); !keys[want] {
		t.Error("api_key.y's key changed")
	}
	r := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.ci"), Action: plan.Replace, LiveID: "1"}}}
	h := PlanHash(r)
	r.Changes[0].RotateOverlap = "7d"
	if PlanHash(r) == h {
		t.Error("rotate_overlap does not change the plan hash")
	}
}
