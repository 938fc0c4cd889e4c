package emulatortest

import (
	"context"
	"sync"
	"time"
)

// Clock is a clock a test moves by hand: give its Now to emulator.Server.Now
// (before the server serves) and to the code under test, then Advance it to
// see what happens days later, without waiting.
//
// It is also a remote.Clock (Now and Sleep): a client pacing the API's rate
// limit on it sleeps in no time, the clock jumping to the end of each sleep,
// so that a test of a minute's window takes milliseconds.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep moves the clock d forward and returns at once: time jumps over the
// wait, and the sleeper never wakes before its time. It returns ctx.Err()
// when ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept += d
	}
	return nil
}

// SleepUntil moves the clock to t unless it stands there already, and
// returns at once (remote.UntilSleeper: the rate limiter sleeps to the end
// of a pause exactly, however many calls wait for it).
func (c *Clock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.slept += t.Sub(c.now)
		c.now = t
	}
	return nil
}

// Slept returns how far Sleep and SleepUntil moved the clock (Advance
// not counted).
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
