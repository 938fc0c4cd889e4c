package remote

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Secret is a token, password or API key value. Its String, Format and
// MarshalJSON redact it; Reveal is the one way to read it, and every call of
// Reveal is a place where a secret deliberately leaves the program.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret in clear. Call it only to send the secret to the
// API or to write it where the user asked for it.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// Format redacts for every verb, including %#v and %q.
func (s Secret) Format(f fmt.State, verb rune) {
	fmt.Fprint(f, s.String())
}

// GoString redacts.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON redacts, so a secret can never reach a plan file or a log
// through encoding/json. Requests that must send a secret build their body
// with Reveal explicitly.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.String())
}

// UnmarshalJSON reads the secret in clear from a response.
func (s *Secret) UnmarshalJSON(b []byte) error {
	if len(b) > 1 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 {
		// No escapes: the bytes between the quotes (the decoder has
		// already validated the literal).
		*s = Secret(b[1 : len(b)-1])
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}

// minMaskedHintLen is the shortest secret whose hint shows characters:
// the hint shows 7, which must stay a small part of the secret.
const minMaskedHintLen = 16

// Masked returns a short hint of the secret ("ml-…9f2c") that is safe to
// show: its first 3 and last 4 bytes when it has at least 16, else just
// "…" (and "" for the empty secret).
func (s Secret) Masked() string {
	v := string(s)
	if v == "" {
		return ""
	}
	if len(v) < minMaskedHintLen {
		return "…"
	}
	return v[:3] + "…" + v[len(v)-4:]
}
