package plan

import (
	"sort"

	"github.com/google/go-cmp/cmp"
)

// FieldDiff is one managed field that differs between Before and After.
type FieldDiff struct {
	Field string
	Old   any // nil when the field is absent before
	New   any // nil when the field is absent after
}

// FieldDiffs returns the top-level fields that differ between before and
// after, sorted by field name. The differing paths are collected with a
// cmp.Reporter, never parsed from cmp's text output.
func FieldDiffs(before, after map[string]any) []FieldDiff {
	var r fieldReporter
	cmp.Equal(before, after, cmp.Reporter(&r))
	fields := make([]string, 0, len(r.fields))
	for f := range r.fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	diffs := make([]FieldDiff, 0, len(fields))
	for _, f := range fields {
		diffs = append(diffs, FieldDiff{Field: f, Old: before[f], New: after[f]})
	}
	return diffs
}

// fieldReporter records the top-level map key of every unequal leaf.
type fieldReporter struct {
	path   cmp.Path
	fields map[string]bool
}

func (r *fieldReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }

func (r *fieldReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	if r.fields == nil {
		r.fields = map[string]bool{}
	}
	for _, step := range r.path {
		if mi, ok := step.(cmp.MapIndex); ok {
			if k, ok := mi.Key().Interface().(string); ok {
				r.fields[k] = true
			}
			return
		}
	}
	// A difference at the root: one side is nil. Every field of the other
	// side differs.
	vx, vy := r.path.Last().Values()
	for _, v := range []any{valueOf(vx), valueOf(vy)} {
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				r.fields[k] = true
			}
		}
	}
}

func (r *fieldReporter) PopStep() { r.path = r.path[:len(r.path)-1] }
