package limits

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/schema"
)

// TestSchemaAgrees holds modelslab.schema.json, which editors and validate
// read, to the constants the emulator and export use: the file format and
// the wire can never disagree on a limit again (issue 14: validate accepted
// notes of 1,000 characters that the emulator refused over 500).
func TestSchemaAgrees(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(schema.JSON()), &doc); err != nil {
		t.Fatalf("the embedded schema is not JSON: %v", err)
	}
	tests := []struct {
		pointer string
		want    any
	}{
		{"/properties/account/minLength", UsernameMin},
		{"/properties/account/maxLength", UsernameMax},
		{"/properties/account/pattern", UsernamePattern},
		{"/properties/profile/properties/name/maxLength", NameMax},
		{"/properties/profile/properties/username/minLength", UsernameMin},
		{"/properties/profile/properties/username/maxLength", UsernameMax},
		{"/properties/profile/properties/username/pattern", UsernamePattern},
		{"/properties/profile/properties/about_me/maxLength", AboutMeMax},
		{"/properties/socials/properties/facebook/maxLength", SocialMax},
		{"/properties/socials/properties/instagram/maxLength", SocialMax},
		{"/properties/socials/properties/github/maxLength", SocialMax},
		{"/properties/socials/properties/twitter/maxLength", SocialMax},
		{"/properties/socials/properties/discord/maxLength", SocialMax},
		{"/properties/socials/properties/website/maxLength", SocialMax},
		{"/$defs/api_key/properties/name/maxLength", NameMax},
		{"/$defs/api_key/properties/notes/maxLength", NotesMax},
		{"/$defs/api_key/properties/id/maxLength", IDMax},
		{"/$defs/member/properties/email/minLength", EmailMin},
		{"/$defs/member/properties/email/maxLength", EmailMax},
		{"/$defs/member/properties/permissions/items/pattern", PermissionPattern},
		{"/$defs/member/properties/permissions/items/maxLength", PermissionMax},
		{"/$defs/glob/maxLength", GlobMax},
	}
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.pointer, "/"), func(t *testing.T) {
			got, ok := lookup(doc, tt.pointer)
			if !ok {
				t.Fatalf("the schema has nothing at %s", tt.pointer)
			}
			want := tt.want
			if n, ok := want.(int); ok {
				want = float64(n) // as encoding/json decodes a number
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the schema disagrees with package limits at %s (-limits +schema):\n%s", tt.pointer, diff)
			}
		})
	}
}

// lookup resolves a JSON pointer in a decoded document.
func lookup(doc any, pointer string) (any, bool) {
	v := doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
