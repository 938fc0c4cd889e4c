package apply

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mlabctl/mlabctl/plan"
)

// FuzzRunPlanFile feeds apply plans as a plan file would carry them
// (hand-edited, truncated, of another version): a plan either fails
// preparation with an InvalidPlanError before any call, or runs to the end
// without panicking, each call taking the request its step prepared.
func FuzzRunPlanFile(f *testing.F) {
	seed, err := json.Marshal(demoPlan(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"changes":[{"address":"profile","action":"update","after":{"name":"x","username":null}}]}`))
	f.Add([]byte(`{"changes":[{"address":"team_member.a@b.c","action":"update","live_id":"1","before":{"permissions":["x"]},"after":{"permissions":null},"resend":true}]}`))
	f.Add([]byte(`{"changes":[{"address":"access_token.x#","action":"delete"}]}`))
	f.Add([]byte(`{"changes":[{"address":"api_key.x","action":"replace","after":{"name":7}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p plan.Plan
		if err := json.Unmarshal(data, &p); err != nil {
			return
		}
		fc := &fakeClient{}
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err = Run(context.Background(), &p, fc, Options{Secrets: &memSink{}, Parallelism: 2})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Run hangs on %s", data)
		}
		if _, invalid := err.(*InvalidPlanError); invalid && len(fc.Calls()) > 0 {
			t.Fatalf("an invalid plan made calls: %v", fc.Calls())
		}
	})
}
