package schema

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestCompiles(t *testing.T) {
	if _, err := Compiled(); err != nil {
		t.Fatalf("Compiled: %v", err)
	}
	doc, err := Document()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := json.Marshal(doc)
	if strings.Contains(string(text), `"$ref"`) || strings.Contains(string(text), `"$defs"`) {
		t.Errorf("Document still holds $ref or $defs: %s", text)
	}
}

// TestEditorFriendly walks the schema as shipped and checks what the
// design promises editors and users: every property described, no unknown
// property accepted anywhere, and patterns that both Go (RE2) and editors
// (ECMAScript) read the same way.
func TestEditorFriendly(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(JSON()), &doc); err != nil {
		t.Fatalf("modelslab.schema.json is not JSON: %v", err)
	}
	if got := doc["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", got)
	}
	if got := doc["$id"]; got != URL {
		t.Errorf("$id = %v, want %q", got, URL)
	}
	objects := 0
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if ref, ok := s["$ref"].(string); ok && len(s) == 1 {
			if _, ok := doc["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")]; !ok {
				t.Errorf("%s: $ref %q names no definition", path, ref)
			}
			return // the definition is walked, and described, on its own
		}
		if _, ok := s["description"]; !ok {
			t.Errorf("%s: no description", path)
		}
		if p, ok := s["pattern"].(string); ok {
			if _, err := regexp.Compile(p); err != nil {
				t.Errorf("%s: pattern %q: %v", path, p, err)
			}
			if strings.ContainsAny(p, "\\") || !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") {
				t.Errorf("%s: pattern %q should be anchored and free of escapes that differ between RE2 and ECMAScript", path, p)
			}
			if _, ok := s["patternErrorMessage"]; !ok {
				t.Errorf("%s: pattern without patternErrorMessage; users would read the regular expression", path)
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			objects++
			if s["additionalProperties"] != false {
				t.Errorf("%s: additionalProperties is %v, want false", path, s["additionalProperties"])
			}
			for name, p := range props {
				walk(path+"/properties/"+name, p.(map[string]any))
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"/items", items)
		}
	}
	walk("#", doc)
	for name, def := range doc["$defs"].(map[string]any) {
		walk("#/$defs/"+name, def.(map[string]any))
	}
	if objects < 9 {
		t.Errorf("walked %d object schemas; the walk missed some", objects)
	}
}

// TestValidates checks a few documents against the compiled schema
// directly, as plain JSON values.
func TestValidates(t *testing.T) {
	s, err := Compiled()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		doc   string
		valid bool
	}{
		{"minimal", `{"version": 1}`, true},
		{"no version", `{}`, false},
		{"version 2", `{"version": 2}`, false},
		{"unknown field", `{"version": 1, "extra": true}`, false},
		{"key with integer id", `{"version": 1, "api_keys": [{"name": "a", "id": 5}]}`, true},
		{"key with string id", `{"version": 1, "api_keys": [{"name": "a", "id": "k5"}]}`, true},
		{"key with id 0", `{"version": 1, "api_keys": [{"name": "a", "id": 0}]}`, false},
		{"key with empty id", `{"version": 1, "api_keys": [{"name": "a", "id": ""}]}`, false},
		{"duration", `{"version": 1, "api_keys": [{"name": "a", "rotate_after": "12h"}]}`, true},
		{"bad duration", `{"version": 1, "api_keys": [{"name": "a", "rotate_after": "12m"}]}`, false},
		{"role enum", `{"version": 1, "team": [{"email": "a@b.c", "role": "owner"}]}`, false},
		{"repeated permission", `{"version": 1, "team": [{"email": "a@b.c", "permissions": ["x", "x"]}]}`, false},
		{"keep required", `{"version": 1, "access_tokens": {}}`, false},
		{"percent bound", `{"version": 1, "policy": {"max_delete_percent": 101}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.doc), &v); err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(v); (err == nil) != tt.valid {
				t.Errorf("Validate(%s) = %v, want valid %v", tt.doc, err, tt.valid)
			}
		})
	}
}
