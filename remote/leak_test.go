package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
)

// lockedBuffer collects debug output from concurrent calls.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoSecretLeaks runs every kind of call, successes and failures, under
// injected faults, with the debug log on, and searches everything the client
// let out (the log, error texts, results printed with %v, %+v and %#v, and
// results as JSON) for every secret that took part: tokens, passwords,
// verification and reset codes, whole API keys.
func TestNoSecretLeaks(t *testing.T) {
	e := startEmu(t)
	e.srv.Faults = &emulator.Faults{Rate: 0.3, Statuses: []int{503, 429, 500}, DropRate: 0.2, Seed: 7}
	var log lockedBuffer
	opts := func(o *Options) { o.Debug = &log; o.MaxAttempts = 8; o.MaxRetryWait = time.Minute }
	c := e.client(t, e.demo.Token, opts)
	anon := e.client(t, "", opts)
	ctx := context.Background()

	secrets := []string{e.demo.Token, e.demo.Password}
	var out []string
	record := func(v any, err error) {
		if err != nil {
			out = append(out, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
		}
		if v != nil {
			out = append(out, fmt.Sprintf("%v|%+v|%#v", v, v, v))
			if b, jerr := json.Marshal(v); jerr == nil {
				out = append(out, string(b))
			}
		}
	}

	const pw1, pw2, pw3 = "leak-test-password-1", "leak-test-password-2", "leak-test-password-3"
	secrets = append(secrets, pw1, pw2, pw3)
	// The client never repeats a sign-up or a verification whose attempt
	// may have arrived (onceOnly): the test repeats them, as a caller
	// would, until the server answered (a refusal of a repeat included).
	su, err := anon.Signup(ctx, SignupRequest{Email: "leak@example.com", Password: pw1, Name: "Leak"})
	record(su, err)
	for i := 0; i < 20 && MayHaveCommitted(err); i++ {
		su, err = anon.Signup(ctx, SignupRequest{Email: "leak@example.com", Password: pw1, Name: "Leak"})
		record(su, err)
	}
	code := e.lastMail(t, "leak@example.com", "verification")
	secrets = append(secrets, code)
	ver, err := anon.VerifyEmail(ctx, code)
	record(ver, err)
	for i := 0; i < 20 && MayHaveCommitted(err); i++ {
		ver, err = anon.VerifyEmail(ctx, code)
		record(ver, err)
	}
	if ver != nil {
		secrets = append(secrets, ver.AccessToken.Reveal(), ver.APIKey.Reveal())
	}
	// A wrong password, then a right one.
	li, err := anon.Login(ctx, LoginRequest{Email: "leak@example.com", Password: pw2, DeviceName: "x"})
	record(li, err)
	li, err = anon.Login(ctx, LoginRequest{Email: "leak@example.com", Password: pw1, DeviceName: "x", Scopes: []string{"*"}})
	record(li, err)
	if li != nil {
		secrets = append(secrets, li.AccessToken.Reveal(), li.APIKey.Reveal())
	}
	record(nil, anon.ForgotPassword(ctx, "leak@example.com"))
	reset := e.lastMail(t, "leak@example.com", "password_reset")
	secrets = append(secrets, reset)
	record(nil, anon.ResetPassword(ctx, ResetPasswordRequest{Email: "leak@example.com", Token: Secret(reset), Password: pw3}))
	record(nil, anon.ResetPassword(ctx, ResetPasswordRequest{Email: "leak@example.com", Token: "wrong-reset-token", Password: pw3}))
	secrets = append(secrets, "wrong-reset-token")

	// The demo account: every read, and mutations that succeed and fail.
	for range 3 {
		k, err := c.CreateAPIKey(ctx, APIKeyCreate{Name: fmt.Sprintf("leak-%d", len(out))})
		record(k, err)
		if k != nil {
			secrets = append(secrets, k.Key.Reveal())
		}
	}
	_, err = c.CreateAPIKey(ctx, APIKeyCreate{Name: ""})
	record(nil, err)
	st, err := c.Fetch(ctx, FetchOptions{APIKeys: true, Team: true, Tokens: true})
	record(st, err)
	record(nil, c.UpdatePassword(ctx, "wrong-current-password", pw2))
	secrets = append(secrets, "wrong-current-password")
	rt, err := c.Refresh(ctx, RefreshRequest{})
	record(rt, err)
	if rt != nil {
		secrets = append(secrets, rt.AccessToken.Reveal())
		c = c.WithToken(rt.AccessToken)
	}
	sw, err := c.SwitchAccount(ctx, "nobody-team", nil)
	record(sw, err)
	bad := e.client(t, "a-bad-token-value-xyz", opts)
	secrets = append(secrets, "a-bad-token-value-xyz")
	_, err = bad.Me(ctx)
	record(nil, err)
	record(nil, c.Logout(ctx))

	// Every key the emulator holds, in whole.
	for _, a := range []string{e.demo.Username} {
		snap, _ := e.srv.Snapshot(a)
		for _, k := range snap.APIKeys {
			secrets = append(secrets, k.Key)
		}
	}

	everything := log.String() + "\n" + strings.Join(out, "\n")
	if !strings.Contains(log.String(), "mlabctl: http") {
		t.Fatal("the debug log is empty; the test checked nothing")
	}
	checked := 0
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		checked++
		if strings.Contains(everything, s) {
			t.Errorf("a secret (%s) leaked into the output", Secret(s).Masked())
		}
	}
	if checked < 10 {
		t.Errorf("only %d secrets were checked; the scenario did not run", checked)
	}
}
