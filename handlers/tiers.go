package handlers

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/crmbot/crmbot/crm"
)

// tierSlack is how many days before a recency boundary the daily run looks
// back, so a run missed for a day or two (no replica up) still moves the
// customers whose tier changed meanwhile; recomputing is idempotent.
const tierSlack = 3

// recomputeTiers moves the customers whose value tier changed with time
// alone: a tier depends on how long ago the last order was, and that age
// crosses the Recent and Lapsed thresholds on a known day. So the daily run
// reads the sales of the few days around now-Recent and now-Lapsed (the
// sa:<day> index, no scan), and for each customer whose last order was
// then, stores the tier the rules give now if it differs. A sale
// recomputes its customer's tier itself (RecordSale).
func (s *Scheduler) recomputeTiers(ctx context.Context, now time.Time) (int, error) {
	rules := s.h.cfg.Tiers
	seen := map[crm.CustomerID]bool{}
	moved := 0
	for _, boundary := range []time.Duration{rules.Recent, rules.Lapsed} {
		edge := now.Add(-boundary)
		for back := range tierSlack + 1 {
			day := edge.AddDate(0, 0, -back).UTC().Format("2006-01-02")
			sales, err := s.st.SalesOn(ctx, day)
			if err != nil {
				return moved, err
			}
			for _, sale := range sales {
				if seen[sale.CustomerID] {
					continue
				}
				seen[sale.CustomerID] = true
				c, err := s.h.store.Customer(ctx, sale.CustomerID)
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					continue // merged or deleted since
				}
				if err != nil {
					return moved, err
				}
				if c.Lost != nil || c.Stats.LastOrderAt.After(edge.Add(24*time.Hour)) {
					continue // lost keeps its tier; a later order set the tier when it was recorded
				}
				if t := rules.Tier(c.Stats, now); t != c.Stats.Tier {
					if err := s.h.store.SetTier(ctx, c.ID, t); err != nil {
						return moved, err
					}
					moved++
				}
			}
		}
	}
	return moved, nil
}

// RegionAmount converts an amount in the currency of region ("10000"
// ringgit for MY) to the minor units sales are kept in (1,000,000 sen),
// for thresholds configured in whole money.
func RegionAmount(region string, amount float64) int64 {
	cur := regionCurrency[strings.ToUpper(region)]
	return int64(math.Round(amount * math.Pow10(scale(cur))))
}
