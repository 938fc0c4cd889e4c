package plan

import (
	"fmt"
	"time"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// Fixtures shared by the tests of Compute, fingerprints and plan files:
// hand-built specs and live states, so that these tests depend on neither the
// loader nor the client.

// computeNow is the injected clock of every Compute test.
var computeNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

const fixtureFile = "modelslab.yaml"

func ptr[T any](v T) *T { return &v }

// at is a position in the fixture file.
func at(line, col int) spec.Pos { return spec.Pos{File: fixtureFile, Line: line, Col: col} }

// daysAgo is computeNow minus d days.
func daysAgo(d int) time.Time { return computeNow.Add(-time.Duration(d) * 24 * time.Hour) }

// fixtureSpec is a spec with nothing managed.
func fixtureSpec() *spec.Spec {
	return &spec.Spec{Path: fixtureFile, Version: 1, Policy: spec.Policy{MaxDeletePercent: spec.DefaultMaxDeletePercent}}
}

// fixtureLive is a live account with a profile and nothing else fetched.
func fixtureLive() *remote.State {
	return &remote.State{
		BaseURL: "https://modelslab.com",
		Profile: remote.Profile{
			ID: "1", Name: "Acme Bot", Username: "acme-bot", Email: "owner@acme.example",
			AboutMe: "Automation account.", Verified: true,
			Socials:     remote.Socials{GitHub: "acme-old"},
			Preferences: remote.Preferences{NSFWContent: true, WalletNotificationThreshold: 5},
		},
	}
}

func liveKey(id, name, notes string, created time.Time) remote.APIKey {
	return remote.APIKey{ID: remote.ID(id), Name: name, Notes: notes, Key: remote.Secret("ml-SECRET-" + id), CreatedAt: created}
}

func liveMember(id, email, role, status string, invited time.Time, perms ...string) remote.TeamMember {
	m := remote.TeamMember{ID: remote.ID(id), Email: email, Role: role, Permissions: perms, Status: status, InvitedAt: invited}
	if status == remote.StatusPending {
		m.InviteID = "inv-" + id
	}
	return m
}

func liveToken(id, name string, current bool) remote.AccessToken {
	created := daysAgo(50)
	return remote.AccessToken{ID: remote.ID(id), Name: name, Scopes: []string{"*"}, Current: current, CreatedAt: &created}
}

// declKey declares a key at the given line.
func declKey(line int, name string, notes *string) spec.APIKey {
	return spec.APIKey{Name: name, Notes: notes, Pos: at(line, 5)}
}

// declMember declares a member at the given line.
func declMember(line int, email, role string, perms ...string) spec.Member {
	return spec.Member{Email: email, Role: role, Permissions: perms, Pos: at(line, 5)}
}

// manyKeys returns n live keys named key-0000... created 10 days ago, and
// the matching declarations.
func manyKeys(n int) ([]remote.APIKey, []spec.APIKey) {
	live := make([]remote.APIKey, n)
	decl := make([]spec.APIKey, n)
	for i := range n {
		name := fmt.Sprintf("key-%05d", i)
		live[i] = liveKey(fmt.Sprint(10000+i), name, "notes of "+name, daysAgo(10))
		decl[i] = declKey(10+i, name, ptr("notes of "+name))
	}
	return live, decl
}

// manyMembers returns n live active members and their declarations.
func manyMembers(n int) ([]remote.TeamMember, []spec.Member) {
	live := make([]remote.TeamMember, n)
	decl := make([]spec.Member, n)
	for i := range n {
		email := fmt.Sprintf("user%05d@example.com", i)
		role := []string{"admin", "member", "viewer"}[i%3]
		live[i] = liveMember(fmt.Sprint(50000+i), email, role, remote.StatusActive, daysAgo(100), "api-keys")
		decl[i] = declMember(20000+i, email, role, "api-keys")
	}
	return live, decl
}

// demoLive is the account emulator.SeedDemo creates (DEMO.md), built by
// hand relative to computeNow.
func demoLive() *remote.State {
	return &remote.State{
		BaseURL: "http://127.0.0.1:8080",
		Profile: remote.Profile{
			ID: "1", Name: "Acme Bot", Username: "acme-bot", Email: "demo@mlabctl.example",
			AboutMe: "Automation account.", Verified: true, WalletBalance: 12.5,
			Socials:     remote.Socials{GitHub: "acme-old"},
			Preferences: remote.Preferences{NSFWContent: true, WalletNotificationEnabled: false, WalletNotificationThreshold: 5},
		},
		APIKeys: []remote.APIKey{
			liveKey("101", "production", "Used by prod", daysAgo(300)),
			liveKey("102", "ci", "Used by GitHub Actions", daysAgo(120)),
			liveKey("103", "dashboard-playground", "Made in the dashboard", daysAgo(10)),
			liveKey("104", "old-key", "", daysAgo(200)),
		},
		Team: []remote.TeamMember{
			liveMember("201", "alice@example.com", "admin", remote.StatusActive, daysAgo(100), "api-keys", "billing"),
			liveMember("202", "bob@example.com", "viewer", remote.StatusActive, daysAgo(90)),
			liveMember("203", "carol@example.com", "member", remote.StatusPending, daysAgo(30)),
			liveMember("204", "mallory@example.com", "member", remote.StatusActive, daysAgo(60)),
		},
		Tokens: []remote.AccessToken{
			liveToken("301", "demo", true),
			liveToken("302", "old-laptop", false),
		},
	}
}

// demoSpec is examples/modelslab.yaml (DEMO.md), built by hand.
func demoSpec() *spec.Spec {
	s := fixtureSpec()
	s.Profile = &spec.Profile{Name: ptr("Acme Automation"), Username: ptr("acme-bot"), AboutMe: ptr("Automation account for Acme's pipelines.")}
	s.Socials = &spec.Socials{GitHub: ptr("acme")}
	s.Preferences = &spec.Preferences{NSFWContent: ptr(false), WalletNotificationEnabled: ptr(true), WalletNotificationThreshold: ptr(10.0)}
	s.APIKeysSet = true
	prod := declKey(20, "production", ptr("Used by the production backend"))
	prod.Protect, prod.ProtectPos = true, at(22, 14)
	ci := declKey(23, "ci", ptr("Used by GitHub Actions"))
	ci.RotateAfter, ci.RotateAfterText = 90*24*time.Hour, "90d"
	s.APIKeys = []spec.APIKey{prod, ci, declKey(26, "staging", ptr("Used by the staging environment"))}
	s.TeamSet = true
	s.Team = []spec.Member{
		declMember(30, "alice@example.com", "admin", "api-keys", "billing"),
		declMember(33, "bob@example.com", "member", "api-keys"),
		declMember(36, "carol@example.com", "member"),
		declMember(38, "dave@example.com", "viewer"),
	}
	s.AccessTokens = &spec.AccessTokens{Keep: []string{"demo", "github-actions*", "laptop", "mlabctl-*"}, Pos: at(41, 3)}
	s.Ignore = spec.Ignore{APIKeys: []string{"dashboard-*"}}
	s.Policy = spec.Policy{
		MinAdmins: 1, MinAdminsPos: at(47, 15), MaxDeletePercent: 50,
		ResendInvitesAfter: 7 * 24 * time.Hour, ResendInvitesAfterText: "7d",
	}
	return s
}
