package clitest

import (
	"strings"
	"sync"
)

// Buffer is a strings.Builder whose writes and reads are serialised, so a
// test may read what a command has written while the command still
// writes: a command may write from more than one goroutine (apply's
// parallel steps, a second interrupt), and os/exec copies a process's
// output from a goroutine of its own. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
