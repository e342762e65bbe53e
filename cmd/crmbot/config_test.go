package main

import (
	"testing"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// TestRegionDefaults: with only CRM_REGION set, the base currency, the time
// zone and the tier thresholds are the region's (crm.RegionDefaultsFor), in
// minor units of the currency; an explicit value still wins.
func TestRegionDefaults(t *testing.T) {
	day := 24 * time.Hour
	rules := func(cur string, high, middle, big int64) crm.TierRules {
		return crm.TierRules{Currency: cur, HighSpend: high, MiddleSpend: middle, BigSale: big,
			Recent: 90 * day, Lapsed: 365 * day, Frequent: 5}
	}
	tests := []struct {
		name           string
		env            []string
		currency, zone string
		tiers          crm.TierRules
	}{
		{"NothingSetIsMalaysia", nil, "MYR", "Asia/Kuala_Lumpur", crm.DefaultTierRules},
		// IDR has no cents in use (cash digits 0): Rp 30,000,000 is 30,000,000.
		{"Indonesia", []string{"CRM_REGION", "ID"}, "IDR", "Asia/Jakarta", rules("IDR", 30_000_000, 6_000_000, 15_000_000)},
		{"India", []string{"CRM_REGION", "IN"}, "INR", "Asia/Kolkata", rules("INR", 200_000_00, 40_000_00, 100_000_00)},
		{"China", []string{"CRM_REGION", "cn"}, "CNY", "Asia/Shanghai", rules("CNY", 20_000_00, 4_000_00, 10_000_00)},
		{"Taiwan", []string{"CRM_REGION", "TW"}, "TWD", "Asia/Taipei", rules("TWD", 80_000, 16_000, 40_000)},
		{"Singapore", []string{"CRM_REGION", "SG"}, "SGD", "Asia/Singapore", rules("SGD", 3_000_00, 600_00, 1_500_00)},
		{"Vietnam", []string{"CRM_REGION", "VN"}, "VND", "Asia/Ho_Chi_Minh", rules("VND", 60_000_000, 12_000_000, 30_000_000)},
		{"OtherRegionIsDollars", []string{"CRM_REGION", "US"}, "USD", "UTC", rules("USD", 2_500_00, 500_00, 1_250_00)},
		{"ExplicitZoneWins", []string{"CRM_REGION", "ID", "CRM_TIMEZONE", "Asia/Makassar"}, "IDR", "Asia/Makassar", rules("IDR", 30_000_000, 6_000_000, 15_000_000)},
		// A Malaysian business keeping its books in dollars gets dollar
		// thresholds, not ringgit amounts read as dollars.
		{"CurrencyChoosesThresholds", []string{"CRM_CURRENCY", "usd"}, "USD", "Asia/Kuala_Lumpur", rules("USD", 2_500_00, 500_00, 1_250_00)},
		{"ExplicitThresholdWins", []string{"CRM_REGION", "ID", "CRM_TIER_MIDDLE_SPEND", "10000000"}, "IDR", "Asia/Jakarta", rules("IDR", 30_000_000, 10_000_000, 15_000_000)},
		// Empty, as in a copied .env.example: the default.
		{"EmptyThresholdIsDefault", []string{"CRM_TIER_HIGH_SPEND", "", "CRM_TIER_BIG_SALE", " "}, "MYR", "Asia/Kuala_Lumpur", crm.DefaultTierRules},
		{"CurrencyWithoutDefaultsGivenAll", []string{"CRM_CURRENCY", "JPY", "CRM_TIER_HIGH_SPEND", "1500000", "CRM_TIER_MIDDLE_SPEND", "300000", "CRM_TIER_BIG_SALE", "750000"},
			"JPY", "Asia/Kuala_Lumpur", rules("JPY", 1_500_000, 300_000, 750_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, append([]string{"CRM_TIMEZONE", "", "CRM_CURRENCY", ""}, tt.env...)...)
			c, err := loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			if c.Currency != tt.currency || c.Location.String() != tt.zone {
				t.Errorf("currency %s, zone %s; want %s, %s", c.Currency, c.Location, tt.currency, tt.zone)
			}
			if c.Tiers != tt.tiers {
				t.Errorf("tiers %+v, want %+v", c.Tiers, tt.tiers)
			}
		})
	}
}
