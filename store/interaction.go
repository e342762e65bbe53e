package store

import (
	"context"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// recentKept is how many interactions a customer document carries for its card.
const recentKept = 5

type interactionDoc struct {
	ID              string `bson:"_id"`
	crm.Interaction `bson:",inline"`
}

// LogInteraction numbers and stores it and, in one write to the customer, appends it to
// the recent list, moves the last contact forward and, for a contact tagged
// with a campaign, counts the response.
func (db *DB) LogInteraction(ctx context.Context, it *crm.Interaction) error {
	old, err := db.Customer(ctx, it.CustomerID)
	if err != nil {
		return err
	}
	n, err := db.next(ctx, "log")
	if err != nil {
		return err
	}
	it.ID, it.No = newID(), crm.LogNo(n)
	if err := db.indexCampaignResponse(ctx, keyCampaignLogs, it.Campaign, it.ID); err != nil {
		return err
	}
	never := old.Stats.LastContactAt.IsZero() && len(old.Recent) == 0
	if err := db.listRecord(ctx, keyCustomerLogs+string(it.CustomerID), it.ID, never); err != nil {
		return err
	}
	if _, err := db.interactions.InsertOne(ctx, interactionDoc{ID: it.ID, Interaction: *it}); err != nil {
		return translate("insert interaction", err)
	}
	if err := db.addKeys(ctx, it.ID, []string{logNoKey(it.No)}); err != nil {
		return err
	}
	update := bson.D{
		{Key: "$push", Value: bson.D{{Key: "recent", Value: bson.D{
			{Key: "$each", Value: []crm.Interaction{*it}},
			{Key: "$slice", Value: -recentKept},
		}}}},
		{Key: "$max", Value: bson.D{{Key: "stats.lastcontactat", Value: it.At}}},
	}
	if it.Campaign != "" {
		update = append(update,
			bson.E{Key: "$inc", Value: bson.D{{Key: "stats.campaignresponses", Value: 1}}},
			bson.E{Key: "$set", Value: bson.D{{Key: "stats.lastcampaign", Value: it.Campaign}}})
	}
	_, err = db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(it.CustomerID)}}, update)
	if err == nil {
		err = db.indexInteraction(ctx, old, it) // the scheduler's indexes (store/nudge.go)
	}
	if err != nil {
		return translate("log interaction", err)
	}
	return db.journal(ctx, &crm.Write{Kind: crm.WriteLog, Staff: it.Staff, At: it.At, CustomerID: it.CustomerID, Interaction: it})
}

func logNoKey(no crm.LogNo) string { return keyLogNo + strconv.FormatInt(int64(no), 10) }
