package applycmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// The matrix: the command lines that matter (plan, apply, convergence, the
// export round trip, the rails) against the emulator playing each reading
// of the API in emulator.Matrix(), in-process and in parallel. Each
// reading's account is the demo account (DEMO.md) with enough keys and
// members that every list takes two pages, all of them declared: a reading
// whose pages mlabctl misread plans to create (or invite) what exists.

// bulkKeys and bulkMembers are the extra keys and members, over one page
// (the client asks for 100 a page).
const bulkKeys, bulkMembers = 101, 101

// demoPlan is what the matrix spec plans against the seeded account in
// every reading: "action address", sorted.
var demoPlan = []string{
	"create api_key.staging",
	"create team_member.dave@example.com",
	"delete access_token.old-laptop#2",
	"delete api_key.old-key",
	"delete team_member.mallory@example.com",
	"replace api_key.ci",
	"resend team_member.carol@example.com",
	"update api_key.production",
	"update preferences",
	"update profile",
	"update socials",
	"update team_member.bob@example.com",
}

// matrixSpec is examples/modelslab.yaml with the bulk keys and members
// declared; edit rewrites it for a rail.
func matrixSpec(t *testing.T, edit ...func(string) string) string {
	t.Helper()
	b, err := os.ReadFile("../../../examples/modelslab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var keys, members strings.Builder
	for i := range bulkKeys {
		fmt.Fprintf(&keys, "  - name: bulk-%03d\n    notes: n\n", i)
	}
	for i := range bulkMembers {
		fmt.Fprintf(&members, "  - email: m%03d@example.com\n    role: member\n", i)
	}
	s := string(b)
	for _, sec := range []struct{ head, items string }{{"\napi_keys:\n", keys.String()}, {"\nteam:\n", members.String()}} {
		if !strings.Contains(s, sec.head) {
			t.Fatalf("examples/modelslab.yaml has no %q", sec.head)
		}
		s = strings.Replace(s, sec.head, sec.head+sec.items, 1)
	}
	for _, e := range edit {
		s = e(s)
	}
	return s
}

// replaceOnce replaces old by new in s, failing the test when s lacks old.
func replaceOnce(t *testing.T, old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("the spec lacks %q", old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// matrixRun is one reading's emulator and the command lines run on it, on
// a clock shared by the emulator and the clients, so that a rate-limit
// window costs no time.
type matrixRun struct {
	t     *testing.T
	em    *emulatortest.Server
	clock *emulatortest.Clock
	env   map[string]string
	dir   string
}

func startMatrixRun(t *testing.T, v emulator.Variants, configure ...func(*emulator.Server)) *matrixRun {
	t.Helper()
	clock := emulatortest.NewClock(time.Now())
	em := emulatortest.StartVariants(t, v, append([]func(*emulator.Server){func(s *emulator.Server) { s.Now = clock.Now }}, configure...)...)
	return &matrixRun{t: t, em: em, clock: clock, env: clitest.DemoEnv(em), dir: t.TempDir()}
}

// seedBulk adds the bulk keys and members.
func (m *matrixRun) seedBulk() {
	for i := range bulkKeys {
		m.em.AddAPIKey(m.em.Demo.Username, emulator.Key{Name: fmt.Sprintf("bulk-%03d", i), Notes: "n"})
	}
	for i := range bulkMembers {
		m.em.AddMember(m.em.Demo.Username, emulator.Member{Email: fmt.Sprintf("m%03d@example.com", i), Role: "member", Status: "active"})
	}
}

// file writes content to name in the run's directory and returns its path.
func (m *matrixRun) file(name, content string) string {
	m.t.Helper()
	p := filepath.Join(m.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return p
}

// run runs one command line, checks its exit code and that no secret of
// the emulator's tokens is in its output.
func (m *matrixRun) run(code int, args ...string) clitest.Result {
	m.t.Helper()
	res := clitest.Run(m.t, clitest.Invocation{Args: args, Env: m.env, Clock: m.clock})
	if res.Code != code {
		m.t.Fatalf("mlabctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.Code, code, res.Stdout, res.Stderr)
	}
	if tok := m.em.Demo.Token; strings.Contains(res.Stdout+res.Stderr, tok) {
		m.t.Errorf("mlabctl %s printed the access token", strings.Join(args, " "))
	}
	return res
}

// planChanges runs `plan -o json` on spec and returns its changes as
// "action address", sorted.
func (m *matrixRun) planChanges(spec string) []string {
	m.t.Helper()
	res := m.run(0, "plan", "-f", spec, "-o", "json")
	var p struct {
		Changes []struct{ Address, Action string }
	}
	if err := json.Unmarshal([]byte(res.Stdout), &p); err != nil {
		m.t.Fatalf("plan -o json: %v\n%s", err, res.Stdout)
	}
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.Action+" "+c.Address)
	}
	slices.Sort(out)
	return out
}

// keyID is the id of the demo account's API key name.
func (m *matrixRun) keyID(name string) int64 {
	m.t.Helper()
	acct, _ := m.em.Snapshot(m.em.Demo.Username)
	for _, k := range acct.APIKeys {
		if k.Name == name {
			return k.ID
		}
	}
	m.t.Fatalf("no API key %q", name)
	return 0
}

// keyCount is how many API keys the demo account has.
func (m *matrixRun) keyCount() int {
	acct, _ := m.em.Snapshot(m.em.Demo.Username)
	return len(acct.APIKeys)
}

// TestCommandsOnEveryVariant runs, for each reading of the API: plan (the
// demo's changes, nothing about the keys and members that exist), apply
// (exit 0, the secrets in the file and nowhere else), plan again (no
// changes: convergence), export and plan of the export (no changes: the
// round trip), and the rails on the converged account: protect, min_admins,
// mass deletion, the token in use and the owner.
func TestCommandsOnEveryVariant(t *testing.T) {
	t.Parallel()
	start := time.Now()
	variants := emulator.Matrix()
	for _, nv := range variants {
		t.Run(nv.Name, func(t *testing.T) {
			t.Parallel()
			m := startMatrixRun(t, nv.Variants)
			m.seedBulk()
			spec := m.file("modelslab.yaml", matrixSpec(t))

			if got := m.planChanges(spec); !slices.Equal(got, demoPlan) {
				t.Fatalf("plan:\n got %q\nwant %q", got, demoPlan)
			}
			secrets := filepath.Join(m.dir, "secrets.json")
			res := m.run(0, "apply", "-f", spec, "--auto-approve", "--secrets-out", secrets)
			requireAll(t, "apply", res.Stdout, "Apply complete: 2 created, 5 updated, 3 deleted, 1 replaced, 1 resent.")
			if nv.Variants.InviteIgnoresRole {
				requireAll(t, "apply", res.Stdout, "role and permissions set by an update")
			}
			b, err := os.ReadFile(secrets)
			if err != nil {
				t.Fatal(err)
			}
			var keys map[string]string
			if err := json.Unmarshal(b, &keys); err != nil || len(keys) != 2 || keys["staging"] == "" || keys["ci"] == "" {
				t.Fatalf("secrets file %v: %s", err, b)
			}
			for name, k := range keys {
				if strings.Contains(res.Stdout+res.Stderr, k) {
					t.Errorf("apply printed the secret of %s", name)
				}
			}

			// Convergence.
			res = m.run(0, "plan", "-f", spec, "--detailed-exitcode")
			requireAll(t, "plan after apply", res.Stdout, "No changes.")

			// The export round trip.
			exported := filepath.Join(m.dir, "exported.yaml")
			m.run(0, "export", "--out", exported)
			res = m.run(0, "plan", "-f", exported, "--detailed-exitcode")
			requireAll(t, "plan of the export", res.Stdout, "No changes.")

			// protect: pinned to another key's id, the protected entry
			// would delete the live production key, which protection
			// follows.
			protect := m.file("protect.yaml", matrixSpec(t, replaceOnce(t, "    protect: true", fmt.Sprintf("    protect: true\n    id: %d", m.keyID("dashboard-playground")))))
			keysBefore := m.keyCount()
			requireAll(t, "plan deleting a protected key", m.run(3, "plan", "-f", protect).Stderr, `is protected by "production"`)

			// min_admins: the one admin is not enough for 2 (apply refuses
			// as plan does).
			admins := m.file("admins.yaml", matrixSpec(t, replaceOnce(t, "min_admins: 1", "min_admins: 2")))
			requireAll(t, "apply below min_admins", m.run(3, "apply", "-f", admins, "--auto-approve").Stderr, "policy.min_admins is 2, but after this plan the team has 1 admin")

			// Mass deletion: dropping the bulk keys deletes 101 of 104.
			mass := m.file("mass.yaml", strings.Replace(matrixSpec(t), "  - name: bulk-", "  - name: gone-", bulkKeys))
			res = m.run(0, "plan", "-f", mass)
			requireAll(t, "plan of a mass deletion", res.Stdout+res.Stderr, "max_delete_percent")
			requireAll(t, "apply of a mass deletion", m.run(3, "apply", "-f", mass, "--auto-approve", "--secrets-out", secrets).Stderr,
				"--allow-mass-delete")
			if n := m.keyCount(); n != keysBefore {
				t.Errorf("%d keys after the refused applies, want %d: nothing may change", n, keysBefore)
			}

			// The token in use: a stray token is revoked, never the one
			// apply runs with, which still works afterwards.
			m.em.IssueToken(m.em.Demo.Username, "stray", []string{"*"}, 0)
			res = m.run(0, "apply", "-f", spec, "--auto-approve")
			requireAll(t, "apply revoking a stray token", res.Stdout, "access_token.stray#", "revoked", "Apply complete: 0 created, 0 updated, 1 deleted")
			if names := m.em.TokenNames(t, m.em.Demo.Username); !slices.Contains(names, "demo") || slices.Contains(names, "stray") {
				t.Errorf("tokens after apply: %v, want demo kept and stray revoked", names)
			}

			// The owner: declared in team, it is left alone with a
			// warning; listed by the server, it is never removed.
			owner := m.file("owner.yaml", matrixSpec(t, replaceOnce(t, "\nteam:\n", "\nteam:\n  - email: "+m.em.Demo.Email+"\n    role: admin\n")))
			res = m.run(0, "plan", "-f", owner, "--detailed-exitcode")
			requireAll(t, "plan declaring the owner", res.Stdout+res.Stderr, "is the account owner", "No changes.")
			m.em.AddMember(m.em.Demo.Username, emulator.Member{Email: m.em.Demo.Email, Role: "admin", Status: "active"})
			requireAll(t, "plan with the owner listed", m.run(0, "plan", "-f", spec, "--detailed-exitcode").Stdout, "No changes.")
		})
	}
	t.Cleanup(func() {
		t.Logf("%d readings of the API (emulator.Matrix), %v", len(variants), time.Since(start).Round(time.Millisecond))
	})
}
