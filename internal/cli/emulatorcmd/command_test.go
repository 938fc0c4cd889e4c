package emulatorcmd_test

// In-process tests of `mlabctl emulator`: it serves on a free loopback
// port, prints its base URL and demo token, answers the API, keeps its
// state file, and stops cleanly on an interrupt (its context cancelled, as
// the first Ctrl-C does).

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/clitest"
)

// runningEmulator is a `mlabctl emulator` run in the background.
type runningEmulator struct {
	run    *clitest.Running
	banner map[string]string // "base URL", "token", "email", ... from the banner
	// bannerLen is the length of stdout up to the banner's end.
	bannerLen int
}

// startEmulatorCommand runs `mlabctl emulator` with args and waits for its
// banner, which ends with the token line.
func startEmulatorCommand(t *testing.T, args ...string) *runningEmulator {
	t.Helper()
	return startEmulatorCommandEnv(t, nil, args...)
}

// startEmulatorCommandEnv is startEmulatorCommand with the environment env
// (MLABCTL_TEST_NOW, say).
func startEmulatorCommandEnv(t *testing.T, env map[string]string, args ...string) *runningEmulator {
	t.Helper()
	run := clitest.Start(t, clitest.Invocation{Args: append([]string{"emulator", "--listen", "127.0.0.1:0"}, args...), Env: env})
	e := &runningEmulator{run: run, banner: map[string]string{}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out := run.Stdout()
		if i := strings.Index(out, "\ntoken:"); i >= 0 {
			if j := strings.Index(out[i+1:], "\n"); j >= 0 {
				e.bannerLen = i + 1 + j + 1
				break
			}
		}
		if time.Now().After(deadline) {
			run.Interrupt()
			t.Fatalf("no banner from mlabctl emulator within 30s; stderr %q", run.Wait().Stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, line := range strings.Split(run.Stdout()[:e.bannerLen], "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			e.banner[k] = strings.TrimSpace(v)
		}
	}
	if e.banner["base URL"] == "" || e.banner["token"] == "" {
		t.Fatalf("banner lacks base URL or token: %v", e.banner)
	}
	return e
}

// stop interrupts the emulator and checks it exits 0 saying so.
func (e *runningEmulator) stop(t *testing.T) {
	t.Helper()
	e.run.Interrupt()
	res := e.run.Wait()
	if res.Code != 0 {
		t.Fatalf("mlabctl emulator exited %d after an interrupt; stderr %q", res.Code, res.Stderr)
	}
	if after := res.Stdout[e.bannerLen:]; !strings.Contains(after, "emulator stopped") {
		t.Errorf("output after the banner %q lacks \"emulator stopped\"", after)
	}
}

// call calls an API path with the demo token and returns status and data.
func (e *runningEmulator) call(t *testing.T, method, path, body string) (int, json.RawMessage) {
	t.Helper()
	return e.callWith(t, method, path, body, nil)
}

// callWith is call with extra request headers (an Idempotency-Key, say).
func (e *runningEmulator) callWith(t *testing.T, method, path, body string, header http.Header) (int, json.RawMessage) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.banner["base URL"]+"/api/agents/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+e.banner["token"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s %s: not the envelope: %v", method, path, err)
	}
	return resp.StatusCode, env.Data
}

func TestEmulatorCommandServesTheDemoAccount(t *testing.T) {
	t.Parallel()
	e := startEmulatorCommand(t)
	if !strings.HasPrefix(e.banner["base URL"], "http://127.0.0.1:") {
		t.Errorf("base URL %q is not on 127.0.0.1", e.banner["base URL"])
	}
	if got, want := e.banner["email"], "demo@mlabctl.example"; got != want {
		t.Errorf("email %q, want %q", got, want)
	}
	status, data := e.call(t, "GET", "/me", "")
	if status != http.StatusOK {
		t.Fatalf("GET /me: status %d, data %s", status, data)
	}
	var me struct {
		Username string `json:"username"`
	}
	if err := json.Unmarshal(data, &me); err != nil || me.Username != "acme-bot" {
		t.Errorf("GET /me username %q (err %v), want acme-bot", me.Username, err)
	}
	e.stop(t)
}

func TestEmulatorCommandKeepsItsStateFile(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "emulator.json")
	first := startEmulatorCommand(t, "--state", state)
	if !strings.HasPrefix(first.banner["state"], "new") {
		t.Errorf("state line %q, want it to say the state is new", first.banner["state"])
	}
	if status, data := first.call(t, "POST", "/api-keys", `{"name":"kept"}`); status != http.StatusCreated {
		t.Fatalf("POST /api-keys: status %d, data %s", status, data)
	}
	first.stop(t)

	second := startEmulatorCommand(t, "--state", state)
	if !strings.HasPrefix(second.banner["state"], "loaded") {
		t.Errorf("state line %q, want it to say the state was loaded", second.banner["state"])
	}
	if got, want := second.banner["token"], first.banner["token"]; got != want {
		t.Errorf("the demo token changed across restarts")
	}
	status, data := second.call(t, "GET", "/api-keys", "")
	if status != http.StatusOK || !strings.Contains(string(data), `"name":"kept"`) {
		t.Errorf("GET /api-keys after restart: status %d, data %s; want the key \"kept\"", status, data)
	}
	second.stop(t)
}

func TestEmulatorCommandRefusesBadFlags(t *testing.T) {
	t.Parallel()
	corrupt := filepath.Join(t.TempDir(), "corrupt.json")
	if err := os.WriteFile(corrupt, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"public address", []string{"--listen", "0.0.0.0:8765"}, "not a loopback address"},
		{"all interfaces", []string{"--listen", ":8765"}, "not a loopback address"},
		{"no port", []string{"--listen", "127.0.0.1"}, "not HOST:PORT"},
		{"fault rate above one", []string{"--fault-rate", "1.5"}, "--fault-rate must be between 0 and 1"},
		{"success as a fault", []string{"--fault-rate", "0.5", "--fault-status", "200"}, "--fault-status must be an HTTP error status"},
		{"status without rate", []string{"--fault-status", "500"}, "--fault-status has no effect without --fault-rate"},
		{"route without rate", []string{"--fault-route", "POST /api-keys"}, "--fault-route has no effect"},
		{"negative latency", []string{"--latency", "-1s"}, "--latency must not be negative"},
		{"negative jitter", []string{"--latency-jitter", "-1ms"}, "--latency-jitter must not be negative"},
		{"negative drop-first", []string{"--drop-first", "-1"}, "--drop-first must not be negative"},
		{"unknown key answer", []string{"--fault-route", "POST /teams", "--drop-first", "1", "--key-answer", "half"}, `invalid --key-answer "half": use masked, empty, missing`},
		{"key-answer-first alone", []string{"--key-answer-first", "2"}, "--key-answer-first has no effect without --key-answer"},
		{"page size above 100", []string{"--page-size", "101"}, "--page-size must be from 1 to 100"},
		{"corrupt state", []string{"--state", corrupt}, "is not valid"},
		{"unwritable state", []string{"--state", filepath.Join(t.TempDir(), "no-such-dir", "state.json")}, "no-such-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := clitest.Mlabctl(t, nil, append([]string{"emulator"}, tc.args...)...)
			if res.Code != 1 {
				t.Fatalf("exit %d, want 1; stdout %q stderr %q", res.Code, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.Stderr, tc.want)
			}
		})
	}
}

func TestEmulatorCommandKnobs(t *testing.T) {
	t.Parallel()
	e := startEmulatorCommand(t, "--page-size", "3", "--fault-rate", "1", "--fault-status", "502", "--fault-route", "GET /teams")
	if status, _ := e.call(t, "GET", "/teams", ""); status != http.StatusBadGateway {
		t.Errorf("GET /teams: status %d, want the injected 502", status)
	}
	status, data := e.call(t, "GET", "/api-keys", "")
	var keys []json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil || status != http.StatusOK || len(keys) != 3 {
		t.Errorf("GET /api-keys: status %d, %d keys (err %v), want 200 with a page of 3", status, len(keys), err)
	}
	e.stop(t)

	limited := startEmulatorCommand(t, "--rate-limit", "1")
	var statuses []int
	for range 3 {
		status, _ := limited.call(t, "GET", "/me", "")
		statuses = append(statuses, status)
	}
	// A bucket of one request per second: the second or third call, made
	// within milliseconds, is refused.
	if statuses[0] != http.StatusOK || (statuses[1] != http.StatusTooManyRequests && statuses[2] != http.StatusTooManyRequests) {
		t.Errorf("statuses %v at --rate-limit 1, want 200 then a 429", statuses)
	}
	limited.stop(t)
}

// TestEmulatorCommandIgnoreIdempotency: the same create sent twice under
// one Idempotency-Key makes one key by default (the second is a replay)
// and two with --ignore-idempotency.
func TestEmulatorCommandIgnoreIdempotency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 1},
		{[]string{"--ignore-idempotency"}, 2},
	} {
		t.Run(strings.Join(append([]string{"flags"}, tc.args...), " "), func(t *testing.T) {
			t.Parallel()
			e := startEmulatorCommand(t, tc.args...)
			for range 2 {
				if status, data := e.callWith(t, "POST", "/api-keys", `{"name":"twice"}`, http.Header{"Idempotency-Key": {"same-key"}}); status != http.StatusCreated {
					t.Fatalf("POST /api-keys: status %d, data %s", status, data)
				}
			}
			if want := map[int]string{1: "none", 2: "--ignore-idempotency"}[tc.want]; e.banner["faults"] != want {
				t.Errorf("banner faults %q, want %q", e.banner["faults"], want)
			}
			if got := e.keyCount(t, "twice"); got != tc.want {
				t.Errorf("%d keys named twice, want %d", got, tc.want)
			}
			e.stop(t)
		})
	}
}

// TestEmulatorCommandAnswerFaults: --key-answer masked --key-answer-first
// 1 masks the first create answer's key only (both keys are created), and
// --drop-first 1 --fault-route "POST /teams" closes the connection of the
// first invite after sending it; --latency-jitter and --seed are taken.
func TestEmulatorCommandAnswerFaults(t *testing.T) {
	t.Parallel()
	e := startEmulatorCommand(t, "--key-answer", "masked", "--key-answer-first", "1",
		"--drop-first", "1", "--fault-route", "POST /teams", "--latency-jitter", "2ms", "--seed", "7")
	if want := "--latency 0s, --latency-jitter 2ms, --drop-first 1, --fault-route POST /teams, --key-answer masked, --key-answer-first 1, --seed 7"; e.banner["faults"] != want {
		t.Errorf("banner faults %q, want %q", e.banner["faults"], want)
	}
	var answered []string
	for _, name := range []string{"first", "second"} {
		status, data := e.call(t, "POST", "/api-keys", `{"name":"`+name+`"}`)
		var k struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(data, &k); err != nil || status != http.StatusCreated {
			t.Fatalf("POST /api-keys %s: status %d, data %s (%v)", name, status, data, err)
		}
		answered = append(answered, k.Key)
		if got := e.keyCount(t, name); got != 1 {
			t.Errorf("%d keys named %s, want 1", got, name)
		}
	}
	if !strings.Contains(answered[0], "…") || len(answered[0]) > 12 {
		t.Errorf("the first create answered a key of %d characters without the mask, want it masked", len(answered[0]))
	}
	if !strings.HasPrefix(answered[1], "ml-") || strings.Contains(answered[1], "…") || len(answered[1]) < 20 {
		t.Errorf("the second create answered a key of %d characters, want it whole", len(answered[1]))
	}

	req, err := http.NewRequest("POST", e.banner["base URL"]+"/api/agents/v1/teams", strings.NewReader(`{"email":"dropped@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.banner["token"])
	if resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("the first invite was answered (status %d), want its connection closed", resp.StatusCode)
	}
	status, data := e.call(t, "GET", "/teams", "")
	if status != http.StatusOK || !strings.Contains(string(data), `"dropped@example.com"`) {
		t.Errorf("GET /teams: status %d, data %s; want the dropped invite committed", status, data)
	}
	e.stop(t)
}
