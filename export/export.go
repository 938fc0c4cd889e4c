package export

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlabctl/mlabctl/internal/retirement"
	"github.com/mlabctl/mlabctl/internal/safetext"
	"github.com/mlabctl/mlabctl/remote"
	"gopkg.in/yaml.v3"
)

// Options tune an export.
type Options struct {
	// Account, when non-empty, is written as `account:`: the team account
	// the state was read from after switch-account, so that plan and apply
	// switch into it too.
	Account string
	// Time is when the live state was read, written in the header; the zero
	// time leaves it out (tests, reproducible output).
	Time time.Time
}

// Render writes live as a commented modelslab.yaml. Sections that were not
// fetched (nil lists) are left out, hence not managed; fetched sections are
// written whole, so that they are authoritative and plan reports no change.
func Render(w io.Writer, live *remote.State, o Options) error {
	if live == nil {
		return fmt.Errorf("export: no live state to export")
	}
	root := mapping()
	addPair(root, "version", intNode(1), "")
	if o.Account != "" {
		addPair(root, "account", strNode(o.Account),
			"The team account this file manages: mlabctl switches into it (switch-account) before anything else.")
	}
	profile(root, live.Profile)
	socials(root, live.Profile.Socials)
	preferences(root, live.Profile.Preferences)
	var ign ignored
	if live.APIKeys != nil {
		apiKeys(root, live.APIKeys, &ign)
	}
	if live.Team != nil {
		team(root, live.Team, &ign)
	}
	ign.write(root)
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: header(live, o), Content: []*yaml.Node{root}}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export: encoding YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("export: encoding YAML: %w", err)
	}
	// Strings holding what a terminal or a CI log would act on are
	// double-quoted (strNode), where safetext.YAML escapes the rest.
	_, err := w.Write(safetext.YAML(separateSections(buf.Bytes())))
	return err
}

// separateSections puts a blank line before each top-level section's
// comment, which yaml.v3 cannot emit. Only keys and comments start at
// column 0 (every scalar below the top level is indented, and the only
// top-level scalars are a number and a username), so no value is touched.
func separateSections(out []byte) []byte {
	lines := bytes.SplitAfter(out, []byte("\n"))
	var b bytes.Buffer
	b.Grow(len(out) + 256)
	prevComment := true
	for _, l := range lines {
		comment := bytes.HasPrefix(l, []byte("#"))
		if comment && !prevComment {
			b.WriteByte('\n')
		}
		b.Write(l)
		prevComment = comment || len(bytes.TrimSpace(l)) == 0
	}
	return b.Bytes()
}

// header is the comment at the top of the file: where and when it was
// exported, and what each section means.
func header(live *remote.State, o Options) string {
	from := commentText(live.Profile.Username)
	if live.BaseURL != "" {
		from += " (" + commentText(live.BaseURL) + ")"
	}
	when := ""
	if !o.Time.IsZero() {
		when = " at " + o.Time.UTC().Format(time.RFC3339)
	}
	return strings.Join([]string{
		"modelslab.yaml exported by `mlabctl export` from account " + from + when + ".",
		"#",
		"`mlabctl plan` on this file shows no changes: edit it, review the plan, then apply.",
		"A section that is left out is not managed. A list that is present (api_keys, team) is",
		"the whole truth: live items it does not list are deleted or removed by apply.",
		"Secrets are never exported: API key values and access tokens do not appear here.",
		"Validate with `mlabctl validate`; editor support: `mlabctl schema > modelslab.schema.json`.",
	}, "\n")
}

// profile writes `profile:` with the fields that can be declared.
func profile(root *yaml.Node, p remote.Profile) {
	m := mapping()
	var notes []string
	if declarableName(p.Name) {
		addPair(m, "name", strNode(p.Name), "")
	} else {
		notes = append(notes, fmt.Sprintf("name is empty or longer than %d characters, so it is left unmanaged.", maxNameLen))
	}
	if declarableUsername(p.Username) {
		addPair(m, "username", strNode(p.Username), "")
	} else {
		notes = append(notes, "username "+commentText(p.Username)+" is not a username the file accepts, so it is left unmanaged.")
	}
	if fits(p.AboutMe, maxTextLen) {
		addPair(m, "about_me", strNode(p.AboutMe), "")
	} else {
		notes = append(notes, fmt.Sprintf("about_me is longer than %d characters, so it is left unmanaged.", maxTextLen))
	}
	comment := "The public profile. A field that is left out is not managed."
	if len(notes) > 0 {
		comment += "\n" + strings.Join(notes, "\n")
	}
	addPair(root, "profile", m, comment)
}

// socials writes the social links that are set.
func socials(root *yaml.Node, s remote.Socials) {
	m := mapping()
	comment := "Social links (facebook, github, twitter, instagram, discord; website where the server\n" +
		"has it). Only those set are listed; a link left out is not managed, and \"\" clears one."
	for _, name := range remote.SocialNames {
		value := s.Get(name)
		switch {
		case !s.Reported(name), value == "":
			// Not set, or not reported by the server (which does not
			// have it): nothing to declare.
		case fits(value, maxSocialLen):
			addPair(m, name, strNode(value), "")
		default:
			comment += fmt.Sprintf("\n%s is longer than %d characters, so it is left unmanaged.", name, maxSocialLen)
		}
	}
	if len(m.Content) == 0 {
		return // no link can be declared: an empty section would manage nothing
	}
	addPair(root, "socials", m, comment)
}

// preferences writes all three preferences.
func preferences(root *yaml.Node, p remote.Preferences) {
	m := mapping()
	addPair(m, "nsfw_content", boolNode(p.NSFWContent), "")
	addPair(m, "wallet_notification_enabled", boolNode(p.WalletNotificationEnabled), "")
	comment := "Account preferences."
	if declarableThreshold(p.WalletNotificationThreshold) {
		addPair(m, "wallet_notification_threshold", floatNode(p.WalletNotificationThreshold), "")
	} else {
		comment += "\nwallet_notification_threshold is not a number >= 0, so it is left unmanaged."
	}
	addPair(root, "preferences", m, comment)
}

// ignored collects the live items export cannot declare, as exact globs
// for `ignore:`, so that plan leaves them alone instead of deleting them.
type ignored struct {
	apiKeys, team []string
	// keyNotes and teamNotes say why, for the section's comment.
	keyNotes, teamNotes []string
}

// write adds `ignore:` when something is ignored.
func (ig *ignored) write(root *yaml.Node) {
	if len(ig.apiKeys) == 0 && len(ig.team) == 0 {
		return
	}
	m := mapping()
	if len(ig.apiKeys) > 0 {
		addPair(m, "api_keys", stringSeq(ig.apiKeys, false), strings.Join(ig.keyNotes, "\n"))
	}
	if len(ig.team) > 0 {
		addPair(m, "team", stringSeq(ig.team, false), strings.Join(ig.teamNotes, "\n"))
	}
	addPair(root, "ignore", m, "Live items mlabctl never touches (listed as unmanaged in plans). Each glob below\n"+
		"matches exactly one name or email that this file cannot declare.")
}

// apiKeys writes `api_keys:` sorted by name.
//
// A name may appear once in the file. Of the live keys sharing a name, the
// oldest is listed and pinned with `id`; the others are matched by an
// exact `ignore.api_keys` glob, so that plan leaves them alone. A key whose
// name the file cannot hold is ignored the same way; notes the file cannot
// hold are left out (unmanaged).
func apiKeys(root *yaml.Node, keys []remote.APIKey, ign *ignored) {
	keys, retiringNotes := withoutRetiring(keys, ign)
	sorted := slices.Clone(keys)
	slices.SortStableFunc(sorted, func(a, b remote.APIKey) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), a.CreatedAt.Compare(b.CreatedAt), compareIDs(a.ID, b.ID))
	})
	count := map[string]int{}
	for _, k := range sorted {
		count[k.Name]++
	}
	seq := sequence()
	for i, k := range sorted {
		if i > 0 && sorted[i-1].Name == k.Name {
			continue // a younger key of a repeated name: ignored with the first
		}
		if why := whyNotKeyName(k.Name); why != "" {
			if glob := ignoreGlob(k.Name); ignorable(glob) {
				ign.apiKeys = append(ign.apiKeys, glob)
				ign.keyNotes = append(ign.keyNotes, fmt.Sprintf("%s: %s.", commentText(k.Name), why))
			}
			continue
		}
		m := mapping()
		addPair(m, "name", strNode(k.Name), "")
		if n := count[k.Name]; n > 1 {
			var others []string
			for _, o := range sorted[i+1 : i+n] {
				others = append(others, o.ID.String())
			}
			id := idNode(k.ID)
			which := "id " + others[0] + " is"
			if len(others) > 1 {
				which = "ids " + strings.Join(others, ", ") + " are"
			}
			id.LineComment = fmt.Sprintf("the oldest of %d live keys with this name; %s ignored below", n, which)
			addPair(m, "id", id, "")
			ign.apiKeys = append(ign.apiKeys, escapeGlob(k.Name))
			more := "1 more live key shares this name"
			if n > 2 {
				more = fmt.Sprintf("%d more live keys share this name", n-1)
			}
			ign.keyNotes = append(ign.keyNotes, fmt.Sprintf("%s: %s, which may appear once here; rename to manage.", commentText(k.Name), more))
		}
		switch {
		case retirement.IsReserved(k.Notes):
			// Not a record this mlabctl wrote (Parse failed), and a file
			// may not declare notes with mlabctl's prefix.
			m.Content[1].LineComment = fmt.Sprintf("notes starting with %s are left unmanaged", retirement.Reserved)
		case fits(k.Notes, maxNotesLen):
			addPair(m, "notes", strNode(k.Notes), "")
		default:
			m.Content[1].LineComment = fmt.Sprintf("notes longer than %d characters are left unmanaged", maxNotesLen)
		}
		seq.Content = append(seq.Content, m)
	}
	comment := "Generation API keys, matched by name. Their secret values are never exported.\n" +
		"Add `protect: true` to refuse deleting a key, `rotate_after: 90d` to replace it when old."
	if len(retiringNotes) > 0 {
		comment += "\n" + strings.Join(retiringNotes, "\n")
	}
	addList(root, "api_keys", seq, comment, "The account has no API keys")
}

// withoutRetiring takes the retiring predecessors of rotations (keys whose
// notes hold a retirement record) out of keys: they are mlabctl's own, and
// declaring one would make its name a duplicate. A predecessor beside its
// successor (a live key of its name) is only mentioned, in the returned
// notes for the section's comment: plan deletes it once its time has come.
// One without a successor (its rotation's create failed) is ignored by an
// exact glob, so that plan leaves it alone until its name is declared again.
func withoutRetiring(keys []remote.APIKey, ign *ignored) (rest []remote.APIKey, notes []string) {
	active := map[string]bool{}
	var retiring []remote.APIKey
	for _, k := range keys {
		if _, ok, _ := retirement.Parse(k.Notes); ok {
			retiring = append(retiring, k)
			continue
		}
		active[k.Name] = true
		rest = append(rest, k)
	}
	slices.SortFunc(retiring, func(a, b remote.APIKey) int { return cmp.Or(strings.Compare(a.Name, b.Name), compareIDs(a.ID, b.ID)) })
	for _, k := range retiring {
		at, _, _ := retirement.Parse(k.Notes)
		if active[k.Name] {
			notes = append(notes, fmt.Sprintf("%s: predecessor id %s retires after %s (rotate_overlap); the first apply after that deletes it.",
				commentText(k.Name), commentText(k.ID.String()), at.UTC().Format("2006-01-02 15:04 UTC")))
			continue
		}
		if glob := ignoreGlob(k.Name); ignorable(glob) && !slices.Contains(ign.apiKeys, glob) {
			ign.apiKeys = append(ign.apiKeys, glob)
			ign.keyNotes = append(ign.keyNotes, fmt.Sprintf("%s: id %s is the retiring predecessor of a rotation whose new key was never created; declare the name to create it.",
				commentText(k.Name), commentText(k.ID.String())))
		}
	}
	return rest, notes
}

// team writes `team:` sorted by email, marking pending invites. A member
// the file cannot declare as it is (an odd email, role or permission, or
// an email listed twice) is ignored by an exact glob instead.
func team(root *yaml.Node, members []remote.TeamMember, ign *ignored) {
	sorted := slices.Clone(members)
	slices.SortStableFunc(sorted, func(a, b remote.TeamMember) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email)), strings.Compare(a.Email, b.Email))
	})
	seq := sequence()
	for i, mb := range sorted {
		if i > 0 && strings.EqualFold(sorted[i-1].Email, mb.Email) {
			continue // listed twice by the API: ignored with the first
		}
		twice := i+1 < len(sorted) && strings.EqualFold(sorted[i+1].Email, mb.Email)
		if twice || !declarableMember(mb) {
			if glob := ignoreGlob(mb.Email); ignorable(glob) {
				ign.team = append(ign.team, glob)
				why := "its email, role or permissions are not ones this file accepts"
				switch {
				case twice:
					why = "the API lists this email more than once"
				case !slices.Contains(roles, mb.Role):
					why = "its role " + commentText(mb.Role) + " is not admin, member or viewer, which this file accepts"
				}
				ign.teamNotes = append(ign.teamNotes, commentText(mb.Email)+": "+why+".")
			}
			continue
		}
		m := mapping()
		switch mb.Status {
		case remote.StatusPending:
			sent := ""
			if !mb.InvitedAt.IsZero() {
				sent = ", sent " + mb.InvitedAt.UTC().Format(time.DateOnly)
			}
			m.HeadComment = "pending invite" + sent + ", not yet accepted"
		case remote.StatusUnknown:
			m.HeadComment = "status unknown to mlabctl (the API reports " + commentRaw(mb.RawStatus) +
				"): plans never remove it or count it toward min_admins"
		}
		addPair(m, "email", strNode(mb.Email), "")
		addPair(m, "role", strNode(mb.Role), "")
		if len(mb.Permissions) > 0 {
			addPair(m, "permissions", stringSeq(mb.Permissions, true), "")
		}
		seq.Content = append(seq.Content, m)
	}
	addList(root, "team", seq,
		"Team members and pending invites, matched by email (case-insensitively).\n"+
			"role is admin, member or viewer; permissions left out means none.",
		"The team is empty")
}

// compareIDs orders ids numerically when both are numbers, else as text.
func compareIDs(a, b remote.ID) int {
	x, errX := strconv.ParseUint(string(a), 10, 64)
	y, errY := strconv.ParseUint(string(b), 10, 64)
	if errX == nil && errY == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(string(a), string(b))
}

// ignoreGlob returns the glob that ignores one undeclarable name: the name
// escaped, or, when that is longer than a glob may be, its longest escaped
// prefix that fits followed by "*". The prefix may match other undeclared
// names too, but an export declares or ignores every live item, so none is
// left for it to hide.
func ignoreGlob(name string) string {
	if g := escapeGlob(name); fits(g, maxGlobLen) {
		return g
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		esc := strings.ContainsRune(`*?[]\`, r)
		width := 1
		if esc {
			width = 2
		}
		if n+width > maxGlobLen-1 {
			break
		}
		if esc {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		n += width
	}
	return b.String() + "*"
}

// escapeGlob returns a glob that matches exactly name.
func escapeGlob(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maxCommentName bounds the characters of a live name quoted in a comment.
const maxCommentName = 60

// commentText makes live text safe inside a YAML comment: quoted, with line
// breaks and control characters escaped, so that it cannot end the comment,
// and cut to maxCommentName characters.
func commentText(s string) string {
	if r := []rune(s); len(r) > maxCommentName {
		s = string(r[:maxCommentName]) + "…"
	}
	q := strconv.Quote(s)
	if q == `"`+s+`"` && s != "" && !strings.ContainsAny(s, " #") {
		return s // a plain name reads better without quotes
	}
	return q
}

// commentRaw makes text that is already quoted where needed (a member's
// RawStatus) safe inside a YAML comment: control characters, line breaks
// included, become spaces, and it is cut to maxCommentName characters.
func commentRaw(s string) string {
	if r := []rune(s); len(r) > maxCommentName {
		s = string(r[:maxCommentName]) + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// Node constructors. Scalars carry explicit tags, so that yaml.v3 quotes a
// string that would otherwise read as another type (yes, 1e3, null, ~).

func mapping() *yaml.Node  { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }
func sequence() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case !lineSafe(s):
		// A control or invisible character, a line a CI runner reads as a
		// workflow command, or "##[": only a double-quoted scalar can show
		// it escaped (yaml.v3 escapes the controls, safetext.YAML the
		// rest), on one line.
		n.Style = yaml.DoubleQuotedStyle
	case strings.Contains(s, "\n") && literalSafe(s):
		n.Style = yaml.LiteralStyle
	case strings.Contains(s, "\n"):
		// yaml.v3 would pick a literal block for any line break, and
		// loses leading line breaks in one: quote instead.
		n.Style = yaml.DoubleQuotedStyle
	case yaml11Special[strings.ToLower(s)]:
		// yaml.v3 writes these plain: "<<" then reads back as a merge
		// key, and YAML 1.1 tools read yes/no/on/off as booleans.
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// yaml11Special are plain scalars that are strings to yaml.v3's resolver
// but not to every reader of the file.
var yaml11Special = map[string]bool{
	"<<": true, "y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
}

// lineSafe reports whether each line of s prints as it is (safetext.Line).
func lineSafe(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		if safetext.Line(l) != l {
			return false
		}
	}
	return true
}

// literalSafe reports whether a multi-line string survives a literal block
// exactly: no trailing spaces on a line (the emitter would then fall back
// to quoting anyway), no carriage returns or other breaks YAML normalises,
// and no leading space or empty first line (which need an indentation
// indicator that yaml.v3 gets wrong for leading line breaks).
func literalSafe(s string) bool {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") || strings.ContainsAny(s, "\r\t\u0085\u2028\u2029\ufeff") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
		for _, r := range line {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				return false
			}
		}
	}
	return true
}

func intNode(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

// floatNode writes a number in its shortest exact form: 10, 12.5, 1e+21.
func floatNode(f float64) *yaml.Node {
	v := strconv.FormatFloat(f, 'g', -1, 64)
	tag := "!!float"
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
}

// idNode writes an id as a number when it reads back as the same id, else
// as a string.
func idNode(id remote.ID) *yaml.Node {
	s := id.String()
	if n, err := strconv.ParseUint(s, 10, 63); err == nil && n > 0 && strconv.FormatUint(n, 10) == s {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: s}
	}
	return strNode(s)
}

func stringSeq(items []string, flow bool) *yaml.Node {
	seq := sequence()
	if flow {
		seq.Style = yaml.FlowStyle
	}
	for _, s := range items {
		seq.Content = append(seq.Content, strNode(s))
	}
	return seq
}

// addList appends key: seq to root with comment above it. An empty list is
// written [] with a line saying what it means (empty, e.g. "The team is
// empty") and that [] keeps it so: an empty list is authoritative, unlike
// a left-out key.
func addList(root *yaml.Node, key string, seq *yaml.Node, comment, empty string) {
	if len(seq.Content) == 0 {
		seq.Style = yaml.FlowStyle
		comment += "\n" + empty + ": [] keeps it that way."
	}
	addPair(root, key, seq, comment)
}

// addPair appends key: value to a mapping, with an optional comment above
// the key.
func addPair(m *yaml.Node, key string, value *yaml.Node, comment string) {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, HeadComment: comment}
	m.Content = append(m.Content, k, value)
}
