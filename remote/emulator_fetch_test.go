package remote

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
)

// seedMany adds keys and members to the demo account.
func seedMany(e *emu, keys, members int) {
	for i := range keys {
		e.srv.AddAPIKey(e.demo.Username, emulator.Key{Name: fmt.Sprintf("bulk-%05d", i)})
	}
	for i := range members {
		e.srv.AddMember(e.demo.Username, emulator.Member{Email: fmt.Sprintf("m%05d@example.com", i), Role: "member", Status: "active"})
	}
}

// pageRequests counts the logged requests of each route (path without query).
func pageRequests(e *emu) map[string]int {
	out := map[string]int{}
	for _, r := range e.srv.Requests() {
		path, _, _ := strings.Cut(r.Path, "?")
		out[r.Method+" "+path]++
	}
	return out
}

func TestEmulatorPagination(t *testing.T) {
	tests := []struct {
		name      string
		extra     int // keys added to the demo's 4
		wantPages int
	}{
		{name: "4 keys", extra: 0, wantPages: 1},
		{name: "100 keys", extra: 96, wantPages: 1},
		{name: "101 keys", extra: 97, wantPages: 2},
		{name: "250 keys", extra: 246, wantPages: 3},
		{name: "301 keys", extra: 297, wantPages: 4},
	}
	forEachVariantOnly(t, func(t *testing.T, v emulator.Variants) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := startEmuWith(t, v)
				e.srv.DefaultPageSize = 7 // the client always asks for per_page=100
				seedMany(e, tt.extra, 0)
				e.srv.ResetRequests()
				got, err := e.c.ListAPIKeys(context.Background())
				if err != nil {
					t.Fatalf("ListAPIKeys: %v", err)
				}
				var want, names []string
				for _, k := range e.snapshot(t).APIKeys {
					want = append(want, itoa(k.ID)+" "+k.Name)
				}
				for _, k := range got {
					names = append(names, k.ID.String()+" "+k.Name)
				}
				if diff := cmp.Diff(want, names); diff != "" {
					t.Errorf("keys (-want +got):\n%s", diff)
				}
				wantPages := tt.wantPages
				if v.Pagination == "none" {
					wantPages = 1 // the whole list, whatever page is asked
				}
				if n := pageRequests(e)["GET /api-keys"]; n != wantPages {
					t.Errorf("page requests = %d, want %d", n, wantPages)
				}
			})
		}
	})
}

func TestEmulatorFetch(t *testing.T) {
	tests := []struct {
		name         string
		opts         FetchOptions
		keys, people int
		wantRoutes   map[string]int
	}{
		{
			name:       "profile only",
			opts:       FetchOptions{},
			wantRoutes: map[string]int{"GET /me": 1},
		},
		{
			name:       "everything, one page each",
			opts:       FetchOptions{APIKeys: true, Team: true, Tokens: true},
			wantRoutes: map[string]int{"GET /me": 1, "GET /api-keys": 1, "GET /teams": 1, "GET /auth/tokens": 1},
		},
		{
			name: "many pages",
			opts: FetchOptions{APIKeys: true, Team: true},
			keys: 396, people: 197, // 400 keys (4 pages), 201 members (3 pages)
			wantRoutes: map[string]int{"GET /me": 1, "GET /api-keys": 4, "GET /teams": 3},
		},
	}
	forEachVariantOnly(t, func(t *testing.T, v emulator.Variants) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := startEmuWith(t, v)
				seedMany(e, tt.keys, tt.people)
				e.srv.ResetRequests()
				st, err := e.c.Fetch(context.Background(), tt.opts)
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				wantRoutes := maps.Clone(tt.wantRoutes)
				if v.Pagination == "none" {
					for route := range wantRoutes {
						wantRoutes[route] = 1 // each list whole at once
					}
				}
				if diff := cmp.Diff(wantRoutes, pageRequests(e)); diff != "" {
					t.Errorf("requests per route (-want +got):\n%s", diff)
				}
				checkFetched(t, e, st, tt.opts)
			})
		}
	})
}

// checkFetched checks a fetched State against the emulator's.
func checkFetched(t *testing.T, e *emu, st *State, opts FetchOptions) {
	t.Helper()
	snap := e.snapshot(t)
	if st.BaseURL != e.ts.URL || st.Profile.Username != snap.Username {
		t.Errorf("State base URL %q, profile %q; want %q, %q", st.BaseURL, st.Profile.Username, e.ts.URL, snap.Username)
	}
	checkSection(t, "api_keys", opts.APIKeys, st.APIKeys == nil, len(st.APIKeys), len(snap.APIKeys))
	checkSection(t, "team", opts.Team, st.Team == nil, len(st.Team), len(snap.Team))
	checkSection(t, "tokens", opts.Tokens, st.Tokens == nil, len(st.Tokens), len(snap.Tokens))
	if opts.Team {
		var want, got []string
		for _, m := range snap.Team {
			want = append(want, m.Email)
		}
		for _, m := range st.Team {
			got = append(got, m.Email)
		}
		sort.Strings(want)
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("team (-want +got):\n%s", diff)
		}
	}
}

// checkSection checks that a section is nil exactly when not asked for, and
// complete when asked for.
func checkSection(t *testing.T, name string, asked, isNil bool, got, want int) {
	t.Helper()
	switch {
	case !asked && !isNil:
		t.Errorf("%s: not asked for, but fetched (%d items)", name, got)
	case asked && isNil:
		t.Errorf("%s: asked for, but nil", name)
	case asked && got != want:
		t.Errorf("%s: %d items, want %d", name, got, want)
	}
}

func TestEmulatorFetchEmptySectionsAreNonNil(t *testing.T) {
	e := startEmu(t)
	e.srv.AddUser(emulator.UserSeed{Email: "empty@example.com", Username: "empty", Verified: true})
	c := e.client(t, e.srv.IssueToken("empty", "t", []string{"*"}, 0), nil)
	st, err := c.Fetch(context.Background(), FetchOptions{APIKeys: true, Team: true})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if st.APIKeys == nil || st.Team == nil || len(st.APIKeys)+len(st.Team) != 0 {
		t.Errorf("APIKeys %#v, Team %#v; want empty, non-nil", st.APIKeys, st.Team)
	}
	if st.Tokens != nil {
		t.Errorf("Tokens = %#v, want nil (not asked for)", st.Tokens)
	}
}

func TestEmulatorFetchFailsWhole(t *testing.T) {
	e := startEmu(t)
	c := e.client(t, e.token("no-teams", "profile:read", "api-keys:read"), nil)
	st, err := c.Fetch(context.Background(), FetchOptions{APIKeys: true, Team: true})
	if err == nil {
		t.Fatalf("Fetch = %+v, want an error", st)
	}
	if s, ok := InsufficientScope(err); !ok || s != "teams:read" {
		t.Errorf("error = %v, want insufficient scope teams:read", err)
	}
}
