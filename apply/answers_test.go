package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
	"github.com/mlabctl/mlabctl/remote"
)

// keyAnswerProxy serves the emulator srv, rewriting the key of every
// answer to POST /api-keys: masked as in lists, empty, or absent (mode
// "masked", "empty", "missing"). The emulator has made the key (and, when
// it replays, remembers its whole answer).
func keyAnswerProxy(srv *emulator.Server, mode string) http.Handler {
	isCreate := func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api-keys")
	}
	return emulatortest.RewriteAnswers(srv, isCreate, func(_ *http.Request, _ int, body []byte) []byte {
		var env map[string]any
		if json.Unmarshal(body, &env) != nil {
			return body
		}
		if data, ok := env["data"].(map[string]any); ok {
			switch key, _ := data["key"].(string); mode {
			case "masked":
				data["key"] = "ml-…" + key[len(key)-4:]
			case "empty":
				data["key"] = ""
			case "missing":
				delete(data, "key")
			}
			body, _ = json.Marshal(env)
		}
		return body
	})
}

// TestEmulatorCreateAnswerWithoutSecret: a create answered without a whole
// secret fails its step (exit 4), never "created", and nothing is written
// to the secrets file; the next apply settles the key from the journal
// (sent again once under the same key: a replaying server gives the whole
// answer back; one that ignores the key makes another, and the first is
// deleted) and converges. Both server readings, three answer shapes.
func TestEmulatorCreateAnswerWithoutSecret(t *testing.T) {
	trials := 0
	for _, ignore := range []bool{false, true} {
		for _, mode := range emulator.KeyAnswers {
			// The emulator's own knob (Faults.KeyAnswer, the stored answer
			// degraded too) and a proxy degrading the wire answer only (the
			// server remembers the whole one).
			for _, via := range []string{"knob", "proxy"} {
				trials++
				t.Run(fmt.Sprintf("ignore-idempotency=%v/%s/%s", ignore, mode, via), func(t *testing.T) {
					cw := newCrashWorld(t, ignore)
					bad := Client(cw.client)
					if via == "proxy" {
						ts := httptest.NewServer(keyAnswerProxy(cw.srv, mode))
						t.Cleanup(ts.Close)
						c, err := remote.New(remote.Options{BaseURL: ts.URL, Token: remote.Secret(cw.demo.Token), RetryBackoff: time.Millisecond})
						if err != nil {
							t.Fatal(err)
						}
						bad = c
					} else {
						cw.srv.Faults = &emulator.Faults{KeyAnswer: mode}
					}
					// The plan's base URL is the emulator's: the journal's entries
					// belong to the account the next apply settles.
					_, res, err := cw.applyOnce(t, bad, NewSecretsFile(cw.secrets), 1)
					var fe *FailedError
					if !errors.As(err, &fe) || fe.ExitCode() != 4 {
						t.Fatalf("err = %v, want exit 4", err)
					}
					for _, s := range res.Steps {
						if s.Address.Kind != "api_key" || (s.Step != StepCreate && s.Step != StepReplaceCreate) {
							continue
						}
						var nosecret *remote.SecretNotReturnedError
						if s.Outcome != Failed || !errors.As(s.Err, &nosecret) || !s.Changed {
							t.Errorf("%s: outcome %v, err %v; want failed, changed, for want of a secret", s.Address, s.Outcome, s.Err)
						}
					}
					if b, err := os.ReadFile(cw.secrets); err == nil && strings.Contains(string(b), "ml-") {
						t.Errorf("something was written as a secret: %s", b)
					}
					cw.srv.Faults = nil
					cw.converge(t, "after answers without a secret")
				})
			}
		}
	}
	t.Logf("%d trials", trials)
}

// TestEmulatorDroppedAnswersConverge drops the answers of the first
// mutations of one route (committed, then the connection cut) on both
// server readings, with the journal, and checks that applies converge and
// that the first run exits 1 only when nothing changed.
func TestEmulatorDroppedAnswersConverge(t *testing.T) {
	routes := []string{"POST /api-keys", "POST /teams", "DELETE /api-keys", "DELETE /teams", "PUT /api-keys", "PATCH /me"}
	trials := 0
	for _, ignore := range []bool{false, true} {
		for _, route := range routes {
			for _, n := range []int{1, 3} {
				trials++
				t.Run(fmt.Sprintf("ignore-idempotency=%v/%s/drop-first=%d", ignore, route, n), func(t *testing.T) {
					cw := newCrashWorld(t, ignore)
					before := cw.state(t)
					cw.srv.Faults = &emulator.Faults{DropFirst: n, Routes: []string{route}}
					_, res, err := cw.applyOnce(t, cw.client, NewSecretsFile(cw.secrets), 2)
					var fe *FailedError
					if errors.As(err, &fe) && fe.ExitCode() == 1 && cw.state(t) != before {
						t.Errorf("exit 1 although the account changed")
					}
					if err != nil && !errors.As(err, &fe) {
						t.Fatalf("Run: %v", err)
					}
					if r := res; r != nil {
						for _, s := range r.Steps {
							if s.Address.Kind == "team_member" && s.Step == StepCreate && s.Outcome != Done {
								t.Errorf("%s: %v (%v); an invite whose answer was dropped is confirmed by reading", s.Address, s.Outcome, s.Err)
							}
						}
					}
					cw.srv.Faults = nil
					cw.converge(t, "after dropped answers")
				})
			}
		}
	}
	t.Logf("%d trials", trials)
}

// state renders the account as the emulator holds it, for comparisons.
func (cw *crashWorld) state(t *testing.T) string {
	acct, _ := cw.srv.Snapshot(cw.demo.Username)
	b, err := json.Marshal(acct)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var _ = context.Background
