package emulatorcmd_test

// MLABCTL_TEST_NOW drives `mlabctl emulator` and mlabctl together, as
// docs/rotation.md describes it: a rotation with rotate_overlap across two
// days, the emulator restarted from its state file eight days later and
// mlabctl told the same time.

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
	"github.com/mlabctl/mlabctl/internal/cli/cmdutil"
)

// keyCount counts the emulator's live keys named name, through the API.
func (e *runningEmulator) keyCount(t *testing.T, name string) int {
	t.Helper()
	status, data := e.call(t, "GET", "/api-keys", "")
	if status != 200 {
		t.Fatalf("GET /api-keys: status %d, data %s", status, data)
	}
	var keys []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatalf("GET /api-keys: %v: %s", err, data)
	}
	n := 0
	for _, k := range keys {
		if k.Name == name {
			n++
		}
	}
	return n
}

// TestEmulatorCommandFollowsTheTestClock rotates the demo's ci key with
// rotate_overlap: on day 0 (emulator and mlabctl at one MLABCTL_TEST_NOW)
// apply creates the successor and keeps the old key; after the emulator
// restarts from its state file eight days later, with mlabctl told the
// same, apply deletes the predecessor and the account converges. Between
// the steps a key named ci always exists.
func TestEmulatorCommandFollowsTheTestClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "emulator.json")
	secrets := filepath.Join(dir, "secrets.json")
	spec := clitest.RepoPath("internal/cli/applycmd/testdata/rotation.yaml")
	day0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	day8 := day0.Add(8 * 24 * time.Hour)
	run := func(e *runningEmulator, at time.Time, args ...string) clitest.Result {
		t.Helper()
		env := clitest.ClockEnv(map[string]string{cmdutil.EnvBaseURL: e.banner["base URL"], cmdutil.EnvToken: e.banner["token"]}, at)
		return clitest.Mlabctl(t, env, args...)
	}

	first := startEmulatorCommandEnv(t, clitest.ClockEnv(nil, day0), "--state", state)
	res := run(first, day0, "apply", "-f", spec, "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 || !strings.Contains(res.Stdout, "retires after 2026-12-09 09:00 UTC") {
		t.Fatalf("day 0 apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "MLABCTL_TEST_NOW is set") {
		t.Errorf("a run with MLABCTL_TEST_NOW does not say so on stderr: %q", res.Stderr)
	}
	if n := first.keyCount(t, "ci"); n != 2 {
		t.Fatalf("after day 0: %d keys named ci, want the old one and its successor", n)
	}
	first.stop(t)

	second := startEmulatorCommandEnv(t, clitest.ClockEnv(nil, day8), "--state", state)
	if n := second.keyCount(t, "ci"); n != 2 {
		t.Fatalf("after the restart: %d keys named ci, want 2", n)
	}
	res = run(second, day8, "plan", "-f", spec, "--detailed-exitcode")
	if res.Code != 2 || !strings.Contains(res.Stdout, "its rotate_overlap ended 2026-12-09 09:00 UTC") {
		t.Fatalf("day 8 plan: exit %d, want the predecessor's delete\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	res = run(second, day8, "apply", "-f", spec, "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 {
		t.Fatalf("day 8 apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if n := second.keyCount(t, "ci"); n != 1 {
		t.Fatalf("after day 8: %d keys named ci, want only the successor", n)
	}
	if clitest.ReadSecretsFile(t, secrets)["ci"] == "" {
		t.Error("the successor's secret is not in the secrets file")
	}
	if res := run(second, day8, "plan", "-f", spec, "--detailed-exitcode"); res.Code != 0 {
		t.Errorf("plan after the rotation: exit %d, want no changes\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	second.stop(t)
}
