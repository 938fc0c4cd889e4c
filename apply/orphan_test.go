package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// alwaysLostKeyCreates commits key creates and loses their answers: every
// handled create's answer is dropped and 85% of the requests fail before
// they are handled. With seed 4 and one call at a time, the first attempt
// of each of the first two creates is committed and every retry fails: the
// secret never reaches apply (the test checks it happened).
func alwaysLostKeyCreates() *emulator.Faults {
	return &emulator.Faults{Rate: 0.85, DropRate: 1, Routes: []string{"POST /api-keys"}, Seed: 4}
}

// unsafeAdvice is advice that would delete every key of a name, the old one
// of a replace included.
var unsafeAdvice = []string{`remove "ci"`, `remove "staging"`, "rotate it"}

// keyIDs returns the ids of the live keys of each name.
func (w *world) keyIDs(t testing.TB) map[string][]string {
	t.Helper()
	acct, ok := w.srv.Snapshot(w.demo.Username)
	if !ok {
		t.Fatal("no demo account")
	}
	out := map[string][]string{}
	for _, k := range acct.APIKeys {
		out[k.Name] = append(out[k.Name], fmt.Sprint(k.ID))
	}
	return out
}

// idOf returns the one id of name in ids, or "".
func idOf(t testing.TB, ids map[string][]string, name string) string {
	t.Helper()
	if len(ids[name]) != 1 {
		return ""
	}
	return ids[name][0]
}

func TestEmulatorLostSecretDeletesTheOrphanAndConverges(t *testing.T) {
	tests := []struct {
		name string
		// plan returns the plan to apply; the same function plans the
		// re-run, so a plan that does not depend on the live state re-runs
		// with the same idempotency keys (the lost answer is replayed).
		plan func(t *testing.T, w *world) *plan.Plan
		// want are the outcomes of the key steps of the faulted run.
		want map[string]Outcome
		// keys are the names whose secret must be saved in the end.
		keys []string
		// converged says a plan of the example file is empty after the
		// re-run; rerunNote is in the re-run's output.
		converged bool
		rerunNote string
	}{
		{
			name: "example file: a replace and a plain create",
			plan: func(t *testing.T, w *world) *plan.Plan { return w.plan(t) },
			want: map[string]Outcome{
				"ci/replace-create": Failed, "ci/replace-delete": Skipped, "staging/create": Failed,
				"production/update": Done, "old-key/delete": Done,
			},
			keys:      []string{"ci", "staging"},
			converged: true,
		},
		{
			name: "the same plain create applied again: the lost answer is replayed",
			plan: func(t *testing.T, w *world) *plan.Plan {
				return &plan.Plan{FormatVersion: plan.FormatVersion, Account: w.demo.Username, BaseURL: w.url, Changes: []plan.Change{
					{Address: addr(t, "api_key.fresh"), Action: plan.Create, After: map[string]any{"name": "fresh", "notes": "n"}},
				}}
			},
			want:      map[string]Outcome{"fresh/create": Failed},
			keys:      []string{"fresh"},
			rerunNote: "made again: the API replayed an identical apply's answer (< 24 h old) whose object (id 105) was since deleted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, nil)
			ctx := context.Background()
			before := w.keyIDs(t)
			p := tt.plan(t, w)
			w.srv.Faults = alwaysLostKeyCreates()
			sink := &memSink{}
			res, err := Run(ctx, p, w.client, Options{Secrets: sink, Parallelism: 1})
			var fe *FailedError
			if !errors.As(err, &fe) || fe.ExitCode() != 4 {
				t.Fatalf("err = %v, want exit 4", err)
			}
			if !faulted(w.srv.Requests()) {
				t.Fatal("no fault was injected: the test proves nothing")
			}
			got := map[string]Outcome{}
			for _, s := range res.Steps {
				if s.Address.Kind != plan.KindAPIKey {
					continue
				}
				got[s.Address.Name+"/"+string(s.Step)] = s.Outcome
				if s.Outcome != Failed {
					continue
				}
				msg := s.Err.Error()
				if !strings.Contains(msg, "but its secret was lost in transit") || !strings.Contains(msg, "deleted it again so a re-run can create it afresh") {
					t.Errorf("%s: error %q does not say the key was created and deleted again", s.Address, msg)
				}
				for _, bad := range unsafeAdvice {
					if strings.Contains(msg, bad) {
						t.Errorf("%s: error %q advises %q", s.Address, msg, bad)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
			// The orphans are gone; the old key of the replace is kept.
			after := w.keyIDs(t)
			for _, name := range tt.keys {
				if diff := cmp.Diff(before[name], after[name]); diff != "" {
					t.Errorf("live keys named %q after the faulted run (-before +after):\n%s", name, diff)
				}
			}
			w.checkNoDuplicates(t)
			// Each orphan's delete carries a key of its own.
			byKey := map[string]int{}
			for _, r := range w.mutations() {
				byKey[r.IdempotencyKey]++
			}
			deletes := 0
			for _, r := range w.mutations() {
				if r.Method == "DELETE" && strings.HasPrefix(r.Path, "/api-keys/") && r.Path != "/api-keys/"+idOf(t, before, "old-key") {
					deletes++
					if r.IdempotencyKey == "" || byKey[r.IdempotencyKey] != 1 {
						t.Errorf("%s %s: Idempotency-Key %q is missing or shared", r.Method, r.Path, r.IdempotencyKey)
					}
				}
			}
			if want := len(tt.keys); deletes != want {
				t.Errorf("%d orphan deletes, want %d", deletes, want)
			}

			// Without faults, a re-run converges: one key of each name,
			// whose secret is the one saved.
			w.srv.Faults = nil
			var out strings.Builder
			if _, err := Run(ctx, tt.plan(t, w), w.client, Options{Secrets: sink, Out: &out}); err != nil {
				t.Fatalf("re-run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tt.rerunNote) {
				t.Errorf("the re-run's output lacks %q:\n%s", tt.rerunNote, out.String())
			}
			if again := w.plan(t); tt.converged && !again.Empty() {
				t.Errorf("a plan after the re-run has %d changes, want none: %+v", len(again.Changes), again.Changes)
			}
			w.checkNoDuplicates(t)
			acct, _ := w.srv.Snapshot(w.demo.Username)
			for _, name := range tt.keys {
				var live []remote.Secret
				for _, k := range acct.APIKeys {
					if k.Name == name {
						live = append(live, remote.Secret(k.Key))
					}
				}
				if len(live) != 1 {
					t.Errorf("%d live keys named %q, want 1", len(live), name)
					continue
				}
				if sink.keys[name].IsZero() || sink.keys[name].Reveal() != live[0].Reveal() {
					t.Errorf("the saved secret of %q is not the live key's", name)
				}
			}
		})
	}
}

func TestRunLostSecretOrphan(t *testing.T) {
	lost := errors.New("connection reset after commit") // the fake commits, then fails
	create := plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "ci"}, Action: plan.Create, After: map[string]any{"name": "ci"}}
	replace := plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "ci"}, Action: plan.Replace, LiveID: "102",
		Before: map[string]any{"name": "ci"}, After: map[string]any{"name": "ci"}}
	rename := plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "ci-old"}, Action: plan.Update, LiveID: "50",
		Before: map[string]any{"name": "ci"}, After: map[string]any{"name": "ci-old"}}
	tests := []struct {
		name    string
		changes []plan.Change
		keys    []remote.APIKey // live before the apply
		fail    map[string]error
		// calls are the calls of the create step, in order.
		calls         []string
		want, notWant []string // in the create step's error
	}{
		{
			name:    "plain create: the orphan is deleted",
			changes: []plan.Change{create},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"created key id 9001 but its secret was lost in transit", "deleted it again so a re-run can create it afresh"},
			notWant: []string{"id 102", "dashboard"},
		},
		{
			name:    "replace: the orphan is deleted, the old key kept",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"created key id 9001", "deleted it again so a re-run can create it afresh", "the old key, id 102, is kept and still works"},
			notWant: []string{"remove", "DeleteAPIKey 102"},
		},
		{
			name:    "replace: the orphan already gone counts as deleted",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 404, Code: "not_found"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"deleted it again"},
		},
		{
			name:    "replace: deleting the orphan fails, the advice pins the old key",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 502, Code: "server_error"}},
			// A lost delete answer is checked by reading the key.
			calls: []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001", "GetAPIKey 9001"},
			want: []string{"deleting it again failed", "delete key 9001 in the dashboard",
				`pin the key to keep with "id: 102" under the api_keys entry "ci" in modelslab.yaml (that is the old key, still in use)`, "then remove the id"},
			notWant: []string{`remove "ci"`, "deleted it again so"},
		},
		{
			name:    "plain create: deleting the orphan is refused",
			changes: []plan.Change{create},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 403, Code: "insufficient_scope"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"deleting it again failed", "delete key 9001 in the dashboard and apply again"},
			notWant: []string{"id: "},
		},
		{
			name: "a key the plan renames later keeps its name meanwhile and is not the orphan",
			// Key creates run before key updates: key 50 is still named ci.
			changes: []plan.Change{create, rename},
			keys:    []remote.APIKey{{ID: "50", Name: "ci"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"created key id 9001", "deleted it again"},
			notWant: []string{"id 50"},
		},
		{
			name:    "two keys new to the plan: none is deleted",
			changes: []plan.Change{create},
			keys:    []remote.APIKey{{ID: "77", Name: "ci"}}, // made by someone meanwhile
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys"},
			want:    []string{`2 live keys named "ci" are new to the plan (ids 77, 9001)`, "deleted none"},
			notWant: []string{"remove", "id: "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fail := map[string]error{"CreateAPIKey ci": lost}
			for k, v := range tt.fail {
				fail[k] = v
			}
			f := &fakeClient{keys: tt.keys, fail: fail}
			p := &plan.Plan{Changes: tt.changes}
			res, err := Run(context.Background(), p, f, Options{Secrets: &memSink{}, Parallelism: 1})
			var fe *FailedError
			if !errors.As(err, &fe) || fe.ExitCode() != 4 {
				t.Fatalf("err = %v, want exit 4", err)
			}
			var createErr error
			for _, s := range res.Steps {
				switch s.Step {
				case StepCreate, StepReplaceCreate:
					if s.Outcome != Failed || !s.Changed {
						t.Errorf("create step: outcome %v, changed %v; want failed, changed", s.Outcome, s.Changed)
					}
					createErr = s.Err
				case StepReplaceDelete:
					if s.Outcome != Skipped {
						t.Errorf("the old key's delete: outcome %v, want skipped", s.Outcome)
					}
				}
			}
			calls := f.Calls()
			if diff := cmp.Diff(tt.calls, calls[:min(len(calls), len(tt.calls))]); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			for _, c := range calls {
				if c == "DeleteAPIKey 102" || c == "DeleteAPIKey 50" || c == "DeleteAPIKey 77" {
					t.Errorf("%s: a key in use was deleted", c)
				}
			}
			if createErr == nil {
				t.Fatal("no create step failed")
			}
			msg := createErr.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("error %q holds %q", msg, w)
				}
			}
		})
	}
}
