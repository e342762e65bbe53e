package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// Finding is one thing Check found out of place, in one line that names
// internal ids only (no customer data), and whether it was mended.
type Finding struct {
	What     string
	Repaired bool
}

// checkedKeys are the key kinds that list customers by what find looks up.
var checkedKeys = []string{keyPhone, keyPhoneSuffix, keyEmail, keyEmailDomain, keyWord}

// Check compares what indexes the customers with the customers: every
// customer is listed under each lookup key its phones, e-mails and names
// give; no lookup key lists a customer that is gone; no open complaint on
// a customer's card is resolved or gone; no multi-document write is left
// unfinished. With repair it mends each finding as it goes. It reads the
// keys, the customers and the complaints once each, so it costs one pass
// over the data, not a read per customer. Its repairs add and remove
// single ids and pull exact entries, so it is safe to run beside crmbot on
// MongoDB (the embedded store belongs to one process, so there crmbot is
// stopped first).
func (db *DB) Check(ctx context.Context, repair bool, report func(Finding)) (int, error) {
	n := 0
	found := func(what string, fix func() error) error {
		n++
		f := Finding{What: what}
		if repair {
			if err := fix(); err != nil {
				return fmt.Errorf("repair %s: %w", what, err)
			}
			f.Repaired = true
		}
		report(f)
		return nil
	}

	// Writes cut short and more than a minute old.
	cur, err := db.db.Collection("intents").Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: db.now().Add(-time.Minute)}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return n, translate("list intents", err)
	}
	var intents []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &intents); err != nil {
		return n, translate("list intents", err)
	}
	for _, in := range intents {
		if err := found("unfinished write "+in.ID, func() error { return db.finishIntent(ctx, in.ID) }); err != nil {
			return n, err
		}
	}

	// The lookup keys, as sets.
	keys := map[string]map[string]bool{}
	// The pattern is built from our key kinds, not user text; it spares
	// decoding the far more numerous vocabulary keys.
	kinds := make([]string, len(checkedKeys))
	for i, k := range checkedKeys {
		kinds[i] = strings.TrimSuffix(k, ":")
	}
	pattern := "^(" + strings.Join(kinds, "|") + "):"
	cur, err = db.keys.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: pattern}}}}, options.Find().SetBatchSize(5000))
	if err != nil {
		return n, translate("read keys", err)
	}
	for cur.Next(ctx) {
		var d struct {
			ID  string   `bson:"_id"`
			IDs []string `bson:"ids"`
		}
		if err := cur.Decode(&d); err != nil {
			return n, translate("read keys", err)
		}
		set := make(map[string]bool, len(d.IDs))
		for _, id := range d.IDs {
			set[id] = true
		}
		keys[d.ID] = set
	}
	if err := cur.Err(); err != nil {
		return n, translate("read keys", err)
	}

	// The complaints: which numbers are still open.
	open := map[int64]bool{}
	cur, err = db.complaints.Find(ctx, bson.D{}, options.Find().SetBatchSize(5000).
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "resolvedat", Value: 1}}))
	if err != nil {
		return n, translate("read complaints", err)
	}
	for cur.Next(ctx) {
		var d struct {
			No         int64     `bson:"_id"`
			ResolvedAt time.Time `bson:"resolvedat"`
		}
		if err := cur.Decode(&d); err != nil {
			return n, translate("read complaints", err)
		}
		open[d.No] = d.ResolvedAt.IsZero()
	}

	// Each customer against its keys and its open complaints.
	customers := map[string]bool{}
	cur, err = db.customers.Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
	if err != nil {
		return n, translate("read customers", err)
	}
	for cur.Next(ctx) {
		var d customerDoc
		if err := cur.Decode(&d); err != nil {
			return n, translate("read customers", err)
		}
		c := &d.Customer
		c.ID = crm.CustomerID(d.ID)
		customers[d.ID] = true
		var missing []string
		for _, k := range customerKeys(c) {
			if keys[k][d.ID] {
				continue
			}
			if strings.HasPrefix(k, keyEmailDomain) && len(keys[k]) >= maxDomainCustomers {
				continue // a full domain key lists the first customers only
			}
			missing = append(missing, k)
		}
		if len(missing) > 0 {
			what := fmt.Sprintf("customer %s is missing from %d lookup keys (%s)", d.ID, len(missing), keyKinds(missing))
			if err := found(what, func() error {
				if err := db.addKeys(ctx, d.ID, missing); err != nil {
					return err
				}
				return db.addVocabulary(ctx, nameWords(c))
			}); err != nil {
				return n, err
			}
		}
		var stale []crm.ComplaintSummary
		for _, o := range c.Open {
			if !open[int64(o.No)] {
				stale = append(stale, o)
			}
		}
		if len(stale) > 0 {
			what := fmt.Sprintf("customer %s shows %d resolved or missing complaints as open", d.ID, len(stale))
			if err := found(what, func() error {
				_, err := db.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{
					{Key: "$pullAll", Value: bson.D{{Key: "open", Value: stale}}},
					{Key: "$set", Value: bson.D{{Key: "stats.opencomplaints", Value: len(c.Open) - len(stale)}}},
				})
				return translate("close stale complaints", err)
			}); err != nil {
				return n, err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return n, translate("read customers", err)
	}

	// Keys that list customers who are gone.
	for k, ids := range keys {
		for id := range ids {
			if customers[id] {
				continue
			}
			what := fmt.Sprintf("lookup key of kind %s lists customer %s, who is gone", strings.TrimSuffix(k[:strings.IndexByte(k, ':')+1], ":"), id)
			if err := found(what, func() error { return db.removeKeys(ctx, id, []string{k}) }); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// keyKinds names the kinds of keys, not their values (phones, e-mails).
func keyKinds(keys []string) string {
	seen := map[string]bool{}
	var kinds []string
	for _, k := range keys {
		kind := k[:strings.IndexByte(k, ':')]
		if !seen[kind] {
			seen[kind] = true
			kinds = append(kinds, kind)
		}
	}
	return strings.Join(kinds, ", ")
}
