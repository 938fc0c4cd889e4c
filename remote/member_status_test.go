package remote

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTeamMemberStatus pins that a member's status is one API.md names:
// the plan counts every member that is not pending as active (toward
// min_admins, for example), so an unknown status must not pass as one.
func TestTeamMemberStatus(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    string // the decoded status
		wantErr string // "" means no error
	}{
		{name: "active", json: `{"id":1,"status":"active"}`, want: StatusActive},
		{name: "pending", json: `{"id":1,"status":"pending","invite_id":"u"}`, want: StatusPending},
		{name: "other case", json: `{"id":1,"status":"Active"}`, want: StatusActive},
		{name: "unknown", json: `{"id":1,"status":"suspended"}`, wantErr: `team member 1: field "status" is "suspended", want "active" or "pending"`},
		{name: "missing", json: `{"id":1}`, wantErr: `team member 1: field "status" is "", want "active" or "pending"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m TeamMember
			err := json.Unmarshal([]byte(tt.json), &m)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err == nil && m.Status != tt.want {
				t.Errorf("status %q, want %q", m.Status, tt.want)
			}
		})
	}
}
