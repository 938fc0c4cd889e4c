package plan

// Settled facts: what package apply learned from its journal about live
// API keys that an interrupted apply made or was replacing (apply.Settle).
// They reach the plan as data (Options.Settled), so that the plan itself
// finishes that apply's work and says why, in its text and its JSON,
// instead of refusing the ambiguity or forgetting a key whose secret
// nobody holds. The plan stays pure: it reads no journal.

// KeyFate is what the plan does with a live key the journal knows.
type KeyFate string

// The fates of a settled key.
const (
	// FateKeep: the key whose secret is held (recorded in the journal and
	// kept in the secrets file); among several live keys of its name it is
	// the one the declared entry matches.
	FateKeep KeyFate = "keep"
	// FateReplace: the key exists but its secret was never received; the
	// plan replaces it (Reason says when it was made).
	FateReplace KeyFate = "replace"
	// FateDelete: a key nobody holds (an orphan of an interrupted create)
	// or the predecessor of a finished rotation; never matched to an
	// entry, and deleted as undeclared, with Reason.
	FateDelete KeyFate = "delete"
)

// SettledKey is one settled fact about a live API key.
type SettledKey struct {
	// ID is the live key's id.
	ID string `json:"id"`
	// Name is the key's name (for messages; matching is by id).
	Name string  `json:"name"`
	Fate KeyFate `json:"fate"`
	// Reason is the plan's reason for the change the fate makes: "its
	// secret was never received (interrupted apply at …)".
	Reason string `json:"reason,omitempty"`
}

// settledByID indexes facts by live id; the last fact of an id wins.
func settledByID(facts []SettledKey) map[string]SettledKey {
	out := make(map[string]SettledKey, len(facts))
	for _, f := range facts {
		out[f.ID] = f
	}
	return out
}
