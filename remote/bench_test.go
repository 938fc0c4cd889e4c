package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
)

// BenchmarkFetch reads an account with 10,000 API keys and 2,000 team
// members from the emulator at 20 ms latency per request, at several page
// concurrencies. It reports the requests one Fetch makes and the
// sequential lower bound (requests × latency): what reading the same pages
// one after the other would cost at the least.
//
//	go test ./remote -run '^$' -bench BenchmarkFetch -benchtime 5x
func BenchmarkFetch(b *testing.B) {
	const latency = 20 * time.Millisecond
	srv := emulator.New()
	demo := srv.SeedDemo()
	for i := range 10_000 - 4 { // the demo account has 4 keys
		srv.AddAPIKey(demo.Username, emulator.Key{Name: fmt.Sprintf("bench-%05d", i)})
	}
	for i := range 2_000 - 4 { // and 4 members
		srv.AddMember(demo.Username, emulator.Member{Email: fmt.Sprintf("m%05d@example.com", i), Status: "active"})
	}
	srv.Latency = latency
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)

	for _, conc := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			c, err := New(Options{BaseURL: ts.URL, Token: Secret(demo.Token), PageConcurrency: conc})
			if err != nil {
				b.Fatal(err)
			}
			srv.ResetRequests()
			b.ResetTimer()
			for b.Loop() {
				st, err := c.Fetch(context.Background(), FetchOptions{APIKeys: true, Team: true})
				if err != nil {
					b.Fatal(err)
				}
				if len(st.APIKeys) != 10_000 || len(st.Team) != 2_000 {
					b.Fatalf("fetched %d keys and %d members, want 10000 and 2000", len(st.APIKeys), len(st.Team))
				}
			}
			b.StopTimer()
			reqs := float64(len(srv.Requests())) / float64(b.N)
			b.ReportMetric(reqs, "requests/op")
			b.ReportMetric(reqs*float64(latency)/float64(time.Millisecond), "seq-bound-ms/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "wall-ms/op")
		})
	}
}

// BenchmarkDecode measures decoding one full list page (100 API keys in the
// envelope) and one /me body into typed values, as the client does after
// every response.
//
//	go test ./remote -run '^$' -bench BenchmarkDecode
func BenchmarkDecode(b *testing.B) {
	keys := make([]map[string]any, 100)
	for i := range keys {
		keys[i] = map[string]any{
			"id": 1000 + i, "name": fmt.Sprintf("key-%03d", i), "notes": "Used by the production backend of team " + fmt.Sprint(i),
			"key": "ml-…9f2c", "created_at": "2026-01-02T03:04:05Z", "last_used_at": nil,
		}
	}
	page, _ := json.Marshal(map[string]any{
		"data": keys, "error": nil,
		"meta": map[string]any{"request_id": "req_000001", "pagination": map[string]any{"page": 1, "per_page": 100, "total": 10000, "last_page": 100}},
	})
	me := []byte(`{"data":{"id":1,"name":"Acme Bot","username":"acme-bot","email":"bot@acme.example","about_me":"Automation account.","verified":true,"wallet_balance":12.5,"socials":{"github":"acme","twitter":"","discord":"","website":"https://acme.example"},"preferences":{"nsfw_content":false,"wallet_notification_enabled":true,"wallet_notification_threshold":10}},"error":null,"meta":{"request_id":"req_000002"}}`)
	h := http.Header{}
	now := time.Now()

	b.Run("list-page-100-keys", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			env, err := decodeEnvelope(200, h, page, now)
			if err != nil {
				b.Fatal(err)
			}
			var out []APIKey
			if err := json.Unmarshal(env.Data, &out); err != nil || len(out) != 100 {
				b.Fatalf("%d keys, %v", len(out), err)
			}
		}
	})
	b.Run("profile", func(b *testing.B) {
		b.SetBytes(int64(len(me)))
		b.ReportAllocs()
		for b.Loop() {
			env, err := decodeEnvelope(200, h, me, now)
			if err != nil {
				b.Fatal(err)
			}
			var p Profile
			if err := json.Unmarshal(env.Data, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
