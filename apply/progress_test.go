package apply

import (
	"bytes"
	"context"
	"strings"
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
