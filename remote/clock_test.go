package remote

import (
	"context"
	"sort"
	"sync"
	"time"
)

// simClock is a discrete-event clock for pacing tests and benchmarks: time
// stands still while any registered goroutine runs, and when all of them
// sleep it jumps to the earliest wake-up. A minute's rate-limit window
// then costs no wall time, and a measured duration is exactly what the
// pacing decided, whatever the machine's load. Goroutines that use it must
// be started with Go (or, for the test's own goroutine, Enter).
type simClock struct {
	mu      sync.Mutex
	now     time.Time
	active  int
	waiters []*simWaiter
	// slept sums every Sleep asked for.
	slept time.Duration
}

type simWaiter struct {
	at   time.Time
	wake chan struct{}
}

// newSimClock starts the clock at start.
func newSimClock(start time.Time) *simClock { return &simClock{now: start} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Enter registers the calling goroutine (a test's own) as running.
func (c *simClock) Enter() {
	c.mu.Lock()
	c.active++
	c.mu.Unlock()
}

// Exit unregisters it.
func (c *simClock) Exit() {
	c.mu.Lock()
	c.active--
	c.advanceLocked()
	c.mu.Unlock()
}

// Go runs f in a registered goroutine; wg.Done is called when it ends.
func (c *simClock) Go(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	c.Enter()
	go func() {
		defer wg.Done()
		defer c.Exit()
		f()
	}()
}

func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	c.slept += d
	w := &simWaiter{at: c.now.Add(d), wake: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.active--
	c.advanceLocked()
	c.mu.Unlock()
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.waiters {
			if x == w {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				c.active++
				break
			}
		}
		// Not found: woken meanwhile, and counted running again.
		c.mu.Unlock()
		return ctx.Err()
	}
}

// advanceLocked jumps to the earliest wake-up once nothing runs, and wakes
// every sleeper due then; c.mu is held.
func (c *simClock) advanceLocked() {
	if c.active > 0 || len(c.waiters) == 0 {
		return
	}
	sort.Slice(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
	if at := c.waiters[0].at; at.After(c.now) {
		c.now = at
	}
	n := 0
	for n < len(c.waiters) && !c.waiters[n].at.After(c.now) {
		c.active++
		close(c.waiters[n].wake)
		n++
	}
	c.waiters = c.waiters[n:]
}
