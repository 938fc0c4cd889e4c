package applycmd_test

// In-process tests of apply on a terminal: which stream asks, which one
// shows a new secret, what a declined or missing answer does. Stdin and
// stdout pretend to be terminals (clitest), which the binary-level suite
// can only do through script(1).

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// confirmPrompt is what apply asks on a terminal.
const confirmPrompt = "Do you want to apply these changes? Only 'yes' will be accepted: "

// terminalApply is how inProcessApply runs apply: as on a terminal (stdin
// and stdout) unless a test says otherwise.
type terminalApply struct {
	StdinTerminal, StdoutTerminal bool
	// StdoutFile: stdout is redirected to a file (otherwise, when it is no
	// terminal, a pipe).
	StdoutFile  bool
	AutoApprove bool
	// SecretsOut is --secrets-out ("" for none); File is -f.
	SecretsOut, File string
}

// inProcessApply runs `mlabctl apply` in-process as on a terminal (stdin
// and stdout), with stdin answering the prompt, against em, without colour.
// extra may change how (stdout piped, say).
func inProcessApply(t *testing.T, em *emulatortest.Server, answer string, extra func(*terminalApply)) clitest.Result {
	t.Helper()
	o := terminalApply{StdinTerminal: true, StdoutTerminal: true, File: clitest.ExampleFile()}
	if extra != nil {
		extra(&o)
	}
	args := []string{"apply", "-f", o.File}
	if o.AutoApprove {
		args = append(args, "--auto-approve")
	}
	if o.SecretsOut != "" {
		args = append(args, "--secrets-out", o.SecretsOut)
	}
	env := clitest.DemoEnv(em)
	env[cmdutil.EnvNoColor] = "1"
	return clitest.Run(t, clitest.Invocation{Args: args, Env: env, Stdin: answer, StdinTTY: o.StdinTerminal, StdoutTTY: o.StdoutTerminal, StdoutFile: o.StdoutFile})
}

func TestApplyOnATerminal(t *testing.T) {
	t.Parallel()
	t.Run("anything but yes declines", func(t *testing.T) {
		t.Parallel()
		for _, answer := range []string{"no\n", "y\n", "YES\n", ""} {
			em := emulatortest.Start(t)
			before, _ := em.Snapshot(em.Demo.Username)
			em.ResetRequests()
			secrets := filepath.Join(t.TempDir(), "s.json")
			res := inProcessApply(t, em, answer, func(o *terminalApply) { o.SecretsOut = secrets })
			out := res.Stdout
			if _, statErr := os.Stat(secrets); statErr == nil {
				t.Errorf("answer %q: a secrets file was written", answer)
			}
			if res.Code != cmdutil.ExitRefused {
				t.Fatalf("answer %q: exit %d (%s), want 3", answer, res.Code, res.Stderr)
			}
			if !strings.Contains(out, confirmPrompt) {
				t.Errorf("answer %q: no prompt in\n%s", answer, out)
			}
			if m := em.Mutations(); len(m) != 0 {
				t.Errorf("answer %q: mutations %v", answer, m)
			}
			after, _ := em.Snapshot(em.Demo.Username)
			if !reflect.DeepEqual(before, after) {
				t.Errorf("answer %q changed the account", answer)
			}
		}
	})
	t.Run("yes applies and shows each new secret once, marked", func(t *testing.T) {
		t.Parallel()
		em := emulatortest.Start(t)
		res := inProcessApply(t, em, "yes\n", nil)
		out := res.Stdout
		if res.Code != 0 {
			t.Fatalf("apply: exit %d: %s\n%s", res.Code, res.Stderr, out)
		}
		acct, _ := em.Snapshot(em.Demo.Username)
		shown := 0
		for _, k := range acct.APIKeys {
			if k.Name != "ci" && k.Name != "staging" {
				if strings.Contains(out, k.Key) {
					t.Errorf("the old key %q is shown", k.Name)
				}
				continue
			}
			shown++
			if strings.Count(out, k.Key) != 1 {
				t.Errorf("the new %q secret is shown %d times, want once", k.Name, strings.Count(out, k.Key))
			}
			if !strings.Contains(out, fmt.Sprintf("NEW SECRET for API key %q", k.Name)) {
				t.Errorf("the new %q secret is not marked", k.Name)
			}
		}
		if shown != 2 {
			t.Errorf("%d new keys, want 2", shown)
		}
		if !strings.Contains(out, "\r\033[K") {
			t.Errorf("no live progress line on a terminal")
		}
	})
	t.Run("--auto-approve does not ask", func(t *testing.T) {
		t.Parallel()
		em := emulatortest.Start(t)
		res := inProcessApply(t, em, "", func(o *terminalApply) { o.AutoApprove = true; o.SecretsOut = filepath.Join(t.TempDir(), "s.json") })
		out := res.Stdout
		if res.Code != 0 {
			t.Fatalf("apply: exit %d: %s\n%s", res.Code, res.Stderr, out)
		}
		if strings.Contains(out, confirmPrompt) {
			t.Errorf("asked despite --auto-approve")
		}
	})
}

func TestApplyTerminalSides(t *testing.T) {
	t.Parallel()
	// The prompt needs stdin to be a terminal; printing a secret needs
	// stdout to be one (`mlabctl apply | tee apply.log` must still ask,
	// after the plan, and must never put a secret in the log).
	tests := []struct {
		name                string
		stdinTTY, stdoutTTY bool
		stdoutFile          bool
		autoApprove         bool
		secretsOut          bool
		spec                string // "" = the example file, which creates keys
		answer              string
		wantCode            int
		wantErr             string
		// wantPromptOn is where the prompt must be: "stdout", "stderr" or
		// "" (not asked).
		wantPromptOn string
		wantApplied  bool
		// wantSecretsShown: the new keys' secrets are printed once on stdout.
		wantSecretsShown bool
	}{
		{name: "stdin a terminal, stdout piped: asks on stdout after the plan and applies on yes", stdinTTY: true, secretsOut: true, answer: "yes\n",
			wantPromptOn: "stdout", wantApplied: true},
		{name: "stdin a terminal, stdout piped: asks on stdout and a no declines", stdinTTY: true, secretsOut: true, answer: "no\n",
			wantPromptOn: "stdout", wantCode: cmdutil.ExitRefused, wantErr: "answer was not 'yes'"},
		{name: "stdin a terminal, stdout a file: asks on stderr, which the user sees", stdinTTY: true, stdoutFile: true, secretsOut: true, answer: "yes\n",
			wantPromptOn: "stderr", wantApplied: true},
		{name: "stdin a terminal, stdout piped, new keys without --secrets-out: refused before asking", stdinTTY: true, answer: "yes\n",
			wantCode: cmdutil.ExitRefused, wantErr: "pass --secrets-out FILE to keep them (stdout is not a terminal"},
		{name: "stdin a terminal, stdout piped, no new keys: no --secrets-out needed", stdinTTY: true, answer: "yes\n",
			spec: "version: 1\nsocials: {github: acme}\n", wantPromptOn: "stdout", wantApplied: true},
		{name: "both terminals: asks on stdout and shows the secrets once", stdinTTY: true, stdoutTTY: true, answer: "yes\n",
			wantPromptOn: "stdout", wantApplied: true, wantSecretsShown: true},
		{name: "stdin piped, stdout a terminal, --auto-approve: shows the secrets once", stdoutTTY: true, autoApprove: true,
			wantApplied: true, wantSecretsShown: true},
		{name: "stdin piped, stdout a terminal, no --auto-approve: refused", stdoutTTY: true, secretsOut: true, answer: "yes\n",
			wantCode: cmdutil.ExitRefused, wantErr: "stdin is not a terminal, so apply cannot ask for confirmation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			em := emulatortest.Start(t)
			file := clitest.SpecOrExample(t, tt.spec)
			secrets := filepath.Join(t.TempDir(), "s.json")
			res := inProcessApply(t, em, tt.answer, func(o *terminalApply) {
				o.StdinTerminal, o.StdoutTerminal, o.AutoApprove = tt.stdinTTY, tt.stdoutTTY, tt.autoApprove
				o.StdoutFile = tt.stdoutFile
				o.File = file
				if tt.secretsOut {
					o.SecretsOut = secrets
				}
			})
			out, stderr := res.Stdout, res.Stderr
			if res.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", res.Code, tt.wantCode, out, stderr)
			}
			if tt.wantErr != "" && !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q, want an error containing %q", stderr, tt.wantErr)
			}
			prompts := map[string]int{"stdout": strings.Count(out, confirmPrompt), "stderr": strings.Count(stderr, confirmPrompt)}
			want := map[string]int{"stdout": 0, "stderr": 0}
			if tt.wantPromptOn != "" {
				want[tt.wantPromptOn] = 1
			}
			if diff := cmp.Diff(want, prompts); diff != "" {
				t.Errorf("prompts asked per stream (-want +got):\n%s", diff)
			}
			if applied := len(em.Mutations()) > 0; applied != tt.wantApplied {
				t.Errorf("applied: %v, want %v (%v)", applied, tt.wantApplied, em.Mutations())
			}
			if tt.wantApplied {
				clitest.AssertConverged(t, em, file, "apply")
			}
			if live := strings.Contains(out, "\r\033[K"); live != tt.stdoutTTY && tt.wantApplied {
				t.Errorf("progress line drawn: %v, want %v (stdout a terminal)", live, tt.stdoutTTY)
			}
			acct, _ := em.Snapshot(em.Demo.Username)
			for _, k := range acct.APIKeys {
				if strings.Contains(stderr, k.Key) {
					t.Errorf("the secret of %q is on stderr", k.Name)
				}
				shown := strings.Count(out, k.Key)
				wantShown := 0
				if tt.wantSecretsShown && (k.Name == "ci" || k.Name == "staging") {
					wantShown = 1
				}
				if shown != wantShown {
					t.Errorf("the secret of %q is on stdout %d times, want %d", k.Name, shown, wantShown)
				}
			}
		})
	}
}

// TestApplyPromptFollowsThePlan: with stdout piped (`apply | tee
// apply.log`) and stdin a terminal, the question comes after the whole
// plan, on the same stream, so that tee shows it last and the screen does
// not end in a bare cursor under a plan whose question scrolled away; the
// changes are applied after it.
func TestApplyPromptFollowsThePlan(t *testing.T) {
	t.Parallel()
	em := emulatortest.Start(t)
	secrets := filepath.Join(t.TempDir(), "s.json")
	res := inProcessApply(t, em, "yes\n", func(o *terminalApply) {
		o.StdoutTerminal = false
		o.SecretsOut = secrets
	})
	if res.Code != 0 {
		t.Fatalf("exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	out := res.Stdout
	closing := strings.Index(out, "\nPlan: ")
	prompt := strings.Index(out, confirmPrompt)
	applying := strings.Index(out, "\nApplying ")
	if closing < 0 || prompt < 0 || applying < 0 || !(closing < prompt && prompt < applying) {
		t.Errorf("want the plan's closing line, then the question, then the changes; got them at %d, %d, %d:\n%s", closing, prompt, applying, out)
	}
	if before := out[:prompt]; !strings.HasSuffix(before, ".\n\n") {
		t.Errorf("the question does not follow the plan's last line:\n%q", before[max(0, len(before)-80):])
	}
	if strings.Contains(res.Stderr, confirmPrompt) {
		t.Errorf("the question is asked on stderr too:\n%s", res.Stderr)
	}
}
