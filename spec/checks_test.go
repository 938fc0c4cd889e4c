package spec

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "1h", want: time.Hour},
		{in: "36h", want: 36 * time.Hour},
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "2w", want: 14 * 24 * time.Hour},
		{in: "36500d", want: 36500 * 24 * time.Hour},
		{in: "36501d", wantErr: true},
		{in: "99999999999999999999w", wantErr: true},
		{in: "0d", wantErr: true},
		{in: "07d", wantErr: true},
		{in: "d", wantErr: true},
		{in: "", wantErr: true},
		{in: "90", wantErr: true},
		{in: "90m", wantErr: true},
		{in: "1.5d", wantErr: true},
		{in: "-1d", wantErr: true},
		{in: "1 d", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseDuration(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if err == nil {
				if back := FormatDuration(got); back != tt.in {
					t.Errorf("FormatDuration(%v) = %q, want %q", got, back, tt.in)
				}
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		time.Hour:           "1h",
		25 * time.Hour:      "25h",
		48 * time.Hour:      "2d",
		7 * 24 * time.Hour:  "1w",
		90 * 24 * time.Hour: "90d",
	}
	for d, want := range tests {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"alice@example.com", true},
		{"Mixed.Case+tag@Example.COM", true},
		{"josé@example.com", true},
		{"alice", false},
		{"@example.com", false},
		{"alice@", false},
		{"Alice <alice@example.com>", false},
		{"<alice@example.com>", false},
		{" alice@example.com", false},
		{"alice@example.com ", false},
		{"a b@example.com", false},
		{"alice@example.com, bob@example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := CheckEmail(tt.in); (err == nil) != tt.ok {
				t.Errorf("CheckEmail(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestGlobs(t *testing.T) {
	tests := []struct {
		name, pattern, subject string
		valid, match           bool
	}{
		{"star", "dashboard-*", "dashboard-x", true, true},
		{"star matches nothing", "dashboard-*", "dashboard-", true, true},
		{"star crosses slashes", "team/*", "team/a/b", true, true},
		{"everything", "*", "any/name with spaces", true, true},
		{"question mark", "ci-?", "ci-1", true, true},
		{"question mark is one character", "ci-?", "ci-12", true, false},
		{"class", "key-[a-c]", "key-b", true, true},
		{"negated class", "key-[^a-c]", "key-b", true, false},
		{"class with slash", "a[/]b", "a/b", true, true},
		{"escaped star", `lit\*`, "lit*", true, true},
		{"email domain", "*@contractor.example", "Bob@contractor.example", true, true},
		{"exact", "laptop", "laptop2", true, false},
		{"unclosed class", "laptop[", "laptop", false, false},
		{"unclosed range", "dashboard-[a-", "dashboard-a", false, false},
		{"trailing backslash", `x\`, "x", false, false},
		{"bad pattern after a mismatch", "a[", "b", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckGlob(tt.pattern); (err == nil) != tt.valid {
				t.Errorf("CheckGlob(%q) = %v, want valid %v", tt.pattern, err, tt.valid)
			}
			if got := MatchGlob(tt.pattern, tt.subject); got != tt.match {
				t.Errorf("MatchGlob(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.match)
			}
		})
	}
}

// TestWarnings: an ignore glob matching a declared name is a warning at
// the glob, printed FILE:LINE:COL: warning: …; the file stays valid, and a
// glob of stars alone is not warned about.
func TestWarnings(t *testing.T) {
	s, err := Parse("m.yaml", []byte(`version: 1
api_keys:
  - name: dashboard-main
ignore:
  api_keys: ["*", "dashboard-*", "other-*"]
  team: ["*@x.example"]
team:
  - email: Kim@X.Example
`))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var got []string
	for _, w := range s.Warnings {
		got = append(got, w.Warning())
	}
	want := []string{
		`m.yaml:5:19: warning: ignore.api_keys[1]: "dashboard-*" matches the declared API key "dashboard-main": ignore applies only to live items the file does not declare, so it never affects a declared one; narrow the glob if it was meant for others`,
		`m.yaml:6:10: warning: ignore.team[0]: "*@x.example" matches the declared member "Kim@X.Example": ignore applies only to live items the file does not declare, so it never affects a declared one; narrow the glob if it was meant for others`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
