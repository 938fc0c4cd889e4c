package apply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// demoPlan is, by hand, the plan of DEMO.md: every action and every phase.
func demoPlan(t testing.TB) *plan.Plan {
	t.Helper()
	ch := func(a string, action plan.Action, live string, before, after map[string]any) plan.Change {
		return plan.Change{Address: addr(t, a), Action: action, LiveID: live, Before: before, After: after}
	}
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Account:       "acme-bot",
		BaseURL:       "http://127.0.0.1:1",
		Changes: []plan.Change{
			ch("preferences", plan.Update, "", map[string]any{"nsfw_content": true, "wallet_notification_enabled": false, "wallet_notification_threshold": 5.0},
				map[string]any{"nsfw_content": false, "wallet_notification_enabled": true, "wallet_notification_threshold": 10.0}),
			ch("profile", plan.Update, "", map[string]any{"name": "Acme Bot", "username": "acme-bot"}, map[string]any{"name": "Acme Automation", "username": "acme-bot"}),
			ch("socials", plan.Update, "", map[string]any{"github": "acme-old"}, map[string]any{"github": "acme"}),
			ch("api_key.ci", plan.Replace, "102", map[string]any{"name": "ci", "notes": "Used by GitHub Actions"}, map[string]any{"name": "ci", "notes": "Used by GitHub Actions"}),
			ch("api_key.staging", plan.Create, "", nil, map[string]any{"name": "staging", "notes": "Used by the staging environment"}),
			ch("api_key.production", plan.Update, "101", map[string]any{"name": "production", "notes": "Used by prod"}, map[string]any{"name": "production", "notes": "Used by the production backend"}),
			ch("api_key.old-key", plan.Delete, "104", map[string]any{"name": "old-key", "notes": ""}, nil),
			ch("team_member.carol@example.com", plan.Resend, "3", nil, nil),
			ch("team_member.dave@example.com", plan.Create, "", nil, map[string]any{"email": "dave@example.com", "role": "viewer", "permissions": []string{}}),
			ch("team_member.bob@example.com", plan.Update, "2", map[string]any{"email": "bob@example.com", "role": "viewer", "permissions": []any{}},
				map[string]any{"email": "bob@example.com", "role": "member", "permissions": []string{"api-keys"}}),
			ch("team_member.mallory@example.com", plan.Delete, "4", map[string]any{"email": "mallory@example.com", "role": "member"}, nil),
			ch("access_token.old-laptop#2", plan.Delete, "2", map[string]any{"name": "old-laptop"}, nil),
		},
	}
}

// memSink keeps secrets in memory (tests only).
type memSink struct {
	mu   sync.Mutex
	keys map[string]remote.Secret
	err  error
}

func (m *memSink) Save(name string, key remote.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.keys == nil {
		m.keys = map[string]remote.Secret{}
	}
	m.keys[name] = key
	return nil
}

func TestRunCallsPhasesInOrder(t *testing.T) {
	f := &fakeClient{}
	var out bytes.Buffer
	sink := &memSink{}
	res, err := Run(context.Background(), demoPlan(t), f, Options{Parallelism: 1, Out: &out, Secrets: sink})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	want := []string{
		`UpdatePreferences {"nsfw_content":false,"wallet_notification_enabled":true,"wallet_notification_threshold":10}`,
		`UpdateProfile {"name":"Acme Automation"}`,
		`UpdateSocials {"github":"acme"}`,
		`CreateAPIKey ci`,
		`CreateAPIKey staging`,
		`ListAPIKeys`, // after the creates: did another run make keys of these names?
		`UpdateAPIKey 101 {"notes":"Used by the production backend"}`,
		`DeleteAPIKey 102`,
		`DeleteAPIKey 104`,
		`ResendInvite 3`,
		`InviteMember dave@example.com viewer`,
		`UpdateMember 2 {"role":"member","permissions":["api-keys"]}`,
		`RemoveMember 4`,
		`RevokeToken 2`,
	}
	if diff := cmp.Diff(want, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if !res.OK() || res.Count(Done) != 13 {
		t.Errorf("result: %d done of %d, OK=%v", res.Count(Done), len(res.Steps), res.OK())
	}
	if len(sink.keys) != 2 || sink.keys["ci"].IsZero() || sink.keys["staging"].IsZero() {
		t.Errorf("secrets saved for %v, want ci and staging", keysOf(sink.keys))
	}
	res.WriteSummary(&out)
	golden.Check(t, filepath.Join("testdata", "demo_apply.txt"), []byte(durations.ReplaceAllString(out.String(), "(D)")))
}

var fakeIDs = regexp.MustCompile(`id 90\d\d`)

func keysOf(m map[string]remote.Secret) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRunOutputOrderIsDeterministic(t *testing.T) {
	// Calls finish in random order; the lines must not.
	var first string
	for i := 0; i < 5; i++ {
		f := &fakeClient{delay: time.Duration(i%3) * time.Millisecond}
		var out bytes.Buffer
		if _, err := Run(context.Background(), demoPlan(t), f, Options{Parallelism: 8, Out: &out, Secrets: &memSink{}}); err != nil {
			t.Fatal(err)
		}
		// Ids are handed out in completion order by the fake.
		got := fakeIDs.ReplaceAllString(durations.ReplaceAllString(out.String(), "(D)"), "id 9xxx")
		if i == 0 {
			first = got
			continue
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Fatalf("run %d printed differently (-first +this):\n%s", i, diff)
		}
	}
}

func TestRunBoundsParallelism(t *testing.T) {
	for _, p := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			pl := &plan.Plan{}
			for i := 0; i < 24; i++ {
				pl.Changes = append(pl.Changes, plan.Change{Address: addr(t, fmt.Sprintf("api_key.k%02d", i)), Action: plan.Create, After: map[string]any{"name": fmt.Sprintf("k%02d", i)}})
			}
			f := &fakeClient{delay: 2 * time.Millisecond}
			if _, err := Run(context.Background(), pl, f, Options{Parallelism: p, Secrets: &memSink{}}); err != nil {
				t.Fatal(err)
			}
			if f.maxInflight > p {
				t.Errorf("%d calls in flight at once, want at most %d", f.maxInflight, p)
			}
			if p > 1 && f.maxInflight < 2 {
				t.Errorf("at most %d call in flight with parallelism %d: calls did not overlap", f.maxInflight, p)
			}
		})
	}
}

func TestRunRejectsBadParallelism(t *testing.T) {
	for _, p := range []int{-1, 65} {
		if _, err := Run(context.Background(), demoPlan(t), &fakeClient{}, Options{Parallelism: p, Secrets: &memSink{}}); err == nil || !strings.Contains(err.Error(), "parallelism") {
			t.Errorf("parallelism %d: err = %v, want a parallelism error", p, err)
		}
	}
}

var errBoom = &remote.APIError{Status: 422, Code: "validation_error", Message: "The given data was invalid"}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name     string
		fail     map[string]error
		wantExit int
		// want maps addresses (with the step for replaces) to outcomes.
		want map[string]Outcome
	}{
		{
			name:     "replace create fails, its delete is skipped, the rest goes on",
			fail:     map[string]error{"CreateAPIKey ci": errBoom},
			wantExit: 4,
			want: map[string]Outcome{
				"api_key.ci/replace-create": Failed, "api_key.ci/replace-delete": Skipped,
				"api_key.staging/create": Done, "api_key.old-key/delete": Done, "access_token.old-laptop#2/delete": Done,
			},
		},
		{
			name:     "an update fails, independent actions still run",
			fail:     map[string]error{`UpdateMember 2 {"role":"member","permissions":["api-keys"]}`: errBoom},
			wantExit: 4,
			want:     map[string]Outcome{"team_member.bob@example.com/update": Failed, "team_member.mallory@example.com/delete": Done},
		},
		{
			name:     "a 404 on a delete is done: the object is gone",
			fail:     map[string]error{"DeleteAPIKey 104": &remote.APIError{Status: 404, Code: "not_found"}},
			wantExit: 0,
			want:     map[string]Outcome{"api_key.old-key/delete": Done},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{fail: tt.fail}
			var out bytes.Buffer
			res, err := Run(context.Background(), demoPlan(t), f, Options{Out: &out, Secrets: &memSink{}})
			exit := 0
			var fe *FailedError
			if errors.As(err, &fe) {
				exit = fe.ExitCode()
			} else if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if exit != tt.wantExit {
				t.Errorf("exit %d, want %d (err %v)", exit, tt.wantExit, err)
			}
			got := map[string]Outcome{}
			for _, s := range res.Steps {
				k := s.Address.String() + "/" + string(s.Step)
				if _, ok := tt.want[k]; ok {
					got[k] = s.Outcome
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
			for _, c := range f.Calls() {
				if c == "DeleteAPIKey 102" && tt.want["api_key.ci/replace-delete"] == Skipped {
					t.Errorf("the old ci key was deleted although its replacement failed")
				}
			}
		})
	}
}

// hostileKey is a live key name (the account is not ours to trust) made to
// erase the line it is printed on and forge a new one.
const hostileKey = "evil\x1b[2K\rFAKE: all good\u202e"

// withHostileDeletes adds to the demo plan the deletion of a live key named
// hostileKey and a member whose address hides a bidirectional override.
func withHostileDeletes(t testing.TB, p *plan.Plan) *plan.Plan {
	p.Changes = append(p.Changes,
		plan.Change{Address: addr(t, "api_key."+hostileKey), Action: plan.Delete, LiveID: "105", Before: map[string]any{"name": hostileKey}},
		plan.Change{Address: addr(t, "team_member.eve\u202egro.elpmaxe@x.io"), Action: plan.Delete, LiveID: "5"},
	)
	return p
}

func TestRunFailureSummary(t *testing.T) {
	f := &fakeClient{fail: map[string]error{
		"CreateAPIKey ci": errBoom,
		"RevokeToken 2":   errBoom,
		// A server message is live data too.
		"DeleteAPIKey 105": errors.New("500 \x1b[31mboom\x1b[0m\r\x1b[2KApply complete"),
	}}
	var out bytes.Buffer
	res, err := Run(context.Background(), withHostileDeletes(t, demoPlan(t)), f, Options{Out: &out, Secrets: &memSink{}})
	if err == nil {
		t.Fatal("Run succeeded, want a failure")
	}
	res.WriteSummary(&out)
	if i := strings.IndexFunc(out.String(), func(r rune) bool { return r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r)) }); i >= 0 {
		t.Errorf("the output prints a live name or message raw: %q", out.String()[max(0, i-20):])
	}
	golden.Check(t, filepath.Join("testdata", "partial_failure.txt"), []byte(durations.ReplaceAllString(out.String(), "(D)")))
}

// TestRunStepPanicFailsThatStepOnly: a panic inside one step's call (a
// bug) fails that step, saying where and how to report it; the other steps
// still run, and the run exits 4, since the call may have reached the
// server.
func TestRunStepPanicFailsThatStepOnly(t *testing.T) {
	f := &fakeClient{panics: map[string]any{"CreateAPIKey ci": "boom"}}
	var out bytes.Buffer
	res, err := Run(context.Background(), demoPlan(t), f, Options{Out: &out, Secrets: &memSink{}})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want a FailedError exiting 4", err)
	}
	if got := res.Count(Failed); got != 1 {
		t.Errorf("%d failed steps, want 1\n%s", got, out.String())
	}
	if res.Count(Done) == 0 {
		t.Errorf("no other step ran\n%s", out.String())
	}
	for _, s := range res.Steps {
		if s.Outcome != Failed {
			continue
		}
		if msg := s.Err.Error(); !strings.HasPrefix(msg, "internal error: boom (in apply.(*fakeClient).do (fake_client_test.go:") ||
			!strings.Contains(msg, "please report it at https://github.com/mlabctl/mlabctl/issues") {
			t.Errorf("the failed step says %q", msg)
		}
		if !s.Changed {
			t.Error("the panicked step does not count as a possible change")
		}
	}
}

func TestRunNothingChangedExitsOne(t *testing.T) {
	pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "profile"), Action: plan.Update, After: map[string]any{"name": "x"}}}}
	f := &fakeClient{fail: map[string]error{`UpdateProfile {"name":"x"}`: errBoom}}
	_, err := Run(context.Background(), pl, f, Options{})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 1 {
		t.Fatalf("err = %v, want a FailedError with exit 1", err)
	}
}

func TestRunInterruptFinishesInFlightCalls(t *testing.T) {
	f := &fakeClient{gate: make(chan struct{}), started: make(chan string, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan struct{})
	var res *Result
	var err error
	go func() {
		res, err = Run(ctx, demoPlan(t), f, Options{Parallelism: 2, Out: &out, Secrets: &memSink{}})
		close(done)
	}()
	// The first phase has three calls; two start, then Ctrl-C.
	<-f.started
	<-f.started
	cancel()
	close(f.gate)
	<-done
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want a FailedError with exit 4", err)
	}
	if !res.Interrupted {
		t.Error("Result.Interrupted is false")
	}
	if got := len(f.Calls()); got != 2 {
		t.Errorf("%d calls made, want the 2 in flight at the interrupt: %v", got, f.Calls())
	}
	if f.cancelledInside != 0 {
		t.Errorf("%d in-flight calls saw a cancelled context", f.cancelledInside)
	}
	if n := res.Count(Done); n != 2 {
		t.Errorf("%d steps done, want 2", n)
	}
	if n := res.Count(Skipped); n != len(res.Steps)-2 {
		t.Errorf("%d skipped, want %d", n, len(res.Steps)-2)
	}
	res.WriteSummary(&out)
	if !strings.Contains(out.String(), "Apply interrupted: 2 done, 0 failed, 11 skipped.") {
		t.Errorf("summary lacks the interrupted counts:\n%s", out.String())
	}
}

func TestRunInterruptBeforeAnythingExitsOne(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeClient{}
	_, err := Run(ctx, demoPlan(t), f, Options{Secrets: &memSink{}})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 1 {
		t.Fatalf("err = %v, want a FailedError with exit 1", err)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("calls after an interrupt: %v", calls)
	}
}

func TestRunLostCreateReadsBeforeDeciding(t *testing.T) {
	lost := errors.New("connection reset after commit")
	t.Run("key created, secret lost", func(t *testing.T) {
		pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.staging"), Action: plan.Create, After: map[string]any{"name": "staging"}}}}
		f := &fakeClient{fail: map[string]error{"CreateAPIKey staging": lost}}
		var out bytes.Buffer
		res, err := Run(context.Background(), pl, f, Options{Out: &out, Secrets: &memSink{}})
		var fe *FailedError
		if !errors.As(err, &fe) || fe.ExitCode() != 4 {
			t.Fatalf("err = %v, want exit 4: the key was made (and deleted again)", err)
		}
		if !res.Steps[0].Changed {
			t.Error("step not marked as a change")
		}
		msg := res.Steps[0].Err.Error()
		for _, want := range []string{"created key id 9001", "deleted it again so a re-run can create it afresh"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q lacks %q", msg, want)
			}
		}
		// Sent once more under the same key after the first lost answer;
		// both keys made are deleted again.
		if diff := cmp.Diff([]string{"CreateAPIKey staging", "ListAPIKeys", "CreateAPIKey staging", "ListAPIKeys", "DeleteAPIKey 9001", "DeleteAPIKey 9002"}, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("key not created", func(t *testing.T) {
		pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.staging"), Action: plan.Create, After: map[string]any{"name": "staging"}}}}
		f := &fakeClient{fail: map[string]error{"CreateAPIKey staging": errors.New("dial tcp: connection refused")}}
		res, err := Run(context.Background(), pl, f, Options{Secrets: &memSink{}})
		var fe *FailedError
		if !errors.As(err, &fe) || fe.ExitCode() != 1 {
			t.Fatalf("err = %v, want exit 1: nothing was created", err)
		}
		if !strings.Contains(res.Steps[0].Err.Error(), "shows it was not created") {
			t.Errorf("error %q does not say the key was not created", res.Steps[0].Err)
		}
	})
	t.Run("invite sent", func(t *testing.T) {
		pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "team_member.dave@example.com"), Action: plan.Create, After: map[string]any{"email": "dave@example.com", "role": "viewer"}}}}
		f := &fakeClient{fail: map[string]error{"InviteMember dave@example.com viewer": lost}}
		res, err := Run(context.Background(), pl, f, Options{})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Steps[0].Outcome != Done || !strings.Contains(res.Steps[0].Note, "confirmed") {
			t.Errorf("step = %+v, want done and confirmed", res.Steps[0])
		}
	})
}

func TestRunSecretsNeverInOutputOrResult(t *testing.T) {
	f := &fakeClient{}
	var out bytes.Buffer
	sink := &memSink{}
	res, err := Run(context.Background(), demoPlan(t), f, Options{Out: &out, Secrets: sink})
	if err != nil {
		t.Fatal(err)
	}
	res.WriteSummary(&out)
	dump := out.String() + fmt.Sprintf("%+v", res)
	for name, s := range sink.keys {
		if strings.Contains(dump, s.Reveal()) {
			t.Errorf("the secret of %q appears in the output or result", name)
		}
	}
}

func TestRunShowSecretsAndMask(t *testing.T) {
	f := &fakeClient{}
	var out bytes.Buffer
	var order []string
	mask := func(s string) { order = append(order, "mask"); fmt.Fprintf(&out, "::add-mask::%s\n", s) }
	pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.staging"), Action: plan.Create, After: map[string]any{"name": "staging"}}}}
	if _, err := Run(context.Background(), pl, f, Options{Out: &out, ShowSecrets: true, Mask: mask}); err != nil {
		t.Fatal(err)
	}
	const secret = "sk-fake-staging-1-secret"
	text := out.String()
	maskAt, shownAt := strings.Index(text, "::add-mask::"+secret), strings.LastIndex(text, secret)
	if maskAt < 0 || shownAt <= maskAt {
		t.Fatalf("want the mask first, then the secret shown once:\n%s", text)
	}
	if strings.Count(text, secret) != 2 {
		t.Errorf("secret printed %d times, want once after its mask:\n%s", strings.Count(text, secret)-1, text)
	}
	if !strings.Contains(text, "NEW SECRET") {
		t.Errorf("the secret is not clearly marked:\n%s", text)
	}
}

func TestRunRefusesKeysWithoutSink(t *testing.T) {
	f := &fakeClient{}
	_, err := Run(context.Background(), demoPlan(t), f, Options{})
	if err == nil || !strings.Contains(err.Error(), "--secrets-out") {
		t.Fatalf("err = %v, want a refusal naming --secrets-out", err)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("calls made: %v", calls)
	}
}

func TestRunSinkFailureIsAFailedChange(t *testing.T) {
	pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "api_key.staging"), Action: plan.Create, After: map[string]any{"name": "staging"}}}}
	res, err := Run(context.Background(), pl, &fakeClient{}, Options{Secrets: &memSink{err: errors.New("disk full")}})
	var fe *FailedError
	if !errors.As(err, &fe) || fe.ExitCode() != 4 {
		t.Fatalf("err = %v, want exit 4", err)
	}
	if !strings.Contains(res.Steps[0].Err.Error(), "could not be saved (disk full)") {
		t.Errorf("error %q does not say the secret was not saved", res.Steps[0].Err)
	}
	// The cause stays inspectable (a full disk is not a bug of mlabctl).
	res, _ = Run(context.Background(), pl, &fakeClient{}, Options{Secrets: &memSink{err: &fs.PathError{Op: "write", Path: "s.json", Err: syscall.ENOSPC}}})
	if !errors.Is(res.Steps[0].Err, syscall.ENOSPC) {
		t.Errorf("error %q does not wrap ENOSPC", res.Steps[0].Err)
	}
}

func TestWhenAnswerLostWrapsBothErrors(t *testing.T) {
	lost := &remote.APIError{Status: 502}
	readErr := errors.New("read: connection refused")
	_, err := whenAnswerLost(context.Background(), lost, "listing keys", "no key", func(context.Context) (bool, error) { return false, readErr })
	if !errors.Is(err, lost) || !errors.Is(err, readErr) {
		t.Errorf("err = %v, want it to wrap both the lost answer and the failed read", err)
	}
}

func TestRunInvalidPlanTouchesNothing(t *testing.T) {
	tests := []struct {
		name   string
		change plan.Change
		want   string
	}{
		{"update without live id", plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "x"}, Action: plan.Update, After: map[string]any{"notes": "n"}}, "no live id"},
		{"unknown field", plan.Change{Address: plan.Address{Kind: plan.KindProfile}, Action: plan.Update, After: map[string]any{"nickname": "n"}}, "do not fit"},
		{"wrong type", plan.Change{Address: plan.Address{Kind: plan.KindPreferences}, Action: plan.Update, After: map[string]any{"nsfw_content": "yes"}}, "do not fit"},
		{"resend a key", plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "x"}, Action: plan.Resend, LiveID: "1"}, "cannot resend"},
		{"create a token", plan.Change{Address: plan.Address{Kind: plan.KindAccessToken, Name: "x", ID: "1"}, Action: plan.Create}, "cannot create"},
		{"unknown action", plan.Change{Address: plan.Address{Kind: plan.KindTeamMember, Name: "a@b.c"}, Action: "rename", LiveID: "1"}, "cannot rename"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{}
			pl := &plan.Plan{Changes: []plan.Change{{Address: addr(t, "socials"), Action: plan.Update, After: map[string]any{"github": "x"}}, tt.change}}
			_, err := Run(context.Background(), pl, f, Options{})
			var ip *InvalidPlanError
			if !errors.As(err, &ip) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an InvalidPlanError containing %q", err, tt.want)
			}
			if calls := f.Calls(); len(calls) != 0 {
				t.Errorf("calls made: %v", calls)
			}
		})
	}
}

func TestRunColorOnlyWhenAsked(t *testing.T) {
	for _, color := range []bool{false, true} {
		f := &fakeClient{fail: map[string]error{"CreateAPIKey ci": errBoom}}
		var out bytes.Buffer
		Run(context.Background(), demoPlan(t), f, Options{Out: &out, Secrets: &memSink{}, Color: color})
		text := out.String()
		if got := strings.Contains(text, "\x1b["); got != color {
			t.Errorf("Color %v: ANSI escapes present = %v:\n%q", color, got, text)
		}
		if color && !strings.Contains(text, "\x1b[32m+\x1b[0m api_key.staging") {
			t.Errorf("the create mark is not green:\n%q", text)
		}
	}
}

// peekingClient reads the secrets file when a later phase starts.
type peekingClient struct {
	*fakeClient
	path string
	seen map[string]string
}

func (p *peekingClient) DeleteAPIKey(ctx context.Context, id remote.ID) error {
	if p.seen == nil {
		b, _ := os.ReadFile(p.path)
		json.Unmarshal(b, &p.seen)
	}
	return p.fakeClient.DeleteAPIKey(ctx, id)
}

func TestRunWritesEachSecretBeforeGoingOn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	c := &peekingClient{fakeClient: &fakeClient{fail: map[string]error{"RevokeToken 2": errBoom}}, path: path}
	_, err := Run(context.Background(), demoPlan(t), c, Options{Parallelism: 1, Secrets: NewSecretsFile(path)})
	if err == nil {
		t.Fatal("Run succeeded despite the failing revocation")
	}
	// The key deletes run after the creates: both secrets were on disk.
	if len(c.seen) != 2 || c.seen["ci"] == "" || c.seen["staging"] == "" {
		t.Errorf("when the deletes started the file held %d secrets, want ci and staging", len(c.seen))
	}
	if got := readSecrets(t, path); len(got) != 2 {
		t.Errorf("after the failure the file holds %d secrets, want 2", len(got))
	}
}
