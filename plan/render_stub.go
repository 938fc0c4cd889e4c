package plan

// SCAFFOLDING: replaced by the owner of the renderers, keeping these signatures.

import (
	"errors"
	"io"
)

// RenderOptions tune the human renderers.
type RenderOptions struct {
	// Color enables ANSI colour (the caller decides: only on a terminal,
	// never with --no-color or NO_COLOR).
	Color bool
	// MaxBytes bounds the markdown output; 0 means GitHub's 65,536-character
	// comment limit (with a margin).
	MaxBytes int
}

// RenderText writes the plan as a reviewer reads it in a terminal or a log.
func RenderText(w io.Writer, p *Plan, o RenderOptions) error {
	return errors.New("plan: RenderText not implemented yet")
}

// RenderMarkdown writes the plan as a pull-request comment.
func RenderMarkdown(w io.Writer, p *Plan, o RenderOptions) error {
	return errors.New("plan: RenderMarkdown not implemented yet")
}

// RenderJSON writes the plan as CONTRACT.md's JSON object.
func RenderJSON(w io.Writer, p *Plan) error {
	return errors.New("plan: RenderJSON not implemented yet")
}
