package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// JSON is the text of modelslab.schema.json exactly as shipped.
//
//go:embed modelslab.schema.json
var JSON []byte

// URL is the schema's $id, under which it is compiled; validation errors
// carry it in their absolute keyword locations.
const URL = "https://github.com/mlabctl/mlabctl/schema/modelslab.schema.json"

// compiled holds the result of compiling JSON once per process. The schema
// is immutable, so sharing it is safe; the Once only saves recompiling.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	// Nothing may be fetched: the draft meta-schemas are built into the
	// library and our schema is added from memory.
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema: refusing to load %q: only the embedded schema is available", u)
	}
	if err := c.AddResource(URL, bytes.NewReader(JSON)); err != nil {
		return nil, fmt.Errorf("schema: reading embedded modelslab.schema.json: %w", err)
	}
	s, err := c.Compile(URL)
	if err != nil {
		return nil, fmt.Errorf("schema: compiling embedded modelslab.schema.json: %w", err)
	}
	return s, nil
})

// Compiled returns the compiled schema. An error means the embedded file is
// broken, which the package's tests rule out; callers treat it as a bug.
func Compiled() (*jsonschema.Schema, error) { return compiled() }
