package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// revertByHand undoes, as a person would (the API with keys of its own, or
// the emulator's Go API where the API cannot: restoring a deleted object
// with its id, setting an invite's date back), what applying the example
// plan to the demo account did to objects that existed before it.
func revertByHand(t *testing.T, w *world, before emulator.Account) {
	t.Helper()
	ctx := context.Background()
	c := w.client
	name, about := before.Name, before.AboutMe
	if _, err := c.UpdateProfile(ctx, remote.ProfileUpdate{Name: &name, AboutMe: &about}); err != nil {
		t.Fatal(err)
	}
	gh := before.Socials["github"]
	if _, err := c.UpdateSocials(ctx, remote.SocialsUpdate{GitHub: &gh}); err != nil {
		t.Fatal(err)
	}
	p := before.Preferences
	if _, err := c.UpdatePreferences(ctx, remote.PreferencesUpdate{NSFWContent: &p.NSFWContent, WalletNotificationEnabled: &p.WalletNotificationEnabled, WalletNotificationThreshold: &p.WalletNotificationThreshold}); err != nil {
		t.Fatal(err)
	}
	now, _ := w.srv.Snapshot(w.demo.Username)
	for _, k := range before.APIKeys {
		switch {
		case k.Name == "production":
			notes := k.Notes
			if _, err := c.UpdateAPIKey(ctx, remote.ID(itoa(k.ID)), remote.APIKeyUpdate{Notes: &notes}); err != nil {
				t.Fatal(err)
			}
		case k.Name == "old-key":
			w.srv.AddAPIKey(w.demo.Username, k) // deleted: restored with its id
		}
	}
	for _, m := range before.Team {
		switch m.Email {
		case "bob@example.com":
			perms := m.Permissions
			if perms == nil {
				perms = []string{}
			}
			if _, err := c.UpdateMember(ctx, remote.ID(itoa(m.ID)), remote.MemberUpdate{Role: &m.Role, Permissions: &perms}); err != nil {
				t.Fatal(err)
			}
		case "mallory@example.com":
			w.srv.AddMember(w.demo.Username, m) // removed: restored with its id
		case "carol@example.com":
			// Resent: its date set back, as if the mail never went out.
			for _, live := range now.Team {
				if live.ID == m.ID {
					if err := c.RemoveMember(ctx, remote.ID(itoa(m.ID))); err != nil {
						t.Fatal(err)
					}
					w.srv.AddMember(w.demo.Username, m)
				}
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestEmulatorRevertedByHandIsMadeAgain(t *testing.T) {
	for _, reverts := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d reverts within 24 hours", reverts), func(t *testing.T) {
			w := newWorld(t, nil)
			before, _ := w.srv.Snapshot(w.demo.Username)
			// One plan, applied again and again: a re-run plan file, or an
			// identical plan computed from the reverted account.
			p := w.plan(t)
			if _, err := Run(context.Background(), p, w.client, Options{Secrets: &memSink{}}); err != nil {
				t.Fatalf("first Run: %v", err)
			}
			var out strings.Builder
			for i := 0; i < reverts; i++ {
				revertByHand(t, w, before)
				if again := w.plan(t); again.Empty() {
					t.Fatal("the revert left nothing to do: the test proves nothing")
				}
				out.Reset()
				if _, err := Run(context.Background(), p, w.client, Options{Secrets: &memSink{}, Out: &out}); err != nil {
					t.Fatalf("Run after revert %d: %v\n%s", i+1, err, out.String())
				}
			}
			t.Logf("last apply:\n%s", out.String())
			if again := w.plan(t); !again.Empty() {
				var addrs []string
				for _, c := range again.Changes {
					addrs = append(addrs, c.Address.String())
				}
				t.Errorf("not converged: a plan still changes %v\n%s", addrs, out.String())
			}
			w.checkNoDuplicates(t)
			for _, a := range []string{"~ profile", "~ api_key.production", "- api_key.old-key", "~ team_member.bob@example.com", "- team_member.mallory@example.com", "↻ team_member.carol@example.com"} {
				l := lineOf(out.String(), a+":")
				if !strings.Contains(l, "made again") {
					t.Errorf("the line of %s does not say it was made again: %q", a, l)
				}
			}
		})
	}
}

// lineOf returns the first line of out that starts with prefix.
func lineOf(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestReplayedRevocation(t *testing.T) {
	listed := []remote.AccessToken{{ID: "2", Name: "old-laptop"}}
	tests := []struct {
		name      string
		replayed  int
		tokens    []remote.AccessToken
		listFails bool
		// failRedo fails every RevokeToken that is not replayed.
		failRedo  bool
		want      Outcome
		wantCalls []string
		// wantText is in the step's note or error.
		wantText string
	}{
		{
			name: "a fresh answer is taken as it is", tokens: listed, want: Done,
			wantCalls: []string{"RevokeToken 2"},
		},
		{
			name: "replayed, still listed, and making it again fails: the error says both", replayed: 1, tokens: listed, failRedo: true, want: Failed,
			wantCalls: []string{"RevokeToken 2", "ListTokens", "RevokeToken 2"}, wantText: "making it again failed: boom",
		},
		{
			name: "replayed and gone: the live state confirms it", replayed: 1, want: Done,
			wantCalls: []string{"RevokeToken 2", "ListTokens"}, wantText: "live state confirms",
		},
		{
			name: "replayed but still listed: made again", replayed: 1, tokens: listed, want: Done,
			wantCalls: []string{"RevokeToken 2", "ListTokens", "RevokeToken 2"}, wantText: "made again",
		},
		{
			name: "replayed, and the read fails: done, with a pointer to plan", replayed: 1, tokens: listed, listFails: true, want: Done,
			wantCalls: []string{"RevokeToken 2", "ListTokens"}, wantText: "run plan to check",
		},
		{
			name: "replayed again and again: failed, naming the 24 hours", replayed: maxRedos + 1, tokens: listed, want: Failed,
			wantCalls: []string{"RevokeToken 2", "ListTokens", "RevokeToken 2", "ListTokens", "RevokeToken 2", "ListTokens", "RevokeToken 2", "ListTokens", "RevokeToken 2", "ListTokens"},
			wantText:  "24 hours",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{tokens: tt.tokens, replayed: map[string]int{"RevokeToken 2": tt.replayed}, fail: map[string]error{}}
			if tt.listFails {
				f.fail["ListTokens"] = errors.New("connection reset")
			}
			if tt.failRedo {
				f.fail["RevokeToken 2"] = errors.New("boom")
			}
			p := &plan.Plan{FormatVersion: plan.FormatVersion, Account: "acme-bot", Changes: []plan.Change{
				{Address: addr(t, "access_token.old-laptop#2"), Action: plan.Delete, LiveID: "2", Before: map[string]any{"name": "old-laptop"}},
			}}
			res, _ := Run(context.Background(), p, f, Options{})
			if res == nil || len(res.Steps) != 1 {
				t.Fatalf("Run gave %+v", res)
			}
			st := res.Steps[0]
			if st.Outcome != tt.want {
				t.Errorf("outcome %v, want %v (err %v)", st.Outcome, tt.want, st.Err)
			}
			text := st.Note
			if st.Err != nil {
				text = st.Err.Error()
			}
			if !strings.Contains(text, tt.wantText) {
				t.Errorf("note or error %q does not say %q", text, tt.wantText)
			}
			if diff := cmp.Diff(tt.wantCalls, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedoKey(t *testing.T) {
	k := redoKey("k", "present 2")
	if k == "k" || k != redoKey("k", "present 2") {
		t.Errorf("redoKey is not a fresh, deterministic key: %q", k)
	}
	if k == redoKey("k", "present 3") || k == redoKey("k2", "present 2") {
		t.Error("redoKey ignores the old key or the live state")
	}
	if redoKey(k, "present 2") == k {
		t.Error("a redo of a redo reuses its key")
	}
}

func TestShows(t *testing.T) {
	role, empty := "member", []string{}
	perms := []string{"billing", "api-keys"}
	tests := []struct {
		name   string
		update any
		live   any
		want   bool
	}{
		{"same role", remote.MemberUpdate{Role: &role}, remote.TeamMember{Role: "member"}, true},
		{"other role", remote.MemberUpdate{Role: &role}, remote.TeamMember{Role: "viewer"}, false},
		{"no permissions is an empty list", remote.MemberUpdate{Permissions: &empty}, remote.TeamMember{}, true},
		{"permissions are a set", remote.MemberUpdate{Permissions: &perms}, remote.TeamMember{Permissions: []string{"api-keys", "billing"}}, true},
		{"a missing permission", remote.MemberUpdate{Permissions: &perms}, remote.TeamMember{Permissions: []string{"api-keys"}}, false},
		{"10 and 10.0", remote.PreferencesUpdate{WalletNotificationThreshold: valuePtr(10.0)}, remote.Preferences{WalletNotificationThreshold: 10}, true},
		{"a field the update leaves out is not compared", remote.ProfileUpdate{Name: valuePtr("A")}, remote.Profile{Name: "A", AboutMe: "other"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := shows(tt.update, tt.live)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("shows = %v, want %v", got, tt.want)
			}
		})
	}
}

func valuePtr[T any](v T) *T { return &v }

func TestReplayedCreate(t *testing.T) {
	// A done create is followed by the overlap check's list (overlap in
	// journal_run.go).
	create := []string{"CreateAPIKey fresh", "ListAPIKeys"}
	tests := []struct {
		name      string
		replayed  int
		gone      bool
		fail      map[string]error
		want      Outcome
		wantCalls []string
		// wantLine is the step's line, durations as (D).
		wantLine string
		// wantSecret is the number of the fake key whose secret is kept
		// (0: none).
		wantSecret int
	}{
		{
			name: "a fresh answer is taken without a read", want: Done, wantCalls: create,
			wantLine: "+ api_key.fresh: created, id 9001 (D)", wantSecret: 1,
		},
		{
			name: "replayed, and the object is live: one read confirms it", replayed: 1, want: Done,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "ListAPIKeys"},
			wantLine:  "+ api_key.fresh: created, id 9001 (D)", wantSecret: 1,
		},
		{
			name: "replayed, and the object is gone: made again, one line naming the live id", replayed: 1, gone: true, want: Done,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "CreateAPIKey fresh", "ListAPIKeys"},
			wantLine:  "+ api_key.fresh: created, id 9002, made again: the API replayed an identical apply's answer (< 24 h old) whose object (id 9001) was since deleted (D)", wantSecret: 2,
		},
		{
			name: "replayed twice, both objects gone: made again with a third key", replayed: 2, gone: true, want: Done,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "CreateAPIKey fresh", "GetAPIKey 9002", "CreateAPIKey fresh", "ListAPIKeys"},
			wantLine:  "+ api_key.fresh: created, id 9003, made again: the API replayed 2 identical applies' answers (< 24 h old) whose objects (ids 9001, 9002) were since deleted (D)", wantSecret: 3,
		},
		{
			name: "replayed, and the read fails: done, with a pointer to plan", replayed: 1, fail: map[string]error{"GetAPIKey 9001": errors.New("connection reset")}, want: Done,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "ListAPIKeys"},
			wantLine:  "+ api_key.fresh: created, id 9001, answer replayed, and reading id 9001 to confirm it exists failed (connection reset); run plan to check (D)", wantSecret: 1,
		},
		{
			name: "replayed, gone, and making it again fails: the error says both", replayed: 1, gone: true,
			fail: map[string]error{"CreateAPIKey fresh": &remote.APIError{Status: 422, Code: "invalid", Message: "nope"}}, want: Failed,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "CreateAPIKey fresh"},
			wantLine:  "+ api_key.fresh: FAILED (D): the API replayed an identical apply's answer (< 24 h old) whose object (id 9001) was since deleted, and making it again failed: ",
		},
		{
			name: "replayed again and again: failed, naming the 24 hours", replayed: maxRedos + 1, gone: true, want: Failed,
			wantCalls: []string{"CreateAPIKey fresh", "GetAPIKey 9001", "CreateAPIKey fresh", "GetAPIKey 9002", "CreateAPIKey fresh", "GetAPIKey 9003",
				"CreateAPIKey fresh", "GetAPIKey 9004", "CreateAPIKey fresh", "GetAPIKey 9005"},
			wantLine: "+ api_key.fresh: FAILED (D): the API replayed 5 identical applies' answers (< 24 h old) whose objects (ids 9001, 9002, 9003, 9004, 9005) were since deleted; it forgets an answer 24 hours after the first, so apply again then",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{replayed: map[string]int{"CreateAPIKey fresh": tt.replayed}, gone: tt.gone, fail: tt.fail}
			p := &plan.Plan{FormatVersion: plan.FormatVersion, Account: "acme-bot", Changes: []plan.Change{
				{Address: addr(t, "api_key.fresh"), Action: plan.Create, After: map[string]any{"name": "fresh"}},
			}}
			sink := &memSink{}
			var out strings.Builder
			res, _ := Run(context.Background(), p, f, Options{Secrets: sink, Out: &out})
			if res == nil || len(res.Steps) != 1 {
				t.Fatalf("Run gave %+v\n%s", res, out.String())
			}
			if st := res.Steps[0]; st.Outcome != tt.want {
				t.Errorf("outcome %v, want %v (err %v)", st.Outcome, tt.want, st.Err)
			}
			if diff := cmp.Diff(tt.wantCalls, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			lines := strings.Split(strings.TrimSuffix(durations.ReplaceAllString(out.String(), "(D)"), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.wantLine) {
				t.Errorf("output %q, want one line starting %q", lines, tt.wantLine)
			}
			var want map[string]remote.Secret
			if tt.wantSecret > 0 {
				want = map[string]remote.Secret{"fresh": remote.Secret(fmt.Sprintf("sk-fake-fresh-%d-secret", tt.wantSecret))}
			}
			if diff := cmp.Diff(want, sink.keys); diff != "" {
				t.Errorf("secrets kept (-want +got):\n%s", diff)
			}
		})
	}
}
