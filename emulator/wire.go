package emulator

import (
	"time"
)

// The JSON objects of API.md, as the server sends them.

type wireProfile struct {
	ID            int64             `json:"id"`
	Name          string            `json:"name"`
	Username      string            `json:"username"`
	Email         string            `json:"email"`
	AboutMe       string            `json:"about_me"`
	Verified      bool              `json:"verified"`
	WalletBalance float64           `json:"wallet_balance"`
	Socials       map[string]string `json:"socials"`
	Preferences   wirePreferences   `json:"preferences"`
}

type wirePreferences struct {
	NSFWContent                 bool    `json:"nsfw_content"`
	WalletNotificationEnabled   bool    `json:"wallet_notification_enabled"`
	WalletNotificationThreshold float64 `json:"wallet_notification_threshold"`
}

type wireKey struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Notes      string  `json:"notes"`
	Key        string  `json:"key"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

type wireMember struct {
	ID          int64    `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Permissions []string `json:"permissions"`
	Status      string   `json:"status"`
	InviteID    *string  `json:"invite_id"`
	InvitedAt   string   `json:"invited_at"`
}

type wireToken struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	Current    bool     `json:"current"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt *string  `json:"last_used_at"`
	ExpiresAt  *string  `json:"expires_at"`
}

// ts formats a timestamp the way the API does.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tsPtr formats an optional timestamp (nil → JSON null).
func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func profileOf(a *account) wireProfile {
	socials := make(map[string]string, len(socialNames))
	for _, n := range socialNames {
		socials[n] = a.Socials[n]
	}
	return wireProfile{
		ID: a.ID, Name: a.Name, Username: a.Username, Email: a.Email, AboutMe: a.AboutMe,
		Verified: a.Verified, WalletBalance: a.WalletBalance, Socials: socials,
		Preferences: wirePreferences(a.Prefs),
	}
}

// maskKey shows only the last four characters of a key: "ml-…9f2c".
func maskKey(secret string) string {
	tail := secret
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	return "ml-…" + tail
}

// keyOf renders a key, masked unless whole (only the create response).
func keyOf(k *apiKey, whole bool) wireKey {
	v := maskKey(k.Secret)
	if whole {
		v = k.Secret
	}
	return wireKey{ID: k.ID, Name: k.Name, Notes: k.Notes, Key: v, CreatedAt: ts(k.CreatedAt), LastUsedAt: tsPtr(k.LastUsedAt)}
}

func memberOf(m *member) wireMember {
	w := wireMember{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, Permissions: m.Permissions,
		Status: m.Status, InvitedAt: ts(m.InvitedAt)}
	if w.Permissions == nil {
		w.Permissions = []string{}
	}
	if m.InviteID != "" {
		id := m.InviteID
		w.InviteID = &id
	}
	return w
}

func tokenOf(t *token, current bool) wireToken {
	return wireToken{ID: t.ID, Name: t.Name, Scopes: t.Scopes, Current: current, CreatedAt: ts(t.CreatedAt),
		LastUsedAt: tsPtr(t.LastUsedAt), ExpiresAt: tsPtr(t.ExpiresAt)}
}
