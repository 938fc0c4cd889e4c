package remote

import (
	"context"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/emulator"
	"github.com/mlabctl/mlabctl/emulator/emulatortest"
)

// TestPacingSleepsUntilTheReset: with a clock that can sleep until an
// instant (UntilSleeper), the limiter sleeps exactly to the window's
// reset, however many calls wait for it, so a simulated clock is not moved
// past it once per waiting call.
func TestPacingSleepsUntilTheReset(t *testing.T) {
	start := time.Date(2026, 11, 2, 10, 0, 0, 250_000_000, time.UTC)
	clock := &barrierClock{Clock: emulatortest.NewClock(start), arrived: make(chan struct{}, 2)}
	e := startEmuWith(t, emulator.Variants{WindowLimit: 2, Window: 2 * time.Second, OmitRetryAfter: true})
	e.srv.Now = clock.Now
	c := e.client(t, e.demo.Token, func(o *Options) { o.Clock = clock })
	ctx := context.Background()
	// The window's two requests, one at a time: the second answer says
	// none is left.
	for range 2 {
		if _, err := c.Me(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Two calls wait for the reset together; then both fit in the new
	// window.
	done := make(chan error, 2)
	for range 2 {
		go func() { _, err := c.Me(ctx); done <- err }()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// X-RateLimit-Reset is in whole seconds, at most a window away: the
	// clock stands there, not a wait further per waiting call.
	got := clock.Now()
	if got.Nanosecond() != 0 || got.Sub(start) > 3*time.Second || !got.After(start) {
		t.Errorf("the clock stands at %v after the calls (slept %v), want the reset, a whole second within 3s of %v", got, clock.Slept(), start)
	}
}

// barrierClock is an emulatortest.Clock whose first two sleepers wait for
// each other (or 2 s): both waiting calls have computed their wait before
// either sleeps, as on a real clock.
type barrierClock struct {
	*emulatortest.Clock
	arrived chan struct{}
}

func (c *barrierClock) barrier() {
	select {
	case c.arrived <- struct{}{}:
	default: // a later sleeper: nothing to wait for
	}
	deadline := time.After(2 * time.Second)
	for len(c.arrived) < cap(c.arrived) {
		select {
		case <-deadline:
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func (c *barrierClock) Sleep(ctx context.Context, d time.Duration) error {
	c.barrier()
	return c.Clock.Sleep(ctx, d)
}

func (c *barrierClock) SleepUntil(ctx context.Context, at time.Time) error {
	c.barrier()
	return c.Clock.SleepUntil(ctx, at)
}
