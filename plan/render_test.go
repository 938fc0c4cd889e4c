package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/internal/golden"
)

// renderScenario is a hand-built plan rendered by every renderer.
type renderScenario struct {
	name string
	plan *Plan
}

func addr(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

func basePlan(changes ...Change) *Plan {
	return &Plan{FormatVersion: FormatVersion, Account: "acme-bot", BaseURL: "https://modelslab.com", Changes: changes}
}

// renderScenarios covers every action, multi-line values, warnings, mass
// deletion, unmanaged items, an account switch, hostile values and the
// empty plan.
func renderScenarios() []renderScenario {
	contract := basePlan(
		Change{Address: addr("preferences"), Action: Update,
			Before: map[string]any{"nsfw_content": true}, After: map[string]any{"nsfw_content": false}},
		Change{Address: addr("api_key.ci"), Action: Create,
			After: map[string]any{"name": "ci", "notes": "Used by GitHub Actions"}},
		Change{Address: addr("api_key.production"), Action: Update, LiveID: "5001",
			Before: map[string]any{"name": "production", "notes": "Used by prod"},
			After:  map[string]any{"name": "production", "notes": "Used by the production backend"}},
		Change{Address: addr("api_key.old-key"), Action: Delete, LiveID: "5002",
			Before: map[string]any{"name": "old-key", "notes": ""},
			Note:   "id 5002, created 2026-11-20", Reason: "not in modelslab.yaml"},
		Change{Address: addr("team_member.bob@example.com"), Action: Create,
			After: map[string]any{"email": "bob@example.com", "role": "member", "permissions": []any{}},
			Note:  "invite, role member"},
	)
	contract.Unmanaged = []Address{addr("api_key.dashboard-x")}

	every := basePlan(
		Change{Address: addr("profile"), Action: Update,
			Before: map[string]any{"name": "Acme", "username": "acme-bot"},
			After:  map[string]any{"name": "Acme Automation", "username": "acme-bot"}},
		Change{Address: addr("socials"), Action: Update,
			Before: map[string]any{"github": "", "website": "https://acme.example"},
			After:  map[string]any{"github": "acme", "website": "https://acme.example"}},
		Change{Address: addr("preferences"), Action: Update,
			Before: map[string]any{"wallet_notification_threshold": 10.0, "wallet_notification_enabled": false},
			After:  map[string]any{"wallet_notification_threshold": 12.5, "wallet_notification_enabled": true}},
		Change{Address: addr("api_key.ci"), Action: Create, After: map[string]any{"name": "ci"}},
		Change{Address: addr("api_key.rotated"), Action: Replace, LiveID: "77",
			Before: map[string]any{"name": "rotated", "notes": "n"}, After: map[string]any{"name": "rotated", "notes": "n"},
			Note: "id 77, created 2026-01-01", Reason: "older than rotate_after 90d"},
		Change{Address: addr("api_key.renamed"), Action: Update, LiveID: "4711",
			Before: map[string]any{"name": "batch", "notes": "x"}, After: map[string]any{"name": "renamed", "notes": "x"},
			Note: "id 4711, rename"},
		Change{Address: addr("api_key.gone"), Action: Delete, LiveID: "9",
			Before: map[string]any{"name": "gone"}, Reason: "not in modelslab.yaml"},
		Change{Address: addr("team_member.alice@example.com"), Action: Resend, LiveID: "3",
			Before: map[string]any{"email": "alice@example.com"}, After: map[string]any{"email": "alice@example.com"},
			Reason: "invite pending since 2026-11-01"},
		Change{Address: addr("team_member.carol@example.com"), Action: Create,
			After: map[string]any{"email": "carol@example.com", "role": "viewer", "permissions": []any{"api-keys", "billing"}}},
		Change{Address: addr("team_member.dave@example.com"), Action: Update, LiveID: "4",
			Before: map[string]any{"role": "member", "permissions": []any{"api-keys"}},
			After:  map[string]any{"role": "admin", "permissions": []any{}}},
		Change{Address: addr("team_member.eve@example.com"), Action: Delete, LiveID: "5",
			Before: map[string]any{"email": "eve@example.com", "role": "member"}, Reason: "not in modelslab.yaml"},
		Change{Address: addr("access_token.laptop#12"), Action: Delete, LiveID: "12",
			Before: map[string]any{"name": "laptop"}, Reason: "matches no access_tokens.keep glob"},
	)

	multiline := basePlan(
		Change{Address: addr("profile"), Action: Update,
			Before: map[string]any{"about_me": "Automation account.\nOwned by the platform team.\nLine three\nLine four\nLine five\nLine six\nLine seven\nLine eight\nLast line"},
			After:  map[string]any{"about_me": "Automation account.\nOwned by the infrastructure team.\nLine three\nLine four\nLine five\nLine six\nLine seven\nLine eight\nLast line\nA new last line"}},
		Change{Address: addr("api_key.multi"), Action: Create,
			After: map[string]any{"name": "multi", "notes": "first line\nsecond line"}},
		Change{Address: addr("api_key.trailing"), Action: Update, LiveID: "8",
			Before: map[string]any{"notes": "one line"}, After: map[string]any{"notes": "one line\n"}},
	)

	var mass []Change
	var massAddrs []Address
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		a := addr("api_key." + n)
		massAddrs = append(massAddrs, a)
		mass = append(mass, Change{Address: a, Action: Delete, LiveID: n, Before: map[string]any{"name": n}, Reason: "not in modelslab.yaml"})
	}
	massPlan := basePlan(mass...)
	massPlan.MassDeletions = []MassDeletion{{Section: "api_keys", Addresses: massAddrs, Live: 8, Percent: 25}}
	massPlan.Warnings = []Warning{{Message: "pending invite for x@example.com was sent 40 days ago\nit may have expired"}}

	switched := basePlan(Change{Address: addr("api_key.team-key"), Action: Create, After: map[string]any{"name": "team-key"}})
	switched.Account, switched.SwitchTo = "acme-team", "acme-team"
	switching := basePlan(Change{Address: addr("api_key.team-key"), Action: Create, After: map[string]any{"name": "team-key"}})
	switching.SwitchTo = "acme-team"

	hostile := basePlan(
		Change{Address: addr("api_key.</details><script>alert(1)</script>"), Action: Create,
			After: map[string]any{"name": "</details><script>alert(1)</script>", "notes": "```\n</details>\n````", "key": "ml-SECRET-VALUE"}},
		Change{Address: addr("api_key.`tick`"), Action: Update, LiveID: "1",
			Before: map[string]any{"notes": "**bold** | pipe"}, After: map[string]any{"notes": "\x1b[31mred\x1b[0m \u202eevil", "token": "tok-SECRET"}},
		Change{Address: addr("api_key.ünïcödé ✓"), Action: Delete, LiveID: "2", Before: map[string]any{"name": "ünïcödé ✓"},
			Note: "[link](http://x) <b>", Reason: "not in modelslab.yaml"},
	)
	hostile.Account = "acme`bot<b>"
	hostile.Warnings = []Warning{{Message: "`code` <img src=x> [x](y) @someone"}}
	hostile.Unmanaged = []Address{addr("api_key.```"), addr("api_key.<i>")}

	emptyUnmanaged := basePlan()
	emptyUnmanaged.Unmanaged = []Address{addr("team_member.z@contractor.example"), addr("api_key.dashboard-1")}

	return []renderScenario{
		{"contract_example", contract},
		{"every_action", every},
		{"multiline", multiline},
		{"mass_deletion", massPlan},
		{"account_switched", switched},
		{"account_switching", switching},
		{"hostile_values", hostile},
		{"empty", basePlan()},
		{"empty_with_unmanaged", emptyUnmanaged},
	}
}

// secretsInScenarios are values that no renderer may ever print.
var secretsInScenarios = []string{"ml-SECRET-VALUE", "tok-SECRET"}

func TestRenderGolden(t *testing.T) {
	for _, sc := range renderScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			renders := []struct {
				ext    string
				render func(*bytes.Buffer) error
			}{
				{"txt", func(b *bytes.Buffer) error { return RenderText(b, sc.plan, RenderOptions{}) }},
				{"color.txt", func(b *bytes.Buffer) error { return RenderText(b, sc.plan, RenderOptions{Color: true}) }},
				{"md", func(b *bytes.Buffer) error { return RenderMarkdown(b, sc.plan, RenderOptions{}) }},
				{"json", func(b *bytes.Buffer) error { return RenderJSON(b, sc.plan) }},
			}
			for _, r := range renders {
				var b bytes.Buffer
				if err := r.render(&b); err != nil {
					t.Fatalf("%s: %v", r.ext, err)
				}
				for _, s := range secretsInScenarios {
					if strings.Contains(b.String(), s) {
						t.Errorf("%s output contains the secret %q:\n%s", r.ext, s, b.String())
					}
				}
				if !utf8.Valid(b.Bytes()) {
					t.Errorf("%s output is not valid UTF-8", r.ext)
				}
				golden.Check(t, filepath.Join("testdata", "render", sc.name+"."+r.ext), b.Bytes())
			}
		})
	}
}

func TestRenderTextColour(t *testing.T) {
	p := renderScenarios()[1].plan // every action
	tests := []struct {
		name  string
		color bool
		want  []string // substrings that must appear
		never []string
	}{
		{name: "off", color: false, never: []string{"\x1b["}},
		{name: "on", color: true, want: []string{
			ansiGreen + "+" + ansiReset, ansiYellow + "~" + ansiReset, ansiRed + "-" + ansiReset,
			ansiMagenta + "-/+" + ansiReset, ansiYellow + "↻" + ansiReset,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, p, RenderOptions{Color: tt.color}); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.want {
				if !strings.Contains(b.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, b.String())
				}
			}
			for _, s := range tt.never {
				if strings.Contains(b.String(), s) {
					t.Errorf("output contains %q:\n%s", s, b.String())
				}
			}
		})
	}
}

func TestRenderTextClosingLine(t *testing.T) {
	tests := []struct {
		name string
		plan *Plan
		want string
	}{
		{name: "empty", plan: basePlan(), want: "No changes. The account matches modelslab.yaml."},
		{name: "resend has its own count", plan: basePlan(
			Change{Address: addr("team_member.a@b.c"), Action: Resend},
			Change{Address: addr("api_key.x"), Action: Replace},
		), want: "Plan: 0 to create, 0 to update, 0 to delete, 1 to replace, 1 to resend."},
		{name: "no resend count without resends", plan: basePlan(
			Change{Address: addr("api_key.x"), Action: Replace},
		), want: "Plan: 0 to create, 0 to update, 0 to delete, 1 to replace."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, tt.plan, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if diff := cmp.Diff(tt.want, lines[len(lines)-1]); diff != "" {
				t.Errorf("closing line (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderJSONShape(t *testing.T) {
	for _, sc := range renderScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderJSON(&b, sc.plan); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(b.String(), "}\n") || strings.Count(b.String(), "\n") != 1 {
				t.Errorf("want one line ending in a newline, got %q", b.String())
			}
			var doc map[string]any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, b.String())
			}
			wantTop := []string{"account", "base_url", "changes", "format_version", "partial", "retiring", "summary", "unmanaged", "warnings"}
			if sc.plan.SwitchTo != "" {
				wantTop = append(wantTop, "switch_to")
				sort.Strings(wantTop)
			}
			if diff := cmp.Diff(wantTop, keysOf(doc)); diff != "" {
				t.Errorf("top-level keys (-want +got):\n%s", diff)
			}
			if doc["format_version"] != "1" {
				t.Errorf("format_version = %v, want \"1\"", doc["format_version"])
			}
			if diff := cmp.Diff([]string{"create", "delete", "replace", "resend", "update"}, keysOf(doc["summary"].(map[string]any))); diff != "" {
				t.Errorf("summary keys (-want +got):\n%s", diff)
			}
			changes := doc["changes"].([]any)
			if len(changes) != len(sc.plan.Changes) {
				t.Fatalf("%d changes, want %d", len(changes), len(sc.plan.Changes))
			}
			refs := sc.plan.UniqueAddresses()
			for i, c := range changes {
				m := c.(map[string]any)
				wantKeys := []string{"action", "address", "after", "before", "reason"}
				if sc.plan.Changes[i].LiveID != "" {
					wantKeys = []string{"action", "address", "after", "before", "live_id", "reason"}
				}
				if sc.plan.Changes[i].LastUsedAt != nil {
					wantKeys = append(wantKeys, "last_used_at")
					sort.Strings(wantKeys)
				}
				if diff := cmp.Diff(wantKeys, keysOf(m)); diff != "" {
					t.Errorf("change %d keys (-want +got):\n%s", i, diff)
				}
				if m["address"] != refs[i] || m["action"] != string(sc.plan.Changes[i].Action) {
					t.Errorf("change %d = %v %v, want %v %v", i, m["address"], m["action"], refs[i], sc.plan.Changes[i].Action)
				}
				if r := sc.plan.Changes[i].Reason; m["reason"] == "" || (r != "" && m["reason"] != r) {
					t.Errorf("change %d reason = %v, want %q (or a default when empty)", i, m["reason"], r)
				}
			}
		})
	}
}

// TestRenderJSONContractExample renders the plan of CONTRACT.md's JSON
// example and compares it, decoded, with the example: every field of the
// first version is there with the same value (before and after exactly),
// so the fields added since are backward compatible.
func TestRenderJSONContractExample(t *testing.T) {
	p := basePlan(
		Change{Address: addr("api_key.ci"), Action: Create, After: map[string]any{"name": "ci", "notes": "Used by GitHub Actions"}},
		Change{Address: addr("preferences"), Action: Update, LiveID: "1",
			Before: map[string]any{"nsfw_content": true}, After: map[string]any{"nsfw_content": false}, Note: "n"},
	)
	const contract = `{"format_version": "1",
 "summary": {"create": 1, "update": 1, "delete": 0, "replace": 0},
 "changes": [
   {"address": "api_key.ci", "action": "create", "before": null,
    "after": {"name": "ci", "notes": "Used by GitHub Actions"}},
   {"address": "preferences", "action": "update",
    "before": {"nsfw_content": true}, "after": {"nsfw_content": false}}]}`
	var b bytes.Buffer
	if err := RenderJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal([]byte(contract), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if problems := jsonSubset("", want, got); len(problems) > 0 {
		t.Errorf("JSON plan is not a superset of the contract's example:\n%s\n%s", strings.Join(problems, "\n"), b.String())
	}
	// The keys come in the contract's order.
	wantPrefix := `{"format_version":"1","summary":{"create":1,"update":1,"delete":0,"replace":0,"resend":0},"changes":[{"address":"api_key.ci","action":"create","before":null,"after":`
	if !strings.HasPrefix(b.String(), wantPrefix) {
		t.Errorf("JSON plan does not start with %s:\n%s", wantPrefix, b.String())
	}
}

// jsonSubset lists where got lacks or changes a value of want: objects may
// have more keys in got (fields added to the format), except before and
// after, which are compared exactly; lists have the same length.
func jsonSubset(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		var out []string
		for k, wv := range w {
			gv, ok := g[k]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
			case k == "before" || k == "after":
				if !cmp.Equal(wv, gv) {
					out = append(out, fmt.Sprintf("%s.%s: %v, want %v", path, k, gv, wv))
				}
			default:
				out = append(out, jsonSubset(path+"."+k, wv, gv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %d items, got %v", path, len(w), got)}
		}
		var out []string
		for i := range w {
			out = append(out, jsonSubset(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	if !cmp.Equal(want, got) {
		return []string{fmt.Sprintf("%s: %v, want %v", path, got, want)}
	}
	return nil
}

func keysOf(m map[string]any) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// largePlan has n changes of every action, about a third destructive, with
// long notes, so that the full markdown is far over any comment limit.
func largePlan(n int) *Plan {
	p := basePlan()
	for i := range n {
		name := fmt.Sprintf("key-%05d-ünï", i)
		switch i % 3 {
		case 0:
			p.Changes = append(p.Changes, Change{Address: addr("api_key." + name), Action: Create,
				After: map[string]any{"name": name, "notes": strings.Repeat("note ", 20)}})
		case 1:
			p.Changes = append(p.Changes, Change{Address: addr("api_key." + name), Action: Update, LiveID: fmt.Sprint(i),
				Before: map[string]any{"notes": "old\nline"}, After: map[string]any{"notes": "new\nline"}})
		case 2:
			action := Delete
			if i%2 == 0 {
				action = Replace
			}
			c := Change{Address: addr("team_member." + name + "@example.com"), Action: action,
				LiveID: fmt.Sprint(i), Before: map[string]any{"email": name + "@example.com"}, Reason: "not in modelslab.yaml"}
			if action == Replace {
				c.After, c.Reason = c.Before, "older than rotate_after 90d"
			}
			p.Changes = append(p.Changes, c)
		}
	}
	for i := range n / 10 {
		p.Unmanaged = append(p.Unmanaged, addr(fmt.Sprintf("api_key.dashboard-%d", i)))
	}
	return p
}

func TestRenderMarkdownLimit(t *testing.T) {
	tests := []struct {
		name     string
		plan     *Plan
		max      int
		wantCut  string // a phrase of the note saying what was cut; "" = nothing cut
		wantText []string
	}{
		{name: "fits", plan: largePlan(30), max: 0, wantCut: ""},
		{name: "field detail dropped", plan: largePlan(30), max: 3500, wantCut: "field details"},
		{name: "thousands of changes", plan: largePlan(5000), max: 0, wantCut: "changes are not listed"},
		{name: "tiny limit shows counts", plan: largePlan(5000), max: 700, wantCut: "only the counts"},
		{name: "smaller than the counts", plan: largePlan(100), max: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderMarkdown(&b, tt.plan, RenderOptions{MaxBytes: tt.max}); err != nil {
				t.Fatal(err)
			}
			limit := tt.max
			if limit == 0 {
				limit = MarkdownMaxBytes
			}
			out := b.String()
			if len(out) > limit {
				t.Errorf("markdown is %d bytes, over the limit of %d", len(out), limit)
			}
			if limit == MarkdownMaxBytes && len(out) > githubCommentLimit {
				t.Errorf("markdown is %d bytes, over GitHub's limit", len(out))
			}
			if !utf8.ValidString(out) {
				t.Errorf("markdown is not valid UTF-8")
			}
			if tt.max != 0 && tt.max < 500 {
				return // only the limit itself can be promised
			}
			if tt.wantCut == "" {
				if strings.Contains(out, "[!NOTE]") {
					t.Errorf("nothing should be cut, got a note:\n%s", out)
				}
			} else {
				for _, s := range []string{tt.wantCut, "mlabctl plan", "plan artifact"} {
					if !strings.Contains(out, s) {
						t.Errorf("markdown does not say %q:\n%.2000s", s, out)
					}
				}
			}
			checkMarkdownStructure(t, out)
			// Destructive changes come first: the first change listed
			// in a diff block is a delete or a replace.
			if first := firstListedChange(out); first != "" && !strings.HasPrefix(first, "- ") && !strings.HasPrefix(first, "-/+ ") {
				t.Errorf("first listed change %q is not destructive", first)
			}
			if !strings.Contains(out, closingLine(tt.plan)) {
				t.Errorf("markdown lacks the closing line %q", closingLine(tt.plan))
			}
		})
	}
}

// firstListedChange returns the first line of the first diff block.
func firstListedChange(md string) string {
	_, rest, ok := strings.Cut(md, "```diff\n")
	if !ok {
		return ""
	}
	line, _, _ := strings.Cut(rest, "\n")
	return line
}

// checkMarkdownStructure checks that fences are closed and that <details>
// tags outside code blocks balance, so no value broke out of its block.
func checkMarkdownStructure(t *testing.T, md string) {
	t.Helper()
	fence := ""
	open := 0
	for i, line := range strings.Split(md, "\n") {
		if fence != "" {
			if strings.TrimRight(line, "`") == "" && len(line) >= len(fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") {
			fence = line[:longestRun(line, '`')]
			continue
		}
		open += strings.Count(line, "<details") - strings.Count(line, "</details>")
		if open < 0 {
			t.Errorf("line %d closes a <details> that is not open: %q", i+1, line)
		}
		line = withoutCodeSpans(line)
		if strings.Contains(line, "<script") || strings.Contains(line, "<img") || strings.Contains(line, "<b>") {
			t.Errorf("line %d carries raw HTML from a value: %q", i+1, line)
		}
	}
	if fence != "" {
		t.Errorf("a fenced block is not closed")
	}
	if open != 0 {
		t.Errorf("%d <details> left open", open)
	}
}

// withoutCodeSpans removes inline code spans (literal text) from a line.
func withoutCodeSpans(line string) string {
	var out strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			return out.String() + line
		}
		out.WriteString(line[:i])
		n := longestRun(line[i:], '`')
		for n > 0 && !strings.HasPrefix(line[i:], strings.Repeat("`", n)) {
			n--
		}
		closing := strings.Index(line[i+n:], strings.Repeat("`", n))
		if closing < 0 {
			return out.String() + line[i:]
		}
		line = line[i+n+closing+n:]
	}
}

func TestRenderMarkdownHostileStructure(t *testing.T) {
	for _, sc := range renderScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderMarkdown(&b, sc.plan, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			checkMarkdownStructure(t, b.String())
		})
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []diffLine
	}{
		{name: "changed middle line", old: "a\nb\nc", new: "a\nB\nc",
			want: []diffLine{{lineSame, "a"}, {lineDel, "b"}, {lineAdd, "B"}, {lineSame, "c"}}},
		{name: "appended line", old: "a", new: "a\nb",
			want: []diffLine{{lineSame, "a"}, {lineAdd, "b"}}},
		{name: "long unchanged run elided", old: "1\n2\n3\n4\n5\n6\n7\nx", new: "1\n2\n3\n4\n5\n6\n7\ny",
			want: []diffLine{{lineSkip, "5"}, {lineSame, "6"}, {lineSame, "7"}, {lineDel, "x"}, {lineAdd, "y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, lineDiff(tt.old, tt.new), cmp.AllowUnexported(diffLine{})); diff != "" {
				t.Errorf("lineDiff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "(none)"},
		{"string", "Used by prod", `"Used by prod"`},
		{"control characters", "a\x1b[31mb", `"a\x1b[31mb"`},
		{"bool", true, "true"},
		{"whole float", 10.0, "10"},
		{"fraction", 12.5, "12.5"},
		{"list of words", []any{"api-keys", "billing"}, "[api-keys, billing]"},
		{"list needing quotes", []any{"a, b", ""}, `["a, b", ""]`},
		{"empty list", []any{}, "[]"},
		{"map without secrets", map[string]any{"b": 1, "a": "x", "token": "t"}, `{a: "x", b: 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, formatValue(tt.v)); diff != "" {
				t.Errorf("formatValue(%#v) (-want +got):\n%s", tt.v, diff)
			}
		})
	}
}

func BenchmarkRenderText(b *testing.B) {
	p := largePlan(12000)
	for b.Loop() {
		if err := RenderText(&bytes.Buffer{}, p, RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderMarkdown(b *testing.B) {
	p := largePlan(12000)
	for b.Loop() {
		if err := RenderMarkdown(&bytes.Buffer{}, p, RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderJSON(b *testing.B) {
	p := largePlan(12000)
	for b.Loop() {
		if err := RenderJSON(&bytes.Buffer{}, p); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRenderMarkdown renders plans built from fuzzed names, notes and
// limits: the comment must stay within the limit, be valid UTF-8 and keep
// every value inside its block.
func FuzzRenderMarkdown(f *testing.F) {
	f.Add("ci", "Used by CI", "a warning", 0, 3)
	f.Add("</details>", "```\n<script>", "`x` [y](z)", 2000, 200)
	f.Add("ünï ✓", "\x1b[31m\u202e", strings.Repeat("w", 5000), 900, 1000)
	f.Fuzz(func(t *testing.T, name, notes, warning string, maxBytes, n int) {
		if maxBytes < 0 || maxBytes > 1<<20 || n < 0 || n > 300 || name == "" {
			t.Skip()
		}
		p := basePlan()
		for i := range n {
			a := []Action{Create, Update, Delete, Replace, Resend}[i%5]
			p.Changes = append(p.Changes, Change{
				Address: Address{Kind: KindAPIKey, Name: fmt.Sprintf("%s-%d", name, i)}, Action: a,
				Before: map[string]any{"notes": notes + "\nold"}, After: map[string]any{"notes": notes, "name": name},
				Note: notes,
			})
		}
		p.Warnings = []Warning{{Message: warning}}
		var b bytes.Buffer
		if err := RenderMarkdown(&b, p, RenderOptions{MaxBytes: maxBytes}); err != nil {
			t.Fatal(err)
		}
		limit := maxBytes
		if limit == 0 {
			limit = MarkdownMaxBytes
		}
		out := b.String()
		if len(out) > limit {
			t.Fatalf("markdown is %d bytes, over the limit of %d", len(out), limit)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("markdown is not valid UTF-8")
		}
		if strings.Contains(out, closingLine(p)) {
			// A complete comment (not cut mid-way) must be well formed.
			checkMarkdownStructure(t, out)
		}
	})
}
