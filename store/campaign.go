package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

// Campaign response index documents, in the keys collection:
//
//	cs:raya-2026    ids of the sales tagged campaign=raya-2026
//	ci:raya-2026    ids of the logged contacts tagged with it
//	cr:indexed      marker: responses recorded before the index are in it
//
// A response's id is added before the sale or log is inserted, so a crash
// in between leaves an id that reads as missing, never a response the
// report cannot see.
const (
	keyCampaignSales   = "cs:"
	keyCampaignLogs    = "ci:"
	keyCampaignIndexed = "cr:indexed"
)

// indexCampaignResponse lists id under its campaign; no campaign, no entry.
func (db *DB) indexCampaignResponse(ctx context.Context, prefix, campaign, id string) error {
	if campaign == "" {
		return nil
	}
	return db.addKeys(ctx, id, []string{prefix + campaign})
}

// CampaignResponses reads the sales and logged contacts listed under the
// campaign's keys, each by _id: no scan, however long the history. The
// first call on a database whose responses predate the index builds it
// from one scan of each collection (indexCampaignResponses).
func (db *DB) CampaignResponses(ctx context.Context, name string) ([]crm.Sale, []crm.Interaction, error) {
	if err := db.indexCampaignResponses(ctx); err != nil {
		return nil, nil, err
	}
	saleIDs, err := db.lookup(ctx, keyCampaignSales+name)
	if err != nil {
		return nil, nil, err
	}
	var sales []crm.Sale
	for _, id := range saleIDs {
		var d saleDoc
		err := db.sales.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue // listed, then the process stopped before the insert
		}
		if err != nil {
			return nil, nil, translate("read campaign sale", err)
		}
		d.Sale.ID = d.ID
		sales = append(sales, d.Sale)
	}
	logIDs, err := db.lookup(ctx, keyCampaignLogs+name)
	if err != nil {
		return nil, nil, err
	}
	var logs []crm.Interaction
	for _, id := range logIDs {
		var d interactionDoc
		err := db.interactions.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if err == mongo.ErrNoDocuments {
			continue
		}
		if err != nil {
			return nil, nil, translate("read campaign contact", err)
		}
		d.Interaction.ID = d.ID
		logs = append(logs, d.Interaction)
	}
	return sales, logs, nil
}

// indexCampaignResponses lists the tagged sales and contacts recorded before
// the index existed, once per database behind the cr:indexed marker. Live
// writes list theirs all along, and a list is a set, so a response written
// during the build is listed once either way.
func (db *DB) indexCampaignResponses(ctx context.Context) error {
	if ids, err := db.lookup(ctx, keyCampaignIndexed); err != nil || len(ids) > 0 {
		return err
	}
	tagged := bson.D{{Key: "campaign", Value: bson.D{{Key: "$nin", Value: bson.A{"", nil}}}}}
	only := options.Find().SetProjection(bson.D{{Key: "campaign", Value: 1}})
	for _, src := range []struct {
		coll   *mongo.Collection
		prefix string
	}{{db.sales, keyCampaignSales}, {db.interactions, keyCampaignLogs}} {
		cur, err := src.coll.Find(ctx, tagged, only)
		if err != nil {
			return translate("find campaign responses", err)
		}
		var docs []struct {
			ID       string `bson:"_id"`
			Campaign string `bson:"campaign"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			return translate("read campaign responses", err)
		}
		byCampaign := map[string][]string{}
		for _, d := range docs {
			byCampaign[d.Campaign] = append(byCampaign[d.Campaign], d.ID)
		}
		for campaign, ids := range byCampaign {
			_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: src.prefix + campaign}},
				bson.D{{Key: "$addToSet", Value: bson.D{{Key: "ids", Value: bson.D{{Key: "$each", Value: ids}}}}}},
				options.UpdateOne().SetUpsert(true))
			if err != nil {
				return translate("index campaign responses", err)
			}
		}
	}
	return db.addKeys(ctx, "done", []string{keyCampaignIndexed})
}
