package e2e

// The test clock of the real binary: MLABCTL_TEST_NOW read from the
// process environment by mlabctl and by `mlabctl emulator`, so that a
// rotation with rotate_overlap runs across two days as docs/rotation.md
// describes it: an emulator with a state file restarted at a later time,
// and mlabctl told the same time.

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyNames lists the names of the emulator's live keys, via the API.
func (e *runningEmulator) keyNames(t *testing.T) []string {
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
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	return names
}

func count(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

// TestClockDrivesARotationAcrossDays rotates the demo's ci key with
// rotate_overlap: on day 0 (emulator and mlabctl at one MLABCTL_TEST_NOW)
// apply creates the successor and keeps the old key; after the emulator
// restarts from its state file eight days later, with mlabctl told the
// same, apply deletes the predecessor and the account converges. Between
// the steps a key named ci always exists.
func TestClockDrivesARotationAcrossDays(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "emulator.json")
	secrets := filepath.Join(dir, "secrets.json")
	spec := "internal/cli/applycmd/testdata/rotation.yaml" // the in-process rotation test's file
	day0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	at := func(tm time.Time) map[string]string {
		return map[string]string{"MLABCTL_TEST_NOW": tm.Format(time.RFC3339)}
	}
	run := func(e *runningEmulator, tm time.Time, args ...string) cliResult {
		t.Helper()
		env := at(tm)
		env[envBaseURL], env[envToken] = e.banner["base URL"], e.banner["token"]
		return runCLI(t, cliRun{Args: args, Env: env})
	}

	first := startEmulatorBinaryEnv(t, at(day0), "--state", state)
	res := run(first, day0, "apply", "-f", spec, "--auto-approve", "--secrets-out", secrets)
	if res.Code != 0 || !strings.Contains(res.Stdout, "retires after 2026-12-09 09:00 UTC") {
		t.Fatalf("day 0 apply: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "MLABCTL_TEST_NOW is set") {
		t.Errorf("a run with MLABCTL_TEST_NOW does not say so on stderr: %q", res.Stderr)
	}
	if n := count(first.keyNames(t), "ci"); n != 2 {
		t.Fatalf("after day 0: %d keys named ci, want the old one and its successor", n)
	}
	first.stop(t)

	day8 := day0.Add(8 * 24 * time.Hour)
	second := startEmulatorBinaryEnv(t, at(day8), "--state", state)
	if n := count(second.keyNames(t), "ci"); n != 2 {
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
	if n := count(second.keyNames(t), "ci"); n != 1 {
		t.Fatalf("after day 8: %d keys named ci, want only the successor", n)
	}
	if got := readSecretsFile(t, secrets)["ci"]; got == "" {
		t.Error("the successor's secret is not in the secrets file")
	}
	if res := run(second, day8, "plan", "-f", spec, "--detailed-exitcode"); res.Code != 0 {
		t.Errorf("plan after the rotation: exit %d, want no changes\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	second.stop(t)
}
