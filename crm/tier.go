package crm

import "time"

// TierRules are the thresholds of the value tiers. Amounts are minor units
// of Currency, the business's base currency: a customer's spending in any
// other currency never counts towards a tier, because amounts in two
// currencies cannot be added or compared without a rate we do not keep.
type TierRules struct {
	Currency    string        // ISO 4217 base currency (CRM_CURRENCY)
	HighSpend   int64         // monetary score 3 from here
	MiddleSpend int64         // monetary score 2 from here
	BigSale     int64         // one purchase this large makes a one-off big buyer
	Recent      time.Duration // recency score 3 within this
	Lapsed      time.Duration // recency score 1 beyond this
	Frequent    int           // frequency score 3 from this many orders
}

// DefaultTierRules suit a small business selling in ringgit: RM 10,000
// spent is high, RM 2,000 middle, one sale of RM 5,000 a big buyer; bought
// within 90 days is recent, beyond 365 lapsed. Other regions start from
// RegionDefaultsFor.
var DefaultTierRules = TierRules{
	Currency:    "MYR",
	HighSpend:   10_000_00,
	MiddleSpend: 2_000_00,
	BigSale:     5_000_00,
	Recent:      90 * 24 * time.Hour,
	Lapsed:      365 * 24 * time.Hour,
	Frequent:    5,
}

// RegionDefaults are what a business in one region (CRM_REGION) starts
// with where CRM_CURRENCY, CRM_TIMEZONE and CRM_TIER_* say nothing.
type RegionDefaults struct {
	Currency string // ISO 4217 base currency
	Zone     string // IANA time zone
	// The tier thresholds in whole money of Currency, chosen to weigh about
	// the same for a small business in each market as RM 10,000 / 2,000 /
	// 5,000 do in Malaysia (not a conversion at any day's rate).
	HighSpend, MiddleSpend, BigSale float64
}

// regionDefaults is the one table of region defaults (docs/analytics.md
// lists it). It is never written.
var regionDefaults = map[string]RegionDefaults{
	"MY": {"MYR", "Asia/Kuala_Lumpur", 10_000, 2_000, 5_000},
	"ID": {"IDR", "Asia/Jakarta", 30_000_000, 6_000_000, 15_000_000},
	"IN": {"INR", "Asia/Kolkata", 200_000, 40_000, 100_000},
	"CN": {"CNY", "Asia/Shanghai", 20_000, 4_000, 10_000},
	"TW": {"TWD", "Asia/Taipei", 80_000, 16_000, 40_000},
	"SG": {"SGD", "Asia/Singapore", 3_000, 600, 1_500},
	"HK": {"HKD", "Asia/Hong_Kong", 20_000, 4_000, 10_000},
	"TH": {"THB", "Asia/Bangkok", 80_000, 16_000, 40_000},
	"PH": {"PHP", "Asia/Manila", 120_000, 24_000, 60_000},
	"VN": {"VND", "Asia/Ho_Chi_Minh", 60_000_000, 12_000_000, 30_000_000},
}

// otherRegion is the default of a region not in the table: US dollars,
// UTC, and thresholds of about the same weight as Malaysia's.
var otherRegion = RegionDefaults{"USD", "UTC", 2_500, 500, 1_250}

// RegionDefaultsFor returns the defaults of region, an upper-case ISO 3166
// code; a region not in the table gets USD and UTC.
func RegionDefaultsFor(region string) RegionDefaults {
	if d, ok := regionDefaults[region]; ok {
		return d
	}
	return otherRegion
}

// CurrencyDefaults returns the defaults of a region whose currency is cur,
// for tier thresholds in that currency: a business in Malaysia that keeps
// its books in US dollars starts from the dollar thresholds, not from
// ringgit amounts read as dollars. It reports false for a currency no
// region in the table uses.
func CurrencyDefaults(cur string) (RegionDefaults, bool) {
	if cur == otherRegion.Currency {
		return otherRegion, true
	}
	for _, d := range regionDefaults {
		if d.Currency == cur {
			return d, true
		}
	}
	return RegionDefaults{}, false
}

// Tier scores recency, frequency and monetary value from 1 to 3 each:
// 8 or 9 is high, 6 or 7 middle; below that a customer with three orders or
// more is a repeat buyer, one with a single big order a one-off, else low.
// Money is what the customer spent in r.Currency alone.
func (r TierRules) Tier(s Stats, now time.Time) Tier {
	if s.Orders == 0 {
		return TierNone
	}
	spent := s.Spent[r.Currency]
	score := 1
	switch age := now.Sub(s.LastOrderAt); {
	case age <= r.Recent:
		score += 2
	case age <= r.Lapsed:
		score++
	}
	switch {
	case s.Orders >= r.Frequent:
		score += 3
	case s.Orders >= 2:
		score += 2
	default:
		score++
	}
	switch {
	case spent >= r.HighSpend:
		score += 3
	case spent >= r.MiddleSpend:
		score += 2
	default:
		score++
	}
	switch {
	case score >= 8:
		return TierHigh
	case score >= 6 && s.Orders > 1:
		return TierMiddle
	case s.Orders == 1 && largestIn(s, r.Currency) >= r.BigSale:
		return TierOneOff
	case score >= 6:
		return TierMiddle
	case s.Orders >= 3:
		return TierRepeat
	}
	return TierLow
}

// largestIn is the largest single sale when it is known to be in cur, else
// 0. Stats keep Largest without its currency, so only a customer who
// bought in cur alone vouches for it (a one-order customer always does).
func largestIn(s Stats, cur string) int64 {
	if len(s.Spent) == 1 && s.Spent[cur] != 0 {
		return s.Largest
	}
	return 0
}
