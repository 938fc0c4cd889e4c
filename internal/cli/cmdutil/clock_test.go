package cmdutil

import (
	"strings"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/internal/cli/iostreams"
)

// TestClock: without MLABCTL_TEST_NOW the run's clock is Factory.Now; with
// it, the clock stands at that time, says so on stderr once, and a
// malformed value is refused by CheckEnv naming the variable.
func TestClock(t *testing.T) {
	real := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		value   string
		set     bool
		want    time.Time
		noted   bool
		problem string
	}{
		{name: "unset", want: real},
		{name: "empty", value: "", set: true, want: real},
		{name: "UTC", value: "2026-12-02T09:00:00Z", set: true, want: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), noted: true},
		{name: "offset", value: " 2026-12-02T10:00:00+01:00 ", set: true, want: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), noted: true},
		{name: "a date only", value: "2026-12-02", set: true, problem: `MLABCTL_TEST_NOW="2026-12-02" is not an RFC 3339 time`},
		{name: "garbage", value: "tomorrow", set: true, problem: "it is for tests only: unset it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, _, stderr := iostreams.Test("")
			f := &Factory{IO: ios, Now: func() time.Time { return real }, LookupEnv: func(k string) (string, bool) {
				if k == EnvTestNow && tc.set {
					return tc.value, true
				}
				return "", false
			}}
			err := f.CheckEnv()
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("CheckEnv = %v, want %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckEnv: %v", err)
			}
			clock := f.NowFunc()
			if got := clock(); !got.Equal(tc.want) {
				t.Errorf("clock() = %v, want %v", got, tc.want)
			}
			f.NowFunc()() // a second command reading the clock prints nothing more
			notes := strings.Count(stderr.String(), "MLABCTL_TEST_NOW is set")
			if want := map[bool]int{true: 1, false: 0}[tc.noted]; notes != want {
				t.Errorf("stderr %q says MLABCTL_TEST_NOW is set %d times, want %d", stderr.String(), notes, want)
			}
		})
	}
}
