package emulator

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAPIKeyLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.demo.Token

	r := e.must(201, "POST", "/api-keys", tok, map[string]any{"name": "staging", "notes": "Used by staging"})
	var made wireKey
	r.data(t, &made)
	if !strings.HasPrefix(made.Key, "ml-") || strings.Contains(made.Key, "…") || len(made.Key) < 20 {
		t.Fatalf("POST /api-keys returned key %q, want the whole secret", made.Key)
	}
	stored := e.snapshot().APIKeys
	if got := stored[len(stored)-1]; got.Key != made.Key || got.Name != "staging" || got.Notes != "Used by staging" || !got.CreatedAt.Equal(fixedNow) {
		t.Errorf("stored key %+v does not match the created one", got)
	}

	path := fmt.Sprintf("/api-keys/%d", made.ID)
	var got wireKey
	e.must(200, "GET", path, tok, nil).data(t, &got)
	if want := "ml-…" + made.Key[len(made.Key)-4:]; got.Key != want {
		t.Errorf("GET %s key %q, want masked %q", path, got.Key, want)
	}

	var list []wireKey
	e.must(200, "GET", "/api-keys", tok, nil).data(t, &list)
	for _, k := range list {
		if !strings.HasPrefix(k.Key, "ml-…") || len([]rune(k.Key)) != 8 {
			t.Errorf("listed key %q (%s) is not masked as ml-…XXXX", k.Key, k.Name)
		}
	}

	// PUT changes only what it is given.
	e.must(200, "PUT", path, tok, map[string]any{"notes": "Renamed notes"}).data(t, &got)
	if got.Name != "staging" || got.Notes != "Renamed notes" {
		t.Errorf("after PUT notes: %+v", got)
	}
	e.must(200, "PUT", path, tok, map[string]any{"name": "stage"}).data(t, &got)
	if got.Name != "stage" || got.Notes != "Renamed notes" || strings.Count(got.Key, "…") != 1 {
		t.Errorf("after PUT name: %+v", got)
	}

	e.must(200, "DELETE", path, tok, nil)
	e.must(404, "GET", path, tok, nil)
	e.must(404, "DELETE", path, tok, nil)
	e.must(404, "PUT", path, tok, map[string]any{"name": "x"})
	if n := len(e.snapshot().APIKeys); n != 4 {
		t.Errorf("%d keys after delete, want the demo's 4", n)
	}
}

func TestAPIKeyValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"create without name", "POST", "/api-keys", map[string]any{"notes": "x"}, "name"},
		{"create with empty name", "POST", "/api-keys", map[string]any{"name": "  "}, "name"},
		{"create with long name", "POST", "/api-keys", map[string]any{"name": strings.Repeat("n", 101)}, "name"},
		{"create with numeric name", "POST", "/api-keys", `{"name": 5}`, "name"},
		{"create with unknown field", "POST", "/api-keys", map[string]any{"name": "a", "scope": "x"}, "scope"},
		{"create with a JSON array", "POST", "/api-keys", `[1]`, "body"},
		{"create with broken JSON", "POST", "/api-keys", `{"name":`, "body"},
		{"create with trailing data", "POST", "/api-keys", `{"name":"a"} {}`, "body"},
		{"update with empty name", "PUT", "/api-keys/101", map[string]any{"name": ""}, "name"},
		{"update with long notes", "PUT", "/api-keys/101", map[string]any{"notes": strings.Repeat("n", 501)}, "notes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			r := e.must(422, tc.method, tc.path, e.demo.Token, tc.body)
			if r.code() != "validation_error" {
				t.Errorf("code %q, want validation_error", r.code())
			}
			msgs, ok := r.Env.Error.Details[tc.field].([]any)
			if !ok || len(msgs) == 0 {
				t.Errorf("details %v lack messages for %q", r.Env.Error.Details, tc.field)
			}
			if diff := cmp.Diff(before, e.snapshot()); diff != "" {
				t.Errorf("a rejected request changed the account (-before +after):\n%s", diff)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t, nil)
	// 4 demo keys + 101 = 105 keys: pages of 50 are 50, 50, 5.
	for i := 0; i < 101; i++ {
		e.srv.AddAPIKey(e.demo.Username, Key{Name: fmt.Sprintf("bulk-%03d", i)})
	}
	type page struct {
		ids   int
		first string
		meta  pagination
	}
	for _, tc := range []struct {
		name  string
		query string
		want  page
	}{
		{"default page size", "", page{50, "production", pagination{1, 50, 105, 3}}},
		{"second page", "?page=2", page{50, "bulk-046", pagination{2, 50, 105, 3}}},
		{"odd last page", "?page=3", page{5, "bulk-096", pagination{3, 50, 105, 3}}},
		{"past the last page", "?page=4", page{0, "", pagination{4, 50, 105, 3}}},
		{"max per page", "?per_page=100", page{100, "production", pagination{1, 100, 105, 2}}},
		{"per page one", "?per_page=1&page=105", page{1, "bulk-100", pagination{105, 1, 105, 105}}},
		{"per page of the whole list", "?per_page=7&page=15", page{7, "bulk-094", pagination{15, 7, 105, 15}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(200, "GET", "/api-keys"+tc.query, e.demo.Token, nil)
			var keys []wireKey
			r.data(t, &keys)
			got := page{ids: len(keys)}
			if len(keys) > 0 {
				got.first = keys[0].Name
			}
			if r.Env.Meta.Pagination != nil {
				got.meta = *r.Env.Meta.Pagination
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(page{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if string(r.Env.Data) == "null" {
				t.Errorf("data is null, want a list")
			}
		})
	}
	for _, q := range []string{"?page=0", "?page=-1", "?page=x", "?per_page=0", "?per_page=101", "?per_page=", "?page=1.5"} {
		t.Run("invalid "+q, func(t *testing.T) {
			for _, path := range []string{"/api-keys", "/teams", "/auth/tokens"} {
				if r := e.do("GET", path+q, e.demo.Token, nil); r.Status != 422 || r.code() != "validation_error" {
					t.Errorf("GET %s%s: status %d code %q, want 422 validation_error", path, q, r.Status, r.code())
				}
			}
		})
	}
	t.Run("an empty list has one page", func(t *testing.T) {
		u := e.srv.AddUser(UserSeed{Email: "empty@example.com", Verified: true})
		tok := e.srv.IssueToken(u, "t", []string{"*"}, 0)
		r := e.must(200, "GET", "/api-keys", tok, nil)
		if diff := cmp.Diff(&pagination{1, 50, 0, 1}, r.Env.Meta.Pagination); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if string(r.Env.Data) != "[]" {
			t.Errorf("data %s, want []", r.Env.Data)
		}
	})
}

func TestDefaultPageSize(t *testing.T) {
	e := newEnv(t, func(s *Server) { s.DefaultPageSize = 3 })
	r := e.must(200, "GET", "/teams", e.demo.Token, nil)
	if diff := cmp.Diff(&pagination{1, 3, 4, 2}, r.Env.Meta.Pagination); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEveryPageTogetherIsTheWholeList(t *testing.T) {
	e := newEnv(t, nil)
	for i := 0; i < 37; i++ {
		e.srv.AddAPIKey(e.demo.Username, Key{Name: fmt.Sprintf("k%d", i)})
	}
	var want []int64
	for _, k := range e.snapshot().APIKeys {
		want = append(want, k.ID)
	}
	for perPage := 1; perPage <= 45; perPage += 4 {
		var got []int64
		for p := 1; ; p++ {
			r := e.must(200, "GET", fmt.Sprintf("/api-keys?page=%d&per_page=%d", p, perPage), e.demo.Token, nil)
			var keys []wireKey
			r.data(t, &keys)
			for _, k := range keys {
				got = append(got, k.ID)
			}
			if p >= r.Env.Meta.Pagination.LastPage {
				break
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("per_page=%d (-want +got):\n%s", perPage, diff)
		}
	}
}

// TestWholeKeysInLists: with the variant, list, get and update answers
// show each key's whole secret; without it, the masked form.
func TestWholeKeysInLists(t *testing.T) {
	for _, whole := range []bool{false, true} {
		t.Run(fmt.Sprintf("WholeKeysInLists=%v", whole), func(t *testing.T) {
			e := newEnv(t, func(s *Server) { s.WholeKeysInLists = whole })
			stored := e.snapshot().APIKeys[0]
			want := maskKey(stored.Key)
			if whole {
				want = stored.Key
			}
			var listed []struct {
				ID  int64  `json:"id"`
				Key string `json:"key"`
			}
			e.must(200, "GET", "/api-keys", e.demo.Token, nil).data(t, &listed)
			var got, updated struct {
				Key string `json:"key"`
			}
			path := fmt.Sprintf("/api-keys/%d", stored.ID)
			e.must(200, "GET", path, e.demo.Token, nil).data(t, &got)
			e.must(200, "PUT", path, e.demo.Token, map[string]any{"notes": "x"}).data(t, &updated)
			if len(listed) == 0 || listed[0].ID != stored.ID {
				t.Fatalf("the list does not start with key %d", stored.ID)
			}
			for what, v := range map[string]string{"list": listed[0].Key, "get": got.Key, "update": updated.Key} {
				if v != want {
					t.Errorf("%s shows a key of %d characters, want %d (whole: %v)", what, len(v), len(want), whole)
				}
			}
		})
	}
}
