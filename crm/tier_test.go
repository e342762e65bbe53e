package crm_test

import (
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// TestTier scores crafted purchase histories with the default rules:
// recency, frequency and money 1 to 3 each (README, "Value tiers").
func TestTier(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	myr := func(ringgit int64) map[string]int64 { return map[string]int64{"MYR": ringgit * 100} }
	tests := []struct {
		name string
		s    crm.Stats
		want crm.Tier
	}{
		{"NeverBought", crm.Stats{}, crm.TierNone},
		{"OneSmallRecentSale", crm.Stats{Orders: 1, Spent: myr(500), Largest: 500_00, LastOrderAt: ago(3)}, crm.TierLow},
		{"OneBigSaleIsOneOff", crm.Stats{Orders: 1, Spent: myr(6000), Largest: 6000_00, LastOrderAt: ago(3)}, crm.TierOneOff},
		{"OneHugeSaleStaysOneOff", crm.Stats{Orders: 1, Spent: myr(12000), Largest: 12000_00, LastOrderAt: ago(3)}, crm.TierOneOff},
		{"OneRecentSaleBelowBigScoresMiddle", crm.Stats{Orders: 1, Spent: myr(4999), Largest: 4999_00, LastOrderAt: ago(3)}, crm.TierMiddle},
		{"FiveOrdersTenThousandRecent", crm.Stats{Orders: 5, Spent: myr(10000), Largest: 3000_00, LastOrderAt: ago(10)}, crm.TierHigh},
		{"TwoBigOrdersRecent", crm.Stats{Orders: 2, Spent: myr(10000), Largest: 5000_00, LastOrderAt: ago(90)}, crm.TierHigh},
		{"TwoBigOrdersPastRecent", crm.Stats{Orders: 2, Spent: myr(10000), Largest: 5000_00, LastOrderAt: ago(91)}, crm.TierMiddle},
		{"TwoBigOrdersLapsed", crm.Stats{Orders: 2, Spent: myr(10000), Largest: 5000_00, LastOrderAt: ago(366)}, crm.TierMiddle},
		{"ThreeSmallRecent", crm.Stats{Orders: 3, Spent: myr(300), Largest: 100_00, LastOrderAt: ago(5)}, crm.TierMiddle},
		{"ThreeSmallThisYear", crm.Stats{Orders: 3, Spent: myr(300), Largest: 100_00, LastOrderAt: ago(200)}, crm.TierRepeat},
		{"FiveSmallLapsed", crm.Stats{Orders: 5, Spent: myr(500), Largest: 100_00, LastOrderAt: ago(400)}, crm.TierRepeat},
		{"TwoSmallLapsed", crm.Stats{Orders: 2, Spent: myr(200), Largest: 100_00, LastOrderAt: ago(400)}, crm.TierLow},
		{"OnlyBaseCurrencyCounts", crm.Stats{Orders: 4, Spent: map[string]int64{"MYR": 1500_00, "SGD": 2500_00}, Largest: 900_00, LastOrderAt: ago(30)}, crm.TierMiddle},
		// Before the base currency, the larger foreign total scored as ringgit: high.
		{"DollarsNeverCountAsRinggit", crm.Stats{Orders: 5, Spent: map[string]int64{"USD": 20_000_00}, Largest: 5000_00, LastOrderAt: ago(10)}, crm.TierMiddle},
		// Rp 1,500,000 is 1,500,000 minor units: once a one-off "big buyer" at RM 5,000.
		{"RupiahSaleIsNoRinggitBigSale", crm.Stats{Orders: 1, Spent: map[string]int64{"IDR": 1_500_000}, Largest: 1_500_000, LastOrderAt: ago(3)}, crm.TierLow},
		{"ManyCurrenciesNoneLarge", crm.Stats{Orders: 2, Spent: map[string]int64{"MYR": 1500_00, "SGD": 1500_00}, Largest: 900_00, LastOrderAt: ago(200)}, crm.TierLow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.DefaultTierRules.Tier(tt.s, now); got != tt.want {
				t.Errorf("tier %s, want %s", got, tt.want)
			}
		})
	}
}

// TestTierRulesConfigured: thresholds other than the defaults move the
// same history.
func TestTierRulesConfigured(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := crm.Stats{Orders: 2, Spent: map[string]int64{"IDR": 40_000_000}, Largest: 20_000_000, LastOrderAt: now.AddDate(0, 0, -45)}
	rupiah := crm.TierRules{Currency: "IDR", HighSpend: 30_000_000, MiddleSpend: 5_000_000, BigSale: 15_000_000,
		Recent: 60 * 24 * time.Hour, Lapsed: 180 * 24 * time.Hour, Frequent: 4}
	if got := rupiah.Tier(s, now); got != crm.TierHigh {
		t.Errorf("with rupiah thresholds: %s, want high", got)
	}
	if got := crm.DefaultTierRules.Tier(s, now); got != crm.TierMiddle {
		t.Errorf("with the ringgit defaults (rupiah spent counts for nothing): %s, want middle", got)
	}
	if got := rupiah.Tier(s, now.AddDate(0, 0, 20)); got != crm.TierMiddle {
		t.Errorf("65 days after, past a 60-day recency: %s, want middle", got)
	}
}

// TestRegionDefaults: every region crmbot serves has its own currency, zone
// and thresholds; another region gets US dollars and UTC.
func TestRegionDefaults(t *testing.T) {
	tests := []struct {
		region, currency, zone string
		high                   float64
	}{
		{"MY", "MYR", "Asia/Kuala_Lumpur", 10_000},
		{"ID", "IDR", "Asia/Jakarta", 30_000_000},
		{"IN", "INR", "Asia/Kolkata", 200_000},
		{"CN", "CNY", "Asia/Shanghai", 20_000},
		{"TW", "TWD", "Asia/Taipei", 80_000},
		{"SG", "SGD", "Asia/Singapore", 3_000},
		{"HK", "HKD", "Asia/Hong_Kong", 20_000},
		{"TH", "THB", "Asia/Bangkok", 80_000},
		{"PH", "PHP", "Asia/Manila", 120_000},
		{"VN", "VND", "Asia/Ho_Chi_Minh", 60_000_000},
		{"US", "USD", "UTC", 2_500},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			d := crm.RegionDefaultsFor(tt.region)
			if d.Currency != tt.currency || d.Zone != tt.zone || d.HighSpend != tt.high {
				t.Errorf("defaults %+v, want %s %s %v", d, tt.currency, tt.zone, tt.high)
			}
			if !(d.HighSpend > d.MiddleSpend && d.MiddleSpend > 0 && d.BigSale > d.MiddleSpend && d.BigSale < d.HighSpend) {
				t.Errorf("thresholds out of order: %+v", d)
			}
			if _, err := time.LoadLocation(d.Zone); err != nil {
				t.Errorf("zone: %v", err)
			}
		})
	}
}
