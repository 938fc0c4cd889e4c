package crash

import (
	"strings"
	"testing"
)

func recovered(f func()) (e *Error) {
	defer func() {
		if v := recover(); v != nil {
			e = Recovered(v)
		}
	}()
	f()
	return nil
}

//go:noinline
func indexOutOfRange(i int) int { return []int{1, 2}[i] }

func TestRecovered(t *testing.T) {
	var nilMap map[string]*Error
	tests := []struct {
		name     string
		f        func()
		wantMsg  string
		wantSite string
	}{
		{"a runtime error", func() { indexOutOfRange(5) }, "internal error: runtime error: index out of range [5] with length 2", "internal/crash.indexOutOfRange (crash_test.go:"},
		{"a nil dereference", func() { _ = nilMap["x"].Value }, "internal error: runtime error: invalid memory address or nil pointer dereference", "internal/crash.TestRecovered.func"},
		{"a message with a line break", func() { panic("bad\n::error::x") }, `internal error: bad\n::error::x`, "internal/crash.TestRecovered.func"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := recovered(tt.f)
			if e == nil {
				t.Fatal("no panic")
			}
			if !strings.HasPrefix(e.Error(), tt.wantMsg+" (in "+tt.wantSite) {
				t.Errorf("Error() = %q, want %q (in %s…", e.Error(), tt.wantMsg, tt.wantSite)
			}
			if strings.Contains(e.Error(), "\n") {
				t.Errorf("Error() is not one line: %q", e.Error())
			}
			if !strings.Contains(string(e.Stack), "crash_test.go") {
				t.Errorf("the stack does not show the test:\n%s", e.Stack)
			}
			if !strings.Contains(e.Hint(), ReportURL) {
				t.Errorf("Hint %q does not say where to report", e.Hint())
			}
		})
	}
}
