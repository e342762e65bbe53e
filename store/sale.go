package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

type saleDoc struct {
	ID       string `bson:"_id"`
	crm.Sale `bson:",inline"`
}

// RecordSale stores s and updates the customer's figures and tier (and, for
// a sale tagged with a campaign, its campaign responses) in one write. The
// tier is computed from the figures as they will be after this sale; a
// concurrent sale may leave it one sale behind until the next sale or the
// daily run recomputes it.
func (db *DB) RecordSale(ctx context.Context, s *crm.Sale, tier func(crm.Stats) crm.Tier) error {
	c, err := db.Customer(ctx, s.CustomerID)
	if err != nil {
		return err
	}
	s.ID = newID()
	if err := db.indexCampaignResponse(ctx, keyCampaignSales, s.Campaign, s.ID); err != nil {
		return err
	}
	if _, err := db.sales.InsertOne(ctx, saleDoc{ID: s.ID, Sale: *s}); err != nil {
		return translate("insert sale", err)
	}
	st := c.Stats
	st.Orders++
	if st.Spent == nil {
		st.Spent = map[string]int64{}
	}
	st.Spent[s.Amount.Currency] += s.Amount.Minor
	st.Largest = max(st.Largest, s.Amount.Minor)
	if s.At.After(st.LastOrderAt) {
		st.LastOrderAt = s.At
	}
	inc := bson.D{
		{Key: "stats.orders", Value: 1},
		{Key: "stats.spent." + s.Amount.Currency, Value: s.Amount.Minor},
	}
	if s.Payment == crm.PayCredit {
		inc = append(inc, bson.E{Key: "stats.creditdue", Value: s.Amount.Minor})
	}
	var set bson.D
	if c.Lost == nil {
		set = append(set, bson.E{Key: "stats.tier", Value: string(tier(st))})
	}
	if s.Campaign != "" {
		inc = append(inc, bson.E{Key: "stats.campaignresponses", Value: 1})
		set = append(set, bson.E{Key: "stats.lastcampaign", Value: s.Campaign})
	}
	update := bson.D{
		{Key: "$inc", Value: inc},
		{Key: "$max", Value: bson.D{
			{Key: "stats.lastorderat", Value: s.At},
			{Key: "stats.largest", Value: s.Amount.Minor},
		}},
	}
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(s.CustomerID)}}, update)
	if err == nil {
		newTier := c.Stats.Tier
		if c.Lost == nil {
			newTier = tier(st)
		}
		err = db.indexSale(ctx, c, s, st, newTier) // the scheduler's indexes (store/nudge.go)
	}
	if err == nil {
		err = db.indexPurchase(ctx, s) // what the customer bought (store/purchases.go)
	}
	return translate("record sale", err)
}
