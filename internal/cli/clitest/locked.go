package clitest

import (
	"strings"
	"sync"
)

// lockedWriter serialises writes to w and reads of it: a command may write
// from more than one goroutine (apply's parallel steps, a second interrupt).
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// String returns what was written so far.
func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
