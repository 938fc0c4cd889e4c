package export

import (
	"bytes"
	"fmt"
	"math/rand"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

var (
	t0  = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	day = 24 * time.Hour
)

func demoState() *remote.State {
	return &remote.State{
		BaseURL: "https://modelslab.com",
		Profile: remote.Profile{
			ID: "1", Name: "Acme Automation", Username: "acme-bot", Email: "bot@acme.example",
			AboutMe: "Automation account for Acme's pipelines.\nOwned by the platform team.",
			Socials: remote.Socials{GitHub: "acme", Website: "https://acme.example"},
			Preferences: remote.Preferences{
				NSFWContent: false, WalletNotificationEnabled: true, WalletNotificationThreshold: 10,
			},
		},
		APIKeys: []remote.APIKey{
			{ID: "101", Name: "production", Notes: "Used by the production backend", Key: "ml-PRODSECRET1234", CreatedAt: t0.Add(-300 * day)},
			{ID: "102", Name: "ci", Notes: "Used by GitHub Actions", Key: "ml-CISECRET5678", CreatedAt: t0.Add(-20 * day)},
			{ID: "103", Name: "batch", Notes: "", Key: "ml-BATCHSECRET", CreatedAt: t0.Add(-10 * day)},
			{ID: "104", Name: "batch", Notes: "second", Key: "ml-BATCHSECRET2", CreatedAt: t0.Add(-5 * day)},
		},
		Team: []remote.TeamMember{
			{ID: "7", Email: "alice@example.com", Name: "Alice", Role: "admin", Status: remote.StatusActive, InvitedAt: t0.Add(-100 * day)},
			{ID: "8", Email: "Bob@Example.com", Role: "member", Permissions: []string{"api-keys", "billing"}, Status: remote.StatusPending, InviteID: "uuid-1", InvitedAt: t0.Add(-3 * day)},
		},
	}
}

// goldenScenarios are live states whose export is kept under testdata/.
func goldenScenarios() []struct {
	name string
	live *remote.State
	opts Options
} {
	hostile := demoState()
	hostile.Profile.Name = "yes"
	hostile.Profile.AboutMe = "null"
	hostile.Profile.Socials = remote.Socials{Twitter: "*star", Discord: "#general", GitHub: "1e3", Website: "- item"}
	hostile.APIKeys = []remote.APIKey{
		{ID: "1", Name: "~", Notes: "line one\n  indented\n\ttab\n", CreatedAt: t0},
		{ID: "2", Name: "true", Notes: "trailing space \nnext", CreatedAt: t0},
		{ID: "3", Name: "key: value # not a comment", Notes: "\"quoted\" 'single' \\ back", CreatedAt: t0},
		{ID: "4", Name: "dash*[glob]?", CreatedAt: t0},
		{ID: "5", Name: "dash*[glob]?", CreatedAt: t0.Add(time.Hour)},
		{ID: "6", Name: "ünïcödé ✓ 🔑", Notes: "\u2028sep\u0085nel\x1b[31m", CreatedAt: t0},
		{ID: "7", Name: "0o17", Notes: "0x1F", CreatedAt: t0},
	}
	hostile.Team = []remote.TeamMember{}

	odd := demoState()
	odd.Profile.Name = strings.Repeat("n", 101)
	odd.Profile.Username = "-not a username"
	odd.Profile.AboutMe = strings.Repeat("ä", 1001)
	odd.Profile.Socials.Website = "https://" + strings.Repeat("w", 260)
	odd.Profile.Preferences.WalletNotificationThreshold = -1
	odd.APIKeys = append(odd.APIKeys,
		remote.APIKey{ID: "201", Name: strings.Repeat("k", 101), CreatedAt: t0},
		remote.APIKey{ID: "202", Name: "long-notes", Notes: strings.Repeat("x", 1001), CreatedAt: t0},
		remote.APIKey{ID: "203", Name: "batch", CreatedAt: t0},
	)
	odd.Team = append(odd.Team,
		remote.TeamMember{ID: "20", Email: "Not An Email", Role: "member", Status: remote.StatusActive},
		remote.TeamMember{ID: "21", Email: "owner@example.com", Role: "owner", Status: remote.StatusActive},
		remote.TeamMember{ID: "22", Email: "perm@example.com", Role: "member", Permissions: []string{"Billing"}, Status: remote.StatusActive},
		remote.TeamMember{ID: "23", Email: "twice@example.com", Role: "member", Status: remote.StatusActive},
		remote.TeamMember{ID: "24", Email: "TWICE@example.com", Role: "viewer", Status: remote.StatusPending},
	)

	// A rotation with rotate_overlap in progress: ci's predecessor (101)
	// beside its successor (105), and a predecessor whose successor was
	// never created (orphan, 106).
	rotating := demoState()
	rotating.APIKeys = append(rotating.APIKeys,
		remote.APIKey{ID: "105", Name: "ci", Notes: "Used by GitHub Actions", CreatedAt: t0.Add(-2 * day)},
		remote.APIKey{ID: "106", Name: "orphan", Notes: retirement.Mark("", t0.Add(3*day), 500), CreatedAt: t0.Add(-200 * day)},
	)
	rotating.APIKeys[1].Notes = retirement.Mark(rotating.APIKeys[1].Notes, t0.Add(5*day), 500)
	rotating.APIKeys[2].Notes = "[mlabctl:not a record]" // batch: kept unmanaged

	empty := &remote.State{BaseURL: "http://127.0.0.1:8765", Profile: remote.Profile{Username: "new-user"}, APIKeys: []remote.APIKey{}, Team: []remote.TeamMember{}}
	notFetched := &remote.State{BaseURL: "https://modelslab.com", Profile: demoState().Profile}

	return []struct {
		name string
		live *remote.State
		opts Options
	}{
		{"demo", demoState(), Options{Time: t0}},
		{"team_account", demoState(), Options{Account: "acme-team", Time: t0}},
		{"hostile_strings", hostile, Options{}},
		{"empty_account", empty, Options{}},
		{"undeclarable_values", odd, Options{}},
		{"sections_not_fetched", notFetched, Options{}},
		{"rotation_in_progress", rotating, Options{}},
	}
}

func TestRenderGolden(t *testing.T) {
	for _, sc := range goldenScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, sc.live, sc.opts); err != nil {
				t.Fatal(err)
			}
			for _, k := range sc.live.APIKeys {
				if k.Key != "" && strings.Contains(b.String(), k.Key.Reveal()) {
					t.Errorf("export contains the secret of key %q", k.Name)
				}
			}
			golden.Check(t, filepath.Join("testdata", sc.name+".yaml"), b.Bytes())
			assertNoChanges(t, b.Bytes(), sc.live, sc.opts)
		})
	}
}

// assertNoChanges parses an export and plans it against the state it was
// exported from: the plan must be empty.
func assertNoChanges(t *testing.T, data []byte, live *remote.State, o Options) {
	t.Helper()
	s, err := spec.Parse("exported.yaml", data)
	if err != nil {
		t.Fatalf("spec.Parse rejects the export: %v\n%s", err, data)
	}
	if s.Account != o.Account {
		t.Errorf("account = %q, want %q", s.Account, o.Account)
	}
	if s.AccessTokens != nil {
		t.Errorf("the export declares access_tokens")
	}
	if got, want := s.APIKeysSet, live.APIKeys != nil; got != want {
		t.Errorf("api_keys declared = %v, want %v", got, want)
	}
	if got, want := s.TeamSet, live.Team != nil; got != want {
		t.Errorf("team declared = %v, want %v", got, want)
	}
	p, err := plan.Compute(s, live, t0)
	if err != nil {
		t.Fatalf("plan.Compute on the export: %v\n%s", err, data)
	}
	if !p.Empty() {
		var b bytes.Buffer
		_ = plan.RenderText(&b, p, plan.RenderOptions{})
		t.Errorf("the plan of an export is not empty:\n%s\nexport:\n%s", b.String(), data)
	}
}

// assertPrintable fails if an export holds what a terminal or a CI log
// would act on: a raw control or invisible character, a line a GitHub
// Actions runner reads as a workflow command, or "##[".
func assertPrintable(t *testing.T, out string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if safetext.Line(line) != line {
			t.Errorf("the export prints %q raw", line)
		}
	}
}

// oddStrings are values that YAML reads as something else, or that need
// care in every quoting style.
var oddStrings = []string{
	"yes", "no", "on", "off", "y", "n", "true", "False", "null", "Null", "~", "", " ", "1e3", "0x1F", "0o17", "012",
	"1_000", ".inf", "-.inf", ".nan", "+1", "-", "- a", "? q", ": c", "*alias", "&anchor", "!tag", "!!str", "%TAG",
	"@at", "`tick`", "#hash", "[mlabctl:", "[mlabctl:retire-after=2026-12-09T12:00:00Z] old", "a #b", "a: b", "{a}", "[a]", "|", ">", "'", "\"", "\\", "line\nbreak", "tail\n",
	"\n\nlead", "trailing ", " leading", "tab\there", "crlf\r\nline", "ünïcödé", "日本語", "🔑", "\u2028", "\u0085",
	"\ufeffbom", "\x00nul", "\x1b[31m", "---", "...", "<<", "=", "2026-11-25", "12:30:00",
	// What a terminal or a CI log would act on (safetext).
	"##[stop-commands]tok", "::error::forged", "notes\n  ::warning::forged", "bidi\u202eevil", "tag\U000E0001", "del\x7f",
}

// randomState builds a live state from a seeded generator: odd names,
// unicode, duplicate key names, pending invites, empty sections.
func randomState(r *rand.Rand) *remote.State {
	pick := func() string {
		if r.Intn(3) == 0 {
			return oddStrings[r.Intn(len(oddStrings))]
		}
		var b strings.Builder
		for range 1 + r.Intn(12) {
			b.WriteString(oddStrings[r.Intn(len(oddStrings))])
		}
		return b.String()
	}
	nonEmpty := func(max int) string {
		for {
			if s := pick(); s != "" && len([]rune(s)) <= max {
				return s
			}
		}
	}
	st := &remote.State{
		BaseURL: "http://127.0.0.1:1",
		Profile: remote.Profile{
			Name:     nonEmpty(100),
			Username: fmt.Sprintf("user-%d", r.Intn(1000)),
			AboutMe:  pick(),
			Socials: remote.Socials{Facebook: pick(), GitHub: pick(), Twitter: pick(), Instagram: pick(), Discord: pick(), Website: pick(),
				Unreported: [][]string{nil, nil, {"website"}, {"facebook", "instagram"}}[r.Intn(4)]},
			Preferences: remote.Preferences{
				NSFWContent:                 r.Intn(2) == 0,
				WalletNotificationEnabled:   r.Intn(2) == 0,
				WalletNotificationThreshold: []float64{0, 1, 10, 12.5, 0.1, 1e21, 99999.99}[r.Intn(7)],
			},
		},
	}
	if r.Intn(5) > 0 {
		st.APIKeys = []remote.APIKey{}
		names := []string{}
		for i := range r.Intn(12) {
			name := nonEmpty(100)
			if len(names) > 0 && r.Intn(4) == 0 {
				name = names[r.Intn(len(names))] // a repeated name
			}
			if r.Intn(15) == 0 {
				for len([]rune(name)) <= 100 { // past the schema's 100 characters
					name += name
				}
			}
			names = append(names, name)
			st.APIKeys = append(st.APIKeys, remote.APIKey{
				ID: remote.ID(fmt.Sprint(1000 + i)), Name: name, Notes: pick(),
				Key: remote.Secret(fmt.Sprintf("ml-SECRET-%d", i)), CreatedAt: t0.Add(-time.Duration(r.Intn(100)) * day),
			})
		}
	}
	if r.Intn(5) > 0 {
		st.Team = []remote.TeamMember{}
		perms := []string{"api-keys", "billing", "models", "usage"}
		for i := range r.Intn(8) {
			m := remote.TeamMember{
				ID:        remote.ID(fmt.Sprint(i + 1)),
				Email:     fmt.Sprintf("%s%d@Example.com", []string{"alice", "Bob", "o'brien", "x.y+z", "ünï"}[r.Intn(5)], i),
				Role:      []string{"admin", "member", "viewer"}[r.Intn(3)],
				Status:    remote.StatusActive,
				InvitedAt: t0.Add(-time.Duration(r.Intn(30)) * day),
			}
			for _, p := range perms {
				if r.Intn(3) == 0 {
					m.Permissions = append(m.Permissions, p)
				}
			}
			if r.Intn(3) == 0 {
				m.Status, m.InviteID = remote.StatusPending, fmt.Sprintf("uuid-%d", i)
			}
			switch r.Intn(12) {
			case 0:
				m.Role = "owner" // not a role the file accepts
			case 1:
				m.Email = pick() // rarely an email at all
			case 2:
				m.Permissions = append(m.Permissions, "Not A Permission")
			case 3:
				// A status mlabctl does not know, with any text.
				m.Status, m.RawStatus = remote.StatusUnknown, strconv.Quote(pick())
			}
			st.Team = append(st.Team, m)
		}
	}
	return st
}

// TestRoundTripRandom: for seeded random live states, export → spec.Parse
// → plan.Compute has no changes, and no key secret appears.
func TestRoundTripRandom(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewSource(seed))
		live := randomState(r)
		opts := Options{Time: t0}
		if r.Intn(4) == 0 {
			opts.Account = "team-" + fmt.Sprint(seed)
		}
		var b bytes.Buffer
		if err := Render(&b, live, opts); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if strings.Contains(b.String(), "ml-SECRET-") {
			t.Fatalf("seed %d: export contains a key secret:\n%s", seed, b.String())
		}
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			assertNoChanges(t, b.Bytes(), live, opts)
			assertPrintable(t, b.String())
		})
	}
}

// FuzzRoundTrip exports states whose strings come from the fuzzer and
// requires an empty plan on the export.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, name, notes, about string) {
		if !validText(name, 100) || name == "" || !validText(notes, 1000) || !validText(about, 1000) {
			t.Skip("not a value the API can hold")
		}
		live := demoState()
		live.Profile.AboutMe = about
		live.Profile.Socials.Discord = notes
		live.APIKeys = append(live.APIKeys, remote.APIKey{ID: "999", Name: name, Notes: notes, CreatedAt: t0})
		var b bytes.Buffer
		if err := Render(&b, live, Options{}); err != nil {
			t.Fatal(err)
		}
		assertNoChanges(t, b.Bytes(), live, Options{})
		assertPrintable(t, b.String())
	})
}

// validText reports whether s is valid UTF-8 of at most max characters:
// the API speaks JSON, whose strings are always valid UTF-8.
func validText(s string, max int) bool {
	return strings.ToValidUTF8(s, "") == s && len([]rune(s)) <= max
}

func BenchmarkRender(b *testing.B) {
	live := demoState()
	live.APIKeys = nil
	for i := range 10000 {
		live.APIKeys = append(live.APIKeys, remote.APIKey{ID: remote.ID(fmt.Sprint(i + 1)), Name: fmt.Sprintf("key-%05d", i), Notes: "notes", CreatedAt: t0})
	}
	for i := range 2000 {
		live.Team = append(live.Team, remote.TeamMember{ID: remote.ID(fmt.Sprint(i + 1)), Email: fmt.Sprintf("m%d@example.com", i), Role: "member", Status: remote.StatusActive})
	}
	for b.Loop() {
		if err := Render(&bytes.Buffer{}, live, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIgnoreGlob(t *testing.T) {
	long := strings.Repeat("a*", 200)
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "ci", want: "ci"},
		{name: "glob characters escaped", in: `a*b?c[d]e\f`, want: `a\*b\?c\[d\]e\\f`},
		{name: "too long becomes a prefix", in: long, want: strings.Repeat(`a\*`, 84) + "a*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ignoreGlob(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ignoreGlob(%q) (-want +got):\n%s", tt.in, diff)
			}
			if !fits(got, maxGlobLen) || spec.CheckGlob(got) != nil || !spec.MatchGlob(got, tt.in) {
				t.Errorf("ignoreGlob(%q) = %q: too long, invalid or not matching", tt.in, got)
			}
		})
	}
}
