package apply

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mlabctl/mlabctl/plan"
	"github.com/mlabctl/mlabctl/remote"
)

// Step is one API call of a change. Most changes are one step; a replace is
// two: StepReplaceCreate in plan.PhaseKeyCreate, then StepReplaceDelete in
// plan.PhaseKeyDelete.
type Step string

// The steps apply knows.
const (
	StepCreate        Step = "create"
	StepUpdate        Step = "update"
	StepDelete        Step = "delete"
	StepResend        Step = "resend"
	StepReplaceCreate Step = "replace-create"
	StepReplaceDelete Step = "replace-delete"
)

// step is one prepared call: its request is built and checked before any
// change is made, so a malformed plan (a hand-edited plan file, say)
// touches nothing.
type step struct {
	change int // index into Plan.Changes
	c      plan.Change
	phase  plan.Phase
	step   Step
	key    string // Idempotency-Key
	// resendKey is the Idempotency-Key of the resend that follows the
	// update of an old pending invite (Change.Resend); empty otherwise.
	resendKey string
	// retire is the mark made before the create of a replace with
	// rotate_overlap (retire.go); nil otherwise.
	retire *retireRequest
	req    any // the typed request body, nil for calls without one
}

// prepare expands the plan's changes into steps grouped by phase (phases in
// order, steps within a phase by address then step), with every request
// built from Change.After and every id from Change.LiveID.
func prepare(p *plan.Plan) ([][]*step, error) {
	hash := PlanHash(p)
	refs := p.UniqueAddresses()
	byPhase := map[plan.Phase][]*step{}
	var errs []error
	for i, c := range p.Changes {
		// Keyed by the unique address: two deletes of keys sharing a name
		// are two calls, and never share an Idempotency-Key.
		keyAddr := c.Address
		keyAddr.Name = strings.TrimPrefix(refs[i], string(c.Address.Kind)+".")
		if c.Address.Kind == plan.KindAccessToken {
			keyAddr = c.Address // its address holds its id already
		}
		phases := plan.Phases(c)
		steps := stepsOf(c)
		if len(phases) == 0 || len(phases) != len(steps) {
			errs = append(errs, fmt.Errorf("%s: apply cannot %s a %s", c.Address, c.Action, c.Address.Kind))
			continue
		}
		for j, st := range steps {
			s := &step{change: i, c: c, phase: phases[j], step: st, key: IdempotencyKey(hash, keyAddr, c.Action, st)}
			if c.Resend {
				if c.Address.Kind != plan.KindTeamMember || c.Action != plan.Update {
					errs = append(errs, fmt.Errorf("%s: only a team member update can also resend its invite", c.Address))
					continue
				}
				s.resendKey = IdempotencyKey(hash, keyAddr, c.Action, StepResend)
			}
			if c.RotateOverlap != "" {
				if c.Address.Kind != plan.KindAPIKey || c.Action != plan.Replace {
					errs = append(errs, fmt.Errorf("%s: only an API key replace can keep its old key (rotate_overlap)", c.Address))
					continue
				}
				rr, err := newRetireRequest(c)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", c.Address, err))
					continue
				}
				s.retire = rr
			}
			req, err := buildRequest(c, st)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Address, err))
				continue
			}
			s.req = req
			byPhase[s.phase] = append(byPhase[s.phase], s)
		}
	}
	if len(errs) > 0 {
		return nil, &InvalidPlanError{Problems: errs}
	}
	phases := make([]plan.Phase, 0, len(byPhase))
	for ph := range byPhase {
		phases = append(phases, ph)
	}
	sort.Slice(phases, func(i, j int) bool { return phases[i] < phases[j] })
	out := make([][]*step, 0, len(phases))
	for _, ph := range phases {
		steps := byPhase[ph]
		sort.SliceStable(steps, func(i, j int) bool {
			if c := steps[i].c.Address.Compare(steps[j].c.Address); c != 0 {
				return c < 0
			}
			return steps[i].step < steps[j].step
		})
		out = append(out, steps)
	}
	return out, nil
}

// stepsOf lists the steps of a change, parallel to plan.Phases.
func stepsOf(c plan.Change) []Step {
	switch c.Action {
	case plan.Create:
		return []Step{StepCreate}
	case plan.Update:
		return []Step{StepUpdate}
	case plan.Delete:
		return []Step{StepDelete}
	case plan.Resend:
		return []Step{StepResend}
	case plan.Replace:
		if c.RotateOverlap != "" {
			return []Step{StepReplaceCreate} // the old key retires later (retire.go)
		}
		return []Step{StepReplaceCreate, StepReplaceDelete}
	}
	return nil
}

// buildRequest builds the typed request of one step, checking that the plan
// gives what the call needs.
func buildRequest(c plan.Change, st Step) (any, error) {
	needID := func() error {
		if c.LiveID == "" && !(c.Address.Kind == plan.KindAccessToken && c.Address.ID != "") {
			return fmt.Errorf("the plan gives no live id to %s", c.Action)
		}
		return nil
	}
	kind := c.Address.Kind
	switch {
	case (kind == plan.KindProfile || kind == plan.KindSocials || kind == plan.KindPreferences) && st == StepUpdate:
		fields := changedFields(c)
		var err error
		var req any
		switch kind {
		case plan.KindProfile:
			var u remote.ProfileUpdate
			err, req = decodeFields(fields, &u), &u
		case plan.KindSocials:
			var u remote.SocialsUpdate
			err, req = decodeFields(fields, &u), &u
		default:
			var u remote.PreferencesUpdate
			err, req = decodeFields(fields, &u), &u
		}
		return req, err
	case kind == plan.KindAPIKey && (st == StepCreate || st == StepReplaceCreate):
		var r remote.APIKeyCreate
		if err := decodeAll(c.After, &r); err != nil {
			return nil, err
		}
		if r.Name == "" {
			r.Name = c.Address.Name
		}
		if st == StepReplaceCreate {
			if err := needID(); err != nil {
				return nil, err
			}
		}
		return &r, nil
	case kind == plan.KindAPIKey && st == StepUpdate:
		if err := needID(); err != nil {
			return nil, err
		}
		var u remote.APIKeyUpdate
		return &u, decodeFields(changedFields(c), &u)
	case kind == plan.KindAPIKey && (st == StepDelete || st == StepReplaceDelete):
		return nil, needID()
	case kind == plan.KindTeamMember && st == StepCreate:
		var r remote.InviteRequest
		if err := decodeAll(c.After, &r); err != nil {
			return nil, err
		}
		if r.Email == "" {
			r.Email = c.Address.Name
		}
		return &r, nil
	case kind == plan.KindTeamMember && st == StepUpdate:
		if err := needID(); err != nil {
			return nil, err
		}
		fields := changedFields(c)
		// A managed permissions list that became empty (or null) must be
		// sent as [] to clear it; omitting it would leave it as it is.
		if v, ok := fields["permissions"]; ok && v == nil {
			fields["permissions"] = []string{}
		}
		var u remote.MemberUpdate
		return &u, decodeFields(fields, &u)
	case kind == plan.KindTeamMember && (st == StepDelete || st == StepResend):
		return nil, needID()
	case kind == plan.KindAccessToken && st == StepDelete:
		return nil, needID()
	}
	return nil, fmt.Errorf("apply cannot %s a %s", c.Action, kind)
}

// changedFields returns the fields of After whose values differ from
// Before's: an update sends only what changes. Values are compared as JSON
// so that a plan read back from a file ([]any, float64) compares equal to
// one computed in memory ([]string, int).
func changedFields(c plan.Change) map[string]any {
	out := map[string]any{}
	for k, v := range c.After {
		if old, ok := c.Before[k]; ok && jsonEqual(old, v) {
			continue
		}
		out[k] = v
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// decodeFields fills an update's body from the changed fields through a
// JSON round trip, refusing fields the request does not have: a field apply
// would silently drop is a change the reviewer saw and the account would
// never get.
func decodeFields(fields map[string]any, into any) error { return decode(fields, into, true) }

// decodeAll fills a create's request from the whole After, ignoring fields
// the create does not take (a plan may show context such as a status).
func decodeAll(fields map[string]any, into any) error { return decode(fields, into, false) }

func decode(fields map[string]any, into any, strict bool) error {
	b, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("encoding the planned fields: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("the planned fields do not fit the API request: %w", err)
	}
	return nil
}

// liveID is the id a step acts on.
func liveID(c plan.Change) remote.ID {
	if c.LiveID == "" && c.Address.Kind == plan.KindAccessToken {
		return remote.ID(c.Address.ID)
	}
	return remote.ID(c.LiveID)
}

// InvalidPlanError is a plan apply cannot execute (an unknown action for a
// kind, a missing live id, fields the API does not take). It is found
// before any change; exit 1.
type InvalidPlanError struct {
	Problems []error
}

// Error lists every problem, one a line.
func (e *InvalidPlanError) Error() string {
	var b bytes.Buffer
	b.WriteString("the plan cannot be applied, nothing was changed:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems.
func (e *InvalidPlanError) Unwrap() []error { return e.Problems }
