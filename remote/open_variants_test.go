package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
)

// TestOpenVariantsTable is the checklist of API.md's last table ("What the
// public documentation leaves open"): one subtest per row, named after it,
// each failing when the client does not handle that row's variants. Other
// tests go deeper into some rows (pagination_shapes_test.go,
// ratelimit_test.go, member_status_test.go); the matrix tests run the
// whole client suite against each emulator variant.
func TestOpenVariantsTable(t *testing.T) {
	ctx := context.Background()

	t.Run("Envelope", func(t *testing.T) {
		// Laravel bodies on 401, 422 and 429, an error as a string, no
		// meta.
		_, ts := serveCanned(t,
			answer{status: 401, body: `{"message":"Unauthenticated."}`},
		)
		if _, err := fastClient(t, ts.URL, nil).Me(ctx); !IsUnauthenticated(err) || !strings.Contains(err.Error(), "Unauthenticated.") {
			t.Errorf("401: %v", err)
		}
		_, ts = serveCanned(t, answer{status: 422, body: `{"message":"The name field is required.","errors":{"name":["The name field is required."],"notes":["too long"]}}`})
		_, err := fastClient(t, ts.URL, nil).CreateAPIKey(ctx, APIKeyCreate{})
		if !IsValidation(err) {
			t.Fatalf("422: %v", err)
		}
		if diff := cmp.Diff(map[string][]string{"name": {"The name field is required."}, "notes": {"too long"}}, err.(*APIError).FieldErrors()); diff != "" {
			t.Errorf("422 field errors (-want +got):\n%s", diff)
		}
		h, ts := serveCanned(t,
			answer{status: 429, body: `{"message":"Too Many Attempts."}`, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}},
			answer{body: `{"data":{"id":1,"name":"A"}}`},
		)
		if p, err := fastClient(t, ts.URL, func(o *Options) { o.MaxAttempts = 1 }).Me(ctx); err != nil || p.Name != "A" || h.n.Load() != 2 {
			t.Errorf("429 then success without meta: %v, %+v, %d requests", err, p, h.n.Load())
		}
		_, ts = serveCanned(t, answer{status: 404, body: `{"data":null,"error":"No query results for model [ApiKey] 9","meta":{}}`})
		if _, err := fastClient(t, ts.URL, nil).GetAPIKey(ctx, "9"); !IsNotFound(err) || !strings.Contains(err.Error(), "No query results") {
			t.Errorf("error as a string: %v", err)
		}
	})

	t.Run("Idempotency-Key", func(t *testing.T) {
		// A replay flagged by the header, or by idempotency_replay in the
		// body (top level, meta or data).
		for _, tc := range []answer{
			{status: 201, header: map[string]string{"Idempotent-Replayed": "true"}, body: `{"data":{"id":1,"name":"k","key":"ml-whole-secret-1234"}}`},
			{status: 201, body: `{"data":{"id":1,"name":"k","key":"ml-whole-secret-1234"},"idempotency_replay":true}`},
			{status: 201, body: `{"data":{"id":1,"name":"k","key":"ml-whole-secret-1234"},"meta":{"idempotency_replay":true}}`},
			{status: 201, body: `{"data":{"id":1,"name":"k","key":"ml-whole-secret-1234","idempotency_replay":true}}`},
		} {
			_, ts := serveCanned(t, tc)
			info := &ResponseInfo{}
			if _, err := fastClient(t, ts.URL, nil).CreateAPIKey(WithResponseInfo(ctx, info), APIKeyCreate{Name: "k"}); err != nil || !info.Replayed {
				t.Errorf("%s %v: replayed %v, error %v", tc.body, tc.header, info.Replayed, err)
			}
		}
		_, ts := serveCanned(t, answer{status: 201, body: `{"data":{"id":1,"name":"k","key":"ml-whole-secret-1234"},"idempotency_replay":false}`})
		info := &ResponseInfo{}
		if _, err := fastClient(t, ts.URL, nil).CreateAPIKey(WithResponseInfo(ctx, info), APIKeyCreate{Name: "k"}); err != nil || info.Replayed {
			t.Errorf("idempotency_replay false: replayed %v, error %v", info.Replayed, err)
		}
	})

	t.Run("Rate limits", func(t *testing.T) {
		// 120 a minute with only Remaining and Reset: paced, no 429,
		// every call made, the wait reported.
		clk := newSimClock(t0)
		srv := emulator.New()
		srv.Now = clk.Now
		demo := srv.SeedDemo()
		srv.WindowLimit, srv.OmitRetryAfter, srv.OmitRateLimitLimit = 120, true, true
		ts := httptest.NewServer(srv)
		defer ts.Close()
		var waits []string
		c := fastClient(t, ts.URL, func(o *Options) {
			o.Token, o.Clock, o.MaxWait = Secret(demo.Token), clk, 15*time.Minute
			o.OnRateLimitWait = func(w RateLimitWait) { waits = append(waits, w.String()) }
		})
		meCalls(t, c, clk, 250)
		n429 := 0
		for _, r := range srv.Requests() {
			if r.Status == http.StatusTooManyRequests {
				n429++
			}
		}
		if n429 != 0 || len(srv.Requests()) != 250 {
			t.Errorf("%d requests, %d of them 429; want 250 and none", len(srv.Requests()), n429)
		}
		want := []string{"rate limited by the API: waiting 1m0s for the window to reset", "rate limited by the API: waiting 1m0s for the window to reset"}
		if diff := cmp.Diff(want, waits); diff != "" {
			t.Errorf("reported waits (-want +got):\n%s", diff)
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		for _, shape := range []string{"", "laravel", "links", "items", "none"} {
			e := startEmuWith(t, emulator.Variants{Pagination: shape})
			e.srv.DefaultPageSize = 3
			seedMany(e, 20, 0)
			keys, err := e.c.ListAPIKeys(ctx)
			if err != nil || len(keys) != 24 {
				t.Errorf("pagination %q: %d keys, error %v; want 24", shape, len(keys), err)
			}
		}
		// A shape mlabctl does not follow is an error, not page 1.
		_, ts := serveCanned(t, answer{body: `{"data":[{"id":1,"name":"a"}],"meta":{"next_cursor":"abc","per_page":1}}`})
		if _, err := fastClient(t, ts.URL, nil).ListAPIKeys(ctx); err == nil || !strings.Contains(err.Error(), "by cursor") {
			t.Errorf("cursor: %v", err)
		}
	})

	t.Run("Team member status", func(t *testing.T) {
		_, ts := serveCanned(t, answer{body: `{"data":[
			{"id":1,"email":"a@x.example","role":"admin","status":"active"},
			{"id":2,"email":"b@x.example","role":"admin","status":"accepted"},
			{"id":3,"email":"c@x.example","role":"admin","invite_status":"pending","invite_id":"u"},
			{"id":4,"email":"d@x.example","role":"admin","invite_status":"accepted"},
			{"id":5,"email":"e@x.example","role":"admin","status":"suspended"}]}`})
		team, err := fastClient(t, ts.URL, nil).ListTeam(ctx)
		if err != nil {
			t.Fatalf("ListTeam: %v", err)
		}
		var got []string
		for _, m := range team {
			got = append(got, m.Email+" "+m.Status)
		}
		want := []string{"a@x.example active", "b@x.example active", "c@x.example pending", "d@x.example active", "e@x.example unknown"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})

	t.Run("Roles, permissions", func(t *testing.T) {
		_, ts := serveCanned(t, answer{body: `{"data":[
			{"id":1,"email":"a@x.example","role":"owner","status":"active","permissions":["api-keys","billing"]},
			{"id":2,"email":"b@x.example","role":{"id":3,"name":"billing-manager"},"status":"active","permissions":"api-keys, billing"},
			{"id":3,"email":"c@x.example","role":"member","status":"active","permissions":{"billing":true,"api-keys":true,"teams":false}},
			{"id":4,"email":"d@x.example","role":"viewer","status":"active","permissions":[{"name":"api-keys"}]},
			{"id":5,"email":"e@x.example","role":"viewer","status":"active","permissions":null}]}`})
		team, err := fastClient(t, ts.URL, nil).ListTeam(ctx)
		if err != nil {
			t.Fatalf("ListTeam: %v", err)
		}
		var got []string
		for _, m := range team {
			got = append(got, fmt.Sprintf("%s %q", m.Role, m.Permissions))
		}
		want := []string{`owner ["api-keys" "billing"]`, `billing-manager ["api-keys" "billing"]`, `member ["api-keys" "billing"]`, `viewer ["api-keys"]`, `viewer []`}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("roles and permissions (-want +got):\n%s", diff)
		}
		if KnownRole("owner") || !KnownRole("viewer") {
			t.Errorf("KnownRole is wrong")
		}
	})

	t.Run("Access tokens", func(t *testing.T) {
		body := `{"data":[{"id":5,"name":"ci","abilities":["api-keys:read"]},{"id":6,"name":"laptop","abilities":["*"],"last_used_at":"2026-01-02 03:04:05"}]}`
		_, ts := serveCanned(t, answer{body: body})
		// Without a proof, no token is current: nothing may be revoked.
		toks, err := fastClient(t, ts.URL, nil).ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if CurrentTokenKnown(toks) || toks[0].CurrentKnown || !cmp.Equal(toks[0].Scopes, []string{"api-keys:read"}) {
			t.Errorf("without current: %+v", toks)
		}
		// A Sanctum token names its id: that token is current, the
		// others known not to be.
		toks, err = fastClient(t, ts.URL, func(o *Options) { o.Token = "6|abcdefghijklmnopqrstuvwxyz0123456789ABCD" }).ListTokens(ctx)
		if err != nil {
			t.Fatalf("ListTokens: %v", err)
		}
		if !CurrentTokenKnown(toks) || toks[0].Current || !toks[0].CurrentKnown || !toks[1].Current {
			t.Errorf("with a Sanctum token: %+v", toks)
		}
		for _, tc := range []struct {
			tok  Secret
			id   ID
			isID bool
		}{{"6|abc", "6", true}, {"12345|x|y", "12345", true}, {"mlt_6|abc", "", false}, {"|abc", "", false}, {"6|", "", false}, {"abc", "", false}} {
			if id, ok := SanctumTokenID(tc.tok); id != tc.id || ok != tc.isID {
				t.Errorf("SanctumTokenID(%q) = %q, %v; want %q, %v", tc.tok.Reveal(), id, ok, tc.id, tc.isID)
			}
		}
	})

	t.Run("Socials", func(t *testing.T) {
		e := startEmuWith(t, emulator.Variants{Socials: "documented"})
		str := func(s string) *string { return &s }
		p, err := e.c.UpdateSocials(ctx, SocialsUpdate{Facebook: str("acme"), Instagram: str("acme.ig"), Website: str("https://acme.example")})
		if err != nil {
			t.Fatalf("UpdateSocials: %v", err)
		}
		want := Socials{Facebook: "acme", GitHub: "acme-old", Instagram: "acme.ig", Unreported: []string{"website"}}
		if diff := cmp.Diff(want, p.Socials); diff != "" {
			t.Errorf("socials (-want +got):\n%s", diff)
		}
		if p.Socials.Reported("website") || !p.Socials.Reported("facebook") || p.Socials.Get("instagram") != "acme.ig" {
			t.Errorf("Reported/Get disagree with %+v", p.Socials)
		}
	})

	t.Run("Token expiry", func(t *testing.T) {
		for v, want := range map[string]bool{"1_week": false, "1_month": false, "3_months": false, "never": false, "6_months": true, "1_year": true, "": false} {
			if undoc, err := CheckTokenExpiry(v); err != nil || undoc != want {
				t.Errorf("CheckTokenExpiry(%q) = %v, %v; want %v", v, undoc, err, want)
			}
		}
		if _, err := CheckTokenExpiry("2_weeks"); err == nil || !strings.Contains(err.Error(), "1_week, 1_month, 3_months, 6_months, 1_year, never") {
			t.Errorf("unknown expiry: %v", err)
		}
		rc, ts := serveRecorder(t, answer{body: `{"data":{"access_token":"7|x","account":{"id":2,"username":"team"},"expires_at":"2026-12-01 00:00:00"}}`})
		sw, err := fastClient(t, ts.URL, nil).SwitchAccountWith(ctx, SwitchAccountRequest{AccountUsername: "team", DeviceName: "mlabctl ci", TokenExpiry: ShortestTokenExpiry})
		if err != nil {
			t.Fatalf("SwitchAccountWith: %v", err)
		}
		if diff := cmp.Diff(map[string]any{"account_username": "team", "device_name": "mlabctl ci", "token_expiry": "1_week"}, rc.requests()[0].Body); diff != "" {
			t.Errorf("switch-account body (-want +got):\n%s", diff)
		}
		if sw.ExpiresAt == nil || !sw.ExpiresAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("expires_at %v", sw.ExpiresAt)
		}
	})

	t.Run("Update answers", func(t *testing.T) {
		for _, answers := range []string{"null", "message"} {
			e := startEmuWith(t, emulator.Variants{UpdateAnswers: answers})
			notes := "new notes"
			k, err := e.c.UpdateAPIKey(ctx, "101", APIKeyUpdate{Notes: &notes})
			if err != nil || k.Notes != notes || k.ID != "101" {
				t.Errorf("%s: UpdateAPIKey = %+v, %v; want the key read again", answers, k, err)
			}
			role := "admin"
			m, err := e.c.UpdateMember(ctx, "2", MemberUpdate{Role: &role})
			if err != nil || m.Role != "admin" {
				t.Errorf("%s: UpdateMember = %+v, %v", answers, m, err)
			}
			name := "Renamed"
			p, err := e.c.UpdateProfile(ctx, ProfileUpdate{Name: &name})
			if err != nil || p.Name != name {
				t.Errorf("%s: UpdateProfile = %+v, %v", answers, p, err)
			}
		}
	})

	t.Run("Timestamps", func(t *testing.T) {
		_, ts := serveCanned(t, answer{body: `{"data":[{"id":1,"name":"a","created_at":"2026-01-02 03:04:05","last_used_at":"2026-01-03T04:05:06.123456Z"},{"id":2,"name":"b","created_at":"2026-01-02T03:04:05+02:00","last_used_at":null}]}`})
		keys, err := fastClient(t, ts.URL, nil).ListAPIKeys(ctx)
		if err != nil {
			t.Fatalf("ListAPIKeys: %v", err)
		}
		if !keys[0].CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || keys[0].LastUsedAt == nil ||
			!keys[1].CreatedAt.Equal(time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)) || keys[1].LastUsedAt != nil {
			t.Errorf("timestamps: %+v", keys)
		}
		_, ts = serveCanned(t, answer{body: `{"data":[{"id":1,"name":"a","created_at":"yesterday"}]}`})
		if _, err := fastClient(t, ts.URL, nil).ListAPIKeys(ctx); err == nil || !strings.Contains(err.Error(), `"created_at"`) {
			t.Errorf("a timestamp that is none: %v", err)
		}
	})

	t.Run("Keys in lists", func(t *testing.T) {
		const whole = "ml-0123456789abcdef0123456789abcdef"
		_, ts := serveCanned(t, answer{body: `{"data":[{"id":1,"name":"a","key":"` + whole + `"}]}`})
		keys, err := fastClient(t, ts.URL, nil).ListAPIKeys(ctx)
		if err != nil {
			t.Fatalf("ListAPIKeys: %v", err)
		}
		js, _ := json.Marshal(keys)
		for _, text := range []string{fmt.Sprint(keys), fmt.Sprintf("%+v %#v", keys, keys), string(js)} {
			if strings.Contains(text, whole) || strings.Contains(text, whole[3:20]) {
				t.Errorf("a whole listed key leaks: %s", text)
			}
		}
		if keys[0].Key.Masked() != "ml-…cdef" {
			t.Errorf("Masked = %q", keys[0].Key.Masked())
		}
	})

	t.Run("Scope names", func(t *testing.T) {
		e := startEmu(t)
		anon := e.client(t, "", nil)
		offered, err := anon.CheckScopes(ctx, []string{"api-keys:read", "*"})
		if !offered || err != nil {
			t.Errorf("known scopes: %v, %v", offered, err)
		}
		offered, err = anon.CheckScopes(ctx, []string{"api-keys:read", "keys:read", "teams:admin"})
		var us *UnknownScopesError
		if !offered || !errors.As(err, &us) || !cmp.Equal(us.Unknown, []string{"keys:read", "teams:admin"}) {
			t.Fatalf("unknown scopes: %v, %v", offered, err)
		}
		if !strings.HasPrefix(err.Error(), `the API does not know the scopes "keys:read", "teams:admin" (GET /auth/scopes lists profile:read, `) {
			t.Errorf("error text %q", err)
		}
		// A server without the endpoint: nothing checked, no error.
		_, ts := serveCanned(t, answer{status: 404, body: `{"message":"Not Found"}`})
		if offered, err := fastClient(t, ts.URL, nil).CheckScopes(ctx, []string{"x"}); offered || err != nil {
			t.Errorf("no endpoint: %v, %v", offered, err)
		}
		// Other shapes of the list.
		for _, body := range []string{`{"data":["models:read","usage:read"]}`, `{"data":{"models:read":"List models","usage:read":"Read usage"}}`, `[{"name":"models:read"},{"name":"usage:read"}]`} {
			_, ts := serveCanned(t, answer{body: body})
			if offered, err := fastClient(t, ts.URL, nil).CheckScopes(ctx, []string{"usage:read", "models:read"}); !offered || err != nil {
				t.Errorf("%s: %v, %v", body, offered, err)
			}
		}
	})
}
