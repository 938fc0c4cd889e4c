package emulator

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mlabctl/mlabctl/internal/limits"
)

// Handlers of /me: the profile, its socials, preferences and password.

func (c *call) getMe() reply { return ok(profileOf(c.acct)) }

// usernamePattern is what a username may look like.
var usernamePattern = regexp.MustCompile(limits.UsernamePattern)

func (c *call) patchMe() reply {
	var in struct {
		Name     *string `json:"name"`
		Username *string `json:"username"`
		AboutMe  *string `json:"about_me"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	if in.Name != nil {
		checkText(fe, "name", *in.Name, 1, limits.NameMax)
	}
	if in.Username != nil {
		u := *in.Username
		switch other := c.s.st.byUsername[strings.ToLower(u)]; {
		case !validUsername(u):
			fe.add("username", fmt.Sprintf("must be %d to %d letters, digits, '.', '_' or '-', starting with a letter or digit; %q is not", limits.UsernameMin, limits.UsernameMax, u))
		case other != nil && other != c.acct:
			fe.add("username", fmt.Sprintf("%q is already taken", u))
		}
	}
	if in.AboutMe != nil {
		checkText(fe, "about_me", *in.AboutMe, 0, limits.AboutMeMax)
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	if in.Name != nil {
		c.acct.Name = *in.Name
	}
	if in.Username != nil {
		delete(c.s.st.byUsername, strings.ToLower(c.acct.Username))
		c.acct.Username = *in.Username
		c.s.st.byUsername[strings.ToLower(c.acct.Username)] = c.acct
	}
	if in.AboutMe != nil {
		c.acct.AboutMe = *in.AboutMe
	}
	c.dirty = true
	return ok(profileOf(c.acct))
}

// checkText validates a free-text field's length in characters.
func checkText(fe fieldErrors, field, v string, minLen, maxLen int) {
	n := utf8.RuneCountInString(v)
	switch {
	case minLen > 0 && strings.TrimSpace(v) == "":
		fe.add(field, "must not be empty")
	case n > maxLen:
		fe.add(field, fmt.Sprintf("must be at most %d characters, not %d", maxLen, n))
	}
}

func (c *call) patchSocials() reply {
	var in struct {
		Facebook  *string `json:"facebook"`
		GitHub    *string `json:"github"`
		Twitter   *string `json:"twitter"`
		Instagram *string `json:"instagram"`
		Discord   *string `json:"discord"`
		Website   *string `json:"website"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fields := map[string]*string{"facebook": in.Facebook, "github": in.GitHub, "twitter": in.Twitter,
		"instagram": in.Instagram, "discord": in.Discord, "website": in.Website}
	fe := fieldErrors{}
	for name, v := range fields {
		if v != nil {
			checkText(fe, name, *v, 0, limits.SocialMax)
		}
	}
	if e := fe.err(); e != nil {
		return fail(e)
	}
	if c.s.Socials == "documented" {
		// A server without website drops it silently, as the public docs'
		// PATCH does not list it.
		delete(fields, "website")
	}
	for name, v := range fields {
		if v != nil {
			c.acct.Socials[name] = *v
		}
	}
	c.dirty = true
	return ok(profileOf(c.acct))
}

func (c *call) patchPreferences() reply {
	var in struct {
		NSFWContent                 *bool    `json:"nsfw_content"`
		WalletNotificationEnabled   *bool    `json:"wallet_notification_enabled"`
		WalletNotificationThreshold *float64 `json:"wallet_notification_threshold"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	if t := in.WalletNotificationThreshold; t != nil && *t < 0 {
		return fail(validation("wallet_notification_threshold", fmt.Sprintf("must be at least 0, not %v", *t)))
	}
	if in.NSFWContent != nil {
		c.acct.Prefs.NSFWContent = *in.NSFWContent
	}
	if in.WalletNotificationEnabled != nil {
		c.acct.Prefs.WalletNotificationEnabled = *in.WalletNotificationEnabled
	}
	if in.WalletNotificationThreshold != nil {
		c.acct.Prefs.WalletNotificationThreshold = *in.WalletNotificationThreshold
	}
	c.dirty = true
	return ok(profileOf(c.acct))
}

// minPassword is the shortest password accepted.
const minPassword = 8

// checkNewPassword validates a new password and its confirmation.
func checkNewPassword(fe fieldErrors, password, confirmation string) {
	if utf8.RuneCountInString(password) < minPassword {
		fe.add("password", fmt.Sprintf("must be at least %d characters", minPassword))
	}
	if password != confirmation {
		fe.add("password_confirmation", "does not match password")
	}
}

func (c *call) patchPassword() reply {
	var in struct {
		Current      string `json:"current_password"`
		Password     string `json:"password"`
		Confirmation string `json:"password_confirmation"`
	}
	if e := c.decode(&in); e != nil {
		return fail(e)
	}
	fe := fieldErrors{}
	// The password belongs to the user, even when the token acts in a team
	// account.
	if hashPassword(in.Current) != c.user.PasswordHash {
		fe.add("current_password", "is incorrect")
	}
	checkNewPassword(fe, in.Password, in.Confirmation)
	if e := fe.err(); e != nil {
		return fail(e)
	}
	c.user.PasswordHash = hashPassword(in.Password)
	c.dirty = true
	return message("password changed")
}

// validUsername reports whether u is a username the API accepts: the shape
// and the lengths of package limits, which the file format shares.
func validUsername(u string) bool {
	n := utf8.RuneCountInString(u)
	return n >= limits.UsernameMin && n <= limits.UsernameMax && usernamePattern.MatchString(u)
}
