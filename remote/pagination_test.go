package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pager serves GET /api-keys from items 1..total in pages of size (ignoring
// the client's per_page, as a server may), and lets a test bend the meta.
type pager struct {
	total, size int
	// lie rewrites the meta of a page before it is sent.
	lie func(page int, meta map[string]any)
	// items rewrites the items of a page before they are sent.
	items func(page int, items []map[string]any) []map[string]any
	// inFlight and maxInFlight measure concurrency.
	inFlight, maxInFlight atomic.Int64
	n                     atomic.Int64
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.n.Add(1)
	cur := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for {
		m := p.maxInFlight.Load()
		if cur <= m || p.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 {
		page = 1
	}
	last := max(1, (p.total+p.size-1)/p.size)
	items := []map[string]any{}
	for i := (page-1)*p.size + 1; i <= min(page*p.size, p.total); i++ {
		items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("key-%04d", i)})
	}
	if p.items != nil {
		items = p.items(page, items)
	}
	meta := map[string]any{"page": page, "per_page": p.size, "total": p.total, "last_page": last}
	if p.lie != nil {
		p.lie(page, meta)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": items, "error": nil, "meta": map[string]any{"request_id": "r", "pagination": meta}})
}

func servePager(t *testing.T, p *pager) *httptest.Server {
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	return ts
}

func keyNames(keys []APIKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

func wantNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("key-%04d", i+1)
	}
	return out
}

func TestPaginationAssemblesInOrder(t *testing.T) {
	tests := []struct {
		name        string
		total, size int
		wantPages   int64
		noLast      bool
	}{
		{name: "empty", total: 0, size: 50, wantPages: 1},
		{name: "one item", total: 1, size: 50, wantPages: 1},
		{name: "exactly one page", total: 50, size: 50, wantPages: 1},
		{name: "one past a page", total: 51, size: 50, wantPages: 2},
		{name: "101 items in pages of 100", total: 101, size: 100, wantPages: 2},
		{name: "250 items in pages of 7", total: 250, size: 7, wantPages: 36},
		{name: "odd sizes", total: 333, size: 13, wantPages: 26},
		{name: "no last_page: derived from total", total: 25, size: 10, wantPages: 3, noLast: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pager{total: tt.total, size: tt.size}
			if tt.noLast {
				p.lie = func(_ int, m map[string]any) { delete(m, "last_page") }
			}
			c := fastClient(t, servePager(t, p).URL, func(o *Options) { o.PageConcurrency = 3 })
			got, err := c.ListAPIKeys(context.Background())
			if err != nil {
				t.Fatalf("ListAPIKeys: %v", err)
			}
			if diff := cmp.Diff(wantNames(tt.total), keyNames(got)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if n := p.n.Load(); n != tt.wantPages {
				t.Errorf("requests = %d, want %d", n, tt.wantPages)
			}
			if m := p.maxInFlight.Load(); m > 3 {
				t.Errorf("max concurrent pages = %d, want at most PageConcurrency 3", m)
			}
		})
	}
}

func TestPaginationRefusesLies(t *testing.T) {
	tests := []struct {
		name    string
		p       *pager
		wantErr string
		maxReqs int64
	}{
		{
			name:    "absurd last_page",
			p:       &pager{total: 5, size: 2, lie: func(_ int, m map[string]any) { m["last_page"] = 1_000_000_000; m["total"] = 0 }},
			wantErr: "the server claims 1000000000 pages; refusing to read more than 10000",
			maxReqs: 1,
		},
		{
			name:    "last_page disagrees with total",
			p:       &pager{total: 5, size: 2, lie: func(_ int, m map[string]any) { m["last_page"] = 500 }},
			wantErr: "last_page 500, but 5 items at 2 per page fill 3 pages",
			maxReqs: 1,
		},
		{
			name: "list grows while read",
			p: &pager{total: 6, size: 2, lie: func(page int, m map[string]any) {
				if page == 3 {
					m["total"] = 7
					m["last_page"] = 4
				}
			}},
			wantErr: "the list changed while it was read (page 1 said 6 items on 3 pages, page 3 says 7 on 4); run the command again",
		},
		{
			name:    "total says more than the one page sent",
			p:       &pager{total: 5, size: 2, lie: func(_ int, m map[string]any) { m["last_page"] = 1 }},
			wantErr: "the server says the list has 5 items on one page, but sent 2",
			maxReqs: 1,
		},
		{
			name: "short pages",
			p: &pager{total: 6, size: 2, items: func(page int, items []map[string]any) []map[string]any {
				if page == 2 {
					return items[:1]
				}
				return items
			}},
			wantErr: "the server says the list has 6 items, but its 3 pages held 5",
		},
		{
			name:    "page parameter ignored",
			p:       &pager{total: 6, size: 2, lie: func(_ int, m map[string]any) { m["page"] = 1 }},
			wantErr: ", the server answered page 1",
		},
		{
			name: "duplicate ids across pages",
			p: &pager{total: 6, size: 2, items: func(page int, items []map[string]any) []map[string]any {
				if page == 2 {
					items[0]["id"] = 1
				}
				return items
			}},
			wantErr: `id "1" is on page 1 and page 2`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertListRefused(t, servePager(t, tt.p).URL, tt.wantErr, tt.maxReqs, &tt.p.n)
		})
	}
}

// assertListRefused lists the API keys of the server at url and requires
// an error naming the call and holding wantErr, after at most maxReqs
// requests (0: any number) as counted by n.
func assertListRefused(t *testing.T, url, wantErr string, maxReqs int64, n *atomic.Int64) {
	t.Helper()
	got, err := fastClient(t, url, nil).ListAPIKeys(context.Background())
	if err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Fatalf("ListAPIKeys = %d keys, error %v; want an error containing %q", len(got), err, wantErr)
	}
	if !strings.HasPrefix(err.Error(), "GET /api-keys") {
		t.Errorf("error %q does not name the call", err)
	}
	if maxReqs > 0 && n.Load() > maxReqs {
		t.Errorf("requests = %d, want at most %d", n.Load(), maxReqs)
	}
}

// TestPaginationPageFailure fails one page for good: the list fails with
// that page's error and the others are cancelled.
func TestPaginationPageFailure(t *testing.T) {
	p := &pager{total: 30, size: 2}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "4" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"no page 4"}}`))
			return
		}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	_, err := fastClient(t, ts.URL, nil).ListAPIKeys(context.Background())
	if !IsNotFound(err) {
		t.Fatalf("error = %v, want the 404 of page 4", err)
	}
	if want := "GET /api-keys?page=4&per_page=100: 404 not_found: no page 4"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}
