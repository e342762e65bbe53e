package store

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// BenchmarkSegmentRows times a segment over CRMBOT_BENCH_CUSTOMERS (default
// 100,000) segment rows written straight into the index, without the
// customers behind them: the read path of every segment once the index is
// built, in seconds of set-up instead of the minutes BenchmarkSegment's
// seeding takes.
func BenchmarkSegmentRows(b *testing.B) {
	n := 100_000
	if s := os.Getenv("CRMBOT_BENCH_CUSTOMERS"); s != "" {
		fmt.Sscan(s, &n)
	}
	ctx := context.Background()
	db, err := Open(ctx, Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	now := time.Now()
	tiers := []crm.Tier{crm.TierNone, crm.TierLow, crm.TierMiddle, crm.TierRepeat, crm.TierHigh}
	rows := make(map[string]string, n)
	for i := range n {
		c := &crm.Customer{ID: crm.CustomerID(newID()), Name: fmt.Sprintf("Siti Nurhaliza %d", i), City: "Johor Bahru",
			Source: "facebook", CreatedAt: now.AddDate(0, 0, -i%730), Birthday: crm.Date(fmt.Sprintf("1980-%02d-%02d", 1+i%12, 1+i%28))}
		if i%20 == 0 {
			c.City = "Kuala Lumpur"
		}
		c.Stats.Tier = tiers[i%len(tiers)]
		if i%3 == 0 {
			c.Stats.LastContactAt = now.AddDate(0, 0, -i%90)
		}
		rows[string(c.ID)] = segmentRow(c)
	}
	if err := db.setRows(ctx, rows, false); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    crm.SegmentFilter
	}{
		{"CityKL", crm.SegmentFilter{City: "kuala lumpur"}},
		{"TierMiddle", crm.SegmentFilter{Tier: crm.TierMiddle}},
		{"Silent60d", crm.SegmentFilter{SilentSince: now.AddDate(0, 0, -60)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var d []time.Duration
			var got []crm.SegmentMember
			for b.Loop() {
				start := time.Now()
				if got, err = db.SegmentMembers(ctx, tc.f); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			b.ReportMetric(float64(len(got)), "members")
			slices.Sort(d)
			if len(d) > 0 {
				b.ReportMetric(float64(d[len(d)/2].Milliseconds()), "p50-ms")
			}
		})
	}
}
