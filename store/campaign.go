package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/crmbot/crmbot/crm"
)

var _ crm.CampaignStore = (*DB)(nil)

type campaignDoc struct {
	ID           string `bson:"_id"`
	crm.Campaign `bson:",inline"`
}

func (db *DB) campaigns() *mongo.Collection { return db.db.Collection("campaigns") }

// CreateCampaign inserts the campaign under its name; the unique _id turns
// a second campaign of that name into ECONFLICT.
func (db *DB) CreateCampaign(ctx context.Context, c *crm.Campaign) error {
	_, err := db.campaigns().InsertOne(ctx, campaignDoc{ID: c.Name, Campaign: *c})
	if mongo.IsDuplicateKeyError(err) {
		return crm.Errorf(crm.ECONFLICT, "err_campaign_exists", "name", c.Name)
	}
	return translate("create campaign", err)
}

// Campaign returns one campaign by name.
func (db *DB) Campaign(ctx context.Context, name string) (*crm.Campaign, error) {
	var d campaignDoc
	err := db.campaigns().FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil, crm.Errorf(crm.ENOTFOUND, "err_campaign_unknown", "name", name)
	}
	if err != nil {
		return nil, translate("find campaign", err)
	}
	d.Campaign.Name = d.ID
	return &d.Campaign, nil
}

// CampaignResponses filters sales and interactions on campaign = name: a
// typed value on a constant field. On the embedded store each is a scan of
// its collection (DESIGN §5); on MongoDB an index on campaign would serve it.
func (db *DB) CampaignResponses(ctx context.Context, name string) ([]crm.Sale, []crm.Interaction, error) {
	filter := bson.D{{Key: "campaign", Value: name}}
	cur, err := db.sales.Find(ctx, filter)
	if err != nil {
		return nil, nil, translate("find campaign sales", err)
	}
	var sd []saleDoc
	if err := cur.All(ctx, &sd); err != nil {
		return nil, nil, translate("read campaign sales", err)
	}
	cur, err = db.interactions.Find(ctx, filter)
	if err != nil {
		return nil, nil, translate("find campaign interactions", err)
	}
	var id []interactionDoc
	if err := cur.All(ctx, &id); err != nil {
		return nil, nil, translate("read campaign interactions", err)
	}
	sales := make([]crm.Sale, len(sd))
	for i, d := range sd {
		sales[i] = d.Sale
		sales[i].ID = d.ID
	}
	logs := make([]crm.Interaction, len(id))
	for i, d := range id {
		logs[i] = d.Interaction
		logs[i].ID = d.ID
	}
	return sales, logs, nil
}
