package cmdutil

import (
	"context"
	"testing"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestInterrupts(t *testing.T) {
	tests := []struct {
		name string
		// holds taken, and how many of them released, before Force.
		holds, released int
		wantTaken       bool
	}{
		{name: "nobody holds: the process quits", wantTaken: false},
		{name: "a holder takes it", holds: 1, wantTaken: true},
		{name: "two holders, one released", holds: 2, released: 1, wantTaken: true},
		{name: "every hold released", holds: 2, released: 2, wantTaken: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := NewInterrupts()
			ctx := WithInterrupts(context.Background(), i)
			if InterruptsOf(ctx) != i {
				t.Fatal("InterruptsOf does not return the interrupts the context carries")
			}
			var forced []<-chan struct{}
			for n := range tt.holds {
				ch, release := InterruptsOf(ctx).Hold()
				forced = append(forced, ch)
				if n < tt.released {
					release()
					release() // twice: counted once
				}
			}
			if got := i.Force(); got != tt.wantTaken {
				t.Fatalf("Force() = %v, want %v", got, tt.wantTaken)
			}
			for _, ch := range forced {
				if closed(ch) != tt.wantTaken {
					t.Errorf("forced channel closed: %v, want %v", closed(ch), tt.wantTaken)
				}
			}
			if tt.wantTaken && !i.Force() {
				t.Error("a second Force (a third signal) with the holder still there was not taken")
			}
		})
	}
}

func TestInterruptsOfAContextWithout(t *testing.T) {
	i := InterruptsOf(context.Background())
	if i != nil {
		t.Fatalf("InterruptsOf(Background) = %v", i)
	}
	forced, release := i.Hold()
	release()
	if forced != nil {
		t.Error("a nil *Interrupts gave a channel that could close")
	}
}
