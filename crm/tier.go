package crm

import "time"

// TierRules are the thresholds of the value tiers. Amounts are minor units of
// the customer's main currency.
type TierRules struct {
	HighSpend   int64         // monetary score 3 from here
	MiddleSpend int64         // monetary score 2 from here
	BigSale     int64         // one purchase this large makes a one-off big buyer
	Recent      time.Duration // recency score 3 within this
	Lapsed      time.Duration // recency score 1 beyond this
	Frequent    int           // frequency score 3 from this many orders
}

// DefaultTierRules suit a small business selling in ringgit, rupiah-free
// markets aside: RM 10,000 spent is high, RM 2,000 middle, one sale of
// RM 5,000 a big buyer; bought within 90 days is recent, beyond 365 lapsed.
var DefaultTierRules = TierRules{
	HighSpend:   10_000_00,
	MiddleSpend: 2_000_00,
	BigSale:     5_000_00,
	Recent:      90 * 24 * time.Hour,
	Lapsed:      365 * 24 * time.Hour,
	Frequent:    5,
}

// Tier scores recency, frequency and monetary value from 1 to 3 each:
// 8 or 9 is high, 6 or 7 middle; below that a customer with three orders or
// more is a repeat buyer, one with a single big order a one-off, else low.
func (r TierRules) Tier(s Stats, now time.Time) Tier {
	if s.Orders == 0 {
		return TierNone
	}
	var spent int64
	for _, v := range s.Spent {
		spent = max(spent, v)
	}
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
	case s.Orders == 1 && s.Largest >= r.BigSale:
		return TierOneOff
	case score >= 6:
		return TierMiddle
	case s.Orders >= 3:
		return TierRepeat
	}
	return TierLow
}
