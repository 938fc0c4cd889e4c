package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/remote"
)

// CurrentToken is the fingerprint of the access token that made the
// requests. That token is per run (plan and apply may log in separately, each
// with an ephemeral token), so it is never a reason to call a plan stale.
const CurrentToken = "current"

// Fingerprints returns, for every live object of live, its address and a
// short hash of the fields a plan depends on: the managed fields, plus the id,
// creation time and status that matching, rotation and resends read. Never a
// secret: the masked `key` of an API key is not hashed, nor is anything that
// changes by merely being used (last_used_at).
//
// Keys and members are addressed as in a plan; when several live keys share a
// name (or live entries an email) each is addressed NAME#ID so that none
// hides another. The current token is recorded as CurrentToken.
func Fingerprints(live *remote.State) map[string]string {
	fp := make(map[string]string, 3+len(live.APIKeys)+len(live.Team)+len(live.Tokens))
	h := fingerprinter{h: sha256.New()}
	p := live.Profile
	fp[Address{Kind: KindProfile}.String()] = h.sum(p.Name, p.Username, p.AboutMe)
	s := p.Socials
	fp[Address{Kind: KindSocials}.String()] = h.sum(s.Facebook, s.GitHub, s.Twitter, s.Instagram, s.Discord, s.Website, strings.Join(s.Unreported, ","))
	pr := p.Preferences
	fp[Address{Kind: KindPreferences}.String()] = h.sum(boolText(pr.NSFWContent), boolText(pr.WalletNotificationEnabled),
		floatText(pr.WalletNotificationThreshold))

	names := make(map[string]int, len(live.APIKeys))
	for _, k := range live.APIKeys {
		names[k.Name]++
	}
	for _, k := range live.APIKeys {
		addr := Address{Kind: KindAPIKey, Name: k.Name}.String()
		if names[k.Name] > 1 {
			addr += "#" + k.ID.String()
		}
		fp[addr] = h.sum(k.ID.String(), k.Name, k.Notes, timeText(k.CreatedAt))
	}

	emails := make(map[string]int, len(live.Team))
	for _, m := range live.Team {
		emails[strings.ToLower(m.Email)]++
	}
	for _, m := range live.Team {
		email := strings.ToLower(m.Email)
		addr := Address{Kind: KindTeamMember, Name: email}.String()
		if emails[email] > 1 {
			addr += "#" + m.ID.String()
		}
		perms := slices.Clone(m.Permissions)
		slices.Sort(perms)
		fp[addr] = h.sum(m.ID.String(), email, m.Role, strings.Join(perms, "\x00"), m.Status, timeText(m.InvitedAt))
	}

	for _, t := range live.Tokens {
		addr := Address{Kind: KindAccessToken, Name: t.Name, ID: t.ID.String()}.String()
		if t.Current {
			fp[addr] = CurrentToken
			continue
		}
		fp[addr] = h.sum(t.ID.String(), t.Name)
	}
	return fp
}

// StaleAddresses returns the sorted addresses whose live state differs
// between saved (the plan file's fingerprints) and now: added, removed or
// changed. A token that is CurrentToken on either side is skipped: it is the
// token of one run, not a change of the account.
func StaleAddresses(saved, now map[string]string) []string {
	stale := []string{}
	for addr, was := range saved {
		is, ok := now[addr]
		if was == CurrentToken || is == CurrentToken {
			continue
		}
		if !ok || is != was {
			stale = append(stale, addr)
		}
	}
	for addr, is := range now {
		if _, ok := saved[addr]; !ok && is != CurrentToken {
			stale = append(stale, addr)
		}
	}
	slices.Sort(stale)
	return stale
}

// fingerprintLen is the length of a fingerprint in hex digits (64 bits:
// plenty to notice a change, short enough to read in a plan file).
const fingerprintLen = 16

// fingerprinter hashes lists of fields, each prefixed by its length so that
// ("ab", "c") and ("a", "bc") differ.
type fingerprinter struct {
	h   hash.Hash
	buf []byte
}

func (f *fingerprinter) sum(fields ...string) string {
	f.buf = f.buf[:0]
	for _, s := range fields {
		f.buf = binary.AppendUvarint(f.buf, uint64(len(s)))
		f.buf = append(f.buf, s...)
	}
	f.h.Reset()
	f.h.Write(f.buf)
	f.buf = f.h.Sum(f.buf[:0])
	return hex.EncodeToString(f.buf[:fingerprintLen/2])
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func floatText(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
