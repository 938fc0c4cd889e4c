package emulator

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bigAccount returns a server whose demo account has keys API keys and
// members team members.
func bigAccount(b *testing.B, keys, members int) (*Server, Demo) {
	b.Helper()
	s := New()
	demo := s.SeedDemo()
	for i := 0; i < keys; i++ {
		s.AddAPIKey(demo.Username, Key{Name: fmt.Sprintf("key-%05d", i), Notes: "bulk"})
	}
	for i := 0; i < members; i++ {
		s.AddMember(demo.Username, Member{Email: fmt.Sprintf("m%05d@example.com", i), Role: "member", Status: "active"})
	}
	return s, demo
}

// BenchmarkList lists 10,000 API keys by pages of 100 (one op = the whole
// list, 101 pages), in process and over loopback HTTP.
func BenchmarkList(b *testing.B) {
	s, demo := bigAccount(b, 10_000, 0)
	pages := 10_000/100 + 1 // the demo's own 4 keys make a 101st page
	b.Run("handler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for p := 1; p <= pages; p++ {
				w := serveDirect(s, "GET", fmt.Sprintf("%s/api-keys?page=%d&per_page=100", Prefix, p), demo.Token, "")
				if w.Code != http.StatusOK {
					b.Fatalf("page %d: status %d", p, w.Code)
				}
			}
		}
		b.ReportMetric(float64(pages), "pages/op")
	})
	b.Run("http", func(b *testing.B) {
		ts := httptest.NewServer(s)
		defer ts.Close()
		b.ReportAllocs()
		for b.Loop() {
			for p := 1; p <= pages; p++ {
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s/api-keys?page=%d&per_page=100", ts.URL, Prefix, p), nil)
				req.Header.Set("Authorization", "Bearer "+demo.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	})
}

// BenchmarkListTeam lists 2,000 team members by pages of 100.
func BenchmarkListTeam(b *testing.B) {
	s, demo := bigAccount(b, 0, 2_000)
	b.ReportAllocs()
	for b.Loop() {
		for p := 1; p <= 21; p++ {
			if w := serveDirect(s, "GET", fmt.Sprintf("%s/teams?page=%d&per_page=100", Prefix, p), demo.Token, ""); w.Code != http.StatusOK {
				b.Fatalf("page %d: status %d", p, w.Code)
			}
		}
	}
}

// BenchmarkPageCostIsFlat reads one page at the start and at the end of a
// 10,000-key list: the two should cost the same (a page is a slice).
func BenchmarkPageCostIsFlat(b *testing.B) {
	s, demo := bigAccount(b, 10_000, 0)
	for _, page := range []int{1, 100} {
		b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
			target := fmt.Sprintf("%s/api-keys?page=%d&per_page=100", Prefix, page)
			for b.Loop() {
				serveDirect(s, "GET", target, demo.Token, "")
			}
		})
	}
}

// BenchmarkCreate creates keys with idempotency keys.
func BenchmarkCreate(b *testing.B) {
	s, demo := bigAccount(b, 0, 0)
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest("POST", Prefix+"/api-keys", strings.NewReader(`{"name":"bench"}`))
		req.Header.Set("Authorization", "Bearer "+demo.Token)
		req.Header.Set("Idempotency-Key", fmt.Sprint("bench-", i))
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}
