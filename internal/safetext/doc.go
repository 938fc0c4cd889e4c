// Package safetext makes text that mlabctl did not write itself (names,
// notes and emails from the live account or from modelslab.yaml, server
// error messages, paths) safe to print inside one line of a terminal or a
// CI log: it stays inside the line it is printed in, and nothing in it can
// move the cursor, recolour the screen, read differently than it is, or be
// taken by a CI runner for a command of its own (GitHub Actions'
// `::error::`, `::add-mask::`, `::stop-commands::`, and the legacy `##[`
// form the runner honours anywhere in a line).
//
// Every printer of live text goes through it: plan's renderers
// (plan.SanitizeLine), apply's step lines and summaries, remote's error
// messages (APIError.Error) and the command line's top-level "Error:" line
// (Message). It is a leaf: it imports nothing of mlabctl, so that remote,
// plan and the CLI can all use it.
//
// It must not decide what is printed, or make text safe for a format with
// rules of its own (markdown, JSON, YAML): those renderers escape for their
// format, and for the line with Line.
package safetext
