package store_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
	"github.com/crmbot/crmbot/crm/crmtest"
	"github.com/crmbot/crmbot/store"
)

func TestSegmentMembersStaleIndex(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := mustCreate(t, db, crm.Customer{Name: "Was High"})
	if err := db.SetTier(ctx, c.ID, crm.TierHigh); err != nil {
		t.Fatal(err)
	}
	got, err := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierHigh})
	if err != nil || len(got) != 1 {
		t.Fatalf("high: %v, %v", got, err)
	}
	// The document changes behind the indexes, as when a write stops
	// between the document and its index entries.
	if _, err := db.Database().Collection("customers").UpdateOne(ctx, map[string]any{"_id": string(c.ID)},
		map[string]any{"$set": map[string]any{"stats.tier": "low"}}); err != nil {
		t.Fatal(err)
	}
	t.Run("KeyBeforeRows", func(t *testing.T) {
		// Before the segment index is built, the tier:high key names the
		// candidates and the document decides.
		keys := db.Database().Collection("keys")
		if _, err := keys.DeleteOne(ctx, map[string]any{"_id": "meta:segment-index-v1"}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierHigh}); err != nil || len(got) != 0 {
			t.Fatalf("stale index entry listed: %v, %v", got, err)
		}
		if _, err := keys.InsertOne(ctx, map[string]any{"_id": "meta:segment-index-v1", "ids": []string{"done"}}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RowMendedByNextWrite", func(t *testing.T) {
		// The row lags until the next write that changes one of its fields
		// rewrites it from the document.
		if got, _ := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierHigh}); len(got) != 1 {
			t.Fatalf("high before the next write: %v, want the lagging row", got)
		}
		city := "Ipoh"
		if _, err := db.UpdateCustomer(ctx, c.ID, crm.CustomerUpdate{City: &city}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierHigh}); err != nil || len(got) != 0 {
			t.Fatalf("high after the next write: %v, %v", got, err)
		}
		if got, err := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierLow, City: "ipoh"}); err != nil || len(got) != 1 {
			t.Fatalf("low in Ipoh after the next write: %v, %v", got, err)
		}
	})
}

func TestSaveSegment(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.Segment(ctx, "vip-kl"); crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Fatalf("missing segment: %v", err)
	}
	for i, want := range []bool{false, true} {
		replaced, err := db.SaveSegment(ctx, &crm.Segment{Name: "vip-kl", Filter: fmt.Sprintf("tier=high v%d", i)})
		if err != nil || replaced != want {
			t.Fatalf("save %d: replaced %v, %v", i, replaced, err)
		}
	}
	s, err := db.Segment(ctx, "vip-kl")
	if err != nil || s.Filter != "tier=high v1" {
		t.Fatalf("segment = %+v, %v", s, err)
	}
}

// segDB is a database of CRMBOT_BENCH_CUSTOMERS (default 5,000: seeding
// 100,000 takes about 11 minutes) customers shaped for segments: one in 20 in Kuala Lumpur, one in 50 high,
// one in 7 middle, creation spread over 730 days, a birthday each, and
// 1,000 sales of which a third are solar panels.
var seg struct {
	once sync.Once
	db   *store.DB
	now  time.Time
}

func segDB(b *testing.B) (*store.DB, time.Time) {
	b.Helper()
	seg.once.Do(func() {
		n := 5_000
		if s := os.Getenv("CRMBOT_BENCH_CUSTOMERS"); s != "" {
			fmt.Sscan(s, &n)
		}
		ctx := context.Background()
		seg.now = time.Now()
		seg.db = MustOpenDB(b)
		start := time.Now()
		var ids []crm.CustomerID
		for from := 0; from < n; from += 5000 {
			batch := crmtest.Customers(from, min(n, from+5000), 1)
			for j, c := range batch {
				i := from + j
				if i%20 == 0 {
					c.City = "Kuala Lumpur"
				} else {
					c.City = "Johor Bahru"
				}
				switch {
				case i%50 == 0:
					c.Stats.Tier = crm.TierHigh
				case i%7 == 0:
					c.Stats.Tier = crm.TierMiddle
				}
				c.CreatedAt = seg.now.Add(-time.Duration(i%730) * 24 * time.Hour)
				c.Birthday = crm.Date(fmt.Sprintf("1980-%02d-%02d", 1+i%12, 1+i%28))
			}
			if err := seg.db.ImportCustomers(ctx, batch); err != nil {
				b.Fatal(err)
			}
			for _, c := range batch {
				ids = append(ids, c.ID)
			}
		}
		products := []string{"solar panel", "water pump", "inverter"}
		for i := 0; i < 1000; i++ {
			s := &crm.Sale{CustomerID: ids[(i*97)%len(ids)], At: seg.now.Add(-time.Duration(i%200) * 24 * time.Hour),
				Product: products[i%3], Quantity: 1, Amount: crm.Money{Minor: 100_00, Currency: "MYR"}, Payment: crm.PayCash}
			if err := seg.db.RecordSale(ctx, s, func(st crm.Stats) crm.Tier { return crm.TierLow }); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Fprintf(os.Stderr, "seeded %d customers and 1,000 sales in %s\n", n, time.Since(start).Round(time.Millisecond))
	})
	return seg.db, seg.now
}

func BenchmarkSegment(b *testing.B) {
	db, now := segDB(b)
	ctx := context.Background()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    crm.SegmentFilter
	}{
		{"TierHigh", crm.SegmentFilter{Tier: crm.TierHigh}},
		{"TierHighCityKL", crm.SegmentFilter{Tier: crm.TierHigh, City: "Kuala Lumpur"}},
		{"NewThisMonth", crm.SegmentFilter{CreatedFrom: month, CreatedTo: month.AddDate(0, 1, 0)}},
		{"BirthdayThisMonth", crm.SegmentFilter{BirthMonth: int(now.Month())}},
		{"BoughtLast90d", crm.SegmentFilter{Bought: "solar panel", BoughtSince: now.Add(-90 * 24 * time.Hour)}},
		{"BoughtEver", crm.SegmentFilter{Bought: "solar panel"}},
		{"CityKL", crm.SegmentFilter{City: "Kuala Lumpur"}},
		{"TierMiddle", crm.SegmentFilter{Tier: crm.TierMiddle}},
		{"TierLow", crm.SegmentFilter{Tier: crm.TierLow}},
		{"Silent60d", crm.SegmentFilter{SilentSince: now.Add(-60 * 24 * time.Hour)}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var n int
			var d []time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := db.SegmentMembers(ctx, tc.f)
				if err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
				n = len(got)
			}
			b.ReportMetric(float64(n), "members")
			reportPercentiles(b, d)
		})
	}
}

// BenchmarkSegmentIndexBuild times the one-off build of the segment index
// over the benchmark's customers (run it with -benchtime 1x: at 100,000 it
// is one scan of the customers), and the cost a tier change adds to a write.
func BenchmarkSegmentIndexBuild(b *testing.B) {
	db, _ := segDB(b)
	ctx := context.Background()
	b.Run("Build", func(b *testing.B) {
		var d []time.Duration
		for b.Loop() {
			start := time.Now()
			n, err := db.RebuildSegmentIndex(ctx)
			if err != nil || n == 0 {
				b.Fatalf("rebuild: %d, %v", n, err)
			}
			d = append(d, time.Since(start))
		}
		reportPercentiles(b, d)
	})
	b.Run("SetTier", func(b *testing.B) {
		ms, err := db.SegmentMembers(ctx, crm.SegmentFilter{Tier: crm.TierMiddle})
		if err != nil || len(ms) == 0 {
			b.Fatalf("middle: %d, %v", len(ms), err)
		}
		var d []time.Duration
		i := 0
		for b.Loop() {
			id := ms[i%len(ms)].ID
			tier := crm.TierLow
			if i/len(ms)%2 == 1 {
				tier = crm.TierMiddle
			}
			i++
			start := time.Now()
			if err := db.SetTier(ctx, id, tier); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(start))
		}
		reportPercentiles(b, d)
	})
}
