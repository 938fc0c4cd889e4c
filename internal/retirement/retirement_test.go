package retirement

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestMarkParseRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 9, 12, 30, 15, 999, time.FixedZone("CET", 3600))
	for _, tt := range []struct {
		name, notes string
		maxLen      int
		want        string
	}{
		{"empty notes", "", 500, "[mlabctl:retire-after=2026-12-09T11:30:15Z]"},
		{"notes kept after the record", "Used by CI", 500, "[mlabctl:retire-after=2026-12-09T11:30:15Z] Used by CI"},
		{"cut to the limit", strings.Repeat("é", 500), 500, "[mlabctl:retire-after=2026-12-09T11:30:15Z] " + strings.Repeat("é", 500-44)},
		{"the record always fits", "x", 10, "[mlabctl:retire-after=2026-12-09T11:30:15Z]"},
		{"no limit", "abc", 0, "[mlabctl:retire-after=2026-12-09T11:30:15Z] abc"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Mark(tt.notes, at, tt.maxLen)
			if got != tt.want {
				t.Errorf("Mark = %q, want %q", got, tt.want)
			}
			if tt.maxLen >= 44 && utf8.RuneCountInString(got) > tt.maxLen {
				t.Errorf("Mark is %d characters, more than %d", utf8.RuneCountInString(got), tt.maxLen)
			}
			after, ok, err := Parse(got)
			if err != nil || !ok || !after.Equal(at.Truncate(time.Second)) {
				t.Errorf("Parse(%q) = %v, %v, %v; want %v", got, after, ok, err, at.Truncate(time.Second))
			}
			if tt.maxLen == 500 || tt.maxLen == 0 {
				if u := Unmarked(got); !strings.HasPrefix(tt.notes, u) || (tt.maxLen == 0 && u != tt.notes) {
					t.Errorf("Unmarked = %q, want a prefix of %q", u, tt.notes)
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		notes     string
		ok        bool
		malformed bool
	}{
		{"", false, false},
		{"Used by CI", false, false},
		{"mlabctl:retire-after=2026-12-09T11:30:15Z]", false, false},
		{" [mlabctl:retire-after=2026-12-09T11:30:15Z]", false, false},
		{"[mlabctl:retire-after=2026-12-09T11:30:15Z]", true, false},
		{"[mlabctl:retire-after=2026-12-09T11:30:15Z] notes", true, false},
		{"[mlabctl:retire-after=2026-12-09T11:30:15Z]notes", false, true},
		{"[mlabctl:retire-after=tomorrow]", false, true},
		{"[mlabctl:retire-after=2026-12-09T11:30:15Z", false, true},
		{"[mlabctl:something-else]", false, true},
		{"[mlabctl:", false, true},
	} {
		_, ok, err := Parse(tt.notes)
		if ok != tt.ok || errors.Is(err, ErrMalformed) != tt.malformed {
			t.Errorf("Parse(%q) = ok %v, err %v; want ok %v, malformed %v", tt.notes, ok, err, tt.ok, tt.malformed)
		}
		if IsReserved(tt.notes) != (tt.ok || tt.malformed) {
			t.Errorf("IsReserved(%q) = %v", tt.notes, IsReserved(tt.notes))
		}
	}
}

// FuzzParse: Parse never panics, and whatever it reads as a record Mark
// writes back the same way.
func FuzzParse(f *testing.F) {
	f.Add("[mlabctl:retire-after=2026-12-09T11:30:15Z] notes")
	f.Add("[mlabctl:retire-after=")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, notes string) {
		after, ok, err := Parse(notes)
		if ok && err != nil {
			t.Fatalf("ok with an error: %v", err)
		}
		if !ok {
			return
		}
		again := Mark(Unmarked(notes), after, 0)
		if again != notes {
			t.Fatalf("Mark(Unmarked(%q)) = %q", notes, again)
		}
	})
}
