package apply

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// screen renders what a terminal shows for out: "\r\033[K" erases the
// current line.
func screen(out string) string {
	var b strings.Builder
	for i, part := range strings.Split(out, "\r\033[K") {
		if i > 0 {
			s := b.String()
			b.Reset()
			b.WriteString(s[:strings.LastIndex(s, "\n")+1])
		}
		b.WriteString(part)
	}
	return b.String()
}

func TestLiveProgressLeavesThePlainLines(t *testing.T) {
	run := func(live bool) string {
		f := &fakeClient{delay: 30 * time.Millisecond}
		var out bytes.Buffer
		if _, err := Run(context.Background(), demoPlan(t), f, Options{Parallelism: 1, Out: &out, Live: live, Secrets: &memSink{}}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	plain, live := run(false), run(true)
	if !strings.Contains(live, "\r\033[K") || !strings.Contains(live, "[0/13] applying…") {
		t.Fatalf("no progress line on a terminal:\n%q", live)
	}
	if strings.Contains(plain, "\r") || strings.Contains(plain, "applying…") {
		t.Errorf("a progress line off a terminal:\n%q", plain)
	}
	norm := func(s string) string { return durations.ReplaceAllString(s, "(D)") }
	if diff := cmp.Diff(norm(plain), norm(screen(live))); diff != "" {
		t.Errorf("what stays on the terminal differs from the plain output (-plain +terminal):\n%s", diff)
	}
	for _, l := range strings.Split(live, "\r\033[K") {
		if i := strings.Index(l, "["); i >= 0 && !strings.Contains(l, "\n") && len([]rune(l)) > liveWidth {
			t.Errorf("progress line wider than %d: %q", liveWidth, l)
		}
	}
}

// TestInterruptNoticeAndStoppingLine: the first Ctrl-C is answered at once,
// while a call is still in flight: the notice on Notices, and the progress
// line from then on says that apply stops after the calls in flight; the
// notice comes before the run's last lines, never after them.
func TestInterruptNoticeAndStoppingLine(t *testing.T) {
	for _, live := range []bool{false, true} {
		gate := make(chan struct{})
		started := make(chan string, 16)
		f := &fakeClient{gate: gate, started: started}
		var out, notices syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = Run(ctx, demoPlan(t), f, Options{Parallelism: 1, Out: &out, Live: live, Secrets: &memSink{},
				Notices: &notices, InterruptNotice: "stopping after the calls in flight; press Ctrl-C again to stop waiting"})
		}()
		<-started
		cancel()
		// The notice is there while the call is still held.
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(notices.String(), "stopping after the calls in flight; press Ctrl-C again") {
			if time.Now().After(deadline) {
				t.Fatalf("live=%v: no notice while the call is in flight; notices %q", live, notices.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(gate)
		<-done
		if live && !strings.Contains(out.String(), "stopping after the calls in flight…") {
			t.Errorf("live: the progress line never said it was stopping:\n%q", out.String())
		}
		if !live && strings.Contains(out.String(), "stopping after") {
			t.Errorf("not live: a progress line in the plain output:\n%q", out.String())
		}
		if n := strings.Count(notices.String(), "stopping after the calls in flight;"); n != 1 {
			t.Errorf("live=%v: the notice was printed %d times, want once", live, n)
		}
	}
}

// syncBuffer is a bytes.Buffer that a test may read while Run writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
