package plan

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlabctl/mlabctl/remote"
)

func TestFingerprintsAddresses(t *testing.T) {
	live := demoLive()
	live.APIKeys = append(live.APIKeys, liveKey("105", "ci", "a second ci", daysAgo(1)))
	fp := Fingerprints(live)
	var got []string
	for addr := range fp {
		got = append(got, addr)
	}
	want := []string{
		"access_token.demo#301",
		"access_token.old-laptop#302",
		"api_key.ci#102", // two live keys are named ci
		"api_key.ci#105",
		"api_key.dashboard-playground",
		"api_key.old-key",
		"api_key.production",
		"preferences",
		"profile",
		"socials",
		"team_member.alice@example.com",
		"team_member.bob@example.com",
		"team_member.carol@example.com",
		"team_member.mallory@example.com",
	}
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("addresses (-want +got):\n%s", diff)
	}
	if fp["access_token.demo#301"] != CurrentToken {
		t.Errorf("the current token's fingerprint is %q, want %q", fp["access_token.demo#301"], CurrentToken)
	}
	for addr, h := range fp {
		if h != CurrentToken && len(h) != fingerprintLen {
			t.Errorf("%s: fingerprint %q is not %d hex digits", addr, h, fingerprintLen)
		}
	}
}

var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// TestFingerprintsNotice changes one live object at a time and checks that
// exactly the expected addresses become stale.
func TestFingerprintsNotice(t *testing.T) {
	tests := []struct {
		name   string
		change func(*remote.State)
		want   []string
	}{
		{name: "nothing", change: func(*remote.State) {}, want: []string{}},
		{name: "profile name", change: func(l *remote.State) { l.Profile.Name = "x" }, want: []string{"profile"}},
		{name: "socials", change: func(l *remote.State) { l.Profile.Socials.Discord = "x" }, want: []string{"socials"}},
		{name: "preference threshold", change: func(l *remote.State) { l.Profile.Preferences.WalletNotificationThreshold = 5.5 },
			want: []string{"preferences"}},
		{name: "key notes", change: func(l *remote.State) { l.APIKeys[0].Notes = "x" }, want: []string{"api_key.production"}},
		{name: "key rotated elsewhere", change: func(l *remote.State) {
			l.APIKeys[1].ID, l.APIKeys[1].CreatedAt = "999", computeNow
		}, want: []string{"api_key.ci"}},
		{name: "key added and removed", change: func(l *remote.State) {
			l.APIKeys = append(l.APIKeys[:3], liveKey("106", "new", "", computeNow))
		}, want: []string{"api_key.new", "api_key.old-key"}},
		{name: "key value and last use are ignored", change: func(l *remote.State) {
			l.APIKeys[0].Key = "ml-OTHER"
			now := computeNow
			l.APIKeys[0].LastUsedAt = &now
		}, want: []string{}},
		{name: "invite accepted", change: func(l *remote.State) { l.Team[2].Status = remote.StatusActive },
			want: []string{"team_member.carol@example.com"}},
		{name: "invite resent", change: func(l *remote.State) { l.Team[2].InvitedAt = computeNow },
			want: []string{"team_member.carol@example.com"}},
		{name: "permission order is ignored", change: func(l *remote.State) {
			l.Team[0].Permissions = []string{"billing", "api-keys"}
		}, want: []string{}},
		{name: "email case is ignored", change: func(l *remote.State) { l.Team[1].Email = "Bob@Example.com" }, want: []string{}},
		{name: "token revoked", change: func(l *remote.State) { l.Tokens = l.Tokens[:1] },
			want: []string{"access_token.old-laptop#302"}},
		{name: "another run's token is not a change", change: func(l *remote.State) {
			// apply logged in with its own ephemeral token; plan's is gone.
			l.Tokens = []remote.AccessToken{liveToken("303", "mlabctl-apply", true), l.Tokens[1]}
			l.Tokens[1].Current = false
		}, want: []string{}},
		{name: "token used by plan is not current at apply", change: func(l *remote.State) {
			l.Tokens[0].Current = false
			l.Tokens = append(l.Tokens, liveToken("304", "deploy", true))
		}, want: []string{}},
	}
	saved := Fingerprints(demoLive())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := demoLive()
			tt.change(live)
			got := StaleAddresses(saved, Fingerprints(live))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StaleAddresses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFingerprintsHoldNoSecret(t *testing.T) {
	live := demoLive()
	withOther := demoLive()
	for i := range withOther.APIKeys {
		withOther.APIKeys[i].Key = remote.Secret("ml-DIFFERENT-" + withOther.APIKeys[i].ID.String())
	}
	if diff := cmp.Diff(Fingerprints(live), Fingerprints(withOther)); diff != "" {
		t.Errorf("fingerprints depend on key values (-want +got):\n%s", diff)
	}
	for addr, h := range Fingerprints(live) {
		if strings.Contains(addr+h, "SECRET") {
			t.Errorf("%s: %s holds a secret", addr, h)
		}
	}
}

func TestFingerprintFieldsAreDelimited(t *testing.T) {
	f := fingerprinter{h: sha256.New()}
	if f.sum("ab", "c") == f.sum("a", "bc") {
		t.Error(`sum("ab", "c") == sum("a", "bc"): fields are not delimited`)
	}
}
