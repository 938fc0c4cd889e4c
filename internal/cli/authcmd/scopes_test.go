package authcmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		raw     string
		want    []string
		wantErr string
	}{
		{name: "blank is every scope", raw: "  ", want: nil},
		{name: "sorted, trimmed, deduplicated", raw: "tokens:read, profile:read,,tokens:read", want: []string{"profile:read", "tokens:read"}},
		{name: "star", raw: "*", want: []string{"*"}},
		{name: "spaces instead of commas", raw: "profile:read tokens:read", wantErr: "separate scopes with commas"},
		{name: "only commas", raw: ", ,", wantErr: "names no scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseScopes(tc.raw)
			if checkWantErr(t, err, tc.wantErr) {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseScopes checks that any --scopes value either is refused or
// parses into a sorted list of distinct, non-empty scopes without blanks.
func FuzzParseScopes(f *testing.F) {
	for _, seed := range []string{"", "profile:read", "a,b, c", "*", ",,", "x y", "tokens:write,tokens:write", "\x00,\t"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseScopes(raw)
		if err != nil {
			return
		}
		if strings.TrimSpace(raw) != "" && len(got) == 0 {
			t.Fatalf("parseScopes(%q) = no scopes and no error", raw)
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("parseScopes(%q) = %q: not sorted and distinct", raw, got)
		}
		for _, s := range got {
			if s == "" || strings.ContainsAny(s, ", \t\r\n") {
				t.Fatalf("parseScopes(%q) yields scope %q", raw, s)
			}
		}
	})
}
