package remote

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTeamMemberStatus pins the "Team member status" row of API.md's last
// table: the status may be active, accepted or pending, in "status" or in
// "invite_status"; anything else makes that member StatusUnknown (kept,
// with the server's text, so that one odd member does not fail the list),
// never active: the plan counts active members as admins toward
// min_admins, so an unknown status such as "suspended" must not pass as
// one.
func TestTeamMemberStatus(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    string // the decoded status
		wantRaw string // RawStatus
	}{
		{name: "active", json: `{"id":1,"status":"active"}`, want: StatusActive},
		{name: "pending", json: `{"id":1,"status":"pending","invite_id":"u"}`, want: StatusPending},
		{name: "other case", json: `{"id":1,"status":"Active"}`, want: StatusActive},
		{name: "accepted", json: `{"id":1,"status":"accepted"}`, want: StatusActive},
		{name: "invite_status accepted", json: `{"id":1,"invite_status":"accepted"}`, want: StatusActive},
		{name: "invite_status pending", json: `{"id":1,"invite_status":"pending","invite_id":"u"}`, want: StatusPending},
		{name: "status and invite_status agree", json: `{"id":1,"status":"active","invite_status":"accepted"}`, want: StatusActive},
		{name: "unknown", json: `{"id":1,"status":"suspended"}`, want: StatusUnknown, wantRaw: `"suspended"`},
		{name: "missing", json: `{"id":1}`, want: StatusUnknown, wantRaw: "none"},
		{name: "empty", json: `{"id":1,"status":""}`, want: StatusUnknown, wantRaw: "none"},
		{name: "unknown invite_status", json: `{"id":1,"invite_status":"revoked"}`, want: StatusUnknown, wantRaw: `invite_status "revoked"`},
		{name: "not a string", json: `{"id":1,"status":3}`, want: StatusUnknown, wantRaw: "3"},
		{name: "contradiction", json: `{"id":1,"status":"active","invite_status":"pending"}`, want: StatusUnknown, wantRaw: `status "active" but invite_status "pending"`},
		{name: "known status, odd invite_status", json: `{"id":1,"status":"active","invite_status":"revoked"}`, want: StatusUnknown, wantRaw: `status "active" but invite_status "revoked"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m TeamMember
			if err := json.Unmarshal([]byte(tt.json), &m); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if m.Status != tt.want || m.RawStatus != tt.wantRaw {
				t.Errorf("status %q (raw %q), want %q (raw %q)", m.Status, m.RawStatus, tt.want, tt.wantRaw)
			}
		})
	}
}

// TestTeamListWithUnknownMember: one member with an unknown status does
// not fail the list; it is in it, marked.
func TestTeamListWithUnknownMember(t *testing.T) {
	_, ts := serveCanned(t, answer{body: `{"data":[{"id":1,"email":"a@x.example","role":"admin","status":"active"},{"id":2,"email":"b@x.example","role":"billing","status":"suspended","permissions":"api-keys, billing"}]}`})
	got, err := fastClient(t, ts.URL, nil).ListTeam(context.Background())
	if err != nil {
		t.Fatalf("ListTeam: %v", err)
	}
	want := []TeamMember{
		{ID: "1", Email: "a@x.example", Role: "admin", Status: StatusActive},
		{ID: "2", Email: "b@x.example", Role: "billing", Status: StatusUnknown, RawStatus: `"suspended"`, Permissions: []string{"api-keys", "billing"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("team (-want +got):\n%s", diff)
	}
}
