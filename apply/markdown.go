package apply

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the result as a short markdown summary for a CI job
// page (GitHub's step summary): one bold line of counts, then the failed and
// skipped steps, each with its address and error, and what to do next. Done
// steps are only counted: their lines are in the log. Like WriteSummary it
// holds no secret: a StepResult never carries one, and errors from remote
// are scrubbed of the secrets a call sent.
func (r *Result) WriteMarkdown(w io.Writer) {
	head, counts := r.headline()
	fmt.Fprintf(w, "**%s**: %s.\n", head, counts)
	if r.OK() {
		return
	}
	for _, l := range r.outcomeLists([]Outcome{Failed, Skipped}, func(step string) string { return "- `" + step + "`" }, markdownText) {
		fmt.Fprintf(w, "\n%s:\n\n%s\n", l.title, strings.Join(l.items, "\n"))
	}
	fmt.Fprintln(w, "\n"+r.nextStep("apply"))
}

// markdownText makes an error message safe inside one markdown list item:
// one line, and no character that would start markup (an error quoting a
// server message could otherwise inject HTML, links or a table).
func markdownText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return markdownEscaper.Replace(s)
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "|", `\|`, "#", `\#`,
)
