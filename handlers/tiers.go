package handlers

import (
	"context"
	"fmt"
	"math"
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
	if changed, err := s.tierRulesChanged(ctx, now); err != nil || changed {
		if err != nil {
			return 0, err
		}
		return s.retierAll(ctx, now)
	}
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

// tierRulesKey keeps the tier rules the tiers were last computed with.
const tierRulesKey = "tier-rules"

// tierRulesChanged reports whether the rules differ from those the stored
// tiers were computed with (or none were recorded: a first run).
func (s *Scheduler) tierRulesChanged(ctx context.Context, now time.Time) (bool, error) {
	was, err := s.h.store.State(ctx, tierRulesKey, now)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return string(was) != fmt.Sprintf("%+v", s.h.cfg.Tiers), nil
}

// customerWalker reads every customer (store.DB has it).
type customerWalker interface {
	EachCustomer(ctx context.Context, fn func(*crm.Customer) error) error
}

// retierAll recomputes every customer's tier: once on the first daily run,
// and after the thresholds changed (CRM_TIER_*), so no customer keeps a
// tier of the old rules. It reads each customer once, then writes only the
// tiers that moved, after the walk (the embedded store serves one command
// at a time). The rules are recorded last: a run cut short starts over.
func (s *Scheduler) retierAll(ctx context.Context, now time.Time) (int, error) {
	w, ok := s.h.store.(customerWalker)
	if !ok {
		return 0, nil
	}
	rules := s.h.cfg.Tiers
	moves := map[crm.CustomerID]crm.Tier{}
	err := w.EachCustomer(ctx, func(c *crm.Customer) error {
		if c.Lost != nil {
			return nil
		}
		if t := rules.Tier(c.Stats, now); t != c.Stats.Tier {
			moves[c.ID] = t
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retier: %w", err)
	}
	for id, t := range moves {
		if err := s.h.store.SetTier(ctx, id, t); err != nil {
			return 0, fmt.Errorf("retier %s: %w", id, err)
		}
	}
	forever := now.AddDate(100, 0, 0)
	if err := s.h.store.PutState(ctx, tierRulesKey, []byte(fmt.Sprintf("%+v", rules)), forever); err != nil {
		return len(moves), err
	}
	return len(moves), nil
}

// WholeAmount converts whole money of currency ("10000" ringgit) to the
// minor units sales are kept in (1,000,000 sen), for thresholds
// configured in whole money.
func WholeAmount(currency string, amount float64) int64 {
	return int64(math.Round(amount * math.Pow10(scale(currency))))
}

// DefaultTierRules are crm.DefaultTierRules with the thresholds of the
// region table (crm.CurrencyDefaults) for a business whose base currency
// is currency; an error for a currency the table does not know, whose
// thresholds must be given (CRM_TIER_*).
func DefaultTierRules(currency string) (crm.TierRules, error) {
	d, ok := crm.CurrencyDefaults(currency)
	if !ok {
		return crm.TierRules{}, fmt.Errorf("handlers: no default tier thresholds in %s", currency)
	}
	r := crm.DefaultTierRules
	r.Currency = currency
	r.HighSpend = WholeAmount(currency, d.HighSpend)
	r.MiddleSpend = WholeAmount(currency, d.MiddleSpend)
	r.BigSale = WholeAmount(currency, d.BigSale)
	return r, nil
}
