package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func mustPlan(tb testing.TB, db crm.NudgeStore, id string) {
	tb.Helper()
	if ok, err := db.PlanDelivery(context.Background(), &crm.Delivery{ID: id, Kind: crm.DeliveryNudge, Staff: "s1", DueAt: t0}); err != nil || !ok {
		tb.Fatalf("plan %s: %v %v", id, ok, err)
	}
}

// TestDeliveryClaimedOnce is RELIABILITY test 1 at the store: five workers
// race over twenty deliveries; each is claimed and marked exactly once.
func TestDeliveryClaimedOnce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for i := 0; i < 20; i++ {
		mustPlan(t, db, fmt.Sprint("nudge:r", i))
	}
	if ok, _ := db.PlanDelivery(ctx, &crm.Delivery{ID: "nudge:r0", DueAt: t0}); ok {
		t.Fatal("a delivery was planned twice")
	}
	var mu sync.Mutex
	marks := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 5; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds, err := db.PendingDeliveries(ctx, t0, 100)
			if err != nil {
				t.Error(err)
				return
			}
			for _, d := range ds {
				c, err := db.ClaimDelivery(ctx, d.ID, fmt.Sprint("w", w), t0, time.Minute, 5)
				if crm.ErrorCode(err) == crm.ECONFLICT {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				if err := db.MarkDelivered(ctx, c, t0, "telegram:1"); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				marks[d.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(marks) != 20 {
		t.Fatalf("%d deliveries marked, want 20", len(marks))
	}
	for id, n := range marks {
		if n != 1 {
			t.Errorf("%s marked %d times", id, n)
		}
	}
	if ds, _ := db.PendingDeliveries(ctx, t0.Add(time.Hour), 100); len(ds) != 0 {
		t.Errorf("%d deliveries still pending after all were sent", len(ds))
	}
}

// TestClaimFencing is RELIABILITY tests 2 and 4 at the store: a lapsed
// claim is taken over with attempt 2, and the stale holder can neither pass
// the fence nor mark.
func TestClaimFencing(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	mustPlan(t, db, "nudge:a")
	slow, err := db.ClaimDelivery(ctx, "nudge:a", "slow", t0, time.Minute, 5)
	if err != nil || slow.Attempt != 1 {
		t.Fatalf("first claim: %+v %v", slow, err)
	}
	t.Run("LiveLeaseHolds", func(t *testing.T) {
		if _, err := db.ClaimDelivery(ctx, "nudge:a", "other", t0.Add(59*time.Second), time.Minute, 5); crm.ErrorCode(err) != crm.ECONFLICT {
			t.Fatalf("claimed within the lease: %v", err)
		}
	})
	fast, err := db.ClaimDelivery(ctx, "nudge:a", "fast", t0.Add(61*time.Second), time.Minute, 5)
	if err != nil || fast.Attempt != 2 {
		t.Fatalf("takeover: %+v %v", fast, err)
	}
	t.Run("StaleFenced", func(t *testing.T) {
		if ok, err := db.Current(ctx, slow); ok || err != nil {
			t.Fatalf("stale claim current = %v, %v", ok, err)
		}
		if err := db.MarkDelivered(ctx, slow, t0, "x:1"); crm.ErrorCode(err) != crm.ECONFLICT {
			t.Fatalf("stale mark: %v", err)
		}
		if err := db.GiveUp(ctx, slow, crm.StateDead, t0, "x"); crm.ErrorCode(err) != crm.ECONFLICT {
			t.Fatalf("stale give-up: %v", err)
		}
	})
	if err := db.MarkDelivered(ctx, fast, t0.Add(62*time.Second), "telegram:1"); err != nil {
		t.Fatal(err)
	}
	d, err := db.Delivery(ctx, "nudge:a")
	if err != nil || d.State != crm.StateSent || d.Via != "telegram:1" {
		t.Fatalf("after mark: %+v %v", d, err)
	}
	if _, err := db.ClaimDelivery(ctx, "nudge:a", "late", t0.Add(time.Hour), time.Minute, 5); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("claimed a sent delivery: %v", err)
	}
}

// TestRescue is RELIABILITY test 3: back-dated claims, expired, live and at
// the last attempt; one pass moves each to the right state.
func TestRescue(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for _, id := range []string{"expired", "live", "spent", "released"} {
		mustPlan(t, db, id)
	}
	claim := func(id string, at time.Time) crm.Claim {
		c, err := db.ClaimDelivery(ctx, id, "w", at, time.Minute, 3)
		if err != nil {
			t.Fatalf("claim %s: %v", id, err)
		}
		return c
	}
	claim("expired", t0.Add(-10*time.Minute))
	claim("live", t0.Add(-30*time.Second))
	claim("spent", t0.Add(-30*time.Minute))
	claim("spent", t0.Add(-20*time.Minute))
	claim("spent", t0.Add(-10*time.Minute))
	r := claim("released", t0.Add(-time.Minute))
	if err := db.GiveUp(ctx, r, crm.StatePending, t0.Add(5*time.Minute), "refused"); err != nil {
		t.Fatal(err)
	}
	n, err := db.Rescue(ctx, t0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n != (crm.RescueCounts{Retry: 2, Live: 1, Dead: 1}) {
		t.Fatalf("rescue = %+v", n)
	}
	for id, want := range map[string]string{"expired": crm.StatePending, "live": crm.StatePending, "spent": crm.StateDead, "released": crm.StatePending} {
		if d, _ := db.Delivery(ctx, id); d.State != want {
			t.Errorf("%s: state %s, want %s", id, d.State, want)
		}
	}
	ds, _ := db.PendingDeliveries(ctx, t0, 10)
	if len(ds) != 1 || ds[0].ID != "expired" {
		t.Fatalf("pending after rescue: %+v (the released one waits for its backoff)", ds)
	}
	if c := claim("expired", t0); c.Attempt != 2 {
		t.Fatalf("retry attempt = %d", c.Attempt)
	}
	if _, err := db.ClaimDelivery(ctx, "released", "w", t0, time.Minute, 3); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("claimed during backoff: %v", err)
	}
	if c := claim("released", t0.Add(5*time.Minute)); c.Attempt != 2 {
		t.Fatalf("after backoff attempt = %d", c.Attempt)
	}
	if n, err := db.ForgetDeliveries(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("forgot %d, %v; want the dead one", n, err)
	}
}

// TestDueIndex: reminders are listed by due day until unlisted or done.
func TestDueIndex(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	var rs []*crm.Reminder
	for i, due := range []time.Time{t0.Add(-48 * time.Hour), t0.Add(-time.Minute), t0.Add(time.Hour), t0.Add(72 * time.Hour)} {
		r := &crm.Reminder{Staff: "s1", CustomerID: "c1", DueAt: due, Text: fmt.Sprint(i)}
		if err := db.AddReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	due, err := db.DueReminders(ctx, t0.Add(-7*24*time.Hour), t0)
	if err != nil || len(due) != 2 || due[0].ID != rs[0].ID {
		t.Fatalf("due = %+v, %v", due, err)
	}
	if err := db.Unlist(ctx, due[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteReminder(ctx, rs[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueReminders(ctx, t0.Add(-7*24*time.Hour), t0.Add(2*time.Hour)); len(due) != 1 || due[0].ID != rs[2].ID {
		t.Fatalf("after unlist and done: %+v", due)
	}
	if n, err := db.IndexReminders(ctx); err != nil || n != 3 {
		t.Fatalf("indexed %d, %v; want the 3 open", n, err)
	}
	if n, err := db.IndexReminders(ctx); err != nil || n != 0 {
		t.Fatalf("second index run did %d, %v; want nothing", n, err)
	}
}

// TestCareIndexes: writes keep the birthday, last-contact, tier and day keys.
func TestCareIndexes(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Siti", Birthday: "1990-03-14", CreatedAt: t0})
	has := func(f func() ([]*crm.Customer, error)) bool {
		cs, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return len(cs) == 1 && cs[0].ID == c.ID
	}
	if !has(func() ([]*crm.Customer, error) { return db.CustomersWithDate(ctx, "03-14") }) {
		t.Error("birthday not indexed")
	}
	bd := crm.Date("--03-15")
	if _, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{Birthday: &bd, AddFamily: []crm.FamilyMember{{Name: "Aminah", Birthday: "2015-07-01"}}}); err != nil {
		t.Fatal(err)
	}
	if has(func() ([]*crm.Customer, error) { return db.CustomersWithDate(ctx, "03-14") }) {
		t.Error("old birthday still indexed")
	}
	if !has(func() ([]*crm.Customer, error) { return db.CustomersWithDate(ctx, "07-01") }) {
		t.Error("family birthday not indexed")
	}
	if !has(func() ([]*crm.Customer, error) { return db.CustomersLastContacted(ctx, "2026-11-23") }) {
		t.Error("creation day not indexed as last contact")
	}
	if err := db.LogInteraction(ctx, &crm.Interaction{CustomerID: c.ID, Staff: "s1", Kind: crm.KindCall, At: t0.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if has(func() ([]*crm.Customer, error) { return db.CustomersLastContacted(ctx, "2026-11-23") }) ||
		!has(func() ([]*crm.Customer, error) { return db.CustomersLastContacted(ctx, "2026-11-25") }) {
		t.Error("last contact not moved")
	}
	if its, _ := db.InteractionsOn(ctx, "2026-11-25"); len(its) != 1 {
		t.Errorf("interactions on the day: %d", len(its))
	}
	high := func(crm.Stats) crm.Tier { return crm.TierHigh }
	for i, at := range []time.Time{t0, t0.Add(10 * 24 * time.Hour)} {
		s := &crm.Sale{CustomerID: c.ID, At: at, Amount: crm.Money{Minor: 100, Currency: "MYR"}, Payment: crm.PayCredit,
			Credit: &crm.Credit{TermDays: 30, DueAt: at.Add(30 * 24 * time.Hour)}}
		if err := db.RecordSale(ctx, s, high); err != nil {
			t.Fatal(i, err)
		}
	}
	if !has(func() ([]*crm.Customer, error) { return db.HighValueCustomers(ctx) }) {
		t.Error("high tier not indexed")
	}
	if !has(func() ([]*crm.Customer, error) { return db.CustomersReorderDue(ctx, "2026-12-13") }) {
		t.Error("reorder day not indexed (last order + mean gap of 10 days)")
	}
	if s, _ := db.CreditSalesDue(ctx, "2026-12-23"); len(s) != 1 {
		t.Errorf("credit due: %d sales", len(s))
	}
	if s, _ := db.SalesOn(ctx, "2026-11-23"); len(s) != 1 {
		t.Errorf("sales on the day: %d", len(s))
	}
}
