package authcmd_test

// In-process tests of a spec that manages a team account (`account:`):
// the run switches into the team account, and every token it stands on
// must survive, however the user authenticated.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// teamTokensSpec manages the access tokens of the team account's members'
// sessions: it keeps none of them by name.
const teamTokensSpec = "version: 1\naccount: acme-team\naccess_tokens:\n  keep: [\"nothing\"]\n"

// planRevokedTokens returns the sorted names of the tokens a JSON plan
// revokes.
func planRevokedTokens(t *testing.T, stdout string) []string {
	t.Helper()
	var doc struct {
		Changes []struct {
			Address string `json:"address"`
			Action  string `json:"action"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("decoding the JSON plan: %v\n%s", err, stdout)
	}
	revoked := []string{}
	for _, c := range doc.Changes {
		if name, ok := strings.CutPrefix(c.Address, "access_token."); ok {
			name, _, _ = strings.Cut(name, "#")
			revoked = append(revoked, c.Action+" "+name)
		}
	}
	slices.Sort(revoked)
	return revoked
}

// TestTeamAccountKeepsTheRunsTokens: with `account:`, the run calls the API
// with a token made by switch-account, and GET /auth/tokens lists the user's
// tokens with only that one current. The token the user gave (or the one
// mlabctl logged in with) must still count as in use: plan never proposes
// to revoke it and apply leaves it, while the other unkept tokens go.
func TestTeamAccountKeepsTheRunsTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// ephemeral logs in with MODELSLAB_EMAIL/MODELSLAB_PASSWORD instead
		// of giving the demo token.
		ephemeral bool
		// saved applies a plan file written by plan --out, instead of
		// planning again in apply.
		saved bool
		// planRevokes are the tokens the plan revokes; left are the user's
		// tokens after apply (nil: none).
		planRevokes, left []string
		// logouts are the POST /auth/logout calls of apply: the switched
		// token, and the login token of an ephemeral run.
		logouts int
	}{
		{
			name:        "MODELSLAB_TOKEN",
			planRevokes: []string{"delete old-laptop"},
			left:        []string{"demo"},
			logouts:     1,
		},
		{
			name:        "MODELSLAB_TOKEN, saved plan",
			saved:       true,
			planRevokes: []string{"delete old-laptop"},
			left:        []string{"demo"},
			logouts:     1,
		},
		{
			// The demo token is just another token of the user here; the
			// login token is the one in use.
			name:        "ephemeral login",
			ephemeral:   true,
			planRevokes: []string{"delete demo", "delete old-laptop"},
			logouts:     2,
		},
		{
			name:        "ephemeral login, saved plan",
			ephemeral:   true,
			saved:       true,
			planRevokes: []string{"delete demo", "delete old-laptop"},
			logouts:     2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := startAuthEmulator(t)
			authAddTeam(em, "acme-team")
			dir := t.TempDir()
			file := clitest.WriteFile(t, dir, "modelslab.yaml", teamTokensSpec)
			env := em.env(cmdutil.EnvToken, em.Demo.Token)
			if tc.ephemeral {
				env = em.env(cmdutil.EnvEmail, em.Demo.Email, cmdutil.EnvPassword, em.Demo.Password)
			}

			planArgs := []string{"plan", "-f", file, "-o", "json"}
			planFile := filepath.Join(dir, "tokens.plan")
			if tc.saved {
				planArgs = append(planArgs, "--out", planFile)
			}
			res := em.run(t, clitest.Invocation{Args: planArgs, Env: env})
			authRequireOK(t, res)
			if diff := cmp.Diff(tc.planRevokes, planRevokedTokens(t, res.Stdout)); diff != "" {
				t.Errorf("plan's token changes (-want +got):\n%s", diff)
			}

			logoutsBefore := len(em.callsTo("POST", "/auth/logout"))
			applyArgs := []string{"apply", "--auto-approve", "-f", file}
			if tc.saved {
				applyArgs = []string{"apply", "--auto-approve", planFile}
			}
			res = em.run(t, clitest.Invocation{Args: applyArgs, Env: env})
			authRequireOK(t, res)
			if diff := cmp.Diff(tc.left, em.tokenNames(t)); diff != "" {
				t.Errorf("the user's tokens after apply (-want +got):\n%s\nstdout: %s\nstderr: %s", diff, res.Stdout, res.Stderr)
			}
			// Every token apply made was logged out by apply's own
			// request, not revoked under it first (a 401 there is silent).
			logouts := em.callsTo("POST", "/auth/logout")[logoutsBefore:]
			if len(logouts) != tc.logouts {
				t.Errorf("apply logged out %d tokens, want %d", len(logouts), tc.logouts)
			}
			for i, l := range logouts {
				if l.Status != 200 {
					t.Errorf("logout %d of apply answered %d, want 200", i+1, l.Status)
				}
			}
			if strings.Contains(res.Stderr, "Warning") {
				t.Errorf("apply warned:\n%s", res.Stderr)
			}

			if !tc.ephemeral {
				// The user's token still works.
				res = em.run(t, clitest.Invocation{Args: []string{"auth", "tokens", "list"}, Env: env})
				authRequireOK(t, res)
			}
		})
	}
}

// TestTeamAccountApplyRefusesTheTokenInUse: a hand-edited plan file that
// revokes the token the user gave is refused in a team account too (exit
// 3, nothing revoked), by apply's last check rather than by the plan.
func TestTeamAccountApplyRefusesTheTokenInUse(t *testing.T) {
	t.Parallel()
	em := startAuthEmulator(t)
	authAddTeam(em, "acme-team")
	dir := t.TempDir()
	file := clitest.WriteFile(t, dir, "modelslab.yaml", "version: 1\naccount: acme-team\naccess_tokens:\n  keep: [\"*\"]\n")
	planFile := filepath.Join(dir, "tokens.plan")
	env := em.env(cmdutil.EnvToken, em.Demo.Token)
	authRequireOK(t, em.run(t, clitest.Invocation{Args: []string{"plan", "-f", file, "--out", planFile}, Env: env}))
	snap, _ := em.Snapshot(em.Demo.Username)
	var change map[string]any
	for _, tok := range snap.Tokens {
		if tok.Name == "demo" {
			id := fmt.Sprint(tok.ID)
			change = map[string]any{"address": "access_token.demo#" + id, "action": "delete", "live_id": id, "before": map[string]any{"name": "demo"}}
		}
	}
	clitest.AddPlanChange(t, planFile, change)
	res := em.run(t, clitest.Invocation{Args: []string{"apply", "--auto-approve", planFile}, Env: env})
	authRequireFail(t, res, 3, "access_token.demo#", "is the token this apply runs with")
	if diff := cmp.Diff([]string{"demo", "old-laptop"}, em.tokenNames(t)); diff != "" {
		t.Errorf("the user's tokens after the refused apply (-want +got):\n%s", diff)
	}
}
