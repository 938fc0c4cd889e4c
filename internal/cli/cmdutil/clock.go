package cmdutil

import (
	"fmt"
	"strings"
	"time"
)

// EnvTestNow is for tests only: an RFC 3339 time (2026-12-02T09:00:00Z)
// at which mlabctl's clock stands still for the whole run, so that a test
// can drive what happens days apart (a rotation with rotate_overlap over
// two applies, a key last used an hour ago) against an emulator whose clock
// it moves to the same times. It sets the clock of plans, plan files,
// exports, apply's retirement records and of the emulator that `mlabctl
// emulator` and --emulator serve. Nothing else reads it; a run with it set
// says so on stderr, since a stopped clock never rotates a key.
const EnvTestNow = "MLABCTL_TEST_NOW"

// testNow returns the time MLABCTL_TEST_NOW sets, ok false when it is
// unset or empty, and an error naming the variable when it is not an
// RFC 3339 time.
func (f *Factory) testNow() (t time.Time, ok bool, err error) {
	v := strings.TrimSpace(f.Getenv(EnvTestNow))
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s=%q is not an RFC 3339 time such as 2026-12-02T09:00:00Z; it is for tests only: unset it", EnvTestNow, v)
	}
	return t, true, nil
}

// NowFunc returns the clock of the run's plans, plan files, exports and
// retirement records: Now, or the time MLABCTL_TEST_NOW sets (CheckEnv has
// refused a malformed one before any command ran). The first call under
// MLABCTL_TEST_NOW prints a warning on stderr, once. (Clock, the field, is
// the other clock: the one rate-limit waits are measured in.)
func (f *Factory) NowFunc() func() time.Time {
	t, ok, err := f.testNow()
	if !ok || err != nil {
		return f.Now
	}
	f.testClockNoted.Do(func() {
		fmt.Fprintf(f.IO.ErrOut, "Warning: %s is set: mlabctl's clock stands at %s (for tests only).\n", EnvTestNow, t.UTC().Format(time.RFC3339))
	})
	return func() time.Time { return t }
}
