package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// computeResult is what a golden file under testdata/compute holds: the
// plan, or the refusal.
type computeResult struct {
	Plan     *Plan     `json:"plan,omitempty"`
	ExitCode int       `json:"exit_code,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
	Error    string    `json:"error,omitempty"`
}

func runCompute(s *spec.Spec, live *remote.State) computeResult {
	p, err := Compute(s, live, computeNow)
	if err == nil {
		return computeResult{Plan: p}
	}
	var rail *RailError
	if errors.As(err, &rail) {
		return computeResult{ExitCode: rail.ExitCode(), Problems: rail.Problems}
	}
	return computeResult{Error: err.Error()}
}

// computeScenario is one named pair of spec and live state.
type computeScenario struct {
	name string
	spec func(*spec.Spec)
	live func(*remote.State)
}

func computeScenarios() []computeScenario {
	return []computeScenario{
		{name: "nothing_managed", spec: func(s *spec.Spec) {}, live: func(l *remote.State) {
			// Live items of sections the file does not declare are left alone.
			l.APIKeys = []remote.APIKey{liveKey("1", "k", "", daysAgo(999))}
			l.Team = []remote.TeamMember{liveMember("2", "x@example.com", "admin", remote.StatusActive, daysAgo(1))}
			l.Tokens = []remote.AccessToken{liveToken("3", "t", false)}
		}},
		{name: "everything_matches", spec: func(s *spec.Spec) {
			s.Profile = &spec.Profile{Name: ptr("Acme Bot"), Username: ptr("acme-bot")}
			s.Socials = &spec.Socials{GitHub: ptr("acme-old"), Twitter: ptr("")}
			s.Preferences = &spec.Preferences{NSFWContent: ptr(true), WalletNotificationThreshold: ptr(5.0)}
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", ptr("CI")), declKey(11, "prod", nil)}
			s.TeamSet = true
			s.Team = []spec.Member{declMember(20, "a@example.com", "admin", "billing", "api-keys")}
			s.AccessTokens = &spec.AccessTokens{Keep: []string{"*"}}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "ci", "CI", daysAgo(5)), liveKey("2", "prod", "anything", daysAgo(500))}
			l.Team = []remote.TeamMember{liveMember("3", "A@Example.com", "admin", remote.StatusActive, daysAgo(1), "api-keys", "billing")}
			l.Tokens = []remote.AccessToken{liveToken("4", "laptop", false)}
		}},
		{name: "profile_only_declared_fields", spec: func(s *spec.Spec) {
			// username differs live but is not declared: not compared.
			s.Profile = &spec.Profile{Name: ptr("Acme Automation"), AboutMe: ptr("Line one.\nLine two.")}
		}, live: func(l *remote.State) { l.Profile.Username = "someone-else" }},
		{name: "socials_and_preferences", spec: func(s *spec.Spec) {
			s.Socials = &spec.Socials{GitHub: ptr("acme"), Website: ptr("https://acme.example")}
			s.Preferences = &spec.Preferences{NSFWContent: ptr(false), WalletNotificationThreshold: ptr(5.0)}
		}},
		{name: "api_keys_create_update_delete", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{
				declKey(10, "ci", ptr("Used by GitHub Actions")),
				declKey(12, "production", ptr("Used by the production backend")),
				declKey(14, "unmanaged-notes", nil),
			}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("5001", "production", "Used by prod", daysAgo(300)),
				liveKey("5002", "old-key", "", daysAgo(5)),
				liveKey("5003", "unmanaged-notes", "whatever is live", daysAgo(5)),
			}
		}},
		{name: "api_keys_empty_list_deletes_all", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "a", "", daysAgo(1)), liveKey("2", "b", "", daysAgo(1))}
		}},
		{name: "api_key_pinned_rename", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "batch-jobs", ptr("Batch"))
			k.ID = "4711"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("4711", "batch", "Nightly", daysAgo(3))}
		}},
		{name: "api_key_pinned_id_missing", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "batch-jobs", nil)
			// The problem is reported at the id's value, not the entry.
			k.ID, k.IDPos = "4711", spec.Pos{File: "modelslab.yaml", Line: 11, Col: 9}
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("4712", "batch-jobs", "", daysAgo(3))}
		}},
		{name: "api_key_duplicate_live_names", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "ci", nil)}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("7", "ci", "", daysAgo(3)), liveKey("9", "ci", "", daysAgo(2))}
		}},
		{name: "api_key_duplicate_live_names_pinned", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "ci", nil)
			k.ID = "9"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("7", "ci", "", daysAgo(3)), liveKey("9", "ci", "", daysAgo(2))}
		}},
		{name: "api_keys_ignored", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "dashboard-declared", ptr("declared wins over ignore"))}
			s.Ignore.APIKeys = []string{"dashboard-*", "team/?"}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("1", "dashboard-x", "", daysAgo(1)),
				liveKey("2", "dashboard-declared", "old", daysAgo(1)),
				liveKey("3", "team/a", "", daysAgo(1)),
				liveKey("4", "team/ab", "", daysAgo(1)),
				liveKey("5", "Dashboard-upper", "", daysAgo(1)),
			}
		}},
		{name: "api_keys_ignore_star_never_deletes", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.Ignore.APIKeys = []string{"*"}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "a/b", "", daysAgo(1)), liveKey("2", "*", "", daysAgo(1))}
		}},
		{name: "rotate_after_boundary", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			exact := declKey(10, "exactly-90d", nil)
			older := declKey(12, "older-by-1s", ptr("new notes"))
			for _, k := range []*spec.APIKey{&exact, &older} {
				k.RotateAfter, k.RotateAfterText = 90*24*time.Hour, "90d"
			}
			s.APIKeys = []spec.APIKey{exact, older}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("1", "exactly-90d", "", daysAgo(90)),
				liveKey("2", "older-by-1s", "old notes", daysAgo(90).Add(-time.Second)),
			}
		}},
		{name: "rotate_after_without_created_at", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "ci", nil)
			k.RotateAfter, k.RotateAfterText = 24*time.Hour, "1d"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "ci", "", time.Time{})}
		}},
		{name: "rotate_pinned_key_warns", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "ci", nil)
			k.ID, k.RotateAfter, k.RotateAfterText = "8", 30*24*time.Hour, "30d"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("8", "ci", "kept notes", daysAgo(31))}
		}},
		{name: "protect_refuses_replace", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "production", nil)
			k.Protect, k.ProtectPos = true, at(12, 14)
			k.RotateAfter, k.RotateAfterText = 90*24*time.Hour, "90d"
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "production", "", time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))}
		}},
		{name: "protect_allows_update", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			k := declKey(10, "production", ptr("new"))
			k.Protect, k.ProtectPos = true, at(12, 14)
			s.APIKeys = []spec.APIKey{k}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{liveKey("1", "production", "old", daysAgo(400))}
		}},
		{name: "team_invite_update_remove", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{
				declMember(10, "Alice@Example.COM", "admin"),
				declMember(11, "bob@example.com", "member", "billing", "api-keys"),
				declMember(12, "dave@example.com", "viewer"),
				declMember(13, "erin@example.com", "", "api-keys"),
			}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("1", "alice@example.com", "admin", remote.StatusActive, daysAgo(10)),
				liveMember("2", "bob@example.com", "viewer", remote.StatusActive, daysAgo(10), "api-keys"),
				liveMember("3", "Mallory@Example.com", "member", remote.StatusActive, daysAgo(10)),
				liveMember("4", "trent@example.com", "viewer", remote.StatusPending, daysAgo(2)),
			}
		}},
		{name: "team_pending_invite_reconciled", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Policy.ResendInvitesAfter, s.Policy.ResendInvitesAfterText = 7*24*time.Hour, "7d"
			s.Team = []spec.Member{
				declMember(10, "fresh@example.com", "admin"),               // pending 2d: update only
				declMember(11, "stale@example.com", "member"),              // pending 30d, same: resend
				declMember(12, "both@example.com", "viewer"),               // pending 30d, changed: update + resend
				declMember(13, "active@example.com", "member"),             // active 30d: nothing
				declMember(14, "boundary@example.com", "member"),           // pending exactly 7d: nothing
				declMember(15, "PENDING@example.com", "member", "billing"), // email case differs: not re-invited
			}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("1", "fresh@example.com", "member", remote.StatusPending, daysAgo(2)),
				liveMember("2", "stale@example.com", "member", remote.StatusPending, daysAgo(30)),
				liveMember("3", "both@example.com", "member", remote.StatusPending, daysAgo(30)),
				liveMember("4", "active@example.com", "member", remote.StatusActive, daysAgo(30)),
				liveMember("5", "boundary@example.com", "member", remote.StatusPending, daysAgo(7)),
				liveMember("6", "pending@example.com", "member", remote.StatusPending, daysAgo(1)),
			}
		}},
		{name: "team_resend_disabled_without_policy", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{declMember(10, "stale@example.com", "member")}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{liveMember("2", "stale@example.com", "member", remote.StatusPending, daysAgo(300))}
		}},
		{name: "team_owner_never_removed", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{declMember(10, "Owner@Acme.example", "admin")}
		}, live: func(l *remote.State) {
			// The API does not list the owner; if a server did, the owner is
			// still never removed.
			l.Team = []remote.TeamMember{
				liveMember("1", "owner@acme.example", "admin", remote.StatusActive, daysAgo(10)),
				liveMember("2", "x@example.com", "member", remote.StatusActive, daysAgo(10)),
			}
		}},
		{name: "team_ignored", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Ignore.Team = []string{"*@contractor.example"}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("1", "Kim@CONTRACTOR.example", "member", remote.StatusActive, daysAgo(10)),
				liveMember("2", "lee@contractor.example.com", "member", remote.StatusActive, daysAgo(10)),
			}
		}},
		{name: "min_admins_refused", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{declMember(10, "alice@example.com", "member")}
			s.Policy.MinAdmins, s.Policy.MinAdminsPos = 2, at(40, 15)
			s.Ignore.Team = []string{"*@contractor.example"}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("1", "alice@example.com", "admin", remote.StatusActive, daysAgo(10)),
				liveMember("2", "bob@example.com", "admin", remote.StatusActive, daysAgo(10)),
				liveMember("3", "kim@contractor.example", "admin", remote.StatusPending, daysAgo(1)),
			}
		}},
		{name: "min_admins_counts_pending_and_unmanaged", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{declMember(10, "new-admin@example.com", "admin")}
			s.Policy.MinAdmins, s.Policy.MinAdminsPos = 2, at(40, 15)
			s.Ignore.Team = []string{"*@contractor.example"}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("3", "kim@contractor.example", "admin", remote.StatusPending, daysAgo(1)),
			}
		}},
		{name: "access_tokens_revoked", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{Keep: []string{"github-actions*", "laptop"}}
		}, live: func(l *remote.State) {
			used := daysAgo(3)
			old := liveToken("12", "old-laptop", false)
			old.LastUsedAt = &used
			l.Tokens = []remote.AccessToken{
				liveToken("10", "mlabctl-plan", true), // matches nothing, but in use
				liveToken("11", "github-actions-deploy", false),
				old,
				liveToken("13", "laptop", false),
				liveToken("14", "Laptop", false),
			}
		}},
		{name: "access_tokens_empty_keep", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{}
		}, live: func(l *remote.State) {
			l.Tokens = []remote.AccessToken{liveToken("10", "me", true), liveToken("11", "other", false)}
		}},
		{name: "mass_deletion_warned", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "k1", nil)}
			s.TeamSet = true
			s.Team = []spec.Member{declMember(20, "a@example.com", "admin")}
			s.Policy.MaxDeletePercent = 50
		}, live: func(l *remote.State) {
			for i := 1; i <= 6; i++ {
				l.APIKeys = append(l.APIKeys, liveKey(fmt.Sprint(i), fmt.Sprintf("k%d", i), "", daysAgo(1)))
			}
			// Three removals of four: 75% but fewer than 4, so no warning.
			for _, e := range []string{"a", "b", "c", "d"} {
				l.Team = append(l.Team, liveMember(e, e+"@example.com", "admin", remote.StatusActive, daysAgo(1)))
			}
		}},
		{name: "mass_deletion_at_limit_is_allowed", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.APIKeys = []spec.APIKey{declKey(10, "k1", nil), declKey(11, "k2", nil), declKey(12, "k3", nil), declKey(13, "k4", nil)}
			s.Ignore.APIKeys = []string{"ignored-*"}
			s.Policy.MaxDeletePercent = 50
		}, live: func(l *remote.State) {
			// 4 of 8 managed keys (50%, not more); ignored keys do not count.
			for i := 1; i <= 8; i++ {
				l.APIKeys = append(l.APIKeys, liveKey(fmt.Sprint(i), fmt.Sprintf("k%d", i), "", daysAgo(1)))
			}
			l.APIKeys = append(l.APIKeys, liveKey("99", "ignored-1", "", daysAgo(1)))
		}},
		{name: "mass_revocation_warned", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{}
		}, live: func(l *remote.State) {
			// 4 of 5 live tokens (80%, over the default 25%); the token in
			// use is never revoked but counts as a live managed item.
			l.Tokens = []remote.AccessToken{liveToken("10", "mlabctl-plan", true)}
			for i := 11; i <= 14; i++ {
				l.Tokens = append(l.Tokens, liveToken(fmt.Sprint(i), fmt.Sprintf("laptop-%d", i), false))
			}
		}},
		{name: "mass_revocation_counts_the_current_token", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{}
			s.Policy.MaxDeletePercent = 80
		}, live: func(l *remote.State) {
			// 4 of 5 is 80%, not more: no mass deletion. Were the current
			// token not counted, 4 of 4 would be.
			l.Tokens = []remote.AccessToken{liveToken("10", "mlabctl-plan", true)}
			for i := 11; i <= 14; i++ {
				l.Tokens = append(l.Tokens, liveToken(fmt.Sprint(i), fmt.Sprintf("laptop-%d", i), false))
			}
		}},
		{name: "account_switch", spec: func(s *spec.Spec) {
			s.Account = "acme-team"
			s.Profile = &spec.Profile{Name: ptr("Acme Team")}
		}, live: func(l *remote.State) { l.Profile.Username, l.Profile.Name = "acme-team", "Acme" }},
		{name: "every_problem_collected", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			p := declKey(30, "production", nil)
			p.Protect, p.ProtectPos = true, at(31, 14)
			p.RotateAfter, p.RotateAfterText = 24*time.Hour, "1d"
			pinned := declKey(10, "pinned", nil)
			pinned.ID, pinned.IDPos = "404", spec.Pos{File: "modelslab.yaml", Line: 11, Col: 9}
			s.APIKeys = []spec.APIKey{p, pinned, declKey(20, "dup", nil)}
			s.TeamSet = true
			s.Policy.MinAdmins, s.Policy.MinAdminsPos = 1, at(50, 15)
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("1", "production", "", daysAgo(2)),
				liveKey("2", "dup", "", daysAgo(2)),
				liveKey("3", "dup", "", daysAgo(2)),
			}
			l.Team = []remote.TeamMember{}
		}},
		{name: "invalid_ignore_glob", spec: func(s *spec.Spec) {
			s.APIKeysSet = true
			s.Ignore.APIKeys = []string{"dash-[a"}
		}},
		{name: "order_by_phase_then_address", spec: func(s *spec.Spec) {
			s.Preferences = &spec.Preferences{NSFWContent: ptr(false)}
			s.APIKeysSet = true
			rot := declKey(10, "b-rotated", nil)
			rot.RotateAfter = 24 * time.Hour
			s.APIKeys = []spec.APIKey{declKey(11, "c-new", nil), rot, declKey(12, "a-updated", ptr("x"))}
			s.TeamSet = true
			s.Team = []spec.Member{declMember(20, "z@example.com", "admin"), declMember(21, "y@example.com", "viewer")}
			s.AccessTokens = &spec.AccessTokens{}
		}, live: func(l *remote.State) {
			l.APIKeys = []remote.APIKey{
				liveKey("1", "b-rotated", "", daysAgo(2)),
				liveKey("2", "a-updated", "", daysAgo(2)),
				liveKey("3", "a-deleted", "", daysAgo(2)),
			}
			l.Team = []remote.TeamMember{
				liveMember("4", "y@example.com", "member", remote.StatusActive, daysAgo(2)),
				liveMember("5", "a@example.com", "member", remote.StatusActive, daysAgo(2)),
			}
			// The token in use is listed current: without one, no
			// revocation could be planned (see no_current_token_*).
			l.Tokens = []remote.AccessToken{liveToken("6", "x", false), liveToken("7", "in-use", true)}
		}},
		// API.md's last section: readings the public docs leave open.
		{name: "no_current_token_refuses_revocation", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{Keep: []string{"laptop"}, Pos: at(41, 3)}
		}, live: func(l *remote.State) {
			// A server that sends no current flag: any token may be the
			// one in use.
			l.Tokens = []remote.AccessToken{liveToken("3", "laptop", false), liveToken("4", "ci", false), liveToken("5", "old", false)}
		}},
		{name: "no_current_token_nothing_to_revoke", spec: func(s *spec.Spec) {
			s.AccessTokens = &spec.AccessTokens{Keep: []string{"*"}, Pos: at(41, 3)}
		}, live: func(l *remote.State) {
			l.Tokens = []remote.AccessToken{liveToken("3", "laptop", false), liveToken("4", "ci", false)}
		}},
		{name: "unknown_status_member_not_removed", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.TeamPos = at(30, 1)
			s.Team = []spec.Member{declMember(31, "admin@example.com", "admin")}
		}, live: func(l *remote.State) {
			m := liveMember("7", "odd@example.com", "member", remote.StatusUnknown, daysAgo(3))
			m.RawStatus = `"suspended"`
			l.Team = []remote.TeamMember{liveMember("6", "admin@example.com", "admin", remote.StatusActive, daysAgo(9)), m}
		}},
		{name: "unknown_status_member_declared", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Policy.MinAdmins = 1
			s.Team = []spec.Member{declMember(31, "admin@example.com", "admin"), declMember(32, "odd@example.com", "viewer")}
		}, live: func(l *remote.State) {
			// Updated like any member; never resent, never counted.
			m := liveMember("7", "odd@example.com", "member", remote.StatusUnknown, daysAgo(300))
			m.RawStatus = `invite_status "revoked"`
			l.Team = []remote.TeamMember{liveMember("6", "admin@example.com", "admin", remote.StatusActive, daysAgo(9)), m}
		}},
		{name: "min_admins_rests_on_an_unknown_status", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Policy.MinAdmins = 2
			s.Policy.MinAdminsPos = at(50, 3)
			s.Team = []spec.Member{declMember(31, "admin@example.com", "admin"), declMember(32, "odd@example.com", "admin")}
		}, live: func(l *remote.State) {
			m := liveMember("7", "odd@example.com", "admin", remote.StatusUnknown, daysAgo(3))
			m.RawStatus = `"suspended"`
			l.Team = []remote.TeamMember{liveMember("6", "admin@example.com", "admin", remote.StatusActive, daysAgo(9)), m}
		}},
		{name: "unknown_live_role", spec: func(s *spec.Spec) {
			s.TeamSet = true
			s.Team = []spec.Member{declMember(31, "owner@example.com", "admin"), declMember(32, "billing@example.com", "member")}
		}, live: func(l *remote.State) {
			l.Team = []remote.TeamMember{
				liveMember("6", "owner@example.com", "owner", remote.StatusActive, daysAgo(9)),
				liveMember("7", "billing@example.com", "member", remote.StatusActive, daysAgo(9)),
				liveMember("8", "gone@example.com", "billing-manager", remote.StatusActive, daysAgo(9)),
			}
		}},
		{name: "documented_socials", spec: func(s *spec.Spec) {
			s.Socials = &spec.Socials{Facebook: ptr("acme.inc"), Instagram: ptr("acme.ig"), GitHub: ptr("acme"), Website: ptr("https://acme.example")}
		}, live: func(l *remote.State) {
			// A server with the five documented links only: website is
			// not reported, so it is left alone (with a warning) instead
			// of being planned after every apply.
			l.Profile.Socials = remote.Socials{GitHub: "acme", Unreported: []string{"website"}}
		}},
	}
}

func TestComputeGolden(t *testing.T) {
	for _, sc := range computeScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			s, live := fixtureSpec(), fixtureLive()
			sc.spec(s)
			if sc.live != nil {
				sc.live(live)
			}
			got := runCompute(s, live)
			computeGolden(t, sc.name, got)
			assertNoSecret(t, got)
		})
	}
}

// computeGolden compares got with testdata/compute/NAME.json (decoded, so
// that the comparison is of values), or rewrites the file with -update.
func computeGolden(t *testing.T, name string, got computeResult) {
	t.Helper()
	golden.CheckJSON(t, filepath.Join("testdata", "compute", name+".json"), got)
}

// assertNoSecret fails if a key value of the fixtures appears in v's JSON.
func assertNoSecret(t *testing.T, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "ml-SECRET") || strings.Contains(string(data), "[REDACTED]") {
		t.Errorf("a key value leaked into %s", data)
	}
}

// TestComputeDemo is DEMO.md's scenario: the plan of examples/modelslab.yaml
// against the seeded demo account, change by change.
func TestComputeDemo(t *testing.T) {
	p, err := Compute(demoSpec(), demoLive(), computeNow)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	type row struct{ Address, Action, LiveID string }
	var got []row
	for _, c := range p.Changes {
		got = append(got, row{c.Address.String(), string(c.Action), c.LiveID})
	}
	want := []row{
		{"preferences", "update", ""},
		{"profile", "update", ""},
		{"socials", "update", ""},
		{"api_key.ci", "replace", "102"},
		{"api_key.staging", "create", ""},
		{"api_key.production", "update", "101"},
		{"api_key.old-key", "delete", "104"},
		{"team_member.carol@example.com", "resend", "203"},
		{"team_member.dave@example.com", "create", ""},
		{"team_member.bob@example.com", "update", "202"},
		{"team_member.mallory@example.com", "delete", "204"},
		{"access_token.old-laptop#302", "delete", "302"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("demo plan changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Address{{Kind: KindAPIKey, Name: "dashboard-playground"}}, p.Unmanaged); diff != "" {
		t.Errorf("unmanaged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Summary{Create: 2, Update: 5, Delete: 3, Replace: 1, Resend: 1}, p.Summary()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if p.Account != "acme-bot" || p.SwitchTo != "" || p.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("header: account %q, switch_to %q, base_url %q", p.Account, p.SwitchTo, p.BaseURL)
	}
	if len(p.Warnings) != 0 || len(p.MassDeletions) != 0 {
		t.Errorf("warnings %v, mass deletions %v; want none", p.Warnings, p.MassDeletions)
	}
	computeGolden(t, "demo", computeResult{Plan: p})
	assertNoSecret(t, p)
}

// TestComputeDemoConverges applies the demo plan to the live state by hand
// (what apply does) and requires the next plan to be empty.
func TestComputeDemoConverges(t *testing.T) {
	s, live := demoSpec(), demoLive()
	p, err := Compute(s, live, computeNow)
	if err != nil {
		t.Fatal(err)
	}
	after := applyByHand(t, live, p)
	again, err := Compute(s, after, computeNow)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Empty() {
		t.Errorf("second plan is not empty: %+v", again.Changes)
	}
}

// applyByHand is a minimal in-memory apply of a plan, enough to check that
// Compute converges. Created objects get fresh ids and the current time.
func applyByHand(t *testing.T, live *remote.State, p *Plan) *remote.State {
	t.Helper()
	next := *live
	next.APIKeys = append([]remote.APIKey(nil), live.APIKeys...)
	next.Team = append([]remote.TeamMember(nil), live.Team...)
	next.Tokens = append([]remote.AccessToken(nil), live.Tokens...)
	str := func(m map[string]any, k string) (string, bool) { v, ok := m[k].(string); return v, ok }
	perms := func(m map[string]any) []string {
		var out []string
		list, _ := m["permissions"].([]any)
		for _, v := range list {
			out = append(out, v.(string))
		}
		return out
	}
	id := 900
	for _, c := range p.Changes {
		id++
		switch {
		case c.Address.Kind == KindProfile:
			if v, ok := str(c.After, "name"); ok {
				next.Profile.Name = v
			}
			if v, ok := str(c.After, "about_me"); ok {
				next.Profile.AboutMe = v
			}
		case c.Address.Kind == KindSocials:
			if v, ok := str(c.After, "github"); ok {
				next.Profile.Socials.GitHub = v
			}
		case c.Address.Kind == KindPreferences:
			next.Profile.Preferences.NSFWContent = c.After["nsfw_content"].(bool)
			next.Profile.Preferences.WalletNotificationEnabled = c.After["wallet_notification_enabled"].(bool)
			next.Profile.Preferences.WalletNotificationThreshold = c.After["wallet_notification_threshold"].(float64)
		case c.Address.Kind == KindAPIKey:
			i := -1
			if c.Action != Create {
				i = indexOf(next.APIKeys, func(k remote.APIKey) bool { return string(k.ID) == c.LiveID })
			}
			switch c.Action {
			case Create, Replace:
				name, _ := str(c.After, "name")
				notes, _ := str(c.After, "notes")
				next.APIKeys = append(next.APIKeys, liveKey(fmt.Sprint(id), name, notes, computeNow))
				if c.Action == Replace {
					next.APIKeys = append(next.APIKeys[:i], next.APIKeys[i+1:]...)
				}
			case Update:
				if v, ok := str(c.After, "notes"); ok {
					next.APIKeys[i].Notes = v
				}
				if v, ok := str(c.After, "name"); ok {
					next.APIKeys[i].Name = v
				}
			case Delete:
				next.APIKeys = append(next.APIKeys[:i], next.APIKeys[i+1:]...)
			}
		case c.Address.Kind == KindTeamMember:
			i := -1
			if c.Action != Create {
				i = indexOf(next.Team, func(m remote.TeamMember) bool { return string(m.ID) == c.LiveID })
			}
			switch c.Action {
			case Create:
				email, _ := str(c.After, "email")
				role, _ := str(c.After, "role")
				next.Team = append(next.Team, liveMember(fmt.Sprint(id), email, role, remote.StatusPending, computeNow, perms(c.After)...))
			case Update:
				if v, ok := str(c.After, "role"); ok {
					next.Team[i].Role = v
				}
				if _, ok := c.After["permissions"]; ok {
					next.Team[i].Permissions = perms(c.After)
				}
				if c.Resend {
					next.Team[i].InvitedAt = computeNow
				}
			case Resend:
				next.Team[i].InvitedAt = computeNow
			case Delete:
				next.Team = append(next.Team[:i], next.Team[i+1:]...)
			}
		case c.Address.Kind == KindAccessToken:
			i := indexOf(next.Tokens, func(tok remote.AccessToken) bool { return string(tok.ID) == c.LiveID })
			next.Tokens = append(next.Tokens[:i], next.Tokens[i+1:]...)
		}
	}
	return &next
}

func indexOf[T any](s []T, f func(T) bool) int {
	for i, v := range s {
		if f(v) {
			return i
		}
	}
	panic("applyByHand: live object of a change not found")
}

func TestComputeRailErrorMessage(t *testing.T) {
	s, live := fixtureSpec(), fixtureLive()
	s.APIKeysSet = true
	k := declKey(10, "production", nil)
	k.Protect, k.ProtectPos = true, at(12, 5)
	k.RotateAfter, k.RotateAfterText = 90*24*time.Hour, "90d"
	s.APIKeys = []spec.APIKey{k}
	live.APIKeys = []remote.APIKey{liveKey("1", "production", "", time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))}
	_, err := Compute(s, live, computeNow)
	var rail *RailError
	if !errors.As(err, &rail) {
		t.Fatalf("Compute error = %v, want a *RailError", err)
	}
	want := `modelslab.yaml:12:5: API key "production" is protected; remove "protect: true" to allow replacing it (created 2026-01-10, older than rotate_after 90d)`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if rail.ExitCode() != 3 {
		t.Errorf("ExitCode = %d, want 3", rail.ExitCode())
	}
}

func TestComputeRejectsMissingInputs(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *spec.Spec
		live *remote.State
		want string
	}{
		{"no spec", nil, fixtureLive(), "no spec"},
		{"no live state", fixtureSpec(), nil, "no live state"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(tt.s, tt.live, computeNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compute error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestComputeDoesNotModifyInputs guards purity: sorting permissions or
// claiming keys must not write into the caller's values.
func TestComputeDoesNotModifyInputs(t *testing.T) {
	s, live := demoSpec(), demoLive()
	live.Team[0].Permissions = []string{"billing", "api-keys"}
	wantS, wantLive := demoSpec(), demoLive()
	wantLive.Team[0].Permissions = []string{"billing", "api-keys"}
	if _, err := Compute(s, live, computeNow); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantS, s); diff != "" {
		t.Errorf("spec modified (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLive, live); diff != "" {
		t.Errorf("live state modified (-want +got):\n%s", diff)
	}
}

func TestGlobs(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		fold    bool
		match   []string
		noMatch []string
	}{
		{name: "star matches slashes and empty", pattern: "*", match: []string{"", "a/b", "x\ny"}},
		{name: "prefix", pattern: "dashboard-*", match: []string{"dashboard-", "dashboard-a/b"}, noMatch: []string{"Dashboard-x", "xdashboard-"}},
		{name: "question mark", pattern: "k?", match: []string{"k1", "ké"}, noMatch: []string{"k", "k12"}},
		{name: "class", pattern: "k[0-9]", match: []string{"k7"}, noMatch: []string{"kx"}},
		{name: "negated class", pattern: "k[^0-9]", match: []string{"kx"}, noMatch: []string{"k7"}},
		{name: "escaped star", pattern: `a\*`, match: []string{"a*"}, noMatch: []string{"ab"}},
		{name: "regexp metacharacters are literal", pattern: "a.b+(c)|$", match: []string{"a.b+(c)|$"}, noMatch: []string{"axb+(c)|$"}},
		{name: "emails fold case", pattern: "*@Contractor.example", fold: true, match: []string{"kim@contractor.EXAMPLE"}, noMatch: []string{"kim@contractor.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := compileGlobs("test", []string{tt.pattern}, tt.fold)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.match {
				if _, ok := g.match(s); !ok {
					t.Errorf("%q does not match %q", tt.pattern, s)
				}
			}
			for _, s := range tt.noMatch {
				if _, ok := g.match(s); ok {
					t.Errorf("%q matches %q", tt.pattern, s)
				}
			}
		})
	}
	for _, bad := range []string{"[a", `a\`, "[]"} {
		if _, err := compileGlobs("ignore.api_keys", []string{bad}, false); err == nil {
			t.Errorf("compileGlobs(%q) succeeded, want an error", bad)
		}
	}
}

// TestComputeDemoExampleFile loads the real examples/modelslab.yaml and
// requires the same plan as the hand-built demo spec: the fixtures above
// stay true to the file DEMO.md describes.
func TestComputeDemoExampleFile(t *testing.T) {
	s, err := spec.Load(filepath.Join("..", "examples", "modelslab.yaml"))
	if err != nil {
		t.Fatalf("loading the example: %v", err)
	}
	got, err := Compute(s, demoLive(), computeNow)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Compute(demoSpec(), demoLive(), computeNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan of examples/modelslab.yaml differs from the demo fixture's (-want +got):\n%s", diff)
	}
}

// TestComputeRailPositionsFromFile checks that refusals point at the lines
// of a real file, as the loader positions them. (validate refuses protect
// with rotate_after, so the protected key is replaced with --replace.)
func TestComputeRailPositionsFromFile(t *testing.T) {
	src := `version: 1
api_keys:
  - name: production
    notes: Used by prod
    protect: true
team:
  - email: bob@example.com
policy:
  min_admins: 1
`
	s, err := spec.Parse("modelslab.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parsing: %v", err)
	}
	_, err = ComputeWith(s, demoLive(), computeNow, Options{Replace: []string{"api_key.production"}})
	var rail *RailError
	if !errors.As(err, &rail) {
		t.Fatalf("Compute error = %v, want a *RailError", err)
	}
	var got []string
	for _, p := range rail.Problems {
		got = append(got, fmt.Sprintf("%d:%d", p.Pos.Line, p.Pos.Col))
	}
	if diff := cmp.Diff([]string{"5:14", "9:15"}, got); diff != "" {
		t.Errorf("problem positions (-want +got):\n%s\n%v", diff, err)
	}
}

// TestComputeConvergesRandom is a property test: for random live accounts
// and random files, applying the plan (by hand, as apply does) and planning
// again gives an empty plan.
func TestComputeConvergesRandom(t *testing.T) {
	seen := map[Action]int{}
	defer func() {
		// The generator must exercise every action, or the property is weak.
		for _, a := range []Action{Create, Update, Delete, Replace, Resend} {
			if seen[a] == 0 {
				t.Errorf("no random case planned a %s", a)
			}
		}
	}()
	for seed := range int64(300) {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		s, live := randomCase(r)
		p, err := Compute(s, live, computeNow)
		if err != nil {
			t.Fatalf("seed %d: Compute: %v", seed, err)
		}
		for _, c := range p.Changes {
			seen[c.Action]++
		}
		after := applyByHand(t, live, p)
		again, err := Compute(s, after, computeNow)
		if err != nil {
			t.Fatalf("seed %d: second Compute: %v", seed, err)
		}
		if !again.Empty() {
			t.Fatalf("seed %d: second plan is not empty:\n%+v\nfirst plan:\n%+v", seed, again.Changes, p.Changes)
		}
	}
}

// randomCase builds a random live account and a random file for it: keys
// kept, renamed by pin, re-noted, rotated, added and dropped; members kept,
// re-roled, invited, dropped, pending and old; tokens kept or not; some
// ignore globs.
func randomCase(r *rand.Rand) (*spec.Spec, *remote.State) {
	s, live := fixtureSpec(), fixtureLive()
	pick := func(options ...string) string { return options[r.IntN(len(options))] }
	s.Policy.ResendInvitesAfter = time.Duration(r.IntN(3)) * 7 * 24 * time.Hour
	s.Policy.MaxDeletePercent = 100

	live.APIKeys = []remote.APIKey{}
	s.APIKeysSet = r.IntN(4) > 0
	for i := range r.IntN(12) {
		name := fmt.Sprintf("%s-%d", pick("ci", "prod", "dashboard", "batch"), i)
		k := liveKey(fmt.Sprint(100+i), name, pick("", "a", "b"), daysAgo(r.IntN(200)))
		live.APIKeys = append(live.APIKeys, k)
		if r.IntN(4) == 0 {
			continue // undeclared: deleted or ignored
		}
		d := declKey(10+i, name, nil)
		if r.IntN(2) == 0 {
			d.Notes = ptr(pick("", "a", "b", "c"))
		}
		switch r.IntN(4) {
		case 0:
			d.ID, d.Name = k.ID.String(), name+"-renamed"
		case 1:
			d.RotateAfter = time.Duration(1+r.IntN(150)) * 24 * time.Hour
		}
		s.APIKeys = append(s.APIKeys, d)
	}
	for i := range r.IntN(3) {
		s.APIKeys = append(s.APIKeys, declKey(50+i, fmt.Sprintf("new-%d", i), ptr("n")))
	}
	if r.IntN(2) == 0 {
		s.Ignore.APIKeys = []string{"dashboard-*"}
	}

	live.Team = []remote.TeamMember{}
	s.TeamSet = r.IntN(4) > 0
	perms := func() []string {
		var out []string
		for _, p := range []string{"api-keys", "billing", "usage"} {
			if r.IntN(2) == 0 {
				out = append(out, p)
			}
		}
		return out
	}
	for i := range r.IntN(10) {
		email := fmt.Sprintf("user%d@%s", i, pick("example.com", "contractor.example"))
		status := pick(remote.StatusActive, remote.StatusPending)
		live.Team = append(live.Team, liveMember(fmt.Sprint(200+i), email, pick("admin", "member", "viewer"), status, daysAgo(r.IntN(40)), perms()...))
		if r.IntN(4) == 0 {
			continue
		}
		if r.IntN(2) == 0 {
			email = strings.ToUpper(email)
		}
		s.Team = append(s.Team, declMember(100+i, email, pick("", "admin", "member", "viewer"), perms()...))
	}
	for i := range r.IntN(3) {
		s.Team = append(s.Team, declMember(150+i, fmt.Sprintf("new%d@example.com", i), "member", perms()...))
	}
	if r.IntN(2) == 0 {
		s.Ignore.Team = []string{"*@contractor.example"}
	}

	live.Tokens = []remote.AccessToken{liveToken("300", "mlabctl-plan", true)}
	for i := range r.IntN(5) {
		live.Tokens = append(live.Tokens, liveToken(fmt.Sprint(301+i), pick("laptop", "ci-runner", "old"), false))
	}
	if r.IntN(2) == 0 {
		s.AccessTokens = &spec.AccessTokens{Keep: []string{"laptop", "ci-*"}}
	}
	return s, live
}
