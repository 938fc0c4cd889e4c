package export

import (
	"math"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// The limits of schema/modelslab.schema.json that a live value may exceed
// (the API is not bound by the file format). A value past them cannot be
// declared: export leaves it unmanaged, with a comment, rather than write a
// file that spec.Parse rejects. Lengths are in characters, as JSON Schema
// counts them. TestLimitsMatchSchema holds each to the schema's value.
const (
	maxNameLen    = 100  // profile.name, api_keys[].name
	maxTextLen    = 1000 // profile.about_me, api_keys[].notes
	maxSocialLen  = 255  // socials.*
	maxGlobLen    = 255  // ignore globs
	maxUsername   = 64   // profile.username
	maxEmailLen   = 254  // team[].email
	minEmailLen   = 3    // team[].email
	permissionsRe = `^[a-z][a-z0-9_-]*$`
)

// usernamePattern is the schema's pattern for usernames.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// permissionPattern is the schema's pattern for permission names.
var permissionPattern = regexp.MustCompile(permissionsRe)

// roles are the schema's roles.
var roles = []string{"admin", "member", "viewer"}

// fits reports whether s has at most max characters.
func fits(s string, max int) bool { return utf8.RuneCountInString(s) <= max }

// declarableName reports whether s can be a profile or key name.
func declarableName(s string) bool { return s != "" && fits(s, maxNameLen) }

// declarableUsername reports whether s can be profile.username.
func declarableUsername(s string) bool {
	return fits(s, maxUsername) && usernamePattern.MatchString(s)
}

// declarableThreshold reports whether f can be wallet_notification_threshold.
func declarableThreshold(f float64) bool {
	return f >= 0 && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// declarableMember reports whether a live member can be written in `team:`
// as it is: a bare email, a known role, well-formed unique permissions.
func declarableMember(m remote.TeamMember) bool {
	n := utf8.RuneCountInString(m.Email)
	if n < minEmailLen || n > maxEmailLen || spec.CheckEmail(m.Email) != nil || !slices.Contains(roles, m.Role) {
		return false
	}
	seen := map[string]bool{}
	for _, p := range m.Permissions {
		if !permissionPattern.MatchString(p) || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

// ignorable reports whether a glob can be written in `ignore:`.
func ignorable(glob string) bool { return glob != "" && fits(glob, maxGlobLen) }
