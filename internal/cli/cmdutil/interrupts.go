package cmdutil

import (
	"context"
	"sync"
	"time"
)

// ForceGrace is how long apply waits, after a second interrupt, for the
// answers already arriving (recording their secrets) before it exits 130:
// long enough for a call the server has answered to land, short enough
// that a user who pressed Ctrl-C twice is not kept waiting.
const ForceGrace = 2 * time.Second

// ForceExitAfter is the safety net of a second interrupt that a command
// took (Interrupts.Hold): if the command has not returned by then, the
// process restores the terminal and exits 130 anyway.
const ForceExitAfter = ForceGrace + 3*time.Second

// Interrupts carries the second level of Ctrl-C from the signal handler
// (cli.InterruptContext) to a command that can use it. The first interrupt
// cancels the command's context; a second one ends the process at once,
// unless a command holds the interrupts (Hold): then it closes the
// command's forced channel instead, and the command stops waiting for what
// is in flight (apply: at most ForceGrace) and returns, exiting 130.
type Interrupts struct {
	mu     sync.Mutex
	holds  int
	forced chan struct{}
	closed bool
}

// NewInterrupts returns interrupts no command holds yet.
func NewInterrupts() *Interrupts { return &Interrupts{forced: make(chan struct{})} }

type interruptsKey struct{}

// WithInterrupts returns ctx carrying i, for the command to find
// (InterruptsOf).
func WithInterrupts(ctx context.Context, i *Interrupts) context.Context {
	return context.WithValue(ctx, interruptsKey{}, i)
}

// InterruptsOf returns the interrupts ctx carries, nil when it carries
// none (a library test, a context a test made).
func InterruptsOf(ctx context.Context) *Interrupts {
	i, _ := ctx.Value(interruptsKey{}).(*Interrupts)
	return i
}

// Hold makes a second interrupt close forced instead of ending the
// process, until release. A nil *Interrupts gives a forced channel that
// never closes.
func (i *Interrupts) Hold() (forced <-chan struct{}, release func()) {
	if i == nil {
		return nil, func() {}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.holds++
	var once sync.Once
	return i.forced, func() {
		once.Do(func() {
			i.mu.Lock()
			i.holds--
			i.mu.Unlock()
		})
	}
}

// Force is the second interrupt: it closes the forced channel and reports
// true when a command holds the interrupts, and reports false (the caller
// ends the process) when none does.
func (i *Interrupts) Force() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.holds == 0 {
		return false
	}
	if !i.closed {
		close(i.forced)
		i.closed = true
	}
	return true
}
