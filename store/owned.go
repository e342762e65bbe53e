package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// CustomersOwnedBy returns up to limit customers whose owner is staff, for a
// staff member's own overview (Slack's App Home). On the embedded store this
// scans the collection (DESIGN §5), so callers use it off the hot path.
func (db *DB) CustomersOwnedBy(ctx context.Context, staff crm.StaffID, limit int) ([]*crm.Customer, error) {
	cur, err := db.customers.Find(ctx, bson.D{{Key: "owner", Value: string(staff)}}, options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, translate("find owned customers", err)
	}
	var docs []customerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate("read owned customers", err)
	}
	out := make([]*crm.Customer, 0, len(docs))
	for i := range docs {
		c := docs[i].Customer
		c.ID = crm.CustomerID(docs[i].ID)
		out = append(out, &c)
	}
	return out, nil
}
