package authcmd

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/remote"
)

func TestWriteTokenTable(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)
	expires := created.Add(7 * 24 * time.Hour)
	tokens := []remote.AccessToken{
		{ID: "5", Name: "demo", Scopes: []string{"*"}, Current: true, CreatedAt: &created},
		{ID: "12", Name: "mlabctl-plan", Scopes: []string{"api-keys:read", "profile:read"}, CreatedAt: &created, LastUsedAt: &created, ExpiresAt: &expires},
	}
	for _, tc := range []struct {
		name     string
		tokens   []remote.AccessToken
		terminal bool
		want     string
	}{
		{name: "terminal", tokens: tokens, terminal: true, want: "" +
			"ID  NAME            SCOPES                      CREATED           LAST USED         EXPIRES           \n" +
			"5   demo (current)  *                           2026-11-01 09:30  -                 never             \n" +
			"12  mlabctl-plan    api-keys:read,profile:read  2026-11-01 09:30  2026-11-01 09:30  2026-11-08 09:30  \n"},
		{name: "pipe", tokens: tokens, want: "" +
			"5\tdemo\t*\ttrue\t2026-11-01 09:30\t-\tnever\n" +
			"12\tmlabctl-plan\tapi-keys:read,profile:read\tfalse\t2026-11-01 09:30\t2026-11-01 09:30\t2026-11-08 09:30\n"},
		{name: "hostile names stay in their cell", tokens: []remote.AccessToken{{ID: "7", Name: "a\tb\n::error::x\x1b[2K", Scopes: []string{"*"}}}, want: "" +
			"7\ta\\tb\\n::error::x\\u001b[2K\t*\t?\t-\t-\tnever\n"},
		{name: "no token known current, pipe", tokens: []remote.AccessToken{{ID: "5", Name: "demo"}, {ID: "6", Name: "ci"}}, want: "" +
			"5\tdemo\t\t?\t-\t-\tnever\n" +
			"6\tci\t\t?\t-\t-\tnever\n"},
		{name: "no token known current, terminal", terminal: true, tokens: []remote.AccessToken{{ID: "5", Name: "demo"}}, want: "" +
			"ID  NAME  SCOPES  CREATED  LAST USED  EXPIRES  \n" +
			"5   demo          -        -          never    \n" +
			"(The API does not say which of these tokens is the one in use.)\n"},
		{name: "terminal, none", terminal: true, want: "No access tokens.\n"},
		{name: "pipe, none", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := writeTokenTable(&b, tc.tokens, tc.terminal); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenFacts(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 22, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		in   tokenView
		want string
	}{
		{name: "nothing known", want: ""},
		{name: "scopes and expiry in UTC", in: tokenView{Scopes: []string{"a:read", "b:read"}, ExpiresAt: &at},
			want: " (scopes: a:read, b:read; expires 2026-12-02 21:00 UTC)"},
		{name: "never expires", in: tokenView{Expiry: "never"}, want: " (never expires)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tokenFacts(tc.in); got != tc.want {
				t.Errorf("tokenFacts = %q, want %q", got, tc.want)
			}
		})
	}
}
