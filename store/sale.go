package store

import (
	"context"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

type saleDoc struct {
	ID       string `bson:"_id"`
	crm.Sale `bson:",inline"`
}

// RecordSale numbers and stores s and updates the customer's figures and
// tier (and, for a sale tagged with a campaign, its campaign responses) in
// one write; for a lost customer the same write clears the lost mark and
// keeps it in WonBack. The tier is computed from the figures as they will
// be after this sale; a concurrent sale may leave it one sale behind until
// the next sale or the daily run recomputes it.
func (db *DB) RecordSale(ctx context.Context, s *crm.Sale, tier func(crm.Stats) crm.Tier) error {
	c, err := db.Customer(ctx, s.CustomerID)
	if err != nil {
		return err
	}
	n, err := db.next(ctx, "sale")
	if err != nil {
		return err
	}
	s.ID, s.No = newID(), crm.SaleNo(n)
	if err := db.indexCampaignResponse(ctx, keyCampaignSales, s.Campaign, s.ID); err != nil {
		return err
	}
	if err := db.listRecord(ctx, keyCustomerSales+string(s.CustomerID), s.ID, c.Stats.Orders == 0); err != nil {
		return err
	}
	if _, err := db.sales.InsertOne(ctx, saleDoc{ID: s.ID, Sale: *s}); err != nil {
		return translate("insert sale", err)
	}
	if err := db.addKeys(ctx, s.ID, []string{saleNoKey(s.No)}); err != nil {
		return err
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
	var won *crm.WinBack
	if c.Lost != nil { // a sale wins a lost customer back
		won = &crm.WinBack{At: s.At, Sale: s.No, Lost: *c.Lost}
		set = append(set, bson.E{Key: "lost", Value: nil})
	}
	newTier := tier(st)
	set = append(set, bson.E{Key: "stats.tier", Value: string(newTier)})
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
		{Key: "$set", Value: set},
	}
	if won != nil {
		update = append(update, bson.E{Key: "$push", Value: bson.D{{Key: "wonback", Value: won}}})
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(s.CustomerID)}}, update)
	if err != nil {
		return translate("record sale", err)
	}
	old := c
	if won != nil {
		// The win-back moves the customer off the lost: key and its tier
		// from lost; indexSale then sees a customer that was never lost.
		back := *c
		back.Lost, back.Stats.Tier = nil, newTier
		if err := db.rekeyCare(ctx, c, &back); err != nil {
			return err
		}
		if err := db.rerow(ctx, c, &back); err != nil {
			return err
		}
		old = &back
	}
	if err := db.indexSale(ctx, old, s, st, newTier); err != nil { // the scheduler's indexes (store/nudge.go)
		return translate("record sale", err)
	}
	if err := db.indexPurchase(ctx, s); err != nil { // what the customer bought (store/purchases.go)
		return err
	}
	return db.journal(ctx, &crm.Write{Kind: crm.WriteSale, Staff: s.Staff, At: s.At, CustomerID: s.CustomerID, Sale: s, WonBack: won})
}

func saleNoKey(no crm.SaleNo) string { return keySaleNo + strconv.FormatInt(int64(no), 10) }
