package remote

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlabctl/mlabctl/internal/safetext"
)

// A create-key answer must carry the key's whole secret: it is the only
// answer that does (API.md). What counts as whole, and the error when it
// is not.

// SecretNotReturnedError is a key create (POST /api-keys) that succeeded
// without answering the key's whole secret: the answer's key was missing,
// empty, masked or otherwise not a whole key (CheckWholeSecret). The key
// exists (a caller that must find it lists the keys, or uses ID), and
// nobody has its secret: it is a failure of the create, never a success,
// and MayHaveCommitted reports true for it. KeyWithoutSecret asks for it.
type SecretNotReturnedError struct {
	// ID is the id of the key the answer names; "" when it names none.
	ID ID
	// Name is the key's name as the answer gives it ("" if none).
	Name string
	// Why says what was wrong with the answer's key, without quoting it.
	Why string
}

// Error reads like
//
//	POST /api-keys created the key "ci" (id 7) but did not answer its secret: the answer's key is masked, as lists show keys
func (e *SecretNotReturnedError) Error() string {
	what := "a key"
	switch {
	case e.Name != "" && e.ID != "":
		what = fmt.Sprintf("the key %s (id %s)", strconv.Quote(safetext.Line(e.Name)), safetext.Line(e.ID.String()))
	case e.ID != "":
		what = "the key with id " + safetext.Line(e.ID.String())
	case e.Name != "":
		what = "the key " + strconv.Quote(safetext.Line(e.Name))
	}
	return fmt.Sprintf("POST /api-keys created %s but did not answer its secret: %s", what, e.Why)
}

// minWholeKeyLen is the shortest value taken for a whole API key. API.md
// gives no format beyond the masked form ("ml-…9f2c"); generation keys
// are long random strings, and a value this short is a hint or a
// placeholder, never a key worth writing to a secrets file.
const minWholeKeyLen = 16

// CheckWholeSecret says why s cannot be the whole secret of an API key, or
// returns "" when it can. It is conservative, since a value taken for a
// whole key is written to the secrets file and its key is then never
// created again: a whole key is at least 16 bytes of printable ASCII
// without spaces, and without what masks a key: a mask character (…, •,
// *), "...", or a run of four x, X or #. So the list's masked form
// ("ml-…9f2c"), an empty value and the usual redactions ("sk-****abcd",
// "XXXXXXXX1234") are refused. The reason never quotes s.
func CheckWholeSecret(s Secret) string {
	v := string(s)
	if v == "" {
		return "the answer's key is empty"
	}
	if strings.ContainsAny(v, "…•*") || strings.Contains(v, "...") || maskRun.MatchString(v) {
		return "the answer's key is masked, as lists show keys"
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return "the answer's key holds spaces or characters no key has"
		}
	}
	if len(v) < minWholeKeyLen {
		return fmt.Sprintf("the answer's key is %d characters long, too short to be a whole key", len(v))
	}
	return ""
}

// maskRun finds the runs of x, X or # that redact part of a value.
var maskRun = regexp.MustCompile(`x{4}|X{4}|#{4}`)
