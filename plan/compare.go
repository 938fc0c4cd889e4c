package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Differences lists, one line per difference, how saved (a plan read from a
// plan file) differs from now (the plan computed again from the same
// modelslab.yaml and the live account), naming each change by its unique
// address and each other part by its JSON name; nil when they are equal.
//
// Everything apply acts on or a reviewer was shown as the plan's effect is
// compared: every change field, the unmanaged items, the mass deletions,
// the retirements, --target and --replace, the account. Left out are what
// time and use alone change, which the rails read afresh from the live
// account anyway: ComputedAt, RecentlyUsed and a change's LastUsedAt (the
// fingerprints of a plan file exclude last_used_at for the same reason),
// and the Warnings, which describe the plan without being part of it.
func Differences(saved, now *Plan) []string {
	var out []string
	out = append(out, changeDifferences(saved, now)...)
	ignore := cmpopts.IgnoreFields(Plan{}, "ComputedAt", "RecentlyUsed", "Warnings", "Changes")
	for _, field := range differingFields(saved, now, ignore) {
		out = append(out, fmt.Sprintf("%s: the plan file has %s; the plan computed now has %s",
			field.name, briefJSON(field.x), briefJSON(field.y)))
	}
	return out
}

// changeDifferences compares the changes by unique address: those only in
// one plan, those in both that differ, and the order.
func changeDifferences(saved, now *Plan) []string {
	index := func(p *Plan) (map[string][]Change, []string) {
		refs := p.UniqueAddresses()
		m := make(map[string][]Change, len(refs))
		var order []string
		for i, r := range refs {
			if _, seen := m[r]; !seen {
				order = append(order, r)
			}
			m[r] = append(m[r], p.Changes[i])
		}
		return m, order
	}
	s, sOrder := index(saved)
	n, nOrder := index(now)
	var out []string
	for _, ref := range sOrder {
		sc, nc := s[ref], n[ref]
		switch {
		case len(nc) == 0:
			out = append(out, fmt.Sprintf("%s: the plan file would %s it; the plan computed now does not", ref, actionsOf(sc)))
		case len(sc) != len(nc):
			out = append(out, fmt.Sprintf("%s: the plan file has %d changes of it, the plan computed now %d", ref, len(sc), len(nc)))
		default:
			for i := range sc {
				if fields := changeFields(sc[i], nc[i]); len(fields) > 0 {
					out = append(out, fmt.Sprintf("%s: the plan file would %s it, the plan computed now would %s it; %s %s",
						ref, sc[i].Action, nc[i].Action, strings.Join(fields, ", "), differVerb(len(fields))))
				}
			}
		}
	}
	for _, ref := range nOrder {
		if _, ok := s[ref]; !ok {
			out = append(out, fmt.Sprintf("%s: the plan computed now would %s it; the plan file does not", ref, actionsOf(n[ref])))
		}
	}
	if len(out) == 0 && !slices.Equal(sOrder, nOrder) {
		out = append(out, "changes: the plan file lists them in another order than the one apply makes them in")
	}
	return out
}

// actionsOf names the actions of cs ("delete", "create and delete").
func actionsOf(cs []Change) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c.Action)
	}
	return strings.Join(names, " and ")
}

func differVerb(n int) string {
	if n == 1 {
		return "differs"
	}
	return "differ"
}

// changeFields returns the JSON names of the fields in which a and b
// differ, LastUsedAt aside.
func changeFields(a, b Change) []string {
	fs := differingFields(a, b, cmpopts.IgnoreFields(Change{}, "LastUsedAt"))
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return names
}

// fieldDifference is one top-level struct field that differs.
type fieldDifference struct {
	name string // its JSON name
	x, y any
}

// differingFields compares two values of one struct type (or pointers to
// it) and returns the top-level fields that differ, by JSON name, in the
// struct's order. Empty and nil slices and maps are equal, as they are once
// written to a plan file and read back.
func differingFields(x, y any, opts ...cmp.Option) []fieldDifference {
	var r structFieldReporter
	cmp.Equal(x, y, append(opts, cmpopts.EquateEmpty(), cmp.Reporter(&r))...)
	t := reflect.TypeOf(x)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	vx, vy := reflect.Indirect(reflect.ValueOf(x)), reflect.Indirect(reflect.ValueOf(y))
	var out []fieldDifference
	for i := range t.NumField() {
		f := t.Field(i)
		if !r.fields[f.Name] && !(r.root && vx.IsValid() != vy.IsValid()) {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		d := fieldDifference{name: name}
		if vx.IsValid() {
			d.x = vx.Field(i).Interface()
		}
		if vy.IsValid() {
			d.y = vy.Field(i).Interface()
		}
		out = append(out, d)
	}
	return out
}

// structFieldReporter records the top-level struct field of every unequal
// leaf, and whether the roots themselves differ (a nil pointer).
type structFieldReporter struct {
	path   cmp.Path
	fields map[string]bool
	root   bool
}

func (r *structFieldReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }

func (r *structFieldReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	if r.fields == nil {
		r.fields = map[string]bool{}
	}
	for _, step := range r.path {
		if sf, ok := step.(cmp.StructField); ok {
			r.fields[sf.Name()] = true
			return
		}
	}
	r.root = true
}

func (r *structFieldReporter) PopStep() { r.path = r.path[:len(r.path)-1] }

// briefJSON renders v for a one-line message: compact JSON, cut to 200
// bytes; "none" for an empty value.
func briefJSON(v any) string {
	rv := reflect.ValueOf(v)
	if v == nil || (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0 {
		return "none"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const limit = 200
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}
