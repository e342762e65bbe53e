package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

func TestFirstSeenOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := db.FirstSeen(ctx, "tg:42", time.Now())
			if err != nil {
				t.Error(err)
			}
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("%d callers saw update 42 first, want 1", firsts)
	}
}

// TestOutboxClaimedOnce races five owners over twenty messages: each is
// claimed by exactly one, and a lapsed claim is taken over with a higher attempt.
func TestOutboxClaimedOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		if err := db.Enqueue(ctx, &crm.OutboxMessage{Platform: "telegram", Chat: "1", Body: []byte(fmt.Sprint(i)), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	claims := map[string]int{}
	for o := 0; o < 5; o++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, err := db.ClaimDue(ctx, "telegram", fmt.Sprint("owner", o), now, time.Minute, 20)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			for _, m := range ms {
				claims[m.ID]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(claims) != 20 {
		t.Fatalf("%d messages claimed, want 20", len(claims))
	}
	for id, n := range claims {
		if n != 1 {
			t.Fatalf("message %s claimed %d times", id, n)
		}
	}
	// Nothing is due again while the claims hold; after they lapse, all are.
	if ms, _ := db.ClaimDue(ctx, "telegram", "late", now.Add(30*time.Second), time.Minute, 50); len(ms) != 0 {
		t.Fatalf("%d messages claimed twice within the lease", len(ms))
	}
	ms, err := db.ClaimDue(ctx, "telegram", "rescuer", now.Add(2*time.Minute), time.Minute, 50)
	if err != nil || len(ms) != 20 || ms[0].Attempts != 2 {
		t.Fatalf("after the lease: %d claimed (attempt %d), %v", len(ms), ms[0].Attempts, err)
	}
	// The first owner, now stale, cannot mark a message it lost.
	if err := db.MarkSent(ctx, ms[0].ID, "owner0", now, "x"); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("stale owner marked sent: %v", err)
	}
	if err := db.MarkSent(ctx, ms[0].ID, "rescuer", now, "m1"); err != nil {
		t.Fatal(err)
	}
	if body, err := db.OutboxBody(ctx, ms[0].ID); err != nil || len(body) != 0 {
		t.Errorf("a sent message keeps its body %q (%v)", body, err)
	}
	if n, err := db.ForgetSent(ctx, now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("forgot %d sent messages, %v; want 1", n, err)
	}
}

func TestLeaseOneHolder(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name  string
		owner string
		at    time.Duration
		want  bool
	}{
		{"FirstTakes", "a", 0, true},
		{"OtherRefused", "b", 10 * time.Second, false},
		{"HolderRenews", "a", 20 * time.Second, true},
		{"OtherStillRefused", "b", 40 * time.Second, false},
		{"OtherTakesLapsed", "b", 90 * time.Second, true},
		{"FormerRefused", "a", 95 * time.Second, false},
	}
	for _, s := range steps {
		got, err := db.AcquireLease(ctx, "telegram-poll", s.owner, now.Add(s.at), 30*time.Second)
		if err != nil || got != s.want {
			t.Fatalf("%s: got %v, %v; want %v", s.name, got, err, s.want)
		}
	}
}

func TestStateExpires(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := db.PutState(ctx, "conv:1", []byte("log #x"), now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v, err := db.State(ctx, "conv:1", now.Add(29*time.Minute)); err != nil || string(v) != "log #x" {
		t.Fatalf("state = %q, %v", v, err)
	}
	if _, err := db.State(ctx, "conv:1", now.Add(31*time.Minute)); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("expired state: %v", err)
	}
}

// TestOutboxLeftByAnotherProcess: messages and inbox keys written before
// this process started (here straight into the collections) are found by
// the first recovery pass and forgotten by the clean-up, as ones written
// through this process are.
func TestOutboxLeftByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	out := db.Database().Collection("outbox")
	for _, doc := range []map[string]any{
		{"_id": "left-unsent", "platform": "telegram", "chat": "1", "createdat": now.Add(-time.Hour), "nextat": now.Add(-time.Hour), "leasetill": now.Add(-time.Minute), "sentat": time.Time{}},
		{"_id": "left-sent", "platform": "telegram", "chat": "1", "createdat": now.Add(-48 * time.Hour), "sentat": now.Add(-48 * time.Hour)},
	} {
		if _, err := out.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Database().Collection("inbox").InsertOne(ctx, map[string]any{"_id": "tg:1", "at": now.Add(-96 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ms, err := db.ClaimDue(ctx, "telegram", "me", now, time.Minute, 10)
	if err != nil || len(ms) != 1 || ms[0].ID != "left-unsent" || ms[0].Attempts != 1 {
		t.Fatalf("ClaimDue = %+v, %v; want left-unsent, attempt 1", ms, err)
	}
	if again, _ := db.ClaimDue(ctx, "telegram", "other", now, time.Minute, 10); len(again) != 0 {
		t.Errorf("a claimed message was claimed again: %+v", again)
	}
	if n, err := db.ForgetSent(ctx, now.Add(-24*time.Hour)); err != nil || n != 1 {
		t.Errorf("ForgetSent = %d, %v; want 1", n, err)
	}
	if n, err := db.ForgetSeen(ctx, now.Add(-72*time.Hour)); err != nil || n != 1 {
		t.Errorf("ForgetSeen = %d, %v; want 1", n, err)
	}
	if first, _ := db.FirstSeen(ctx, "tg:1", now); !first {
		t.Errorf("a forgotten key is still seen")
	}
}
