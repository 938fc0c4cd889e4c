package apply

import (
	"context"
	"fmt"
	"testing"

	"github.com/mlabctl/mlabctl/plan"
)

// BenchmarkJournal measures what the journal costs per key create: a plan
// of 20 creates applied with a fake client (no network, so the figure is
// the journal's own: two fsynced appends per create, on the machine's
// disk) with and without a journal. Run with
//
//	go test ./apply -run '^$' -bench BenchmarkJournal -benchtime 20x
//
// and divide ns/op by 20 for the cost per create.
func BenchmarkJournal(b *testing.B) {
	const creates = 20
	changes := make([]plan.Change, creates)
	for i := range changes {
		name := fmt.Sprintf("key-%02d", i)
		changes[i] = plan.Change{Address: plan.Address{Kind: plan.KindAPIKey, Name: name}, Action: plan.Create, After: map[string]any{"name": name}}
	}
	p := &plan.Plan{BaseURL: "https://modelslab.com", Account: "acme-bot", Changes: changes}
	for _, withJournal := range []bool{false, true} {
		b.Run(fmt.Sprintf("journal=%v", withJournal), func(b *testing.B) {
			dir := b.TempDir()
			for b.Loop() {
				var j *Journal
				if withJournal {
					var err error
					if j, err = OpenJournal(dir); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := Run(context.Background(), p, &fakeClient{}, Options{Secrets: &memSink{}, Journal: j}); err != nil {
					b.Fatal(err)
				}
				if j != nil {
					// As the next apply's Settle would: clear what is done.
					if err := j.rewrite(nil); err != nil {
						b.Fatal(err)
					}
					j.Close()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*creates), "ns/create")
		})
	}
}
