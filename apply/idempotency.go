package apply

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/mlabctl/mlabctl/plan"
)

// PlanHash is a canonical hash of what a plan does: its base URL, account and,
// for every change, the address, action, live id and managed fields. Reasons
// and notes (prose that may mention dates or ages) are left out, so two runs
// that would make the same calls hash the same. Values go through
// encoding/json, which sorts map keys and writes 10 and 10.0 alike, so a plan
// computed in memory and the same plan read back from a plan file agree.
func PlanHash(p *plan.Plan) string {
	type change struct {
		Address plan.Address   `json:"address"`
		Action  plan.Action    `json:"action"`
		LiveID  string         `json:"live_id"`
		Before  map[string]any `json:"before"`
		After   map[string]any `json:"after"`
		Resend  bool           `json:"resend,omitempty"`
		// RotateOverlap decides whether the old key is deleted now.
		RotateOverlap string `json:"rotate_overlap,omitempty"`
	}
	canon := struct {
		BaseURL  string   `json:"base_url"`
		Account  string   `json:"account"`
		SwitchTo string   `json:"switch_to"`
		Changes  []change `json:"changes"`
	}{BaseURL: p.BaseURL, Account: p.Account, SwitchTo: p.SwitchTo}
	for _, c := range p.Changes {
		canon.Changes = append(canon.Changes, change{c.Address, c.Action, c.LiveID, c.Before, c.After, c.Resend, c.RotateOverlap})
	}
	b, err := json.Marshal(canon)
	if err != nil {
		// A plan holds only JSON values (it is written to plan files as
		// JSON); an unmarshalable value is a programming error upstream.
		// Hashing the error text still yields a stable key per plan shape.
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// IdempotencyKey is the Idempotency-Key of one step of one change: the hex
// SHA-256 of the plan's hash, the address, the action and the step. The same
// plan applied twice (a retry, a re-run of a plan file, an identical
// concurrent run) sends the same keys, so the server replays instead of
// creating twice; two steps of one plan never share a key.
//
// The key depends only on content, so within the server's 24 hours of
// memory, re-applying an identical plan after someone reverted its effect by
// hand is replayed rather than redone. apply notices the replay and reads
// the live state: a create is confirmed after its phase (verify.go), every
// other mutation right after its call, and made again with a key derived
// from this one and the live state when the change is not there (replay.go).
func IdempotencyKey(planHash string, addr plan.Address, action plan.Action, step Step) string {
	h := sha256.New()
	for _, part := range []string{planHash, addr.String(), string(action), string(step)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
