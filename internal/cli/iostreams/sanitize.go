package iostreams

import (
	"strings"

	"github.com/mlabctl/mlabctl/plan"
)

// SanitizeMessage escapes what could move the cursor or rewrite a terminal
// or CI log line in a message (plan.SanitizeLine, line by line): messages
// quote live data (names, server messages). The line breaks between a
// message's own lines are kept.
func SanitizeMessage(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = plan.SanitizeLine(l)
	}
	return strings.Join(lines, "\n")
}
