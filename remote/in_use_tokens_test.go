package remote

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWithInUseTokens checks that the tokens named by WithInUseTokens are
// listed as current by ListTokens and Fetch, together with the requesting
// token, and that the client it was called on is left alone.
func TestWithInUseTokens(t *testing.T) {
	e := startEmu(t)
	ctx := context.Background()
	e.token("laptop", "*")
	e.token("ci", "*")
	ids := map[string]ID{}
	toks, err := e.c.ListTokens(ctx)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	for _, tk := range toks {
		ids[tk.Name] = tk.ID
	}

	// current lists the names of the tokens marked current.
	current := func(ts []AccessToken) []string {
		var out []string
		for _, tk := range ts {
			if tk.Current {
				out = append(out, tk.Name)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		client func() *Client
		want   []string
	}{
		{"no option: the requesting token only", func() *Client { return e.c }, []string{"demo"}},
		{"one token in use", func() *Client { return e.c.WithInUseTokens(ids["laptop"]) }, []string{"demo", "laptop"}},
		{"calls add up", func() *Client { return e.c.WithInUseTokens(ids["laptop"]).WithInUseTokens(ids["ci"]) }, []string{"demo", "laptop", "ci"}},
		{"the requesting token named again", func() *Client { return e.c.WithInUseTokens(ids["demo"]) }, []string{"demo"}},
		{"an id that is not listed", func() *Client { return e.c.WithInUseTokens("999999") }, []string{"demo"}},
		{"kept by WithToken", func() *Client {
			return e.c.WithInUseTokens(ids["laptop"]).WithToken(Secret(e.demo.Token))
		}, []string{"demo", "laptop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client()
			got, err := c.ListTokens(ctx)
			if err != nil {
				t.Fatalf("ListTokens: %v", err)
			}
			if diff := cmp.Diff(tt.want, current(got)); diff != "" {
				t.Errorf("ListTokens current (-want +got):\n%s", diff)
			}
			st, err := c.Fetch(ctx, FetchOptions{Tokens: true})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if diff := cmp.Diff(tt.want, current(st.Tokens)); diff != "" {
				t.Errorf("Fetch current (-want +got):\n%s", diff)
			}
		})
	}
	// The receiver is a value the option copied, not changed.
	_ = e.c.WithInUseTokens(ids["ci"])
	got, err := e.c.ListTokens(ctx)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	if diff := cmp.Diff([]string{"demo"}, current(got)); diff != "" {
		t.Errorf("the original client changed (-want +got):\n%s", diff)
	}
}
