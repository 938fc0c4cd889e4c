package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInviteBlock pins how a team member create reads: the address and the
// note alone when they say every field (CONTRACT.md's "+ team_member.bob@…
// (invite, role member)"), the fields otherwise, and never an empty list.
func TestInviteBlock(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		want   string
	}{
		{
			name: "the note says everything",
			change: Change{Address: addr("team_member.bob@example.com"), Action: Create,
				After: map[string]any{"email": "bob@example.com", "role": "member"}, Note: "invite, role member"},
			want: "+ team_member.bob@example.com  (invite, role member)\n",
		},
		{
			name: "the note names the permissions too",
			change: Change{Address: addr("team_member.bob@example.com"), Action: Create,
				After: map[string]any{"email": "bob@example.com", "role": "viewer", "permissions": []any{"api-keys", "billing"}},
				Note:  "invite, role viewer, permissions api-keys, billing"},
			want: "+ team_member.bob@example.com  (invite, role viewer, permissions api-keys, billing)\n",
		},
		{
			name: "an empty permission list is not shown",
			change: Change{Address: addr("team_member.bob@example.com"), Action: Create,
				After: map[string]any{"email": "Bob@Example.com", "role": "member", "permissions": []any{}}},
			want: "+ team_member.bob@example.com\n    email: \"Bob@Example.com\"\n    role:  \"member\"\n",
		},
		{
			name: "a note that omits the permissions keeps the fields",
			change: Change{Address: addr("team_member.bob@example.com"), Action: Create,
				After: map[string]any{"email": "bob@example.com", "role": "member", "permissions": []any{"billing"}},
				Note:  "invite, role member"},
			want: "+ team_member.bob@example.com  (invite, role member)\n    email:       \"bob@example.com\"\n    permissions: [billing]\n    role:        \"member\"\n",
		},
		{
			name: "an email in another case than the address is shown",
			change: Change{Address: addr("team_member.bob@example.com"), Action: Create,
				After: map[string]any{"email": "Bob@Example.com", "role": "member"}, Note: "invite, role member"},
			want: "+ team_member.bob@example.com  (invite, role member)\n    email: \"Bob@Example.com\"\n    role:  \"member\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := changeWriter{fieldIndent: "    "}
			it := item{c: tt.change, addr: tt.change.Address.String()}
			cw.annotationColumn = annotationColumn([]item{it}, cw.indent, cw.now)
			var b strings.Builder
			cw.write(&b, it, detailFull)
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("block (-want +got):\n%s", diff)
			}
		})
	}
}
