package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// text is modelslab.schema.json exactly as shipped. It is unexported and a
// string so that no importer can change the schema other packages validate
// against: go:embed needs a variable, and a string's bytes are immutable.
//
//go:embed modelslab.schema.json
var text string

// JSON returns the text of modelslab.schema.json exactly as shipped (what
// `mlabctl schema` prints).
func JSON() string { return text }

// URL is the schema's $id, under which it is compiled; validation errors
// carry it in their absolute keyword locations.
const URL = "https://github.com/mlabctl/mlabctl/schema/modelslab.schema.json"

// compiledSchema is what Compiled and Document return, built once per
// process. Both are immutable, so sharing them is safe; the Once only saves
// recompiling.
type compiledSchema struct {
	schema *jsonschema.Schema
	doc    map[string]any
	err    error
}

var compiled = sync.OnceValue(func() compiledSchema {
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return compiledSchema{err: fmt.Errorf("schema: reading embedded modelslab.schema.json: %w", err)}
	}
	doc = inlineRefs(doc).(map[string]any)
	text, err := json.Marshal(doc)
	if err != nil {
		return compiledSchema{err: fmt.Errorf("schema: %w", err)}
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	// Nothing may be fetched: the draft meta-schemas are built into the
	// library and our schema is added from memory.
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema: refusing to load %q: only the embedded schema is available", u)
	}
	if err := c.AddResource(URL, bytes.NewReader(text)); err != nil {
		return compiledSchema{err: fmt.Errorf("schema: reading embedded modelslab.schema.json: %w", err)}
	}
	s, err := c.Compile(URL)
	if err != nil {
		return compiledSchema{err: fmt.Errorf("schema: compiling embedded modelslab.schema.json: %w", err)}
	}
	return compiledSchema{schema: s, doc: doc}
})

// Compiled returns the compiled schema. An error means the embedded file is
// broken, which the package's tests rule out; callers treat it as a bug.
func Compiled() (*jsonschema.Schema, error) {
	c := compiled()
	return c.schema, c.err
}

// Document returns the schema that Compiled compiled, as plain JSON values,
// so that a validation error's absolute keyword location (a JSON pointer
// after "#") can be resolved to the subschema holding the keyword, e.g. to
// read its bounds or its patternErrorMessage. Callers must not modify it.
func Document() (map[string]any, error) {
	c := compiled()
	return c.doc, c.err
}

// inlineRefs replaces every local "$ref": "#/$defs/NAME" by a copy of the
// definition (merged with the referring object's other keywords) and drops
// $defs. The file keeps $defs so that it reads well in an editor; the
// compiled form has none because jsonschema/v5 tracks evaluated items per
// $ref, which costs a third of validating a file with 10,000 keys.
func inlineRefs(v any) any {
	root, ok := v.(map[string]any)
	if !ok {
		return v
	}
	defs, _ := root["$defs"].(map[string]any)
	var walk func(v any, depth int) any
	walk = func(v any, depth int) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			if ref, ok := x["$ref"].(string); ok && depth < 32 {
				if def, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok && strings.HasPrefix(ref, "#/$defs/") {
					for k, dv := range walk(def, depth+1).(map[string]any) {
						out[k] = dv
					}
					for k, xv := range x {
						if k != "$ref" {
							out[k] = walk(xv, depth+1)
						}
					}
					return out
				}
			}
			for k, xv := range x {
				if k != "$defs" || depth > 0 {
					out[k] = walk(xv, depth+1)
				}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, xv := range x {
				out[i] = walk(xv, depth+1)
			}
			return out
		}
		return v
	}
	return walk(root, 0)
}
