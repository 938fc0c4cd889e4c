package apply

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlabctl/mlabctl/internal/crash"
)

// printer serialises apply's output. Lines are printed whole; on a terminal
// (live) a progress line at the bottom says how far apply is and what is
// running, and is erased before every printed line and at the end, so that
// what stays on screen is exactly what a log would show.
type printer struct {
	mu      sync.Mutex
	w       io.Writer
	live    bool
	shown   bool
	total   int
	done    int
	running map[string]time.Time
	now     func() time.Time
	stop    chan struct{}
	stopped sync.WaitGroup

	// waitEnds is when the calls held back by the API's rate limit go
	// again (showWait); zero when none is.
	waitEnds time.Time
	// stopping: the run was interrupted, and the line says that apply
	// stops after the calls in flight (showStopping).
	stopping bool
}

// liveWidth bounds the progress line so that it never wraps on an 80-column
// terminal (a wrapped line cannot be erased with \r).
const liveWidth = 76

func newPrinter(w io.Writer, live bool, total int, now func() time.Time) *printer {
	p := &printer{w: w, live: live, total: total, running: map[string]time.Time{}, now: now, stop: make(chan struct{})}
	if live {
		// Redraw a few times a second so that a slow call's elapsed time
		// moves; the line is the only thing this goroutine touches.
		p.stopped.Add(1)
		crash.Go(func() {
			defer p.stopped.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return
				case <-t.C:
					p.mu.Lock()
					p.redraw()
					p.mu.Unlock()
				}
			}
		})
	}
	return p
}

// print writes text (whole lines) above the progress line.
func (p *printer) print(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	io.WriteString(p.w, text)
	p.redraw()
}

// locked runs fn with the progress line erased and no step line printed
// meanwhile (for the GitHub Actions mask: it goes to stderr, which is often
// the same terminal or log as stdout, and must stand on a line of its own
// before the step's line).
func (p *printer) locked(fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	fn()
	p.redraw()
}

func (p *printer) start(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[name] = p.now()
	p.redraw()
}

func (p *printer) finish(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, name)
	p.done++
	p.redraw()
}

// showStopping prints line (when not empty) on w with the progress line
// erased, and from then on the progress line says that apply stops after
// the calls in flight: the first Ctrl-C is answered at once, on screen and
// in a log, while the calls it waits for are still running.
func (p *printer) showStopping(w io.Writer, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	if w != nil && line != "" {
		fmt.Fprintln(w, line)
	}
	p.stopping = true
	p.redraw()
}

// close erases the progress line for good.
func (p *printer) close() {
	if p.live {
		close(p.stop)
		p.stopped.Wait()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	p.live = false
}

func (p *printer) erase() {
	if p.shown {
		io.WriteString(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *printer) redraw() {
	if !p.live {
		return
	}
	p.erase()
	if len(p.running) == 0 {
		return
	}
	names := make([]string, 0, len(p.running))
	oldest := p.now()
	for n, t := range p.running {
		names = append(names, n)
		if t.Before(oldest) {
			oldest = t
		}
	}
	sort.Strings(names)
	doing := "applying"
	if p.stopping {
		doing = "stopping after the calls in flight"
	}
	line := fmt.Sprintf("[%d/%d] %s… %s: %s", p.done, p.total, doing, p.now().Sub(oldest).Round(100*time.Millisecond), strings.Join(names, ", "))
	if left := p.waitEnds.Sub(p.now()); left > 0 {
		line = fmt.Sprintf("[%d/%d] waiting %s for the API's rate limit: %s", p.done, p.total, left.Round(time.Second), strings.Join(names, ", "))
	}
	if r := []rune(line); len(r) > liveWidth {
		line = string(r[:liveWidth-1]) + "…"
	}
	io.WriteString(p.w, line)
	p.shown = true
}
