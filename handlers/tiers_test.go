package handlers_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/handlers"
)

// TestDailyTierRecompute: tiers that change with time alone move in the
// daily run, on the day the last order's age crosses a threshold, and only
// those; a lost customer keeps its tier.
func TestDailyTierRecompute(t *testing.T) {
	ctx := context.Background()
	start := at("2026-08-01", "10:00")
	w := newWorld(t, start)
	add := func(name, phone string) *crm.Customer {
		c := &crm.Customer{Name: name, Phones: []string{phone}, Owner: w.rep.ID, CreatedAt: w.clock.Now()}
		if err := w.db.CreateCustomer(ctx, c, false); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// Two orders of RM 5,000: recency 3 + frequency 2 + money 3 = 8, high;
	// after 90 days recency 2, so 7, middle.
	fading := add("Fading", "+60111111121")
	w.as(w.rep, "sale Fading: 5000 MYR generator card")
	w.as(w.rep, "sale Fading: 5000 MYR generator card")
	gone := add("Gone", "+60111111122")
	w.as(w.rep, "sale Gone: 5000 MYR generator card")
	w.as(w.rep, "sale Gone: 5000 MYR generator card")
	w.as(w.rep, "lost Gone: went to competitor Solar Jaya, price")
	// Bought 60 days later: still recent when Fading fades.
	w.clock.Set(start.AddDate(0, 0, 60))
	fresh := add("Fresh", "+60111111123")
	w.as(w.rep, "sale Fresh: 5000 MYR generator card")
	w.as(w.rep, "sale Fresh: 5000 MYR generator card")

	tier := func(c *crm.Customer) crm.Tier {
		t.Helper()
		got, err := w.db.Customer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Stats.Tier
	}
	run := func(day time.Time) {
		t.Helper()
		w.clock.Set(day)
		s := w.scheduler(w.h, w.db, newFake().deliverers(), "a")
		tick(t, s)
	}
	if got := tier(fading); got != crm.TierHigh {
		t.Fatalf("after two big orders: %s, want high", got)
	}
	run(time.Date(2026, 10, 29, 8, 31, 0, 0, kl)) // 89 days after the orders
	if got := tier(fading); got != crm.TierHigh {
		t.Errorf("89 days after: %s, want high", got)
	}
	run(time.Date(2026, 10, 31, 8, 31, 0, 0, kl)) // 91 days after
	for _, tt := range []struct {
		c    *crm.Customer
		want crm.Tier
	}{{fading, crm.TierMiddle}, {fresh, crm.TierHigh}, {gone, crm.TierLost}} {
		if got := tier(tt.c); got != tt.want {
			t.Errorf("%s 91 days after the first orders: %s, want %s", tt.c.Name, got, tt.want)
		}
	}
	if ids, err := w.db.HighValueCustomers(ctx); err != nil || len(ids) != 1 {
		t.Errorf("high-value index after the run: %v %v, want Fresh only", ids, err)
	}
}

// TestTierRulesChange: after the thresholds change, the next daily run
// moves every customer to the tier of the new rules, once.
func TestTierRulesChange(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, at("2026-11-20", "10:00"))
	c := &crm.Customer{Name: "Regular", Phones: []string{"+60111111131"}, Owner: w.rep.ID, CreatedAt: w.clock.Now()}
	if err := w.db.CreateCustomer(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	// Two orders of RM 3,000: 3 + 2 + 2 = 7, middle; with high spend from
	// RM 5,000 the money scores 3 and the customer is high.
	w.as(w.rep, "sale Regular: 3000 MYR generator card")
	w.as(w.rep, "sale Regular: 3000 MYR generator card")
	tier := func() crm.Tier {
		t.Helper()
		got, err := w.db.Customer(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Stats.Tier
	}
	daily := func(day string, h *handlers.Handler) {
		t.Helper()
		w.clock.Set(at(day, "08:31"))
		tick(t, w.scheduler(h, w.db, newFake().deliverers(), "a"))
	}
	daily("2026-11-21", w.h)
	if got := tier(); got != crm.TierMiddle {
		t.Fatalf("with the default rules: %s, want middle", got)
	}
	cat, err := handlers.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	rules := crm.DefaultTierRules
	rules.HighSpend = 5000_00
	lower, err := handlers.New(handlers.Config{Store: w.db, Catalog: cat, Now: w.clock.Now, Location: kl, DigestAt: "08:30", Tiers: rules})
	if err != nil {
		t.Fatal(err)
	}
	daily("2026-11-22", lower)
	if got := tier(); got != crm.TierHigh {
		t.Errorf("after high spend was lowered to RM 5,000: %s, want high", got)
	}
	daily("2026-11-23", w.h)
	if got := tier(); got != crm.TierMiddle {
		t.Errorf("back on the default rules: %s, want middle", got)
	}
}
