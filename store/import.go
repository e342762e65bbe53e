package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/crmbot/crmbot/crm"
)

// ImportCustomers stores many new customers at once: one bulk insert of the
// customers and one of their lookup keys, instead of a write per key per
// customer. It does not check for duplicates; callers
// match existing customers first. IDs are assigned to cs.
func (db *DB) ImportCustomers(ctx context.Context, cs []*crm.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	docs := make([]any, len(cs))
	keys := map[string][]string{}
	var order []string
	add := func(k, v string) {
		if _, ok := keys[k]; !ok {
			order = append(order, k)
		}
		keys[k] = append(keys[k], v)
	}
	vocab := map[string]bool{}
	now := db.now()
	for i, c := range cs {
		c.ID = crm.CustomerID(newID())
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		c.UpdatedAt = now
		if c.Stats.Tier == "" {
			c.Stats.Tier = crm.TierNone
		}
		docs[i] = customerDoc{ID: string(c.ID), Customer: *c}
		for _, k := range customerKeys(c) {
			add(k, string(c.ID))
		}
		for _, k := range careKeys(c) { // the scheduler's indexes (store/nudge.go)
			add(k, string(c.ID))
		}
		add(keyCreated+dayKey(c.CreatedAt), string(c.ID))
		for _, w := range nameWords(c) {
			if !vocab[w] {
				vocab[w] = true
				for _, k := range vocabKeys(w) {
					add(k, w)
				}
			}
		}
	}
	// The batch is one recoverable write (store/intent.go): its intent lists
	// the customers' ids, and a crash between the insert and the keys is
	// finished at start by redoImport, so a file sent again after a crash
	// finds these customers instead of creating them twice.
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = string(c.ID)
	}
	return db.withIntent(ctx, opImport, ids[0], importIntent{IDs: ids}, func(ctx context.Context) error {
		if _, err := db.customers.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
			return translate("import customers", err)
		}
		if err := db.step(opImport + "/inserted"); err != nil {
			return err
		}
		// The segment index (store/segindex.go): one update per bucket touched.
		rows := make(map[string]string, len(cs))
		for _, c := range cs {
			rows[string(c.ID)] = segmentRow(c)
		}
		if err := db.setRows(ctx, rows, false); err != nil {
			return fmt.Errorf("import customers: %w", err)
		}
		if err := db.writeKeyLists(ctx, order, keys, "$push"); err != nil {
			return fmt.Errorf("import customers: %w", err)
		}
		return nil
	})
}

// opImport is the intent of a batch of imported customers.
const opImport = "import"

// importIntent is what an import batch records: the ids it gave.
type importIntent struct {
	IDs []string `bson:"ids"`
}

// redoImport finishes a batch a crash interrupted: the customers that were
// inserted get their keys, segment rows and vocabulary, written so that
// what the batch had already written is not written twice ($addToSet,
// slower on long lists than the batch's $push, but this runs only after a
// crash). Customers the insert never reached stay absent.
func (db *DB) redoImport(ctx context.Context, raw bson.Raw) error {
	var in importIntent
	if err := bson.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("read import intent: %w", err)
	}
	keys := map[string][]string{}
	var order []string
	add := func(k, v string) {
		if _, ok := keys[k]; !ok {
			order = append(order, k)
		}
		keys[k] = append(keys[k], v)
	}
	rows := map[string]string{}
	vocab := map[string]bool{}
	for _, id := range in.IDs {
		c, err := db.Customer(ctx, crm.CustomerID(id))
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		rows[id] = segmentRow(c)
		for _, k := range customerKeys(c) {
			add(k, id)
		}
		for _, k := range careKeys(c) {
			add(k, id)
		}
		add(keyCreated+dayKey(c.CreatedAt), id)
		for _, w := range nameWords(c) {
			if !vocab[w] {
				vocab[w] = true
				for _, k := range vocabKeys(w) {
					add(k, w)
				}
			}
		}
	}
	if err := db.setRows(ctx, rows, false); err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	return db.writeKeyLists(ctx, order, keys, "$addToSet")
}

// writeKeyLists adds lists of values to many key documents at once: keys not
// stored yet arrive as one bulk insert, and each key that exists already
// (the insert's duplicate-key failures) gets one update with customerOp,
// or $addToSet for vocabulary keys. Import passes $push, since its customer
// ids are new: $addToSet compares each with the whole array, which for a
// day's key of 100,000 customers costs minutes on the embedded server.
// Vocabulary lists are short and shared between batches.
func (db *DB) writeKeyLists(ctx context.Context, order []string, keys map[string][]string, customerOp string) error {
	if len(order) == 0 {
		return nil
	}
	kdocs := make([]any, len(order))
	for i, k := range order {
		if strings.HasPrefix(k, keyEmailDomain) && len(keys[k]) > maxDomainCustomers {
			keys[k] = keys[k][:maxDomainCustomers]
		}
		kdocs[i] = bson.D{{Key: "_id", Value: k}, {Key: "ids", Value: keys[k]}}
	}
	_, err := db.keys.InsertMany(ctx, kdocs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &bwe) || bwe.WriteConcernError != nil:
		return translate("write lookup keys", err)
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return translate("write lookup keys", we)
		}
		k := order[we.Index]
		op := customerOp
		if strings.HasPrefix(k, keyPrefix) || strings.HasPrefix(k, keyDelete) {
			op = "$addToSet"
		}
		vals := keys[k]
		if strings.HasPrefix(k, keyEmailDomain) {
			room, err := db.domainRoom(ctx, k)
			if err != nil {
				return err
			}
			if vals = vals[:min(room, len(vals))]; len(vals) == 0 {
				continue
			}
		}
		_, err := db.keys.UpdateOne(ctx, bson.D{{Key: "_id", Value: k}},
			bson.D{{Key: op, Value: bson.D{{Key: "ids", Value: bson.D{{Key: "$each", Value: vals}}}}}})
		if err != nil {
			return fmt.Errorf("write lookup key: %w", translate("", err))
		}
	}
	return nil
}
