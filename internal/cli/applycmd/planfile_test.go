package applycmd_test

// Plan files as an attacker crafts them. A plan file is untrusted input:
// an artifact of a pull request's workflow, which the pull request itself
// can rewrite. Each tampered file here is refused with the account
// untouched (the emulator's state compared before and after, and no
// mutating request sent); the untampered file applies and converges.
// Most tampered files are sealed again (planfile.Write computes the digest
// anew), as an attacker who knows the format would: recomputation and the
// rails must catch them, not the digest alone.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/plan/planfile"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// reviewedSpec is what the reviewers approved against the demo account:
// production (101, protected) gets new notes, old-key (104) is deleted,
// five junk keys are kept, and alice stays the only admin.
const reviewedSpec = `version: 1
api_keys:
  - {name: production, notes: Used by the production backend, protect: true}
  - {name: ci, notes: Used by GitHub Actions}
  - {name: junk-1}
  - {name: junk-2}
  - {name: junk-3}
  - {name: junk-4}
  - {name: junk-5}
ignore: {api_keys: ["dashboard-*"]}
team:
  - {email: alice@example.com, role: admin, permissions: [api-keys, billing]}
  - {email: bob@example.com, role: viewer}
  - {email: carol@example.com, role: member}
  - {email: mallory@example.com, role: member}
policy: {min_admins: 1}
`

// planFileFixture is the demo account with the junk keys, the reviewed
// modelslab.yaml and its plan file.
type planFileFixture struct {
	em       *emulatortest.Server
	dir      string
	specPath string
	planPath string
	junkIDs  []string
}

func newPlanFileFixture(t *testing.T) *planFileFixture {
	t.Helper()
	fx := &planFileFixture{em: emulatortest.Start(t), dir: t.TempDir()}
	for i := 1; i <= 5; i++ {
		k := fx.em.AddAPIKey(fx.em.Demo.Username, emulator.Key{Name: "junk-" + string(rune('0'+i))})
		fx.junkIDs = append(fx.junkIDs, strconv.FormatInt(k.ID, 10))
	}
	fx.specPath = filepath.Join(fx.dir, "modelslab.yaml")
	if err := os.WriteFile(fx.specPath, []byte(reviewedSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.planPath = filepath.Join(fx.dir, "plan.bin")
	res := clitest.Mlabctl(t, clitest.DemoEnv(fx.em), "plan", "-f", fx.specPath, "--out", fx.planPath)
	if res.Code != 0 {
		t.Fatalf("plan --out: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	f := fx.read(t)
	var got []string
	for _, c := range f.Plan.Changes {
		got = append(got, string(c.Action)+" "+c.Address.String()+" "+c.LiveID)
	}
	if diff := cmp.Diff([]string{"update api_key.production 101", "delete api_key.old-key 104"}, got); diff != "" {
		t.Fatalf("the reviewed plan is not the one these tests tamper with (-want +got):\n%s", diff)
	}
	return fx
}

func (fx *planFileFixture) read(t *testing.T) *planfile.File {
	t.Helper()
	f, err := planfile.Read(fx.planPath)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// reseal edits the plan file and seals it again with a fresh digest.
func (fx *planFileFixture) reseal(t *testing.T, edit func(f *planfile.File)) {
	t.Helper()
	f := fx.read(t)
	edit(f)
	if err := planfile.Write(fx.planPath, f); err != nil {
		t.Fatal(err)
	}
}

// apply runs apply with args (PLAN is the plan file, SPEC the reviewed
// modelslab.yaml) and requires the account to be untouched unless wantCode
// is 0.
func (fx *planFileFixture) apply(t *testing.T, wantCode int, args ...string) clitest.Result {
	t.Helper()
	full := []string{"apply", "--auto-approve", "--secrets-out", filepath.Join(fx.dir, "s.json")}
	for _, a := range args {
		a = strings.ReplaceAll(a, "PLAN", fx.planPath)
		full = append(full, strings.ReplaceAll(a, "SPEC", fx.specPath))
	}
	before, _ := fx.em.Snapshot(fx.em.Demo.Username)
	fx.em.ResetRequests()
	res := clitest.Mlabctl(t, clitest.DemoEnv(fx.em), full...)
	if res.Code != wantCode {
		t.Fatalf("apply: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, wantCode, res.Stdout, res.Stderr)
	}
	if wantCode != 0 {
		if m := fx.em.Mutations(); len(m) != 0 {
			t.Errorf("mutations despite the refusal: %v", m)
		}
		after, _ := fx.em.Snapshot(fx.em.Demo.Username)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("the account changed despite the refusal (-before +after):\n%s", diff)
		}
	}
	return res
}

func requireAll(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func TestApplyPlanFileUntamperedApplies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"apply PLANFILE", []string{"PLAN"}},
		{"apply -f modelslab.yaml PLANFILE", []string{"-f", "SPEC", "PLAN"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newPlanFileFixture(t)
			res := fx.apply(t, 0, tt.args...)
			requireAll(t, "stdout", res.Stdout, "Apply complete:")
			clitest.AssertConverged(t, fx.em, fx.specPath, tt.name)
		})
	}
}

// TestApplyPlanFileTampered: each way of editing a plan file by hand, with
// its digest recomputed, is refused (exit 3) with the account untouched,
// and the refusal names what differs and the rail the edit would break.
func TestApplyPlanFileTampered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(fx *planFileFixture, f *planfile.File)
		want []string
	}{
		{
			name: "a protected key's delete added",
			edit: func(_ *planFileFixture, f *planfile.File) {
				f.Plan.Changes = append(f.Plan.Changes, plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: "production"},
					Action: plan.Delete, Before: map[string]any{"name": "production"}, LiveID: "101"})
			},
			want: []string{"the plan file would delete it; the plan computed now does not", `API key "production" is protected`},
		},
		{
			name: "a delete's live_id pointed at the protected key",
			edit: func(_ *planFileFixture, f *planfile.File) {
				for i, c := range f.Plan.Changes {
					if c.Action == plan.Delete {
						f.Plan.Changes[i].LiveID = "101"
					}
				}
			},
			want: []string{"api_key.old-key: the plan file would delete it, the plan computed now would delete it; live_id differs",
				`would delete the live API key id 101, which "production" protects`},
		},
		{
			name: "the only admin removed despite min_admins",
			edit: func(_ *planFileFixture, f *planfile.File) {
				f.Plan.Changes = append(f.Plan.Changes, plan.Change{Address: plan.Address{Kind: plan.KindTeamMember, Name: "alice@example.com"},
					Action: plan.Delete, Before: map[string]any{"email": "alice@example.com", "role": "admin"}, LiveID: "1"})
			},
			want: []string{"team_member.alice@example.com: the plan file would delete it", "fewer than policy.min_admins 1"},
		},
		{
			name: "deletes added with the mass-deletion verdict removed",
			edit: func(fx *planFileFixture, f *planfile.File) {
				for i, id := range fx.junkIDs {
					name := "junk-" + string(rune('1'+i))
					f.Plan.Changes = append(f.Plan.Changes, plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: name},
						Action: plan.Delete, Before: map[string]any{"name": name}, LiveID: id})
				}
				f.Plan.MassDeletions = nil
			},
			want: []string{"api_key.junk-1: the plan file would delete it", "api_key.junk-5: the plan file would delete it"},
		},
		{
			name: "the protected key's update turned into a replace",
			edit: func(_ *planFileFixture, f *planfile.File) {
				f.Plan.Changes[0].Action = plan.Replace
			},
			want: []string{"api_key.production: the plan file would replace it, the plan computed now would update it; action differs",
				`API key "production" is protected and the plan would replace it`},
		},
		{
			name: "a change to the team account switch",
			edit: func(_ *planFileFixture, f *planfile.File) { f.Plan.SwitchTo = "acme-team" },
			want: []string{`switch_to: the plan file has "acme-team"; the plan computed now has none`},
		},
		{
			name: "the embedded modelslab.yaml changed, the plan left as reviewed",
			edit: func(_ *planFileFixture, f *planfile.File) {
				editSource(f, strings.Replace(reviewedSpec, "  - {name: ci, notes: Used by GitHub Actions}\n", "", 1))
			},
			want: []string{"api_key.ci: the plan computed now would delete it; the plan file does not"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newPlanFileFixture(t)
			fx.reseal(t, func(f *planfile.File) { tt.edit(fx, f) })
			res := fx.apply(t, cmdutil.ExitRefused, "PLAN")
			requireAll(t, "stderr", res.Stderr, append([]string{"is not the plan of its modelslab.yaml and the live account", "Nothing was changed"}, tt.want...)...)
			// -f binds the file too: the same refusal.
			fx.apply(t, cmdutil.ExitRefused, "-f", "SPEC", "PLAN")
		})
	}
}

// editSource replaces the embedded modelslab.yaml and its hash, as an
// attacker who knows the format would.
func editSource(f *planfile.File, content string) {
	s, err := spec.Parse("x.yaml", []byte(content))
	if err != nil {
		panic(err)
	}
	f.Source.Content = content
	f.SpecHash = s.Hash
}

// TestApplyPlanFileCraftedWholeCloth: an attacker writes a consistent plan
// file for a modelslab.yaml of their own (the plan really is that file's
// plan, the digest is right). The rails refuse what they cover, and
// -f modelslab.yaml, what a CI apply job runs, refuses the rest: the plan
// is not the plan of the reviewed file.
func TestApplyPlanFileCraftedWholeCloth(t *testing.T) {
	t.Parallel()
	// craft writes the plan file of content, computed honestly against the
	// live account, or fails when Compute itself refuses it.
	craft := func(t *testing.T, fx *planFileFixture, content string, o plan.Options) {
		t.Helper()
		s, err := spec.Parse("crafted.yaml", []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		live := fetch(t, fx.em, s)
		p, err := plan.ComputeWith(s, live, time.Now(), o)
		if err != nil {
			t.Fatal(err)
		}
		f := planfile.New(p, planfile.Made{Spec: s, Live: live, Options: o, Version: "dev", Now: time.Now()})
		if err := planfile.Write(fx.planPath, f); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("a plan the rails refuse, with a plan that claims it does not", func(t *testing.T) {
		t.Parallel()
		fx := newPlanFileFixture(t)
		// The embedded file demotes the only admin; the saved plan says so
		// too (as a hand-made update): the plan computed again is refused.
		fx.reseal(t, func(f *planfile.File) {
			editSource(f, strings.Replace(reviewedSpec, "role: admin", "role: member", 1))
			f.Plan.Changes = append(f.Plan.Changes, plan.Change{Address: plan.Address{Kind: plan.KindTeamMember, Name: "alice@example.com"},
				Action: plan.Update, Before: map[string]any{"role": "admin"}, After: map[string]any{"role": "member"}, LiveID: "1"})
		})
		res := fx.apply(t, cmdutil.ExitRefused, "PLAN")
		requireAll(t, "stderr", res.Stderr, "refused by a safety rail", "min_admins")
	})
	t.Run("a consistent plan of another modelslab.yaml", func(t *testing.T) {
		t.Parallel()
		fx := newPlanFileFixture(t)
		// protect dropped and production left out: its plan deletes the
		// key protect guarded in the reviewed file.
		evil := strings.Replace(reviewedSpec, "  - {name: production, notes: Used by the production backend, protect: true}\n", "", 1)
		craft(t, fx, evil, plan.Options{})
		res := fx.apply(t, cmdutil.ExitRefused, "-f", "SPEC", "PLAN")
		requireAll(t, "stderr", res.Stderr, "was not made from "+fx.specPath, "differs from it at line 3", "nothing was changed")
	})
	t.Run("options the command line does not give", func(t *testing.T) {
		t.Parallel()
		fx := newPlanFileFixture(t)
		craft(t, fx, reviewedSpec, plan.Options{Replace: []string{"api_key.ci"}})
		res := fx.apply(t, cmdutil.ExitRefused, "-f", "SPEC", "PLAN")
		requireAll(t, "stderr", res.Stderr, "was made with options --replace api_key.ci, and this command line gives none")
	})
}

// TestApplyPlanFileReappliesItsOptions: without -f, the options a plan was
// made with (--replace here) are recorded and used again to re-derive it.
func TestApplyPlanFileReappliesItsOptions(t *testing.T) {
	t.Parallel()
	fx := newPlanFileFixture(t)
	s, err := spec.Load(fx.specPath)
	if err != nil {
		t.Fatal(err)
	}
	o := plan.Options{Replace: []string{"api_key.ci"}}
	live := fetch(t, fx.em, s)
	p, err := plan.ComputeWith(s, live, time.Now(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := planfile.Write(fx.planPath, planfile.New(p, planfile.Made{Spec: s, Live: live, Options: o, Version: "dev", Now: time.Now()})); err != nil {
		t.Fatal(err)
	}
	res := fx.apply(t, 0, "PLAN")
	requireAll(t, "stdout", res.Stdout, "api_key.ci", "Apply complete:")
	acct, _ := fx.em.Snapshot(fx.em.Demo.Username)
	var ids []int64
	for _, k := range acct.APIKeys {
		if k.Name == "ci" {
			ids = append(ids, k.ID)
		}
	}
	if len(ids) != 1 || ids[0] == 102 {
		t.Errorf("live keys named ci: %v, want one new key (not 102)", ids)
	}
}

// TestApplyPlanFileRefusedWhole: a file that is not exactly what plan wrote
// is refused before anything is read from the account (exit 1).
func TestApplyPlanFileRefusedWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(data []byte) []byte
		want string
	}{
		{"truncated", func(d []byte) []byte { return d[:len(d)*2/3] }, "is truncated"},
		{"digest mismatch", func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"action": "delete"`, `"action": "replace"`, 1))
		}, "its digest does not match its content"},
		{"a key twice", func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"format_version": "2",`, `"format_version": "2", "base_url": "https://evil.example",`, 1))
		}, "not in the form mlabctl writes"},
		{"an unknown field that could redirect", func(d []byte) []byte {
			return []byte(strings.Replace(string(d), `"format_version": "2",`, `"format_version": "2", "token_file": "/etc/passwd",`, 1))
		}, `unknown field "token_file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newPlanFileFixture(t)
			data, err := os.ReadFile(fx.planPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fx.planPath, tt.edit(data), 0o600); err != nil {
				t.Fatal(err)
			}
			res := fx.apply(t, cmdutil.ExitError, "PLAN")
			requireAll(t, "stderr", res.Stderr, tt.want)
			if n := len(fx.em.Requests()); n != 0 {
				t.Errorf("%d requests for a plan file refused whole, want none", n)
			}
		})
	}
}

// TestApplyPlanFileOfAnotherAccount: a plan made for another account (its
// own token, the same API) is refused with the token's account untouched.
func TestApplyPlanFileOfAnotherAccount(t *testing.T) {
	t.Parallel()
	fx := newPlanFileFixture(t)
	rival := fx.em.AddUser(emulator.UserSeed{Email: "rival@example.com", Username: "rival", Name: "Rival", Verified: true})
	env := clitest.DemoEnv(fx.em)
	env[cmdutil.EnvToken] = fx.em.IssueToken(rival, "rival", []string{"*"}, 0)
	if res := clitest.Mlabctl(t, env, "plan", "-f", fx.specPath, "--out", fx.planPath); res.Code != 0 {
		t.Fatalf("plan --out for the rival: exit %d\n%s", res.Code, res.Stderr)
	}
	res := fx.apply(t, cmdutil.ExitRefused, "PLAN")
	requireAll(t, "stderr", res.Stderr, `is for account "rival", but the token acts on "acme-bot"`)
}

// fetch reads the live account s manages, as plan does.
func fetch(t *testing.T, em *emulatortest.Server, s *spec.Spec) *remote.State {
	t.Helper()
	c, err := remote.New(remote.Options{BaseURL: em.URL, Token: remote.Secret(em.Demo.Token)})
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.Fetch(context.Background(), plan.FetchOptionsFor(s))
	if err != nil {
		t.Fatal(err)
	}
	if live.BaseURL == "" {
		live.BaseURL = em.URL
	}
	return live
}
