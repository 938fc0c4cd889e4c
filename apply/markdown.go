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
	if r.OK() {
		fmt.Fprintf(w, "**Apply complete**: %s.\n", actionCounts(r))
		return
	}
	head := "Apply failed"
	if r.Interrupted {
		head = "Apply interrupted"
	}
	fmt.Fprintf(w, "**%s**: %d done, %d failed, %d skipped.\n", head, r.Count(Done), r.Count(Failed), r.Count(Skipped))
	for _, o := range []Outcome{Failed, Skipped} {
		var items []string
		for _, s := range r.Steps {
			if s.Outcome != o {
				continue
			}
			item := fmt.Sprintf("- `%s %s`", s.Action.Mark(), describe(s))
			if s.Err != nil {
				item += ": " + markdownText(s.Err.Error())
			}
			items = append(items, item)
		}
		if len(items) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s%s:\n\n%s\n", strings.ToUpper(o.String()[:1]), o.String()[1:], strings.Join(items, "\n"))
	}
	if r.Changed() {
		fmt.Fprintln(w, "\nRun the same apply again to finish: it plans from the live account and converges.")
	} else {
		fmt.Fprintln(w, "\nNothing was changed.")
	}
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
