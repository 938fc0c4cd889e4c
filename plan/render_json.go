package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// jsonPlan is CONTRACT.md's JSON object. Its fields are declared in the
// order the contract writes them (the first version's fields first), which
// is the order encoding/json emits;
// schema/plan.schema.json describes it. Format version 1 only ever gains
// fields: a consumer of the first version (format_version, summary,
// changes with address, action, before and after) reads every later one.
type jsonPlan struct {
	FormatVersion string       `json:"format_version"`
	Summary       Summary      `json:"summary"`
	Changes       []jsonChange `json:"changes"`
	Account       string       `json:"account"`
	BaseURL       string       `json:"base_url"`
	// SwitchTo is the team account switched into first (`account:`).
	SwitchTo string `json:"switch_to,omitempty"`
	// Partial is true when --target limits the plan; Targets are its
	// values.
	Partial   bool             `json:"partial"`
	Targets   []string         `json:"targets,omitempty"`
	Warnings  []jsonWarning    `json:"warnings"`
	Unmanaged []string         `json:"unmanaged"`
	Retiring  []jsonRetirement `json:"retiring"`
}

// jsonChange is one change: what the contract shows, why, and the live
// object it acts on. Plan internals (notes for the text plan, phases) are
// left out, so that they do not become a format consumers rely on.
type jsonChange struct {
	// Address is the change's unique address (UniqueAddresses): it carries
	// "#LIVE_ID" when two changes would share one.
	Address string         `json:"address"`
	Action  Action         `json:"action"`
	Before  map[string]any `json:"before"`
	After   map[string]any `json:"after"`
	Reason  string         `json:"reason"`
	LiveID  string         `json:"live_id,omitempty"`
	// LastUsedAt is set on an API key delete or replace whose key was used.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	// RotateOverlap is set on a replace that keeps the old key that long.
	RotateOverlap string `json:"rotate_overlap,omitempty"`
}

// jsonWarning is one warning: its kind (WarningMassDeletion, ...) and its
// text as the text plan prints it, with the addresses it names.
type jsonWarning struct {
	Kind      string   `json:"kind"`
	Message   string   `json:"message"`
	Addresses []string `json:"addresses,omitempty"`
}

// jsonRetirement is a predecessor of a rotation still valid.
type jsonRetirement struct {
	Address     string    `json:"address"`
	LiveID      string    `json:"live_id"`
	After       time.Time `json:"retires_after"`
	SuccessorID string    `json:"successor_id,omitempty"`
}

// RenderJSON writes the plan as CONTRACT.md's JSON object on one line,
// followed by a newline. Map keys are sorted (encoding/json does so), so the
// output is the same on every run. Fields named like secrets are dropped.
func RenderJSON(w io.Writer, p *Plan) error {
	out := jsonPlan{
		FormatVersion: FormatVersion,
		Account:       p.Account,
		BaseURL:       p.BaseURL,
		SwitchTo:      p.SwitchTo,
		Partial:       p.Partial(),
		Targets:       p.Targets,
		Summary:       p.Summary(),
		Changes:       make([]jsonChange, 0, len(p.Changes)),
		Warnings:      []jsonWarning{},
		Unmanaged:     []string{},
		Retiring:      []jsonRetirement{},
	}
	for _, it := range itemsOf(p) {
		c := it.c
		jc := jsonChange{
			Address:       it.addr,
			Action:        c.Action,
			Before:        withoutSecrets(c.Before),
			After:         withoutSecrets(c.After),
			Reason:        reasonOf(c),
			LiveID:        c.LiveID,
			RotateOverlap: c.RotateOverlap,
		}
		if c.LastUsedAt != nil {
			t := c.LastUsedAt.UTC()
			jc.LastUsedAt = &t
		}
		out.Changes = append(out.Changes, jc)
	}
	for _, wl := range warningsOf(p) {
		msg := strings.Join(append([]string{wl.first}, wl.rest...), "\n")
		out.Warnings = append(out.Warnings, jsonWarning{Kind: wl.kind, Message: msg, Addresses: wl.addresses})
	}
	for _, a := range p.Unmanaged {
		out.Unmanaged = append(out.Unmanaged, a.String())
	}
	slices.Sort(out.Unmanaged)
	for _, r := range p.Retiring {
		out.Retiring = append(out.Retiring, jsonRetirement{Address: r.Address.String(), LiveID: r.LiveID, After: r.After.UTC(), SuccessorID: r.SuccessorID})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names and notes are shown as they are; the output is not HTML.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encoding the plan as JSON: %w", err)
	}
	// Live names may hold what encoding/json leaves raw (a bidirectional
	// override, "##["): escaped inside their strings, same JSON.
	_, err := w.Write(safetext.JSON(buf.Bytes()))
	return err
}

// reasonOf is a change's reason, or, for a change planned without one (a
// create, which the text plan shows without a note), what makes it.
func reasonOf(c Change) string {
	if c.Reason != "" {
		return c.Reason
	}
	switch c.Action {
	case Create:
		return "in modelslab.yaml, not in the live account"
	case Update:
		return "differs from modelslab.yaml"
	}
	return ""
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
