package spec

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPosJSON pins the snake_case keys a position has in JSON (plan
// problems and golden files carry it), like every other JSON key mlabctl
// writes.
func TestPosJSON(t *testing.T) {
	tests := []struct {
		name string
		pos  Pos
		want string
	}{
		{name: "a position", pos: Pos{File: "modelslab.yaml", Line: 3, Col: 7}, want: `{"file":"modelslab.yaml","line":3,"col":7}`},
		{name: "the zero position", pos: Pos{}, want: `{"file":"","line":0,"col":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.pos)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("json.Marshal(%#v) (-want +got):\n%s", tt.pos, diff)
			}
			var back Pos
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.pos, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}
