package remote

import (
	"fmt"
	"strings"
)

// SecretNotReturnedError is a create-key answer that does not carry the
// key's whole secret: the key field is absent, empty or masked as in lists.
// The server made the key (the answer is a success), so the caller knows
// it exists, under ID when the answer names one; but nobody can ever read
// its secret, so the create is a failure, never a success, and nothing may
// be written as its secret.
type SecretNotReturnedError struct {
	// ID is the key the answer names; empty when it names none.
	ID ID
	// Why says what the answer held instead of a secret.
	Why string
}

// Error names the key and what was wrong; never any part of a secret.
func (e *SecretNotReturnedError) Error() string {
	id := "no id"
	if e.ID != "" {
		id = "id " + e.ID.String()
	}
	return fmt.Sprintf("POST /api-keys: the key was created (%s) but the answer did not carry its secret (%s)", id, e.Why)
}

// minWholeSecret is the shortest value taken for a whole key: a real one is
// far longer, and anything shorter is a hint or a placeholder.
const minWholeSecret = 8

// CheckWholeSecret returns why k, the answer to a create, does not carry a
// whole secret, or "" when it does: absent or empty, masked ("ml-…9f2c",
// "****"), or too short to be a key.
func CheckWholeSecret(k Secret) string {
	v := k.Reveal()
	switch {
	case v == "":
		return "its key is empty or absent"
	case strings.Contains(v, "…") || strings.Contains(v, "..."), strings.Contains(v, "*"):
		return "its key is masked, as in a list"
	case len(v) < minWholeSecret:
		return "its key is too short to be a whole key"
	}
	return ""
}
