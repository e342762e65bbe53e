package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// TestSettleByID runs on the package's embedded server itself, where the
// _id-only path is taken.
func TestSettleByID(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	m := &crm.OutboxMessage{ID: "settle:" + t.Name(), Platform: "test-settle", Chat: "1", Body: []byte("x"),
		CreatedAt: now, NextAt: now, Owner: "a", LeaseTill: now.Add(time.Minute)}
	if err := server.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"RetryByOther", func() error { return server.RetryByID(ctx, m.ID, "b", now, "x") }, ""},
		{"MarkByOther", func() error { return server.MarkSentByID(ctx, m.ID, "b", now, "1") }, crm.ECONFLICT},
		{"MarkByOwner", func() error { return server.MarkSentByID(ctx, m.ID, "a", now, "1") }, ""},
		{"MarkAgain", func() error { return server.MarkSentByID(ctx, m.ID, "a", now, "1") }, crm.ECONFLICT},
		{"Missing", func() error { return server.MarkSentByID(ctx, "settle:none", "a", now, "1") }, crm.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.ErrorCode(tt.run()); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
	if body, err := server.OutboxBody(ctx, m.ID); err != nil || len(body) != 0 {
		t.Errorf("a sent message keeps its body %q (%v)", body, err)
	}
	// Nothing is left to claim: it was sent once.
	if got, err := server.ClaimDue(ctx, "test-settle", "c", now.Add(time.Hour), time.Minute, 10); err != nil || len(got) != 0 {
		t.Errorf("claimable after send: %v %v", got, err)
	}
}
