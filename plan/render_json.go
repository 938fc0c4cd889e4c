package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// jsonPlan is CONTRACT.md's JSON object. Its fields are declared in the
// order the contract writes them, which is the order encoding/json emits.
type jsonPlan struct {
	FormatVersion string       `json:"format_version"`
	Summary       Summary      `json:"summary"`
	Changes       []jsonChange `json:"changes"`
}

// jsonChange is one change as CONTRACT.md shows it: nothing more, so that
// plan internals (live ids, notes) do not become a format consumers rely on.
type jsonChange struct {
	Address string         `json:"address"`
	Action  Action         `json:"action"`
	Before  map[string]any `json:"before"`
	After   map[string]any `json:"after"`
}

// RenderJSON writes the plan as CONTRACT.md's JSON object on one line,
// followed by a newline. Map keys are sorted (encoding/json does so), so the
// output is the same on every run. Fields named like secrets are dropped.
func RenderJSON(w io.Writer, p *Plan) error {
	out := jsonPlan{
		FormatVersion: FormatVersion,
		Summary:       p.Summary(),
		Changes:       make([]jsonChange, 0, len(p.Changes)),
	}
	for _, c := range p.Changes {
		out.Changes = append(out.Changes, jsonChange{
			Address: c.Address.String(),
			Action:  c.Action,
			Before:  withoutSecrets(c.Before),
			After:   withoutSecrets(c.After),
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names and notes are shown as they are; the output is not HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encoding the plan as JSON: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// withoutSecrets returns m without fields named like secrets; nil stays nil
// (rendered as null).
func withoutSecrets(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if !isSecretField(k) {
			out[k] = v
		}
	}
	return out
}
