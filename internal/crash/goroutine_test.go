package crash

import (
	"runtime"
	"strings"
	"testing"
)

// TestGo: a panic in a goroutine started with Go reaches the handler as an
// Error naming the value and the function that panicked, with the
// goroutine's stack; a goroutine that ends normally does not. (That the
// process then exits 1 is package cli's test TestGoroutinePanicExits1.)
func TestGo(t *testing.T) {
	got := make(chan *Error, 1)
	SetHandler(func(e *Error) {
		got <- e
		runtime.Goexit()
	})
	t.Cleanup(func() { SetHandler(nil) })

	tests := []struct {
		name     string
		fn       func()
		wantMsg  string
		wantSite string
	}{
		{"a panic", func() { panic("ticker\n::error::x") }, `internal error: ticker\n::error::x`, "internal/crash.TestGo.func"},
		{"a runtime error", func() { indexOutOfRange(7) }, "internal error: runtime error: index out of range [7] with length 2", "internal/crash.indexOutOfRange (crash_test.go:"},
		{"no panic", func() {}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			Go(func() {
				defer close(done)
				tt.fn()
			})
			<-done
			if tt.wantMsg == "" {
				select {
				case e := <-got:
					t.Fatalf("handler called without a panic: %v", e)
				default:
					return
				}
			}
			e := <-got
			if want := tt.wantMsg + " (in " + tt.wantSite; !strings.HasPrefix(e.Error(), want) {
				t.Errorf("Error() = %q, want it to start %q", e.Error(), want)
			}
			if !strings.Contains(string(e.Stack), "goroutine_test.go") {
				t.Errorf("the stack is not the goroutine's:\n%s", e.Stack)
			}
		})
	}
}
