package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/crmbot/crmbot/crm"
)

// recentKept is how many interactions a customer document carries for its card.
const recentKept = 5

type interactionDoc struct {
	ID              string `bson:"_id"`
	crm.Interaction `bson:",inline"`
}

// LogInteraction stores it and, in one write to the customer, appends it to
// the recent list, moves the last contact forward and, for a contact tagged
// with a campaign, counts the response.
func (db *DB) LogInteraction(ctx context.Context, it *crm.Interaction) error {
	old, err := db.Customer(ctx, it.CustomerID)
	if err != nil {
		return err
	}
	it.ID = newID()
	if err := db.indexCampaignResponse(ctx, keyCampaignLogs, it.Campaign, it.ID); err != nil {
		return err
	}
	if _, err := db.interactions.InsertOne(ctx, interactionDoc{ID: it.ID, Interaction: *it}); err != nil {
		return translate("insert interaction", err)
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
	return translate("log interaction", err)
}
