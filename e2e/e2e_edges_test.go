package e2e

// Binary-level tests of issue 14's edges that need a real process: where
// apply asks its question depends on what the process's stdout really is (a
// pipe into tee, or a file), which only iostreams.System can see. stdin is
// a pseudo-terminal from script(1).

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// edgesConfirmPrompt is apply's question.
const edgesConfirmPrompt = "Do you want to apply these changes? Only 'yes' will be accepted: "

// edgesOnTerminal runs shell, a command line naming the binary as
// $MLABCTL, under script(1), whose pseudo-terminal is stdin (answering
// stdin) and where whatever reaches the terminal is collected, in order.
func edgesOnTerminal(t *testing.T, env map[string]string, stdin, shell string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("script(1) of util-linux is needed for a pseudo-terminal")
	}
	requireTool(t, "script")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", shell, "/dev/null")
	env["MLABCTL"] = binPath
	cmd.Env = childEnv(t, env)
	cmd.Stdin = strings.NewReader(stdin)
	out, _ := cmd.Output()
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// TestEdgesPromptFollowsThePlanThroughAPipe: `mlabctl apply | tee
// apply.log` shows the whole plan, then the question, never the question
// first. Here tee starts a second late, as a slow reader may: a question
// asked on stderr would then always reach the terminal before the plan.
func TestEdgesPromptFollowsThePlanThroughAPipe(t *testing.T) {
	em := startEmulator(t)
	log := filepath.Join(t.TempDir(), "apply.log")
	out := edgesOnTerminal(t, demoEnv(em), "no\n", `"$MLABCTL" apply --no-color --secrets-out `+contractShQuote(filepath.Join(t.TempDir(), "s.json"))+` -f `+contractShQuote(exampleFile)+` | { sleep 1; tee `+contractShQuote(log)+`; }`)
	closing, prompt := strings.Index(out, "\nPlan: "), strings.Index(out, edgesConfirmPrompt)
	if closing < 0 || prompt < 0 || prompt < closing {
		t.Errorf("on the terminal the question (at %d) does not follow the plan's closing line (at %d):\n%s", prompt, closing, out)
	}
	logged, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), "\nPlan: ") || strings.Count(out, edgesConfirmPrompt) != 1 {
		t.Errorf("the log lacks the plan, or the question is asked %d times:\nlog:\n%s\nterminal:\n%s", strings.Count(out, edgesConfirmPrompt), logged, out)
	}
	if n := len(em.Mutations()); n != 0 {
		t.Errorf("a declined apply made %d changes", n)
	}
}

// TestEdgesPromptOnStderrWhenStdoutIsAFile: with stdout redirected to a
// file, which nobody watches, the question goes to the terminal on stderr,
// and the file holds the plan without it.
func TestEdgesPromptOnStderrWhenStdoutIsAFile(t *testing.T) {
	em := startEmulator(t)
	log := filepath.Join(t.TempDir(), "apply.log")
	out := edgesOnTerminal(t, demoEnv(em), "no\n", `"$MLABCTL" apply --no-color --secrets-out `+contractShQuote(filepath.Join(t.TempDir(), "s.json"))+` -f `+contractShQuote(exampleFile)+` > `+contractShQuote(log))
	if !strings.Contains(out, edgesConfirmPrompt) {
		t.Errorf("the terminal does not show the question:\n%s", out)
	}
	logged, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), "\nPlan: ") || strings.Contains(string(logged), edgesConfirmPrompt) {
		t.Errorf("the file should hold the plan and not the question:\n%s", logged)
	}
	if n := len(em.Mutations()); n != 0 {
		t.Errorf("a declined apply made %d changes", n)
	}
}
