package apply

import (
	"fmt"
	"io"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
)

// WriteMarkdown writes the result as a short markdown summary for a CI job
// page (GitHub's step summary): one bold line of counts, then the failed and
// skipped steps, each with its address and error, and what to do next. Done
// steps are only counted: their lines are in the log. Like WriteSummary it
// holds no secret: a StepResult never carries one, and errors from remote
// are scrubbed of the secrets a call sent.
//
// Addresses and errors are live data: an address is a code span no backtick
// in it can close (plan.MarkdownCode), an error is escaped prose
// (plan.MarkdownText: no HTML, link, code span or @mention), both on one
// line with control characters escaped, as in plan's own summary.
func (r *Result) WriteMarkdown(w io.Writer) {
	head, counts := r.headline()
	fmt.Fprintf(w, "**%s**: %s.\n", head, counts)
	if r.OK() {
		return
	}
	item := func(step string) string { return "- " + plan.MarkdownCode(step) }
	for _, l := range r.outcomeLists([]Outcome{Failed, Skipped, Unknown}, item, plan.MarkdownText) {
		fmt.Fprintf(w, "\n%s:\n\n%s\n", l.title, strings.Join(l.items, "\n"))
	}
	if len(r.Overlaps) > 0 {
		fmt.Fprintf(w, "\nKeys this run did not make:\n\n")
		for _, o := range r.Overlaps {
			fmt.Fprintf(w, "- %s\n", plan.MarkdownText(o))
		}
	}
	fmt.Fprintln(w, "\n"+r.nextStep("apply"))
}
