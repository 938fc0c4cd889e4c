package apply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/plan"
)

// TestEmulatorLostInviteAnswerConverges checks the other create whose
// answer can be lost: an invite committed without an answer leaves a
// pending invite, which apply confirms by reading the team and which the
// next plan counts as the declared member (unlike a key, an invite has no
// secret to lose), so nothing is left to do for it.
func TestEmulatorLostInviteAnswerConverges(t *testing.T) {
	w := newWorld(t, nil)
	ctx := context.Background()
	p := w.plan(t)
	// One call at a time: carol's resend (also "POST /teams…") comes
	// first and the invite of dave second; both are committed and their
	// answers dropped, and the client repeats neither (remote's onceOnly).
	w.srv.Faults = &emulator.Faults{DropFirst: 2, Routes: []string{"POST /teams"}}
	var out strings.Builder
	res, err := Run(ctx, p, w.client, Options{Secrets: &memSink{}, Out: &out, Parallelism: 1})
	var fe *FailedError
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("Run: %v", err)
	}
	dropped := false
	for _, r := range w.srv.Requests() {
		if r.Method == "POST" && r.Path == "/teams" && r.Dropped {
			dropped = true
		}
	}
	if !dropped {
		t.Fatal("no invite answer was dropped: the test proves nothing")
	}
	invited := false
	for _, s := range res.Steps {
		if s.Address.String() == "team_member.dave@example.com" {
			invited = s.Outcome == Done && strings.Contains(s.Note, "confirmed by reading the team after the answer was lost")
		}
	}
	if !invited {
		t.Fatalf("the invite of dave was not confirmed by reading the team:\n%s", out.String())
	}
	w.srv.Faults = nil
	again := w.plan(t)
	for _, c := range again.Changes {
		if c.Address.Kind == plan.KindTeamMember && c.Address.Name == "dave@example.com" {
			t.Errorf("the plan after a lost invite answer still changes dave: %+v", c)
		}
	}
	w.checkNoDuplicates(t)
	// Whatever else failed (the resend) converges on a re-run.
	if !again.Empty() {
		if _, err := Run(ctx, again, w.client, Options{Secrets: &memSink{}}); err != nil {
			t.Fatalf("re-run: %v", err)
		}
	}
	if last := w.plan(t); !last.Empty() {
		t.Errorf("a plan after the re-run has %d changes, want none: %+v", len(last.Changes), last.Changes)
	}
	w.checkNoDuplicates(t)
}
