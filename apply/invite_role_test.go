package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// TestInviteIgnoringRoleIsFollowedByAnUpdate: against a server whose
// invite takes only the email (emulator InviteIgnoresRole), the invite of
// an admin with permissions is followed, in the same apply, by the update
// that makes it one, so the next plan has nothing to do; when that update
// fails, the step fails as having changed the account (exit 4), and the
// next apply finishes it.
func TestInviteIgnoringRoleIsFollowedByAnUpdate(t *testing.T) {
	const file = `version: 1
team:
  - email: alice@example.com
    role: admin
  - email: bob@example.com
    role: member
  - email: carol@example.com
    role: viewer
  - email: dave@example.com
    role: admin
    permissions: [api-keys, billing]
  - email: erin@example.com
    role: member
`
	s, err := spec.Parse("modelslab.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		faults   *emulator.Faults
		wantCode int
	}{
		{name: "update succeeds"},
		{name: "update fails", faults: &emulator.Faults{Routes: []string{"PUT /teams"}, Statuses: []int{422}, FailFirst: 1}, wantCode: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.StartVariants(t, emulator.Variants{InviteIgnoresRole: true}, func(s *emulator.Server) { s.Faults = tc.faults })
			client, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token), RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			planNow := func() *plan.Plan {
				t.Helper()
				live, err := client.Fetch(context.Background(), plan.FetchOptionsFor(s))
				if err != nil {
					t.Fatal(err)
				}
				p, err := plan.Compute(s, live, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			p := planNow()
			var invites int
			for _, c := range p.Changes {
				if c.Action == plan.Create {
					invites++
				}
			}
			if invites == 0 {
				t.Fatalf("the plan invites nobody: %+v", p.Changes)
			}
			var out strings.Builder
			res, err := Run(context.Background(), p, client, Options{Out: &out})
			code := 0
			if fe, ok := err.(*FailedError); ok {
				code = fe.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, tc.wantCode, out.String())
			}
			followed := strings.Count(out.String(), "role and permissions set by an update")
			if tc.wantCode == 0 && followed == 0 {
				t.Errorf("no invite was followed by an update:\n%s", out.String())
			}
			if tc.wantCode == 4 {
				if !strings.Contains(out.String(), "the server ignored the role and permissions of the invite, and the update setting them failed") || !res.Changed() {
					t.Errorf("the failed follow-up is not reported as a change that failed:\n%s", out.String())
				}
				// The next apply finishes it.
				if _, err := Run(context.Background(), planNow(), client, Options{}); err != nil {
					t.Fatalf("second apply: %v", err)
				}
			}
			if again := planNow(); !again.Empty() {
				t.Errorf("the plan after apply is not empty: %+v", again.Changes)
			}
			acct, _ := em.Snapshot(em.Demo.Username)
			for _, m := range acct.Team {
				if m.Email == "dave@example.com" && (m.Role != "admin" || strings.Join(m.Permissions, ",") != "api-keys,billing") {
					t.Errorf("dave is %s %v, want admin [api-keys billing]", m.Role, m.Permissions)
				}
			}
		})
	}
}
