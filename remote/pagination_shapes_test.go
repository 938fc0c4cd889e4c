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

// shaper serves GET /api-keys from items 1..total in pages of size, in one
// of the pagination shapes API.md's last section lists, and lets a test
// bend the answer.
type shaper struct {
	shape       string
	total, size int
	// ignorePage serves page 1 whatever page is asked for.
	ignorePage bool
	// bend rewrites the whole answer of a page before it is sent.
	bend func(page int, body map[string]any)
	n    atomic.Int64
}

func (s *shaper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.n.Add(1)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page < 1 || s.ignorePage {
		page = 1
	}
	size := s.size
	if s.shape == "none" {
		size = max(1, s.total)
	}
	last := max(1, (s.total+size-1)/size)
	items := []map[string]any{}
	for i := (page-1)*size + 1; i <= min(page*size, s.total); i++ {
		items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("key-%04d", i)})
	}
	var next any
	if page < last {
		next = fmt.Sprintf("http://%s/api/agents/v1/api-keys?page=%d", r.Host, page+1)
	}
	var body map[string]any
	switch s.shape {
	case "meta.pagination":
		body = map[string]any{"data": items, "meta": map[string]any{"pagination": map[string]any{"page": page, "per_page": size, "total": s.total, "last_page": last}}}
	case "laravel":
		body = map[string]any{"data": items,
			"links": map[string]any{"first": "x?page=1", "last": fmt.Sprintf("x?page=%d", last), "prev": nil, "next": next},
			"meta":  map[string]any{"current_page": page, "from": 1, "last_page": last, "links": []any{map[string]any{"url": nil, "label": "&laquo;"}}, "path": "x", "per_page": size, "to": 2, "total": s.total}}
	case "laravel-meta-only":
		body = map[string]any{"data": items, "meta": map[string]any{"current_page": page, "last_page": last, "per_page": size, "total": s.total}}
	case "links.next":
		body = map[string]any{"data": items, "links": map[string]any{"next": next}}
	case "items":
		body = map[string]any{"data": map[string]any{"items": items, "pagination": map[string]any{"page": page, "per_page": size, "total": s.total, "last_page": last}}, "meta": map[string]any{"request_id": "r"}}
	case "paginator":
		body = map[string]any{"current_page": page, "data": items, "last_page": last, "per_page": size, "total": s.total, "next_page_url": next}
	case "data-paginator":
		body = map[string]any{"data": map[string]any{"current_page": page, "data": items, "per_page": size, "next_page_url": next}}
	case "has_more":
		body = map[string]any{"data": items, "meta": map[string]any{"has_more": page < last}}
	case "link-header":
		if next != nil {
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <x?page=1>; rel="first"`, next))
		}
		body = map[string]any{"data": items}
	case "none":
		body = map[string]any{"data": items, "meta": map[string]any{"request_id": "r"}}
	default:
		panic("unknown shape " + s.shape)
	}
	if s.bend != nil {
		s.bend(page, body)
	}
	_ = json.NewEncoder(w).Encode(body)
}

func serveShape(t *testing.T, s *shaper) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// TestPaginationShapes is the "Pagination" row of API.md's last table:
// every shape is read whole, in order, with the fewest requests it allows.
func TestPaginationShapes(t *testing.T) {
	shapes := []string{"meta.pagination", "laravel", "laravel-meta-only", "links.next", "items", "paginator", "data-paginator", "has_more", "link-header", "none"}
	sizes := []struct{ total, size int }{{0, 5}, {1, 5}, {5, 5}, {6, 5}, {23, 5}, {250, 100}}
	for _, shape := range shapes {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%d_in_pages_of_%d", shape, sz.total, sz.size), func(t *testing.T) {
				s := &shaper{shape: shape, total: sz.total, size: sz.size}
				got, err := fastClient(t, serveShape(t, s).URL, nil).ListAPIKeys(context.Background())
				if err != nil {
					t.Fatalf("ListAPIKeys: %v", err)
				}
				if diff := cmp.Diff(wantNames(sz.total), keyNames(got)); diff != "" {
					t.Errorf("names (-want +got):\n%s", diff)
				}
				pages := max(1, (sz.total+sz.size-1)/sz.size)
				want := int64(pages)
				if shape == "none" {
					want = 1 // the whole list, whatever page is asked
				}
				if n := s.n.Load(); n != want {
					t.Errorf("requests = %d, want %d", n, want)
				}
			})
		}
	}
}

// TestPaginationRefusesWhatItCannotFollow: an answer that hints at more
// pages in a shape mlabctl does not understand, or whose numbers do not add
// up, is an error naming what was seen, after few requests; never a list
// taken as complete, never a loop, never a panic.
func TestPaginationRefusesWhatItCannotFollow(t *testing.T) {
	tests := []struct {
		name    string
		s       *shaper
		wantErr string
		maxReqs int64
	}{
		{
			name:    "a cursor in meta",
			s:       &shaper{shape: "none", total: 3, bend: func(_ int, b map[string]any) { b["meta"] = map[string]any{"next_cursor": "eyJpZCI6M30"} }},
			wantErr: `meta.next_cursor is "eyJpZCI6M30": the server pages this list by cursor, which mlabctl does not follow`,
			maxReqs: 1,
		},
		{
			name: "links.next with a cursor",
			s: &shaper{shape: "links.next", total: 6, size: 2, bend: func(_ int, b map[string]any) {
				b["links"] = map[string]any{"next": "https://modelslab.com/api/agents/v1/api-keys?cursor=abc"}
			}},
			wantErr: `links.next is "https://modelslab.com/api/agents/v1/api-keys?cursor=abc": it pages by cursor, which mlabctl does not follow`,
			maxReqs: 1,
		},
		{
			name: "links.next to another path",
			s: &shaper{shape: "links.next", total: 6, size: 2, bend: func(_ int, b map[string]any) {
				b["links"] = map[string]any{"next": "https://modelslab.com/api/agents/v1/teams?page=2"}
			}},
			wantErr: "it points to another path than /api-keys",
			maxReqs: 1,
		},
		{
			name:    "a server that ignores page behind links.next",
			s:       &shaper{shape: "links.next", total: 6, size: 2, ignorePage: true, bend: func(_ int, b map[string]any) { b["links"] = map[string]any{"next": "?page=2"} }},
			wantErr: `id "1" is on page 1 and page 2: the list changed while it was read, or the server ignores ?page`,
			maxReqs: 2,
		},
		{
			name:    "a server that ignores page behind has_more",
			s:       &shaper{shape: "has_more", total: 6, size: 2, ignorePage: true},
			wantErr: "or the server ignores ?page",
			maxReqs: 2,
		},
		{
			name:    "a server that ignores page behind meta.pagination",
			s:       &shaper{shape: "meta.pagination", total: 6, size: 2, ignorePage: true},
			wantErr: ", the server answered page 1",
			maxReqs: 3,
		},
		{
			name:    "negative total",
			s:       &shaper{shape: "meta.pagination", total: 3, size: 5, bend: func(_ int, b map[string]any) { b["meta"].(map[string]any)["pagination"].(map[string]any)["total"] = -5 }},
			wantErr: "meta.pagination.total is -5, not a count of 0 or more",
			maxReqs: 1,
		},
		{
			name:    "negative Laravel last_page",
			s:       &shaper{shape: "laravel", total: 3, size: 5, bend: func(_ int, b map[string]any) { b["meta"].(map[string]any)["last_page"] = -1 }},
			wantErr: "meta.last_page is -1, not a count of 0 or more",
			maxReqs: 1,
		},
		{
			name: "last_page 10000 with total 0",
			s: &shaper{shape: "meta.pagination", total: 0, size: 5, bend: func(_ int, b map[string]any) {
				b["meta"].(map[string]any)["pagination"].(map[string]any)["last_page"] = 10000
			}},
			wantErr: "last_page 10000, but 0 items at 5 per page fill 1 pages",
			maxReqs: 1,
		},
		{
			name: "last_page beyond total without per_page",
			s: &shaper{shape: "laravel-meta-only", total: 3, size: 5, bend: func(_ int, b map[string]any) {
				m := b["meta"].(map[string]any)
				m["last_page"] = 9
				delete(m, "per_page")
			}},
			wantErr: "last_page 9, but 3 items cannot fill more than 3 pages",
			maxReqs: 1,
		},
		{
			name:    "a total past the cap",
			s:       &shaper{shape: "laravel-meta-only", total: 3, size: 5, bend: func(_ int, b map[string]any) { b["meta"].(map[string]any)["total"] = 5_000_000 }},
			wantErr: "the server claims 5000000 items; refusing to read more than 100000",
			maxReqs: 1,
		},
		{
			name: "pages past the item cap",
			s: &shaper{shape: "meta.pagination", total: 3, size: 5, bend: func(_ int, b map[string]any) {
				p := b["meta"].(map[string]any)["pagination"].(map[string]any)
				delete(p, "total")
				p["last_page"] = 9000
				p["per_page"] = 100
			}},
			wantErr: "the server claims 9000 pages of 100 items; refusing to read more than 100000 items",
			maxReqs: 1,
		},
		{
			name: "more items than per_page",
			s: &shaper{shape: "meta.pagination", total: 4, size: 5, bend: func(_ int, b map[string]any) {
				b["meta"].(map[string]any)["pagination"].(map[string]any)["per_page"] = 2
			}},
			wantErr: "page 1 holds 4 items, more than its per_page 2",
			maxReqs: 1,
		},
		{
			name: "an empty page in the middle",
			s: &shaper{shape: "meta.pagination", total: 6, size: 2, bend: func(page int, b map[string]any) {
				if page == 2 {
					b["data"] = []any{}
				}
			}},
			wantErr: "page 2 of 3 is empty",
		},
		{
			name: "pagination that contradicts itself",
			s: &shaper{shape: "laravel", total: 6, size: 2, bend: func(_ int, b map[string]any) {
				b["meta"].(map[string]any)["last_page"] = 1
				b["meta"].(map[string]any)["total"] = 2
			}},
			wantErr: "last_page is 1, but meta and links.next says there is a next page",
			maxReqs: 1,
		},
		{
			name:    "data that is an object without a list",
			s:       &shaper{shape: "none", total: 2, bend: func(_ int, b map[string]any) { b["data"] = map[string]any{"keys": b["data"], "count": 2} }},
			wantErr: `the answer's data is an object (members "count", "keys"), not a list`,
			maxReqs: 1,
		},
		{
			name:    "a next page that skips pages",
			s:       &shaper{shape: "links.next", total: 6, size: 2, bend: func(_ int, b map[string]any) { b["links"] = map[string]any{"next": "?page=3"} }},
			wantErr: "page 1 says the next page is 3, not 2",
			maxReqs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertListRefused(t, serveShape(t, tt.s).URL, tt.wantErr, tt.maxReqs, &tt.s.n)
		})
	}
}

// TestListRefusesUnsafeItems: ids twice in a list (one page or two) and ids
// that cannot be put in a URL path are errors naming them, whatever the
// pagination.
func TestListRefusesUnsafeItems(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"an id twice on one page", `{"data":[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":1,"name":"c"},{"id":"2","name":"d"}]}`, `page 1 lists the same id more than once ("1", "2")`},
		{"an id twice in a bare array", `[{"id":"k","name":"a"},{"id":"k","name":"b"}]`, `page 1 lists the same id more than once ("k")`},
		{"id dot", `{"data":[{"id":".","name":"dot"}]}`, `API key "dot" (item 1 of page 1) has the id ".", which cannot be put in a URL path`},
		{"id dot dot", `{"data":[{"id":1,"name":"a"},{"id":"..","name":"up"}]}`, `API key "up" (item 2 of page 1) has the id "..", which cannot be put in a URL path`},
		{"no id", `{"data":[{"name":"anonymous"}]}`, `API key "anonymous" (item 1 of page 1) has the id "", which cannot be put in a URL path`},
		{"null id", `{"data":[{"id":null,"name":"n"}]}`, `has the id ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := serveCanned(t, answer{body: tt.body})
			_, err := fastClient(t, ts.URL, nil).ListAPIKeys(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
