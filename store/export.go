package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// EachCustomer calls fn with every customer, in _id order, reading the
// collection once with a cursor; fn's error stops the walk and is returned.
func (db *DB) EachCustomer(ctx context.Context, fn func(*crm.Customer) error) error {
	cur, err := db.customers.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return translate("list customers", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d customerDoc
		if err := cur.Decode(&d); err != nil {
			return translate("read customer", err)
		}
		d.Customer.ID = crm.CustomerID(d.ID)
		if err := fn(&d.Customer); err != nil {
			return err
		}
	}
	return translate("list customers", cur.Err())
}
