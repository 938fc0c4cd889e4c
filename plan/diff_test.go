package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFieldDiffs(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]any
		want          []FieldDiff
	}{
		{name: "equal", before: map[string]any{"a": 1}, after: map[string]any{"a": 1}, want: []FieldDiff{}},
		{name: "changed scalar", before: map[string]any{"a": 1, "b": "x"}, after: map[string]any{"a": 2, "b": "x"},
			want: []FieldDiff{{Field: "a", Old: 1, New: 2}}},
		{name: "changed list", before: map[string]any{"p": []any{"x"}}, after: map[string]any{"p": []any{"x", "y"}},
			want: []FieldDiff{{Field: "p", Old: []any{"x"}, New: []any{"x", "y"}}}},
		{name: "added and removed", before: map[string]any{"a": 1}, after: map[string]any{"b": 2},
			want: []FieldDiff{{Field: "a", Old: 1}, {Field: "b", New: 2}}},
		{name: "create", before: nil, after: map[string]any{"name": "ci", "notes": "n"},
			want: []FieldDiff{{Field: "name", New: "ci"}, {Field: "notes", New: "n"}}},
		{name: "delete", before: map[string]any{"name": "ci"}, after: nil,
			want: []FieldDiff{{Field: "name", Old: "ci"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FieldDiffs(tt.before, tt.after)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FieldDiffs (-want +got):\n%s", diff)
			}
		})
	}
}
