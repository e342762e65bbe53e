package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// BenchmarkRecoveryPass is what the transports' timers cost on a grown
// store: a recovery pass (ClaimDue of updates and messages with nothing
// due) and a clean-up pass (ForgetSent, ForgetSeen with nothing old yet),
// over CRMBOT_BENCH_UPDATES handled updates (default 10,000), each of which
// left an inbox key and two sent outbox rows, as the Telegram path does.
//
//	CRMBOT_BENCH_UPDATES=10000 go test ./store -run XXX -bench RecoveryPass
func BenchmarkRecoveryPass(b *testing.B) {
	n := benchSize("CRMBOT_BENCH_UPDATES", 10000)
	ctx := context.Background()
	db := MustOpenDB(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i := range n {
		at := now.Add(time.Duration(i-n) * 100 * time.Millisecond)
		if _, err := db.FirstSeen(ctx, fmt.Sprintf("tg:%d", i), at); err != nil {
			b.Fatal(err)
		}
		for _, m := range []crm.OutboxMessage{
			{ID: fmt.Sprintf("tg:in:%d", i), Platform: "telegram:in", Chat: "1", CreatedAt: at, Owner: "r", LeaseTill: at.Add(time.Minute)},
			{ID: fmt.Sprintf("tg:out:%d:0/0", i), Platform: "telegram", Chat: "1", Body: []byte("{}"), CreatedAt: at, Owner: "r", LeaseTill: at.Add(time.Minute)},
		} {
			if err := db.Enqueue(ctx, &m); err != nil {
				b.Fatal(err)
			}
			if err := db.MarkSentByID(ctx, m.ID, "r", at, "1"); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("Recover", func(b *testing.B) {
		for b.Loop() {
			for _, p := range []string{"telegram:in", "telegram"} {
				if ms, err := db.ClaimDue(ctx, p, "r2", now, time.Minute, 100); err != nil || len(ms) != 0 {
					b.Fatalf("claimed %d, %v", len(ms), err)
				}
			}
		}
	})
	b.Run("Clean", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ForgetSent(ctx, now.Add(-24*time.Hour)); err != nil {
				b.Fatal(err)
			}
			if _, err := db.ForgetSeen(ctx, now.Add(-72*time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSchedulerPass is what the scheduler's tick costs on a grown
// store: pending deliveries, the rescuer and the clean-up with nothing to
// do, over CRMBOT_BENCH_UPDATES sent deliveries (default 10,000).
//
//	CRMBOT_BENCH_UPDATES=10000 go test ./store -run XXX -bench SchedulerPass
func BenchmarkSchedulerPass(b *testing.B) {
	n := benchSize("CRMBOT_BENCH_UPDATES", 10000)
	ctx := context.Background()
	db := MustOpenDB(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i := range n {
		at := now.Add(time.Duration(i-n) * time.Second)
		d := &crm.Delivery{ID: fmt.Sprintf("nudge:%d", i), Kind: crm.DeliveryNudge, DueAt: at, NextAt: at, CreatedAt: at}
		if _, err := db.PlanDelivery(ctx, d); err != nil {
			b.Fatal(err)
		}
		c, err := db.ClaimDelivery(ctx, d.ID, "r", at, time.Minute, 8)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.MarkDelivered(ctx, c, at, "telegram:1"); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if ds, err := db.PendingDeliveries(ctx, now, 100); err != nil || len(ds) != 0 {
			b.Fatalf("pending %d, %v", len(ds), err)
		}
		if _, err := db.Rescue(ctx, now, 8); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ForgetDeliveries(ctx, now.Add(-30*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSize is the whole number in the environment variable name, or def
// when it is unset or not a positive number.
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
