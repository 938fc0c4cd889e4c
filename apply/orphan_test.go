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
// create's answer is dropped, replays included. The client never repeats a
// create (remote's onceOnly); apply lists the keys, finds the one it made,
// sends the create once more under the same key (replayed, and dropped
// again), and deletes the orphan: the secret never reaches apply.
func alwaysLostKeyCreates() *emulator.Faults {
	return &emulator.Faults{DropRate: 1, Routes: []string{"POST /api-keys"}}
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

// TestEmulatorLostSecretDeletesTheOrphanAndConverges drops every answer
// to a key create (the example file: a replace and a plain create), on a
// server that replays idempotency keys and on one that ignores them. The
// client never repeats a create; apply lists, finds the key it made, and
// sends the create once more under the same key. A replaying server gives
// the first answer back (once the drop spares it: replays are never
// dropped), with the secret: done in one run. A server that ignores the key
// makes a second key and drops that answer too: apply deletes both keys it
// made and fails the step (exit 4); a re-run without faults converges.
func TestEmulatorLostSecretDeletesTheOrphanAndConverges(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore-idempotency=%v", ignore), func(t *testing.T) {
			w := newWorld(t, nil)
			w.srv.IgnoreIdempotency = ignore
			ctx := context.Background()
			before := w.keyIDs(t)
			p := w.plan(t)
			w.srv.Faults = alwaysLostKeyCreates()
			sink := &memSink{}
			var first strings.Builder
			res, err := Run(ctx, p, w.client, Options{Secrets: sink, Parallelism: 1, Out: &first})
			if !faulted(w.srv.Requests()) {
				t.Fatal("no fault was injected: the test proves nothing")
			}
			keys := []string{"ci", "staging"}
			if !ignore {
				if err != nil {
					t.Fatalf("Run on a replaying server: %v\n%s", err, first.String())
				}
				if !strings.Contains(first.String(), "made on attempt 2, after a lost answer") {
					t.Errorf("the output does not say the create was made on its second attempt:\n%s", first.String())
				}
			} else {
				var fe *FailedError
				if !errors.As(err, &fe) || fe.ExitCode() != 4 {
					t.Fatalf("err = %v, want exit 4\n%s", err, first.String())
				}
				for _, s := range res.Steps {
					if s.Address.Kind != plan.KindAPIKey || s.Outcome != Failed {
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
				// The orphans are gone; the old key of the replace is kept.
				after := w.keyIDs(t)
				for _, name := range keys {
					if diff := cmp.Diff(before[name], after[name]); diff != "" {
						t.Errorf("live keys named %q after the faulted run (-before +after):\n%s", name, diff)
					}
				}
				w.checkNoDuplicates(t)
				w.srv.Faults = nil
				var out strings.Builder
				if _, err := Run(ctx, w.plan(t), w.client, Options{Secrets: sink, Out: &out}); err != nil {
					t.Fatalf("re-run: %v\n%s", err, out.String())
				}
			}
			if again := w.plan(t); !again.Empty() {
				t.Errorf("a plan after the runs has %d changes, want none: %+v", len(again.Changes), again.Changes)
			}
			w.checkNoDuplicates(t)
			acct, _ := w.srv.Snapshot(w.demo.Username)
			for _, name := range keys {
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
			// Each delete carries a key of its own.
			byKey := map[string]int{}
			for _, r := range w.mutations() {
				byKey[r.IdempotencyKey]++
			}
			for _, r := range w.mutations() {
				if r.Method == "DELETE" && (r.IdempotencyKey == "" || (!ignore && byKey[r.IdempotencyKey] != 1)) {
					t.Errorf("%s %s: Idempotency-Key %q is missing or shared", r.Method, r.Path, r.IdempotencyKey)
				}
			}
		})
	}
}

// TestRunLostSecretOrphan: a fake that commits every create and loses
// every answer (a server that ignores idempotency keys and drops answers):
// the first lost answer is settled by listing, the create is sent once more
// under the same key (a replaying server would give the secret back), and
// the keys both attempts made are deleted again, never a key in use.
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
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"created key id 9001 but its secret was lost in transit", "deleted it again so a re-run can create it afresh"},
			notWant: []string{"id 102", "dashboard"},
		},
		{
			name:    "replace: the orphan is deleted, the old key kept",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"created key id 9001", "deleted it again so a re-run can create it afresh", "the old key, id 102, is kept and still works"},
			notWant: []string{"remove", "DeleteAPIKey 102"},
		},
		{
			name:    "replace: the orphan already gone counts as deleted",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 404, Code: "not_found"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"deleted it again"},
		},
		{
			name:    "replace: deleting the orphan fails, the advice pins the old key",
			changes: []plan.Change{replace},
			keys:    []remote.APIKey{{ID: "102", Name: "ci"}},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 502, Code: "server_error"}, "DeleteAPIKey 9002": &remote.APIError{Status: 502, Code: "server_error"}},
			// A lost delete answer is checked by reading the key.
			calls: []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001", "GetAPIKey 9001"},
			want: []string{"deleting it again failed", "delete key 9001 in the dashboard",
				`pin the key to keep with "id: 102" under the api_keys entry "ci" in modelslab.yaml (that is the old key, still in use)`, "then remove the id"},
			notWant: []string{`remove "ci"`, "deleted it again so"},
		},
		{
			name:    "plain create: deleting the orphan is refused",
			changes: []plan.Change{create},
			fail:    map[string]error{"DeleteAPIKey 9001": &remote.APIError{Status: 403, Code: "insufficient_scope"}, "DeleteAPIKey 9002": &remote.APIError{Status: 403, Code: "insufficient_scope"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
			want:    []string{"deleting it again failed", "delete key 9001 in the dashboard and apply again"},
			notWant: []string{"id: "},
		},
		{
			name: "a key the plan renames later keeps its name meanwhile and is not the orphan",
			// Key creates run before key updates: key 50 is still named ci.
			changes: []plan.Change{create, rename},
			keys:    []remote.APIKey{{ID: "50", Name: "ci"}},
			calls:   []string{"CreateAPIKey ci", "ListAPIKeys", "CreateAPIKey ci", "ListAPIKeys", "DeleteAPIKey 9001"},
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
