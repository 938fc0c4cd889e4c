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
