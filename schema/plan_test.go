package schema

import (
	"encoding/json"
	"testing"
)

func TestPlanSchemaCompilesAndIsDescribed(t *testing.T) {
	if _, err := PlanCompiled(); err != nil {
		t.Fatalf("PlanCompiled: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(PlanJSON()), &doc); err != nil {
		t.Fatalf("plan.schema.json is not JSON: %v", err)
	}
	if doc["$id"] != PlanURL {
		t.Errorf("$id = %v, want %q", doc["$id"], PlanURL)
	}
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if _, ok := s["description"]; !ok {
			if _, ref := s["$ref"]; !ref || len(s) > 2 {
				t.Errorf("%s: no description", path)
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			if s["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties is %v, want false: the schema describes the output exactly", path, s["additionalProperties"])
			}
			for name, p := range props {
				walk(path+"/properties/"+name, p.(map[string]any))
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			if sub, ok := s[k].(map[string]any); ok {
				walk(path+"/"+k, sub)
			}
		}
	}
	walk("#", doc)
	for name, def := range doc["$defs"].(map[string]any) {
		walk("#/$defs/"+name, def.(map[string]any))
	}
}

// TestPlanSchemaValidates checks documents by hand: the first version's
// shape (CONTRACT.md's example) stays valid, and what is not a plan is not.
func TestPlanSchemaValidates(t *testing.T) {
	s, err := PlanCompiled()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		doc   string
		valid bool
	}{
		{"the first version's example", `{"format_version": "1",
 "summary": {"create": 1, "update": 1, "delete": 0, "replace": 0},
 "changes": [
   {"address": "api_key.ci", "action": "create", "before": null, "after": {"name": "ci", "notes": "Used by GitHub Actions"}},
   {"address": "preferences", "action": "update", "before": {"nsfw_content": true}, "after": {"nsfw_content": false}}]}`, true},
		{"the richer plan", `{"format_version": "1", "summary": {"create": 0, "update": 0, "delete": 1, "replace": 0, "resend": 0},
 "changes": [{"address": "api_key.ci#101", "action": "delete", "before": {"name": "ci", "notes": ""}, "after": null,
   "reason": "predecessor of id 102", "live_id": "101", "last_used_at": "2026-11-25T10:00:00Z"}],
 "account": "acme-bot", "base_url": "https://modelslab.com", "partial": true, "targets": ["api_key.ci"],
 "warnings": [{"kind": "partial", "message": "partial plan"}], "unmanaged": ["api_key.dash"],
 "retiring": [{"address": "api_key.ci", "live_id": "100", "retires_after": "2026-12-09T12:00:00Z", "successor_id": "102"}]}`, true},
		{"another format version", `{"format_version": "2", "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0}, "changes": []}`, false},
		{"an unknown action", `{"format_version": "1", "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0},
 "changes": [{"address": "x", "action": "rename", "before": null, "after": null}]}`, false},
		{"a bad timestamp", `{"format_version": "1", "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0},
 "changes": [{"address": "api_key.x", "action": "delete", "before": null, "after": null, "last_used_at": "yesterday"}]}`, false},
		{"an unknown warning kind", `{"format_version": "1", "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0},
 "changes": [], "warnings": [{"kind": "oops", "message": "m"}]}`, false},
		{"a field nobody documented", `{"format_version": "1", "summary": {"create": 0, "update": 0, "delete": 0, "replace": 0}, "changes": [], "secret": "x"}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.doc), &v); err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); (err == nil) != tt.valid {
				t.Errorf("Validate = %v, want valid %v", err, tt.valid)
			}
		})
	}
}
