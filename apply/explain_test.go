package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mlabctl/mlabctl/remote"
)

func TestRunExplainError(t *testing.T) {
	forbidden := &remote.APIError{Status: 403, Code: "insufficient_scope", Message: "missing scope", Method: "POST", Path: "/api-keys"}
	tests := []struct {
		name    string
		explain func(error) error
		// want is in the failed step's line, in the summary and in its
		// Result error.
		want string
	}{
		{"no hook: the error as it is", nil, "403"},
		{"a hook rewrites it", func(err error) error { return fmt.Errorf("do this about it: %w", err) }, "do this about it"},
		{"a nil answer keeps it", func(error) error { return nil }, "403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{fail: map[string]error{"CreateAPIKey staging": forbidden}}
			var out bytes.Buffer
			res, err := Run(context.Background(), demoPlan(t), f, Options{Out: &out, Secrets: &memSink{}, ExplainError: tt.explain})
			if err == nil {
				t.Fatal("Run succeeded although a step failed")
			}
			res.WriteSummary(&out)
			var failed *StepResult
			for i, s := range res.Steps {
				if s.Outcome == Failed {
					failed = &res.Steps[i]
				}
			}
			if failed == nil || failed.Address.String() != "api_key.staging" {
				t.Fatalf("failed step %+v, want api_key.staging", failed)
			}
			if !strings.Contains(failed.Err.Error(), tt.want) {
				t.Errorf("Result error %q does not say %q", failed.Err, tt.want)
			}
			var apiErr *remote.APIError
			if !errors.As(failed.Err, &apiErr) {
				t.Error("the explained error no longer wraps the *remote.APIError")
			}
			line := lineOf(out.String(), "+ api_key.staging:")
			if !strings.Contains(line, "FAILED") || !strings.Contains(line, tt.want) {
				t.Errorf("the step's line %q does not say %q", line, tt.want)
			}
			summary := out.String()[strings.Index(out.String(), "Apply failed"):]
			if !strings.Contains(summary, tt.want) {
				t.Errorf("the summary does not say %q:\n%s", tt.want, summary)
			}
		})
	}
}
