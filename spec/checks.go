package spec

import (
	"errors"
	"fmt"
	"net/mail"
	"path"
	"strconv"
	"strings"
	"time"
)

// The semantic rules JSON Schema cannot express, as plain functions so that
// other packages (plan matching ignore globs, export writing durations) use
// exactly the same rules as the loader.

// maxDuration bounds rotate_after and resend_invites_after: a century is
// longer than anything meant, and well inside time.Duration.
const maxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration parses a modelslab.yaml duration: a positive whole number
// followed by h (hours), d (days of 24 hours) or w (weeks), such as "90d".
func ParseDuration(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a duration: use <n>h, <n>d or <n>w, e.g. 90d", s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q is not a duration: use <n>h, <n>d or <n>w, e.g. 90d", s)
	}
	digits := s[:len(s)-1]
	if digits[0] < '1' || digits[0] > '9' || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a duration: use <n>h, <n>d or <n>w, e.g. 90d", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(maxDuration/unit) {
		return 0, fmt.Errorf("%q is too long: the most is 100 years (36500d)", s)
	}
	return time.Duration(n) * unit, nil
}

// FormatDuration renders d in the largest unit that divides it exactly
// (w, d or h), the inverse of ParseDuration for whole hours.
func FormatDuration(d time.Duration) string {
	switch {
	case d%(7*24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(7*24*time.Hour)), 10) + "w"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
}

// CheckEmail accepts a bare email address (no display name, no angle
// brackets, no surrounding space) as net/mail parses it.
func CheckEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("%q is not an email address: write a bare address such as alice@example.com", s)
	}
	return nil
}

// slashStandIn replaces "/" while matching globs: path.Match stops * and ?
// at "/", but key names, token names and emails are not paths. It is a
// private-use rune that never appears in those names.
const slashStandIn = "\uE000"

// CheckGlob reports a malformed glob (an unclosed [class or a trailing \).
func CheckGlob(pattern string) error {
	if _, err := path.Match(strings.ReplaceAll(pattern, "/", slashStandIn), ""); err != nil {
		if errors.Is(err, path.ErrBadPattern) {
			return fmt.Errorf("%q is not a valid glob: close every [ with ], and do not end with \\", pattern)
		}
		return err
	}
	return nil
}

// MatchGlob reports whether name matches pattern: path.Match syntax (* any
// run of characters, ? one character, [a-z] a class, \ escapes), except
// that "/" is an ordinary character. A malformed pattern matches nothing;
// Load has already refused it.
func MatchGlob(pattern, name string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", slashStandIn), strings.ReplaceAll(name, "/", slashStandIn))
	return err == nil && ok
}
