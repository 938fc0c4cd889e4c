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

// changeDifferences compares the changes address by address. Within one
// address (two changes of it: a key deleted beside a rename that took its
// name, or a change added by hand) changes are paired by live id and
// action first, then by live id, then in order; what is left unpaired is
// only in one plan. A change is named by its unique address.
func changeDifferences(saved, now *Plan) []string {
	type entry struct {
		ref    string
		c      Change
		paired bool
	}
	group := func(p *Plan) (map[string][]*entry, []string) {
		refs := p.UniqueAddresses()
		m := map[string][]*entry{}
		var order []string
		for i, c := range p.Changes {
			a := c.Address.String()
			if _, seen := m[a]; !seen {
				order = append(order, a)
			}
			m[a] = append(m[a], &entry{ref: refs[i], c: c})
		}
		return m, order
	}
	s, sOrder := group(saved)
	n, nOrder := group(now)
	addrs := slices.Clone(sOrder)
	for _, a := range nOrder {
		if _, ok := s[a]; !ok {
			addrs = append(addrs, a)
		}
	}
	var out []string
	for _, a := range addrs {
		ss, ns := s[a], n[a]
		type pair struct{ x, y *entry }
		var pairs []pair
		for _, same := range []func(x, y Change) bool{
			func(x, y Change) bool { return x.LiveID == y.LiveID && x.Action == y.Action },
			func(x, y Change) bool { return x.LiveID == y.LiveID },
			func(x, y Change) bool { return true },
		} {
			for _, x := range ss {
				for _, y := range ns {
					if !x.paired && !y.paired && same(x.c, y.c) {
						x.paired, y.paired = true, true
						pairs = append(pairs, pair{x, y})
					}
				}
			}
		}
		for _, p := range pairs {
			if fields := changeFields(p.x.c, p.y.c); len(fields) > 0 {
				ref := p.y.ref
				if len(ss) == 1 && len(ns) == 1 {
					ref = a
				}
				line := fmt.Sprintf("%s: the plan file would %s it, the plan computed now would %s it; %s %s",
					ref, p.x.c.Action, p.y.c.Action, strings.Join(fields, ", "), differVerb(len(fields)))
				if p.x.c.LiveID != p.y.c.LiveID {
					line += fmt.Sprintf(" (live id %s in the plan file, %s now)", orNone(p.x.c.LiveID), orNone(p.y.c.LiveID))
				}
				out = append(out, line)
			}
		}
		for _, x := range ss {
			if !x.paired {
				out = append(out, fmt.Sprintf("%s: the plan file would %s it; the plan computed now does not", x.ref, x.c.Action))
			}
		}
		for _, y := range ns {
			if !y.paired {
				out = append(out, fmt.Sprintf("%s: the plan computed now would %s it; the plan file does not", y.ref, y.c.Action))
			}
		}
	}
	if len(out) == 0 && !slices.EqualFunc(saved.Changes, now.Changes, func(x, y Change) bool {
		return x.Address == y.Address && x.LiveID == y.LiveID && x.Action == y.Action
	}) {
		out = append(out, "changes: the plan file lists them in another order than the one apply makes them in")
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
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
// bytes; "none" for an empty value (a list, a map, a string).
func briefJSON(v any) string {
	rv := reflect.ValueOf(v)
	if v == nil || (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map || rv.Kind() == reflect.String) && rv.Len() == 0 {
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
