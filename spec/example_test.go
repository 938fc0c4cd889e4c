package spec_test

import (
	"errors"
	"fmt"

	"github.com/mlabctl/mlabctl/spec"
)

func ExampleParse() {
	_, err := spec.Parse("modelslab.yaml", []byte(`version: 1
api_keys:
  - name: ci
    rotate_after: 90x
  - name: ci
`))
	var diags spec.Diagnostics
	if errors.As(err, &diags) {
		for _, d := range diags {
			fmt.Println(d)
		}
	}
	// Output:
	// modelslab.yaml:4:19: api_keys[0].rotate_after: "90x" is not a duration: use <n>h, <n>d or <n>w, e.g. 90d
	// modelslab.yaml:5:11: api_keys[1].name: duplicate API key name "ci": first defined at modelslab.yaml:3:11; names identify keys, so each may appear once
}

func ExampleMatchGlob() {
	fmt.Println(spec.MatchGlob("dashboard-*", "dashboard-playground"))
	fmt.Println(spec.MatchGlob("*", "team/with/slashes"))
	fmt.Println(spec.MatchGlob("ci-?", "ci-12"))
	// Output:
	// true
	// true
	// false
}
