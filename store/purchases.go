package store

import (
	"context"
	"hash/fnv"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// Purchase index documents, in the keys collection:
//
//	buy:<customer id>  {p: {h<hash of ProductKey>: {n: name, at: time}}}, one
//	                   field per product, so a sale is one $set and one $max
//	                   and writing it twice changes nothing
//	buy:indexed        marker: sales recorded before the index are in it
const (
	keyPurchases       = "buy:"
	keyPurchasesMarker = "buy:indexed"
)

var _ crm.PurchaseStore = (*DB)(nil)

type purchaseEntry struct {
	Name string    `bson:"n"`
	At   time.Time `bson:"at"`
}

type purchaseDoc struct {
	Products map[string]purchaseEntry `bson:"p"`
}

// purchaseField names a product's field; a hash, since a product's name may
// hold "." or "$", which a field name may not.
func purchaseField(product string) string {
	h := fnv.New64a()
	h.Write([]byte(crm.ProductKey(product)))
	return "p.h" + strconv.FormatUint(h.Sum64(), 36)
}

// purchaseUpdate records that the customer bought product at.
func purchaseUpdate(set, maxAt bson.D, product string, at time.Time) (bson.D, bson.D) {
	f := purchaseField(product)
	return append(set, bson.E{Key: f + ".n", Value: product}), append(maxAt, bson.E{Key: f + ".at", Value: at})
}

// indexPurchase adds s to its customer's purchase document.
func (db *DB) indexPurchase(ctx context.Context, s *crm.Sale) error {
	if crm.ProductKey(s.Product) == "" {
		return nil
	}
	set, maxAt := purchaseUpdate(nil, nil, s.Product, s.At)
	return db.writePurchases(ctx, s.CustomerID, set, maxAt)
}

func (db *DB) writePurchases(ctx context.Context, id crm.CustomerID, set, maxAt bson.D) error {
	_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: keyPurchases + string(id)}},
		bson.D{{Key: "$set", Value: set}, {Key: "$max", Value: maxAt}}, options.UpdateOne().SetUpsert(true))
	return translate("index purchase", err)
}

// Purchases returns what the customer bought, latest first, from one
// document read by _id.
func (db *DB) Purchases(ctx context.Context, id crm.CustomerID) ([]crm.Purchase, error) {
	if err := db.indexOldPurchases(ctx); err != nil {
		return nil, err
	}
	var d purchaseDoc
	err := db.keys.FindOne(ctx, bson.D{{Key: "_id", Value: keyPurchases + string(id)}}).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return nil, nil
	}
	if err != nil {
		return nil, translate("read purchases", err)
	}
	out := make([]crm.Purchase, 0, len(d.Products))
	for _, e := range d.Products {
		out = append(out, crm.Purchase{Product: e.Name, At: e.At})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].Product < out[j].Product
	})
	return out, nil
}

// indexOldPurchases puts the sales recorded before the index into it, once
// per database behind the buy:indexed marker: one scan of the sales, then
// one write per customer. A write is a $set of the name and a $max of the
// date, so a sale recorded during the build comes out the same.
func (db *DB) indexOldPurchases(ctx context.Context) error {
	if ids, err := db.lookup(ctx, keyPurchasesMarker); err != nil || len(ids) > 0 {
		return err
	}
	cur, err := db.sales.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "customerid", Value: 1}, {Key: "product", Value: 1}, {Key: "at", Value: 1}}))
	if err != nil {
		return translate("find sales for purchases", err)
	}
	var sales []struct {
		CustomerID string    `bson:"customerid"`
		Product    string    `bson:"product"`
		At         time.Time `bson:"at"`
	}
	if err := cur.All(ctx, &sales); err != nil {
		return translate("read sales for purchases", err)
	}
	// One field per product and customer: an update may name a path once.
	byCustomer := map[string]map[string]purchaseEntry{}
	for _, s := range sales {
		if crm.ProductKey(s.Product) == "" {
			continue
		}
		fields := byCustomer[s.CustomerID]
		if fields == nil {
			fields = map[string]purchaseEntry{}
			byCustomer[s.CustomerID] = fields
		}
		f := crm.ProductKey(s.Product)
		if e, seen := fields[f]; !seen || s.At.After(e.At) {
			fields[f] = purchaseEntry{Name: s.Product, At: s.At}
		}
	}
	for id, fields := range byCustomer {
		var set, maxAt bson.D
		for _, e := range fields {
			set, maxAt = purchaseUpdate(set, maxAt, e.Name, e.At)
		}
		if err := db.writePurchases(ctx, crm.CustomerID(id), set, maxAt); err != nil {
			return err
		}
	}
	return db.addKeys(ctx, "done", []string{keyPurchasesMarker})
}
