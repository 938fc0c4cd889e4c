package remote

import "strings"

// SameBaseURL reports whether two site roots name the same API, however
// they are spelled: a trailing slash, the API root pasted from the docs
// (…/api/agents/v1) or the case of the scheme and host make no difference.
// An empty URL, or one New would refuse, matches nothing: a hand-edited
// plan file can never match by accident (New reads "" as the default).
func SameBaseURL(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return false
	}
	na, err := normalizeBaseURL(a)
	if err != nil {
		return false
	}
	nb, err := normalizeBaseURL(b)
	return err == nil && na == nb
}

// NormalizeBaseURL returns a site root as "scheme://host[:port]", spelled
// the one way SameBaseURL compares them (a trailing slash, the API prefix
// or the case of the scheme and host make no difference), or the error New
// would give. apply keys its per-account state directory by it, so that two
// spellings of one API share one lock.
func NormalizeBaseURL(raw string) (string, error) { return normalizeBaseURL(raw) }
