package remote

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlabctl/mlabctl/emulator"
)

func TestResponseInfo(t *testing.T) {
	notes := "changed"
	tests := []struct {
		name string
		// faults are set on the emulator before the calls.
		faults *emulator.Faults
		// calls are made in turn, each with its own info; the info of the
		// last call is checked.
		calls        func(ctx context.Context, c *Client, id ID) error
		wantReplayed bool
		wantStatus   int
		wantErr      bool
	}{
		{
			name: "first call of a key is not a replay",
			calls: func(ctx context.Context, c *Client, id ID) error {
				_, err := c.UpdateAPIKey(WithIdempotencyKey(ctx, "k1"), id, APIKeyUpdate{Notes: &notes})
				return err
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "the same key and body again is a replay",
			calls: func(ctx context.Context, c *Client, id ID) error {
				ctx = WithIdempotencyKey(ctx, "k2")
				if _, err := c.UpdateAPIKey(WithResponseInfo(ctx, &ResponseInfo{}), id, APIKeyUpdate{Notes: &notes}); err != nil {
					return err
				}
				_, err := c.UpdateAPIKey(ctx, id, APIKeyUpdate{Notes: &notes})
				return err
			},
			wantReplayed: true,
			wantStatus:   http.StatusOK,
		},
		{
			name:   "a retry after a dropped answer is replayed: the final attempt counts",
			faults: &emulator.Faults{DropFirst: 1, Routes: []string{"PUT /api-keys"}},
			calls: func(ctx context.Context, c *Client, id ID) error {
				_, err := c.UpdateAPIKey(ctx, id, APIKeyUpdate{Notes: &notes})
				return err
			},
			wantReplayed: true,
			wantStatus:   http.StatusOK,
		},
		{
			name: "an error answer is recorded too",
			calls: func(ctx context.Context, c *Client, _ ID) error {
				return c.DeleteAPIKey(ctx, "999999")
			},
			wantStatus: http.StatusNotFound,
			wantErr:    true,
		},
		{
			name: "a read is never a replay",
			calls: func(ctx context.Context, c *Client, id ID) error {
				_, err := c.GetAPIKey(ctx, id)
				return err
			},
			wantStatus: http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEmu(t)
			e.srv.Faults = tt.faults
			id := ID(itoa(e.snapshot(t).APIKeys[0].ID))
			info := &ResponseInfo{Replayed: !tt.wantReplayed, RequestID: "stale"}
			ctx := WithResponseInfo(context.Background(), info)
			err := tt.calls(ctx, e.c, id)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if info.RequestID == "" || info.RequestID == "stale" {
				t.Errorf("RequestID = %q, want the final attempt's", info.RequestID)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) && apiErr.RequestID != info.RequestID {
				t.Errorf("RequestID = %q, the error says %q", info.RequestID, apiErr.RequestID)
			}
			got := ResponseInfo{Replayed: info.Replayed, Status: info.Status}
			want := ResponseInfo{Replayed: tt.wantReplayed, Status: tt.wantStatus}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ResponseInfo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResponseInfoWithoutResponse(t *testing.T) {
	c := fastClient(t, "http://127.0.0.1:1", func(o *Options) { o.MaxAttempts = 1 })
	info := &ResponseInfo{Replayed: true, RequestID: "stale", Status: 200}
	err := c.DeleteAPIKey(WithResponseInfo(context.Background(), info), "1")
	if err == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	if diff := cmp.Diff(ResponseInfo{}, *info); diff != "" {
		t.Errorf("ResponseInfo after no response (-want +got):\n%s", diff)
	}
}

func TestResponseInfoFrom(t *testing.T) {
	if got := ResponseInfoFrom(context.Background()); got != nil {
		t.Errorf("ResponseInfoFrom(no info) = %+v, want nil", got)
	}
	info := &ResponseInfo{}
	if got := ResponseInfoFrom(WithResponseInfo(context.Background(), info)); got != info {
		t.Errorf("ResponseInfoFrom returned %p, want %p", got, info)
	}
}
