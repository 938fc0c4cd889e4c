package export

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/limits"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/remote"
	"github.com/mlabctl/mlabctl/spec"
)

// The limits of the file format that a live value may exceed (the API is
// not bound by them). A value past them cannot be declared: export leaves
// it unmanaged, with a comment, rather than write a file that spec.Parse
// rejects. They are package limits' constants, which the schema and the
// emulator share (TestLimitsMatchSchema holds the schema to them too).
const (
	maxNameLen    = limits.NameMax       // profile.name, api_keys[].name
	maxTextLen    = limits.AboutMeMax    // profile.about_me
	maxNotesLen   = limits.NotesMax      // api_keys[].notes
	maxSocialLen  = limits.SocialMax     // socials.*
	maxGlobLen    = limits.GlobMax       // ignore globs
	minUsername   = limits.UsernameMin   // profile.username
	maxUsername   = limits.UsernameMax   // profile.username
	maxEmailLen   = limits.EmailMax      // team[].email
	minEmailLen   = limits.EmailMin      // team[].email
	maxPermission = limits.PermissionMax // team[].permissions[]
)

// usernamePattern is the schema's pattern for usernames.
var usernamePattern = regexp.MustCompile(limits.UsernamePattern)

// permissionPattern is the schema's pattern for permission names.
var permissionPattern = regexp.MustCompile(limits.PermissionPattern)

// roles are the schema's roles.
var roles = []string{"admin", "member", "viewer"}

// fits reports whether s has at most max characters.
func fits(s string, max int) bool { return utf8.RuneCountInString(s) <= max }

// declarableName reports whether s can be a profile or key name.
func declarableName(s string) bool { return s != "" && fits(s, maxNameLen) }

// whyNotKeyName says why s cannot be an API key's name, or "" when it can:
// a profile name's limits, and one line of printable text (spec refuses a
// key name holding a line break or a control character, which would be an
// address on a line of every plan).
func whyNotKeyName(s string) string {
	if r, bad := safetext.Unprintable(s); bad {
		return fmt.Sprintf("holds %U, which a name here may not", r)
	}
	switch {
	case s == "":
		return "empty, which a name here may not be"
	case !declarableName(s):
		return fmt.Sprintf("longer than %d characters, which a name here may not be", maxNameLen)
	}
	return ""
}

// declarableUsername reports whether s can be profile.username.
func declarableUsername(s string) bool {
	return utf8.RuneCountInString(s) >= minUsername && fits(s, maxUsername) && usernamePattern.MatchString(s)
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
		if !permissionPattern.MatchString(p) || !fits(p, maxPermission) || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

// ignorable reports whether a glob can be written in `ignore:`.
func ignorable(glob string) bool { return glob != "" && fits(glob, maxGlobLen) }
