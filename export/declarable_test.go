package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/schema"
)

// TestLimitsMatchSchema holds the limits declarable.go copies from
// schema/modelslab.schema.json to the schema's values: stricter, export
// would leave declarable values unmanaged; laxer, it would write files
// that spec.Parse rejects.
func TestLimitsMatchSchema(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(schema.JSON()), &doc); err != nil {
		t.Fatalf("the embedded schema is not JSON: %v", err)
	}
	roleList := make([]any, len(roles))
	for i, r := range roles {
		roleList[i] = r
	}
	tests := []struct {
		name    string
		pointer string // a JSON pointer into the schema file
		copied  any    // what declarable.go has, as JSON decodes it
	}{
		{"profile name length", "/properties/profile/properties/name/maxLength", float64(maxNameLen)},
		{"api key name length", "/$defs/api_key/properties/name/maxLength", float64(maxNameLen)},
		{"about_me length", "/properties/profile/properties/about_me/maxLength", float64(maxTextLen)},
		{"api key notes length", "/$defs/api_key/properties/notes/maxLength", float64(maxNotesLen)},
		{"username minimum length", "/properties/profile/properties/username/minLength", float64(minUsername)},
		{"permission length", "/$defs/member/properties/permissions/items/maxLength", float64(maxPermission)},
		{"github length", "/properties/socials/properties/github/maxLength", float64(maxSocialLen)},
		{"twitter length", "/properties/socials/properties/twitter/maxLength", float64(maxSocialLen)},
		{"discord length", "/properties/socials/properties/discord/maxLength", float64(maxSocialLen)},
		{"website length", "/properties/socials/properties/website/maxLength", float64(maxSocialLen)},
		{"glob length", "/$defs/glob/maxLength", float64(maxGlobLen)},
		{"glob minimum length", "/$defs/glob/minLength", float64(1)},                    // ignorable refuses ""
		{"name minimum length", "/$defs/api_key/properties/name/minLength", float64(1)}, // declarableName refuses ""
		{"username length", "/properties/profile/properties/username/maxLength", float64(maxUsername)},
		{"username pattern", "/properties/profile/properties/username/pattern", usernamePattern.String()},
		{"email maximum length", "/$defs/member/properties/email/maxLength", float64(maxEmailLen)},
		{"email minimum length", "/$defs/member/properties/email/minLength", float64(minEmailLen)},
		{"permission pattern", "/$defs/member/properties/permissions/items/pattern", permissionPattern.String()},
		{"permissions are unique", "/$defs/member/properties/permissions/uniqueItems", true}, // declarableMember refuses repeats
		{"roles", "/$defs/member/properties/role/enum", roleList},
		{"threshold minimum", "/properties/preferences/properties/wallet_notification_threshold/minimum", float64(0)}, // declarableThreshold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookup(doc, tt.pointer)
			if !ok {
				t.Fatalf("the schema has nothing at %s", tt.pointer)
			}
			if diff := cmp.Diff(got, tt.copied); diff != "" {
				t.Errorf("declarable.go disagrees with the schema at %s (-schema +declarable.go):\n%s", tt.pointer, diff)
			}
		})
	}
}

// lookup resolves a JSON pointer (no escapes needed here) in decoded JSON.
func lookup(doc any, pointer string) (any, bool) {
	v := doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}
