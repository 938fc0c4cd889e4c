package plan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mlabctl/mlabctl/schema"
)

// checkJSONPlanSchema renders p as JSON and validates the output against
// the published schema (schema/plan.schema.json).
func checkJSONPlanSchema(t *testing.T, p *Plan) {
	t.Helper()
	s, err := schema.PlanCompiled()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := RenderJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("the JSON plan is not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("the JSON plan does not validate against schema/plan.schema.json: %#v\n%s", err, b.String())
	}
}

// TestRenderJSONMatchesSchema validates every rendered scenario, the demo
// plan and a large plan against the published schema.
func TestRenderJSONMatchesSchema(t *testing.T) {
	for _, sc := range renderScenarios() {
		t.Run(sc.name, func(t *testing.T) { checkJSONPlanSchema(t, sc.plan) })
	}
	t.Run("demo", func(t *testing.T) {
		p, err := Compute(demoSpec(), demoLive(), computeNow)
		if err != nil {
			t.Fatal(err)
		}
		checkJSONPlanSchema(t, p)
	})
	t.Run("large", func(t *testing.T) { checkJSONPlanSchema(t, largePlan(300)) })
}
