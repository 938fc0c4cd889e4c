package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// planText is plan.schema.json exactly as shipped, immutable for the same
// reason as text.
//
//go:embed plan.schema.json
var planText string

// PlanURL is the $id of the JSON plan's schema.
const PlanURL = "https://github.com/mlabctl/mlabctl/schema/plan.schema.json"

// PlanJSON returns the JSON Schema (draft 2020-12) of the JSON plan
// (`plan -o json`) exactly as shipped: what `mlabctl schema --plan` prints,
// and what scripts consuming the plan can validate it against.
func PlanJSON() string { return planText }

var compiledPlan = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	// The plan carries timestamps: check them, not just their type.
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema: refusing to load %q: only the embedded schemas are available", u)
	}
	if err := c.AddResource(PlanURL, bytes.NewReader([]byte(planText))); err != nil {
		return nil, fmt.Errorf("schema: reading embedded plan.schema.json: %w", err)
	}
	s, err := c.Compile(PlanURL)
	if err != nil {
		return nil, fmt.Errorf("schema: compiling embedded plan.schema.json: %w", err)
	}
	return s, nil
})

// PlanCompiled returns the compiled schema of the JSON plan. Validate a
// decoded plan (encoding/json into any) with its Validate method. An error
// means the embedded file is broken, which the package's tests rule out.
func PlanCompiled() (*jsonschema.Schema, error) { return compiledPlan() }
